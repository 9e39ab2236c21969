"""The service-agreement dashboard: each stage's time per county (average, 90th percentile by nearest
rank, computed in SQL), the cases waiting and those past the target an administrator set, the trend
by Jalali month, and only the actor's area — on SQLite and PostgreSQL."""
from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from db.models import Applicant, Application, ApplicationEvent, Program
from lib.errors import Forbidden, InvalidInput
from lib.jalali import to_jalali
from lib.permissions import Role
from lib.service_agreement import nearest_rank
from services.service_agreement import set_stage_target
from services.sla_dashboard import sla_dashboard

NOW = datetime(2025, 3, 1, 8, 0, tzinfo=timezone.utc)  # 1403/12/11 in Tehran
_numbers = itertools.count(1)


def make_case(session, county_id: int, province_id: int, program: str, events: list[tuple[str, datetime]],
              *, applied_on: date | None = None) -> Application:
    """A case whose timeline is ``events`` (state, when); its state is the last one."""
    n = next(_numbers)
    program_id = session.exec(select(Program.id).where(Program.code == program)).one()
    person = Applicant(national_code=f"{n:010d}", first_name="مریم", last_name="احمدی", county_id=county_id)
    session.add(person)
    session.flush()
    case = Application(tracking_code=f"T{n:08d}", applicant_id=person.id, program_id=program_id, county_id=county_id,
                       province_id=province_id, channel="in_person", state=events[-1][0],
                       applied_on=applied_on or events[0][1].date())
    session.add(case)
    session.flush()
    before = None
    for state, at in events:
        session.add(ApplicationEvent(application_id=case.id, from_state=before, to_state=state, at=at))
        before = state
    session.flush()
    return case


def days_ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


def figure(figures, program, stage, county_id=None):
    found = [f for f in figures if f.program == program and f.stage == stage
             and (county_id is None or f.county_id == county_id)]
    assert len(found) == 1, found
    return found[0]


def test_stage_time_per_county_average_p90_and_late_against_the_target(session, admin, areas):
    set_stage_target(session, admin, program="B", stage="county_decision", target_days=5, visits=1)
    for took in (2, 4, 10):
        make_case(session, areas.county, areas.province, "B",
                  [("received", days_ago(30)), ("county_decision", days_ago(30 - took))])
    make_case(session, areas.sibling_county, areas.province, "B",
              [("received", days_ago(20)), ("county_decision", days_ago(19))])
    board = sla_dashboard(session, admin, now=NOW)
    tehran = figure(board.stages, "B", "county_decision", areas.county)
    assert tehran.done == 3 and tehran.average_days == pytest.approx(16 / 3)
    assert tehran.p90_days == pytest.approx(10) and tehran.late == 1 and tehran.target_days == 5
    assert figure(board.stages, "B", "county_decision", areas.sibling_county).p90_days == pytest.approx(1)
    whole = figure(board.totals, "B", "county_decision")
    assert (whole.done, whole.late, whole.county_id) == (4, 1, None)
    assert whole.average_days == pytest.approx(17 / 4) and whole.p90_days == pytest.approx(10)
    # the first stage runs from the application date to the case's registration
    received = figure(board.totals, "B", "received")
    assert received.done == 4 and received.target_days is None and received.late == 0


def test_an_earlier_return_to_a_stage_does_not_restart_its_clock(session, admin, areas):
    """Documents found incomplete and then complete: the stage runs from the first «received»."""
    make_case(session, areas.county, areas.province, "B",
              [("received", days_ago(12)), ("documents_incomplete", days_ago(10)), ("received", days_ago(4)),
               ("county_decision", days_ago(2))])
    board = sla_dashboard(session, admin, now=NOW)
    assert figure(board.totals, "B", "county_decision").average_days == pytest.approx(10)


def test_waiting_cases_and_those_past_their_target_are_counted_and_listed(session, admin, areas):
    set_stage_target(session, admin, program="B", stage="introduced", target_days=3, visits=0)
    set_stage_target(session, admin, program="B", stage="county_decision", target_days=7, visits=1)
    late = make_case(session, areas.county, areas.province, "B",
                     [("received", days_ago(9)), ("county_decision", days_ago(5))])
    make_case(session, areas.county, areas.province, "B", [("received", days_ago(3)), ("county_decision", days_ago(1))])
    missing = make_case(session, areas.county, areas.province, "B",
                        [("received", days_ago(8)), ("documents_incomplete", days_ago(6))])
    make_case(session, areas.county, areas.province, "B", [("received", days_ago(2))])
    make_case(session, areas.county, areas.province, "B",  # active: no longer waiting for a stage
              [("received", days_ago(40)), ("county_decision", days_ago(30)), ("introduced", days_ago(20)),
               ("active", days_ago(10))])
    board = sla_dashboard(session, admin, now=NOW)
    introduced = figure(board.waiting, "B", "introduced", areas.county)
    assert (introduced.waiting, introduced.late, introduced.target_days) == (2, 1, 3)
    deciding = figure(board.waiting, "B", "county_decision", areas.county)
    assert (deciding.waiting, deciding.late) == (2, 1)  # documents incomplete counts, its clock from «received»
    assert not [w for w in board.waiting if w.stage == "active"]
    assert [(c.tracking_code, c.stage) for c in board.late_cases] == [
        (late.tracking_code, "introduced"), (missing.tracking_code, "county_decision")]  # most overdue first
    assert board.late_cases[0].days == pytest.approx(5) and board.late_cases[0].target_days == 3


