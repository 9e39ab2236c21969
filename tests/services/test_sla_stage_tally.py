"""The finished stages per programme, stage, Jalali month and county (``stagemonthtally``, migration
0029) stay what the kept stage times say, whatever writes them — on SQLite (row triggers) and
PostgreSQL (statement triggers): events written in any order, moved or deleted, a case moved to
another county, a stage's target set or changed afterwards (the late ones counted again); two
writers in one county and month at once on PostgreSQL. And the month table is the Jalali calendar."""
from __future__ import annotations

import importlib
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, text, update
from sqlmodel import select

from db.models import Application, ApplicationEvent, JalaliMonth, Program, StageMonthTally, StageReach
from db.models.reference import StageTarget
from lib.jalali import to_gregorian, to_jalali
from lib.service_agreement import stages_of
from services.service_agreement import set_stage_target
from tests.services.overlapping import overlapping_writes
from tests.services.test_sla_dashboard import NOW, make_case

M0029 = importlib.import_module("db.migrations.versions.0029_stage_month_tally")


def test_the_month_table_is_the_jalali_calendar(session):
    months = session.execute(select(JalaliMonth).order_by(JalaliMonth.first_day)).scalars().all()
    assert len(months) == 12 * len(M0029.YEARS)
    for this, following in zip(months, months[1:]):
        assert (to_jalali(this.first_day).year, to_jalali(this.first_day).month, to_jalali(this.first_day).day) == \
               (this.jalali_year, this.jalali_month, 1)
        assert following.first_day == this.last_day + timedelta(days=1)
    # the first of Farvardin 1405 is the Nowruz of 2026; Esfand 1403 (a leap year) has 30 days
    assert session.get(JalaliMonth, date(2026, 3, 21)).jalali_month == 1
    esfand = session.get(JalaliMonth, to_gregorian(1403, 12, 1))
    assert (esfand.last_day - esfand.first_day).days + 1 == 30


def expected(session) -> dict[tuple, tuple]:
    """The kept stage times with days, per programme, stage, month, province and county: how many, the sum
    of their days, and how many are over the stage's target now."""
    codes = dict(session.execute(select(Program.id, Program.code)).all())
    targets = {(t.program_id, t.stage): t.target_days for t in session.execute(select(StageTarget)).scalars()}
    out: dict[tuple, list] = {}
    for r in session.execute(select(StageReach).where(StageReach.days.isnot(None))).scalars():
        j = to_jalali(r.day)
        key = (r.program_id, r.state, to_gregorian(j.year, j.month, 1), r.province_id, r.county_id)
        cell = out.setdefault(key, [0, 0.0, 0])
        target = targets.get((r.program_id, r.state))
        cell[0] += 1
        cell[1] += r.days
        cell[2] += int(target is not None and r.days > target)
    assert set(codes)  # programmes are there
    return {k: (n, pytest.approx(total, abs=1e-6), late) for k, (n, total, late) in out.items()}


def kept(session) -> dict[tuple, tuple]:
    return {(t.program_id, t.state, t.month, t.province_id, t.county_id): (t.done, t.days_sum, t.late)
            for t in session.execute(select(StageMonthTally)).scalars() if t.done}


def same(session) -> None:
    session.flush()
    session.expire_all()
    assert kept(session) == expected(session)


# a case: programme, county, the stages it went through (hours each), how long ago it began
CASES = st.lists(st.tuples(st.sampled_from("AB"), st.integers(0, 2), st.lists(st.integers(1, 24 * 50), min_size=1,
                                                                             max_size=6), st.integers(0, 24 * 400)),
                 min_size=1, max_size=6)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cases=CASES, targets=st.lists(st.tuples(st.sampled_from("AB"), st.integers(0, 4), st.integers(1, 40)),
                                     max_size=4), first=st.booleans())
@example(cases=[("A", 0, [24 * 7, 24 * 7], 0)], targets=[("A", 0, 7), ("A", 1, 7)], first=False)  # exactly the target
@example(cases=[("A", 0, [24 * 7, 24 * 7], 0)], targets=[("A", 0, 7), ("A", 1, 7)], first=True)  # the same, set before
def test_the_tally_counts_the_kept_stage_times(session, admin, areas, cases, targets, first):
    """Targets set before or after the cases (the late ones counted again), events written one by one."""
    counties = [(areas.county, areas.province), (areas.sibling_county, areas.province),
                (areas.other_county, areas.other_province)]

    def set_targets():
        for code, i, days in targets:
            stages = stages_of(code)
            set_stage_target(session, admin, program=code, stage=stages[i % len(stages)], target_days=days, visits=0)
            same(session)

    if first:
        set_targets()
    for program, where, hours, ago in cases:
        at = NOW - timedelta(hours=ago + sum(hours))
        events = []
        for state, took in zip(stages_of(program), hours):
            at += timedelta(hours=took)
            events.append((state, at))
        make_case(session, *counties[where], program, events,
                  applied_on=(events[0][1] - timedelta(days=2)).date())
        same(session)
    if not first:
        set_targets()


def test_moved_and_deleted_events_and_moved_cases_are_followed(session, admin, areas):
    start = NOW - timedelta(days=70)
    set_stage_target(session, admin, program="A", stage="scored", target_days=3, visits=0)
    steps = [("received", start), ("scored", start + timedelta(days=5)), ("county_decision", start + timedelta(days=40))]
    case = make_case(session, areas.county, areas.province, "A", steps, applied_on=(start - timedelta(days=1)).date())
    same(session)
    assert sum(late for _, _, late in kept(session).values()) == 1  # «scored» took 5 days against 3
    events = ApplicationEvent.application_id == case.id
    # «scored» moved a month earlier: the stage after it moves to another month and lasts longer
    session.execute(update(ApplicationEvent).where(events, ApplicationEvent.to_state == "scored")
                    .values(at=start + timedelta(hours=30)))
    same(session)
    session.execute(delete(ApplicationEvent).where(events, ApplicationEvent.to_state == "received"))
    same(session)
    session.execute(update(Application).where(Application.id == case.id)
                    .values(county_id=areas.other_county, province_id=areas.other_province))
    same(session)
    assert {key[4] for key in kept(session)} == {areas.other_county}
    # the target raised: nothing late any more; the target row deleted (by hand): the same
    set_stage_target(session, admin, program="A", stage="scored", target_days=30, visits=0)
    same(session)
    session.execute(text("DELETE FROM stagetarget"))
    same(session)
    assert sum(late for _, _, late in kept(session).values()) == 0


def test_two_writers_in_one_county_and_month_at_once_on_postgresql(engine, session, areas):
    """Two transactions finish the same stage of two cases of one county at the same moment (threads):
    the second waits for the first's tally row, then adds to it (both counted)."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time")
    start = NOW - timedelta(days=10)
    cases = [make_case(session, areas.county, areas.province, "A", [("received", start)]) for _ in range(2)]
    session.commit()
    def finish(case_id: int):
        return lambda mine: mine.add(ApplicationEvent(application_id=case_id, from_state="received", to_state="scored",
                                                      at=start + timedelta(days=2)))

    errors = overlapping_writes(engine, finish(cases[0].id), finish(cases[1].id))
    assert not errors
    same(session)
    scored = [v for k, v in kept(session).items() if k[1] == "scored"]
    assert [(n, late) for n, _, late in scored] == [(2, 0)]
