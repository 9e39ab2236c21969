"""SSO branches: reference data an administrator keeps per county (issue 6)."""
from __future__ import annotations

from sqlmodel import select

from db.models import AuditLog
from lib.errors import Forbidden
from services.branches import add_branch, county_branches, set_branch_active
from tests.services.refusals import refused


def test_an_administrator_adds_and_retires_branches_with_audit(session, admin, county_expert, areas):
    first = add_branch(session, admin, areas.county, "شعبه ۲۴", "۱۲۴")
    add_branch(session, admin, areas.county, "شعبه الف")
    add_branch(session, admin, areas.sibling_county, "شعبه اسلامشهر")
    assert first.code == "124"
    assert {b.name for b in county_branches(session, county_expert, areas.county)} == {"شعبه ۲۴", "شعبه الف"}
    set_branch_active(session, admin, first.id, False)
    assert [b.name for b in county_branches(session, county_expert, areas.county)] == ["شعبه الف"]
    assert len(county_branches(session, county_expert, areas.county, active_only=False)) == 2
    actions = [a.action for a in session.exec(select(AuditLog).where(AuditLog.entity == "sso_branch")).all()]
    assert actions.count("sso_branch.create") == 3 and actions.count("sso_branch.active") == 1


def test_bad_or_duplicate_branches_are_refused(session, admin, areas, counts):
    add_branch(session, admin, areas.county, "شعبه ۲۴")
    assert refused(session, counts, lambda: add_branch(session, admin, areas.county, "شعبه ۲۴")).field == "name"
    assert refused(session, counts, lambda: add_branch(session, admin, areas.county, "  ")).field == "name"
    assert refused(session, counts, lambda: add_branch(session, admin, areas.county, "ش" * 121)).field == "name"
    assert refused(session, counts, lambda: add_branch(session, admin, areas.county, "شعبه ۳", "کد!")).field == "code"


def test_only_administrators_keep_the_list(session, secretary, county_expert, areas, counts):
    refused(session, counts, lambda: add_branch(session, secretary, areas.county, "شعبه ۲۴"), Forbidden)
    refused(session, counts, lambda: county_branches(session, county_expert, areas.sibling_county), Forbidden)
