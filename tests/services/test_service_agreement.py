"""The service agreement: no figure until an administrator sets one; targets and the validity
period kept with who set them and when, audited; bad input refused in Persian; the app warns a
month before the validity ends."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from sqlmodel import select

from db.models import AuditLog
from db.models.reference import StageTarget
from lib.errors import Forbidden, InvalidInput
from lib.permissions import Role
from lib.service_agreement import WARN_BEFORE, stages_of, validity_warning
from services.base import Actor
from services.service_agreement import (
    MAX_TARGET_DAYS, agreement_of, agreements, expiry_warnings, set_stage_target, set_validity,
)
from services.users import actor_for, create_user
from services.base import SYSTEM

EXPERT = Actor(id=None, username="expert", full_name="کارشناس", role=Role.county_expert, province_id=1, county_id=1)


@pytest.fixture
def admin(session):
    return actor_for(create_user(session, SYSTEM, username="sla-admin", full_name="مریم احمدی",
                                 password="secret-pass-1", role="admin"))


def test_nothing_is_published_as_fact_until_an_administrator_sets_it(session):
    for view in agreements(session):
        assert view.valid_until is None and not view.complete
        assert view.total_days is None and view.total_visits is None
        assert all(s.target_days is None and s.visits is None and s.set_by_name is None for s in view.stages)
    b = agreement_of(session, "B")
    assert [s.stage for s in b.stages] == stages_of("B") and "introduced" in stages_of("B")
    assert "مدرک سرپرستی خانوار" in b.documents


def test_targets_keep_who_set_them_and_when_and_are_audited(session, admin):
    stages = stages_of("B")
    view = None
    for i, stage in enumerate(stages):
        view = set_stage_target(session, admin, program="B", stage=stage, target_days=5 + i, visits=i % 2)
    assert view.complete
    assert view.total_days == sum(5 + i for i in range(len(stages)))
    assert view.total_visits == sum(i % 2 for i in range(len(stages)))
    assert {s.set_by_name for s in view.stages} == {"مریم احمدی"} and all(s.set_at for s in view.stages)
    changed = set_stage_target(session, admin, program="B", stage=stages[0], target_days=9, visits=1)
    assert changed.stages[0].target_days == 9
    assert len(session.exec(select(StageTarget)).all()) == len(stages)  # changed in place, one row a stage
    audits = session.exec(select(AuditLog).where(AuditLog.action == "service_agreement.target")
                          .order_by(AuditLog.id)).all()
    assert len(audits) == len(stages) + 1
    assert audits[-1].before["target_days"] == 5 and audits[-1].after["target_days"] == 9
    assert audits[-1].username == "sla-admin"
    assert agreement_of(session, "A").stages[0].target_days is None  # per programme


def test_validity_period_and_the_warning_a_month_before(session, admin):
    today = date(2026, 11, 30)
    set_validity(session, admin, program="B", valid_from=date(2026, 3, 21), valid_until=today + timedelta(days=45))
    assert expiry_warnings(session, today) == []
    assert [(a.program_code, kind) for a, kind in expiry_warnings(session, today + timedelta(days=15))] == [("B", "ending")]
    assert [kind for _, kind in expiry_warnings(session, today + timedelta(days=46))] == ["ended"]
    view = agreement_of(session, "B")
    assert view.period_set_by == "مریم احمدی" and view.valid_from == date(2026, 3, 21)
    audit = session.exec(select(AuditLog).where(AuditLog.action == "service_agreement.period")).one()
    assert audit.after["valid_until"] == (today + timedelta(days=45)).isoformat()


@pytest.mark.parametrize("kwargs, field", [
    ({"program": "Z"}, "program"),
    ({"stage": "payment"}, "stage"),
    ({"program": "A", "stage": "introduced"}, "stage"),  # programme A has no SSO introduction stage
    ({"target_days": 0}, "target_days"),
    ({"target_days": MAX_TARGET_DAYS + 1}, "target_days"),
    ({"target_days": "15"}, "target_days"),
    ({"visits": -1}, "visits"),
    ({"visits": True}, "visits"),
])
def test_bad_targets_are_refused_and_nothing_is_written(session, admin, kwargs, field):
    args = {"program": "B", "stage": "received", "target_days": 10, "visits": 1, **kwargs}
    with pytest.raises(InvalidInput) as refused:
        set_stage_target(session, admin, **args)
    session.rollback()
    assert refused.value.field == field
    assert session.exec(select(StageTarget)).all() == []


def test_a_period_ending_before_it_starts_is_refused(session, admin):
    with pytest.raises(InvalidInput) as refused:
        set_validity(session, admin, program="B", valid_from=date(2026, 5, 1), valid_until=date(2026, 4, 1))
    assert refused.value.field == "valid_until"
    with pytest.raises(InvalidInput):
        set_validity(session, admin, program="B", valid_from=None, valid_until=None)


def test_only_an_administrator_sets_the_agreement(session):
    with pytest.raises(Forbidden):
        set_stage_target(session, EXPERT, program="B", stage="received", target_days=10, visits=1)
    with pytest.raises(Forbidden):
        set_validity(session, EXPERT, program="B", valid_from=None, valid_until=date(2027, 1, 1))


@given(days_left=st.integers(-400, 400))
@example(days_left=WARN_BEFORE.days)
@example(days_left=WARN_BEFORE.days + 1)
@example(days_left=0)
@example(days_left=-1)
def test_warning_starts_a_month_before_the_end(days_left):
    today = date(2026, 11, 30)
    kind = validity_warning(today + timedelta(days=days_left), today)
    assert kind == ("ended" if days_left < 0 else "ending" if days_left <= WARN_BEFORE.days else None)
    assert validity_warning(None, today) is None
