"""When the stage each waiting case waits for began (``application.stage_since``, migration 0028) stays
what its state and its events say, whatever writes them — on SQLite (row triggers) and PostgreSQL
(a BEFORE trigger on the case, statement triggers on ``stagereach``): the case moving on, moving
back to «documents incomplete», an event written late or out of order, moved or deleted; and two
writers of one case at once on PostgreSQL."""
from __future__ import annotations

import importlib
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, text, update
from sqlmodel import select

from db.models import Application, ApplicationEvent
from db.models.cases import WAITING_STATES, WAITING_WHERE
from lib.service_agreement import STAGE_LABELS, stage_starts, waiting_for
from tests.services.overlapping import overlapping_writes
from tests.services.test_sla_dashboard import NOW, make_case

M0028 = importlib.import_module("db.migrations.versions.0028_stage_since")
STATES = ["received", "documents_incomplete", "scored", "county_decision", "province_decision", "introduced",
          "active", "rejected", "closed"]


def test_the_migration_starts_each_wait_where_the_dashboard_does():
    assert set(M0028.WAITING_STATES) == set(WAITING_STATES) == {s for c in "AB" for s in waiting_for(c)}
    assert M0028.WHERE == WAITING_WHERE
    for code in "AB":
        for state, stage in waiting_for(code).items():
            assert M0028.STARTED_BY.get(state, state) == stage_starts(code)[stage], (code, state)


def expected(session) -> dict[int, object]:
    """Each case's first reaching (from its events) of the state that started the stage it waits for."""
    out = {}
    for case in session.execute(select(Application)).scalars():
        start = M0028.STARTED_BY.get(case.state, case.state) if case.state in WAITING_STATES else None
        times = [at for state, at in session.execute(
            select(ApplicationEvent.to_state, ApplicationEvent.at).where(ApplicationEvent.application_id == case.id))
            if state == start and state in STAGE_LABELS]
        out[case.id] = min(times) if times else None
    return out


def kept(session) -> dict[int, object]:
    return dict(session.execute(text("SELECT id, stage_since FROM application")).all())


def same(session) -> None:
    session.flush()
    session.expire_all()
    now = {i: session.get(Application, i).stage_since for i in kept(session)}
    assert now == expected(session)


def set_state(session, case_id: int, state: str) -> None:
    session.execute(update(Application).where(Application.id == case_id).values(state=state))


# a step: the case moves to a state (and an event says so, or not), at hours after the start
STEPS = st.lists(st.tuples(st.sampled_from(STATES), st.integers(0, 24 * 90), st.booleans()), min_size=1, max_size=7)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(program=st.sampled_from("AB"), steps=STEPS)
@example(program="A", steps=[("received", 0, True), ("documents_incomplete", 5, True), ("received", 9, True)])
@example(program="B", steps=[("county_decision", 10, False), ("county_decision", 3, True), ("introduced", 1, True)])
def test_the_start_follows_each_state_and_event(session, areas, program, steps):
    """The case's state and its events written one by one in any order (a state without its event, an
    event earlier than one written before it): after each write the column is what they say."""
    start = NOW - timedelta(days=120)
    case = make_case(session, areas.county, areas.province, program, [("received", start)])
    same(session)
    for state, hours, with_event in steps:
        set_state(session, case.id, state)
        if with_event:
            session.add(ApplicationEvent(application_id=case.id, from_state=None, to_state=state,
                                         at=start + timedelta(hours=hours)))
        same(session)


def test_moved_and_deleted_events_are_followed(session, areas):
    start = NOW - timedelta(days=60)
    waiting = make_case(session, areas.county, areas.province, "A",
                        [("received", start), ("scored", start + timedelta(days=4))])
    back = make_case(session, areas.county, areas.province, "B",
                     [("received", start), ("documents_incomplete", start + timedelta(days=2))])
    same(session)
    assert kept(session)[back.id] is not None  # waits from its first «received»
    # the «scored» event moved earlier, then deleted: the start moves, then there is none
    event = ApplicationEvent.application_id == waiting.id
    session.execute(update(ApplicationEvent).where(event, ApplicationEvent.to_state == "scored")
                    .values(at=start + timedelta(days=1)))
    same(session)
    session.execute(delete(ApplicationEvent).where(event, ApplicationEvent.to_state == "scored"))
    same(session)
    assert kept(session)[waiting.id] is None
    # a closed case waits for nothing, whatever it reached
    set_state(session, back.id, "rejected")
    same(session)
    assert kept(session)[back.id] is None


@pytest.mark.parametrize("state_first", [True, False])
def test_a_state_change_and_its_event_written_at_once_on_postgresql(engine, session, areas, state_first):
    """Two transactions at the same moment (threads): one moves the case on, the other writes the event
    that reaches the new state. Whichever takes the case's row first, the second waits for it and
    reads what it wrote: the case's stage began at the event."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time")
    start = NOW - timedelta(days=30)
    case = make_case(session, areas.county, areas.province, "A", [("received", start)])
    session.commit()
    reached = start + timedelta(days=3)
    def move(mine) -> None:
        mine.execute(update(Application).where(Application.id == case.id).values(state="scored"))

    def record(mine) -> None:
        mine.add(ApplicationEvent(application_id=case.id, from_state="received", to_state="scored", at=reached))

    errors = overlapping_writes(engine, *((move, record) if state_first else (record, move)))
    assert not errors
    session.expire_all()
    assert session.get(Application, case.id).stage_since == reached
    same(session)
