"""Reading the audit trail: only the roles that answer for it, newest first, with filters."""
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


def test_only_national_managers_and_administrators_read_the_audit_log(
    session, trail, county_expert, secretary, province_committee, province_manager, national_manager, admin
):
    assert {r.value for r in roles_that_can(Action.view_audit)} == {"manager", "admin"}
    for reader in (national_manager, admin):
        entries = audit_entries(session, reader)
        assert [e.action for e in entries] == ["application.state", "application.submit", "applicant.create"]
    # the log holds every province's snapshots and has no area column: a province's manager is refused
    for outsider in (county_expert, secretary, province_committee, province_manager):
        with pytest.raises(Forbidden) as err:
            audit_entries(session, outsider)
        assert PERSIAN.search(err.value.message)


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