def test_without_a_target_nothing_is_called_late(session, admin, areas):
    make_case(session, areas.county, areas.province, "A", [("received", days_ago(400)), ("scored", days_ago(1))])
    make_case(session, areas.county, areas.province, "A", [("received", days_ago(300))])
    board = sla_dashboard(session, admin, now=NOW)
    assert not board.any_target and board.late_cases == []
    assert figure(board.totals, "A", "scored").late == 0
    assert figure(board.waiting, "A", "scored", areas.county).late == 0


def test_trend_by_jalali_month_and_the_period(session, admin, areas):
    set_stage_target(session, admin, program="A", stage="scored", target_days=10, visits=0)
    for done, took in ((datetime(2025, 1, 5, 9, tzinfo=timezone.utc), 4), (datetime(2025, 1, 10, 9, tzinfo=timezone.utc), 20),
                       (datetime(2025, 2, 10, 9, tzinfo=timezone.utc), 6), (datetime(2024, 1, 1, 9, tzinfo=timezone.utc), 1)):
        make_case(session, areas.county, areas.province, "A", [("received", done - timedelta(days=took)), ("scored", done)])
    board = sla_dashboard(session, admin, now=NOW, since=date(2024, 12, 1), until=date(2025, 2, 28))
    months = [(m.jalali_year, m.jalali_month, m.done, round(m.average_days, 3), m.late)
              for m in board.months if m.stage == "scored"]
    dey, bahman = to_jalali(date(2025, 1, 5)), to_jalali(date(2025, 2, 10))
    assert months == [(dey.year, dey.month, 2, 12.0, 1), (bahman.year, bahman.month, 1, 6.0, 0)]
    assert figure(board.totals, "A", "scored").done == 3  # the stage finished in 1402 is outside the period


def test_a_stage_finished_late_in_the_evening_counts_on_its_tehran_day(session, admin, areas):
    """21:00 UTC on 20 March 2025 is already 21 March (1 Farvardin 1404) in Tehran."""
    done = datetime(2025, 3, 20, 21, 0, tzinfo=timezone.utc)
    make_case(session, areas.county, areas.province, "A", [("received", done - timedelta(days=1)), ("scored", done)])
    board = sla_dashboard(session, admin, now=done + timedelta(days=1))
    assert [(m.jalali_year, m.jalali_month) for m in board.months if m.stage == "scored"] == [(1404, 1)]


def test_a_provincial_manager_sees_her_province_only(session, areas, make_actor, admin):
    manager = make_actor(Role.manager, province_id=areas.province)
    make_case(session, areas.county, areas.province, "B", [("received", days_ago(5)), ("county_decision", days_ago(1))])
    make_case(session, areas.other_county, areas.other_province, "B",
              [("received", days_ago(5)), ("county_decision", days_ago(2))])
    mine = sla_dashboard(session, manager, now=NOW)
    assert figure(mine.totals, "B", "county_decision").done == 1
    assert {w.county_id for w in mine.waiting} == {areas.county}
    assert figure(sla_dashboard(session, admin, now=NOW).totals, "B", "county_decision").done == 2


def test_county_staff_have_no_dashboard_and_a_bad_period_is_refused(session, county_expert, admin):
    with pytest.raises(Forbidden):
        sla_dashboard(session, county_expert, now=NOW)
    with pytest.raises(InvalidInput, match="پس از پایان"):
        sla_dashboard(session, admin, now=NOW, since=date(2025, 2, 1), until=date(2025, 1, 1))
    with pytest.raises(InvalidInput, match="سه سال"):
        sla_dashboard(session, admin, now=NOW, since=date(2020, 1, 1), until=date(2025, 1, 1))
    with pytest.raises(InvalidInput, match="تاریخ شمسی"):
        sla_dashboard(session, admin, now=NOW, since="1403/01/01")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(hours=st.lists(st.integers(min_value=0, max_value=24 * 90), min_size=1, max_size=23))
@example(hours=[48])  # one case: its own time
@example(hours=[24 * d for d in range(1, 11)])  # ten: the ninth
@example(hours=[24 * d for d in range(1, 12)])  # eleven: the tenth
@example(hours=[72, 72, 72])  # ties
def test_p90_and_average_in_sql_equal_the_nearest_rank_definition(session, admin, areas, hours):
    try:
        for h in hours:
            make_case(session, areas.county, areas.province, "B",
                      [("received", days_ago(100)), ("county_decision", days_ago(100) + timedelta(hours=h))])
        got = figure(sla_dashboard(session, admin, now=NOW).totals, "B", "county_decision")
        days = [h / 24 for h in hours]
        assert got.done == len(hours)
        assert got.p90_days == pytest.approx(nearest_rank(days, 90), abs=1e-6)
        assert got.average_days == pytest.approx(sum(days) / len(days), abs=1e-6)
    finally:
        session.rollback()


def test_an_unknown_programme_is_refused_in_persian(session, make_actor):
    from lib.errors import InvalidInput
    from lib.permissions import Role

    with pytest.raises(InvalidInput, match="برنامه گزارش"):
        sla_dashboard(session, make_actor(Role.manager), now=NOW, program="Z")
