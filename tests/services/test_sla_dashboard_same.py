"""The SLA dashboard read through the table of first reachings gives the figures the earlier query
gave (tests/services/sla_dashboard_before.py): every stage time per county and for the area, the
monthly trend, the cases waiting and those most overdue — for random timelines, on SQLite and
PostgreSQL, national and provincial."""
from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from lib.jalali import to_gregorian, to_jalali
from lib.permissions import Role
from lib.service_agreement import stages_of
from services.service_agreement import set_stage_target
from services.sla_dashboard import sla_dashboard, stage_by_county
from tests.services.sla_dashboard_before import sla_dashboard as sla_dashboard_before
from tests.services.test_sla_dashboard import NOW, make_case

# a case: programme, which county, how far along its stages it went (and whether it went back to
# «documents_incomplete» after «received»), the hours each step took, how long ago it began
_HALF_YEAR_AGO, _TODAY = to_jalali((NOW - timedelta(days=180)).date()), to_jalali(NOW.date())
PERIODS = (
    (None, None),  # the year up to today
    ((NOW - timedelta(days=40)).date(), None),  # from a day inside a month: its edge read from the stage rows
    # whole Jalali months only (from the first of one to the last of another): read from the month tally
    (to_gregorian(_HALF_YEAR_AGO.year, _HALF_YEAR_AGO.month, 1), to_gregorian(_TODAY.year, _TODAY.month, 1) - timedelta(days=1)),
)
CASES = st.lists(
    st.tuples(st.sampled_from("AB"), st.integers(0, 2), st.integers(1, 6), st.booleans(),
              st.lists(st.integers(1, 24 * 40), min_size=6, max_size=6), st.integers(0, 24 * 500)),
    min_size=1, max_size=12,
)


def _same(before, after) -> None:
    assert (after.since, after.until, after.targets) == (before.since, before.until, before.targets)
    assert after.waiting == before.waiting and after.late_cases == before.late_cases
    for now, then in ((after.stages, before.stages), (after.totals, before.totals)):
        assert [(f.program, f.stage, f.county_id, f.done, f.late, f.target_days, f.p90_days) for f in now] == \
               [(f.program, f.stage, f.county_id, f.done, f.late, f.target_days, f.p90_days) for f in then]
        assert [f.average_days for f in now] == pytest.approx([f.average_days for f in then], rel=1e-12)
    assert [(m.program, m.stage, m.jalali_year, m.jalali_month, m.done, m.late) for m in after.months] == \
           [(m.program, m.stage, m.jalali_year, m.jalali_month, m.done, m.late) for m in before.months]
    assert [m.average_days for m in after.months] == pytest.approx([m.average_days for m in before.months], rel=1e-12)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cases=CASES, target=st.integers(1, 30))
@example(cases=[("B", 0, 6, False, [24 * 7] * 6, 24 * 50)], target=7)  # every step exactly the target: not late
@example(cases=[("A", 1, 1, True, [1] * 6, 0)], target=1)  # only registered, back to incomplete documents, today
def test_the_dashboard_equals_the_earlier_query(session, admin, make_actor, areas, cases, target):
    counties = [(areas.county, areas.province), (areas.sibling_county, areas.province),
                (areas.other_county, areas.other_province)]
    for code in "AB":
        for i, stage in enumerate(stages_of(code)):
            set_stage_target(session, admin, program=code, stage=stage, target_days=target + i, visits=0)
    for program, where, reached, back, hours, ago in cases:
        at = NOW - timedelta(hours=ago + sum(hours))
        events = []
        for state, took in zip(stages_of(program)[:reached], hours):
            at += timedelta(hours=took)
            events.append((state, at))
            if back and state == "received":
                events.append(("documents_incomplete", at + timedelta(minutes=30)))
        county, province = counties[where]
        make_case(session, county, province, program, events, applied_on=(events[0][1] - timedelta(days=1)).date())
    session.commit()
    for actor in (make_actor(Role.manager), make_actor(Role.manager, province_id=areas.province)):
        for since, until in PERIODS:
            whole = sla_dashboard(session, actor, since=since, until=until, now=NOW)
            _same(sla_dashboard_before(session, actor, since=since, until=until, now=NOW), whole)
            for code in "AB":  # one programme's dashboard (the page asks for the one it shows) is its share
                _one_programme(whole, sla_dashboard(session, actor, since=since, until=until, now=NOW, program=code),
                               code)
                # the page's reads: the dashboard without counties, then the counties of the stage it shows
                board = sla_dashboard(session, actor, since=since, until=until, now=NOW, program=code, by_county=False)
                assert board.stages == []
                _one_programme(whole, replace(board, stages=[f for f in whole.stages if f.program == code]), code)
                for stage in stages_of(code):
                    mine = stage_by_county(session, actor, program=code, stage=stage, since=since, until=until, now=NOW)
                    _same_figures(mine, [f for f in whole.stages if (f.program, f.stage) == (code, stage)])


def _same_figures(mine, share) -> None:
    """The same figures, averages to the last bits (a sum in another order on PostgreSQL)."""
    assert [m.average_days for m in mine] == pytest.approx([m.average_days for m in share], rel=1e-12)
    assert [replace(m, average_days=0.0) for m in mine] == [replace(m, average_days=0.0) for m in share]


def _one_programme(whole, one, code: str) -> None:
    assert (one.since, one.until, one.targets) == (whole.since, whole.until, whole.targets)
    for field in ("waiting", "stages", "totals", "months", "late_cases"):
        mine, share = getattr(one, field), [f for f in getattr(whole, field) if f.program == code]
        if field in ("stages", "totals", "months"):  # averages: a sum in another order (PostgreSQL) differs in the last bit
            assert [m.average_days for m in mine] == pytest.approx([m.average_days for m in share], rel=1e-12)
            mine, share = ([replace(m, average_days=0.0) for m in rows] for rows in (mine, share))
        assert mine == share, field
