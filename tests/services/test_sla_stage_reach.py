"""The SLA dashboard's kept table of first reachings (``stagereach``, migration 0025) stays what the
events say, whatever writes them — on SQLite (row triggers) and PostgreSQL (statement triggers): an
event written out of time order, several in one statement, one deleted or moved in time, a case
moved to another county or province, its application date or programme changed."""
from __future__ import annotations

import importlib
from datetime import datetime, time, timedelta, timezone

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, insert, text, update
from sqlmodel import select

from db.models import Application, ApplicationEvent, Program, StageReach
from lib.jalali import local_date
from lib.service_agreement import STAGE_LABELS, stage_starts, stages_of
from tests.services.overlapping import overlapping_writes
from tests.services.test_sla_dashboard import NOW, make_case

M0025 = importlib.import_module("db.migrations.versions.0025_stage_reach")


def test_the_migration_measures_the_stages_the_dashboard_names():
    assert list(M0025.STAGE_STATES) == list(STAGE_LABELS)
    for code in "AB":
        starts = stage_starts(code)
        assert starts[M0025.FIRST_STAGE] is None
        assert {stage: start for stage, start in starts.items() if start} == M0025.STAGE_STARTS[code]


def expected(session) -> list[tuple]:
    """What the events say: each case's first reaching of each stage state, its Tehran day and the
    stage's days (from the start state's first reaching, or the application date)."""
    codes = dict(session.execute(select(Program.id, Program.code)).all())
    out = []
    for case in session.execute(select(Application).order_by(Application.id)).scalars():
        firsts: dict[str, object] = {}
        for state, at in session.execute(select(ApplicationEvent.to_state, ApplicationEvent.at)
                                         .where(ApplicationEvent.application_id == case.id)).all():
            if state in STAGE_LABELS and (state not in firsts or at < firsts[state]):
                firsts[state] = at
        code = codes[case.program_id]
        for state, at in sorted(firsts.items()):
            start = stage_starts(code)[state] if state in stages_of(code) else "none"
            # the first stage from the application date (its midnight, UTC: as both databases read a date)
            began = datetime.combine(case.applied_on, time(), timezone.utc) if start is None else firsts.get(start)
            days = None if began is None else (at - began).total_seconds() / 86400
            out.append((case.id, state, case.program_id, case.province_id, case.county_id, at, local_date(at), days))
    return out


def kept(session) -> list[tuple]:
    return [tuple(r) for r in session.execute(
        select(*StageReach.__table__.c).order_by(StageReach.application_id, StageReach.state)).all()]


def same(session) -> None:
    session.flush()
    session.expire_all()
    now, then = kept(session), expected(session)
    assert [r[:7] for r in now] == [r[:7] for r in then]
    assert [r[7] for r in now] == [pytest.approx(r[7], abs=1e-6) if r[7] is not None else None for r in then]


# an event: (state, hours after the start); written in the order given
EVENTS = st.lists(st.tuples(st.sampled_from(["received", "documents_incomplete", "scored", "county_decision",
                                             "province_decision", "introduced", "active"]),
                            st.integers(0, 24 * 90)), min_size=1, max_size=6)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(program=st.sampled_from("AB"), events=EVENTS, more=EVENTS, together=st.booleans())
@example(program="A", events=[("scored", 48), ("received", 24)], more=[("received", 1)], together=False)  # earlier wins
@example(program="B", events=[("received", 0), ("county_decision", 0)], more=[("introduced", 3)], together=True)
def test_events_written_in_any_order_keep_each_first_reaching(session, areas, program, events, more, together):
    start = NOW - timedelta(days=200)
    case = make_case(session, areas.county, areas.province, program,
                     [(s, start + timedelta(hours=h)) for s, h in events])
    rows = [dict(application_id=case.id, from_state=None, to_state=s, at=start + timedelta(hours=h)) for s, h in more]
    if together:  # one statement (PostgreSQL: one trigger call over all its rows)
        session.execute(insert(ApplicationEvent).values(rows))
    else:
        for row in rows:
            session.add(ApplicationEvent(**row))
            session.flush()
    same(session)


def test_changed_or_deleted_events_and_moved_cases_are_followed(session, areas):
    start = NOW - timedelta(days=100)
    steps = [("received", start), ("scored", start + timedelta(days=3)), ("county_decision", start + timedelta(days=9)),
             ("province_decision", start + timedelta(days=20))]
    case = make_case(session, areas.county, areas.province, "A", steps)
    other = make_case(session, areas.sibling_county, areas.province, "B", [("received", start), ("county_decision", NOW)])
    same(session)
    # the «scored» event deleted: the stage after it has no start any more
    session.execute(delete(ApplicationEvent).where(ApplicationEvent.application_id == case.id,
                                                   ApplicationEvent.to_state == "scored"))
    same(session)
    # an event moved earlier in time, and one moved to the other case
    session.execute(update(ApplicationEvent).where(ApplicationEvent.application_id == case.id,
                                                   ApplicationEvent.to_state == "county_decision")
                    .values(at=start + timedelta(hours=5)))
    session.execute(update(ApplicationEvent).where(ApplicationEvent.application_id == case.id,
                                                   ApplicationEvent.to_state == "province_decision")
                    .values(application_id=other.id))
    same(session)
    # the case moved to another province's county, its application date and programme changed
    session.execute(update(Application).where(Application.id == case.id)
                    .values(county_id=areas.other_county, province_id=areas.other_province,
                            applied_on=(start - timedelta(days=4)).date()))
    same(session)
    a = session.execute(select(Program.id).where(Program.code == "A")).scalar_one()
    session.execute(update(Application).where(Application.id == other.id).values(program_id=a))
    session.execute(text("UPDATE application SET state = 'scored' WHERE id = :id"), {"id": case.id})  # not watched
    same(session)
    assert {r[4] for r in kept(session) if r[0] == case.id} == {areas.other_county}


def test_two_writers_of_one_case_at_once_take_turns_on_postgresql(engine, session, areas):
    """Two transactions write events of one case at the same time (threads): the second waits for
    the first, then works its stage's time out from the first's row (no stage left without days)."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time")
    start = NOW - timedelta(days=30)
    case = make_case(session, areas.county, areas.province, "A", [("documents_incomplete", start)])
    session.commit()
    def reach(state: str, at: datetime):
        return lambda mine: mine.add(ApplicationEvent(application_id=case.id, from_state=None, to_state=state, at=at))

    errors = overlapping_writes(engine, reach("received", start + timedelta(days=1)),
                                reach("scored", start + timedelta(days=3)))
    assert not errors
    same(session)
    assert [r[7] for r in kept(session) if r[1] == "scored"] == [pytest.approx(2.0)]
