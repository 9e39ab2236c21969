"""Reading the audit trail: only the roles that answer for it, each within its area, newest first,
with filters by user, action, case and day."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

import pytest

from db.models import AuditLog
from lib.errors import Forbidden
from lib.permissions import Action, roles_that_can
from services import applications as apps
from services.audit_log import audit_entries

PERSIAN = re.compile(r"[\u0600-\u06FF]")


@pytest.fixture
def trail(session, county_expert, intake):
    """A submitted case: rows for the applicant and the application, by the county expert."""
    case = apps.submit_application(session, county_expert, intake("A"))
    apps.change_state(session, county_expert, case.id, "documents_incomplete")
    return case


def test_managers_and_administrators_read_the_audit_log_others_are_refused(
    session, trail, county_expert, secretary, province_committee, province_manager, national_manager, admin
):
    assert {r.value for r in roles_that_can(Action.view_audit)} == {"manager", "admin"}
    for reader in (national_manager, admin, province_manager):  # the case is in her province
        entries = audit_entries(session, reader)
        assert [e.action for e in entries] == ["application.state", "application.submit", "applicant.create"]
        assert entries[0].tracking_code == trail.tracking_code and entries[0].application_id == trail.id
        assert entries[0].full_name == county_expert.full_name
    for outsider in (county_expert, secretary, province_committee):
        with pytest.raises(Forbidden) as err:
            audit_entries(session, outsider)
        assert PERSIAN.search(err.value.message)


def test_a_provincial_manager_reads_only_her_provinces_records(
    session, trail, areas, make_actor, county_expert, province_manager, national_manager, intake
):
    """Today only national users could read the log (it had no area column)."""
    from lib.permissions import Role

    kashan_expert = make_actor(Role.county_expert, province_id=areas.other_province, county_id=areas.other_county)
    other = apps.submit_application(session, kashan_expert, intake("A", county_id=areas.other_county))
    assert other.province_id == areas.other_province
    everything = audit_entries(session, national_manager)
    assert {e.province_id for e in everything} >= {areas.province, areas.other_province}
    hers = audit_entries(session, province_manager)
    assert hers and {e.province_id for e in hers} == {areas.province}
    assert other.id not in {e.application_id for e in hers}
    isfahan_manager = make_actor(Role.manager, province_id=areas.other_province)
    theirs = audit_entries(session, isfahan_manager)
    assert {e.application_id for e in theirs if e.application_id} == {other.id}
    # a record with no area (national) is for national readers only
    from services.base import SYSTEM, audit

    audit(session, SYSTEM, "budget.set", "budget", "x", after={"amounts": {}})
    session.commit()
    assert audit_entries(session, national_manager)[0].province_id is None
    assert audit_entries(session, province_manager)[0].action != "budget.set"


def test_filters_by_case_action_and_user(session, trail, county_expert, admin, intake):
    second = apps.submit_application(session, county_expert, intake("A"))
    on_first = audit_entries(session, admin, tracking_code=f" {trail.tracking_code.lower()} ")
    assert {e.application_id for e in on_first} == {trail.id}
    assert [e.action for e in on_first] == ["application.state", "application.submit"]
    assert {e.application_id for e in audit_entries(session, admin, action="application.submit")} == {trail.id, second.id}
    assert len(audit_entries(session, admin, user_id=county_expert.id)) == 5
    from lib.errors import InvalidInput

    for bad in ("A03\x00", "نامعلوم", "Z" * 21):
        with pytest.raises(InvalidInput):
            audit_entries(session, admin, tracking_code=bad)
    with pytest.raises(InvalidInput, match="پیدا نشد"):
        audit_entries(session, admin, tracking_code="A99999999")
    with pytest.raises(InvalidInput):
        audit_entries(session, admin, since=date(2025, 2, 2), until=date(2025, 2, 1))


def test_filters_by_user_entity_and_day(session, trail, county_expert, admin):
    assert len(audit_entries(session, admin, username=county_expert.username.upper() + " ")) == 3
    assert audit_entries(session, admin, username="someone.else") == []
    assert [e.action for e in audit_entries(session, admin, entity="applicant")] == ["applicant.create"]

    today = datetime.now(timezone.utc).date()
    assert len(audit_entries(session, admin, since=today, until=today)) == 3
    assert audit_entries(session, admin, since=today + timedelta(days=1)) == []
    assert audit_entries(session, admin, until=today - timedelta(days=1)) == []
    assert len(audit_entries(session, admin, limit=2)) == 2


def test_a_day_filter_uses_whole_utc_days(session, admin):
    # rows at the very start and end of a day, and just outside it
    day = date(2025, 3, 20)
    for at in (
        datetime(2025, 3, 19, 23, 59, 59, tzinfo=timezone.utc),
        datetime(2025, 3, 20, 0, 0, 0, tzinfo=timezone.utc),
        datetime(2025, 3, 20, 23, 59, 59, tzinfo=timezone.utc),
        datetime(2025, 3, 21, 0, 0, 0, tzinfo=timezone.utc),
    ):
        session.add(AuditLog(at=at, action="test.mark", entity="test", entity_id=at.isoformat()))
    session.commit()
    found = audit_entries(session, admin, entity="test", since=day, until=day)
    assert sorted(e.entity_id for e in found) == ["2025-03-20T00:00:00+00:00", "2025-03-20T23:59:59+00:00"]
