"""Who the budget request costs, counted from the case tallies (issue 11: set-based, not per case).

The request costs each running case for a contiguous span of months of the next year: from its
first month inside the grant, as many months as the grant has in that year and, under a cap
(programme A: 60 months), no more than are left of it. A person-month costs what its calendar days
cost (at the case's contract rate and share), and the year's months fall in three runs of equal
days (Farvardin–Shahrivar 31, Mehr–Bahman 30, Esfand 29 or 30: :func:`month_runs`), so the request
needs only, per county, programme, rate and share, how many running cases there are and how many of
their months fall in each run — read from the case tally (``casetally``, migration 0017: running
cases per county, programme, rate, share, grant start and length), not from the cases, and summed by
the database in the tally's key order (:func:`running_months`: about 3,600 rows out of 19,700 at
100,000 applicants, no sort). A span's months in a run are the overlap of two ranges, so the
database computes them with a few comparisons per tally row: under a cap the span ends at the grant's
start plus ``min(grant, cap)`` (the months granted before the year count against the cap, and
both end where the grant would), otherwise at the grant's end (:func:`span`'s definition; the tests
cost every case alone with :func:`lib.forecast.months_to_cost` and compare).

The one figure the tally cannot hold is a person's months already paid on *another* case (they
count against programme A's cap). Only a person with more than one case can have them (the person
tally, migration 0026, lists them): their few running cases are read one by one with the months
paid on the other cases (the paid tally, 0026) (:func:`_paid_elsewhere`) and moved from the span
the tally gives them to their real one. The waiting list is counted from the state tally
(``casestatetally``, migration 0022).
"""
from __future__ import annotations

import gc
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from sqlalchemy import case, func, text
from sqlmodel import Session, select

from db.engine import is_sqlite
from db.models import Application, CaseStateTally, CaseTally, County, PaidTally, PersonCaseTally, Program
from db.models.common import OPEN_APPLICATION_WHERE
from db.models.tallies import NONE_KEY
from lib.forecast import months_to_cost
from lib.jalali import month_days

Span = tuple[int, int]  # (first month 1..12, number of months); (0, 0): nothing to cost
RunningKey = tuple[int, int, int, int]  # county, programme id, rate (bp), share (%)


def span(start_index: int, months_granted: int | None, year: int, *, elsewhere: int, cap: int | None) -> Span:
    """The months of ``year`` a running case is costed for, as (first month, how many)."""
    first_of_year = year * 12
    before = max(0, min(first_of_year - start_index,
                        months_granted if months_granted is not None else first_of_year - start_index)) + elsewhere
    months = months_to_cost(start_index, months_granted, year, months_used_before=before, max_months=cap)
    return (months[0], len(months)) if months else (0, 0)


def month_runs(year: int) -> tuple[tuple[int, int], ...]:
    """The months of ``year`` in runs of equal calendar days, as (first, end) month numbers 1..13, end
    excluded: ((1, 7), (7, 12), (12, 13))."""
    runs: list[tuple[int, int]] = []
    for month in range(1, 13):
        if runs and month_days(year, runs[-1][0]) == month_days(year, month):
            runs[-1] = (runs[-1][0], month + 1)
        else:
            runs.append((month, month + 1))
    return tuple(runs)


def months_per_run(months: Span, runs: tuple[tuple[int, int], ...]) -> list[int]:
    """How many of a span's months fall in each run of :func:`month_runs`."""
    first, count = months
    return [max(0, min(first + count, end) - max(first, begin)) if count else 0 for begin, end in runs]


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off for the block. The tally's rows (≈ 20,000 row objects at
    100,000 applicants, all freed by reference counting when the read ends) would otherwise start a
    full collection of the server's heap every other read: 60–70 ms, more than the read itself."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def running_months(session: Session, year: int, province_id: int | None, caps: Mapping[int, int],
                   running_states: tuple[str, ...]) -> dict[RunningKey, list[int]]:
    """(county, programme, rate, share) → [running cases with a start month, then their months of
    ``year`` to cost in each run of :func:`month_runs`, summed], exactly as if each case had been
    costed alone (``caps``: programme id → its cap of months, capped programmes only). The same
    figures as grouping the cases by :func:`span` and costing each span's months, read without the
    tally's rows leaving the database."""
    t = CaseTally
    sqlite = is_sqlite(session.get_bind())
    least, greatest = (func.min, func.max) if sqlite else (func.least, func.greatest)
    # the grant's start and its costed end as month indexes from the year's first month (0 = Farvardin),
    # end excluded; an open grant of an uncapped programme runs past the year (12)
    start = t.start_year * 12 + t.start_month - (year * 12 + 1)
    open_ = t.months_granted == NONE_KEY
    ends = [(t.program_id == program, start + case((open_ | (t.months_granted > cap), cap), else_=t.months_granted))
            for program, cap in caps.items()]
    end = case(*ends, (open_, 12), else_=start + t.months_granted)
    runs = month_runs(year)
    query = (
        select(t.county_id, t.program_id, t.contract_rate_bp, t.share_percent, func.sum(t.cases),
               *(func.sum(t.cases * greatest(0, least(end, stop - 1) - greatest(start, begin - 1))) for begin, stop in runs))
        .where(t.state.in_(running_states), t.start_year != NONE_KEY, t.start_month != NONE_KEY,  # type: ignore[attr-defined]
               t.cases > 0)
        # the tally's key order (state included): the database sums each group as it reads, no sort
        .group_by(t.county_id, t.program_id, t.state, t.contract_rate_bp, t.share_percent)
    )
    if province_id is not None:
        query = query.join(County, County.id == t.county_id).where(County.province_id == province_id)
    rates = dict(session.connection().execute(select(Program.id, Program.rate_bp)).all())
    out: dict[RunningKey, list[int]] = {}
    with _collector_paused():
        for county, program, r, s, *figures in session.connection().execute(query).all():
            key = (county, program, rates[program] if r == NONE_KEY else r, 100 if s == NONE_KEY else s)
            row = out.get(key)
            if row is None:
                out[key] = figures
            else:  # the other running state, or a rate (share) left empty and the programme's own
                out[key] = [x + y for x, y in zip(row, figures)]
    for county, program, r, s, start_index, granted, elsewhere in _paid_elsewhere(
            session, province_id, tuple(caps), running_states):
        was = span(int(start_index), granted, year, elsewhere=0, cap=caps[program])
        real = span(int(start_index), granted, year, elsewhere=int(elsewhere), cap=caps[program])
        if was != real:  # the case's months move from the span the tally gave it to its own
            row = out[int(county), int(program), int(r), int(s)]
            for i, (before, after) in enumerate(zip(months_per_run(was, runs), months_per_run(real, runs)), 1):
                row[i] += after - before
    return out


def _paid_elsewhere(session: Session, province_id: int | None, capped: tuple[int, ...],
                    running_states: tuple[str, ...]) -> list[tuple]:
    """Running cases of a capped programme whose person was paid on another case: county, programme,
    rate, share, start month index, grant length, months paid elsewhere — one row a case."""
    if not capped:
        return []
    paid_elsewhere = (  # the months paid on the person's other cases: a few rows of the paid tally (0026)
        select(func.coalesce(func.sum(PaidTally.lines), 0))
        .where(PaidTally.applicant_id == Application.applicant_id, PaidTally.application_id != Application.id)
        .correlate(Application).scalar_subquery()
    )
    # the people with more than one case, from the index of the person tally by count (migration 0026)
    more_than_one = select(PersonCaseTally.applicant_id).where(PersonCaseTally.cases > 1)
    # SQLite would walk every running case by the state index; through the index of open cases per
    # person and programme (its condition repeated as a literal, a partial index) it reads those few
    # people's open cases of the capped programmes (the state test then on each of them).
    sqlite = is_sqlite(session.get_bind())
    state = Application.state.concat("") if sqlite else Application.state
    query = (
        select(Application.county_id, Application.program_id, func.coalesce(Application.contract_rate_bp, Program.rate_bp),
               func.coalesce(Application.share_percent, 100), Application.start_year * 12 + Application.start_month - 1,
               Application.months_granted, paid_elsewhere)
        .join(Program, Program.id == Application.program_id)
        .where(Application.applicant_id.in_(more_than_one), state.in_(running_states),  # type: ignore[union-attr]
               Application.program_id.in_(capped), Application.start_year.is_not(None),  # type: ignore[union-attr,attr-defined]
               Application.start_month.is_not(None))  # type: ignore[union-attr]
    )
    if sqlite:
        query = query.where(text(f"application.{OPEN_APPLICATION_WHERE}"))
    if province_id is not None:  # the tally's area: the county's province
        query = query.join(County, County.id == Application.county_id).where(County.province_id == province_id)
    return [row for row in session.connection().execute(query).all() if row[-1]]


def waiting_groups(session: Session, province_id: int | None, waiting_states: tuple[str, ...]) -> dict[tuple[int, int], int]:
    """(county, programme) → cases waiting (the state tally)."""
    query = (select(CaseStateTally.county_id, CaseStateTally.program_id, func.sum(CaseStateTally.cases))
             .where(CaseStateTally.state.in_(waiting_states))  # type: ignore[attr-defined]
             .group_by(CaseStateTally.county_id, CaseStateTally.program_id))
    if province_id is not None:
        query = query.join(County, County.id == CaseStateTally.county_id).where(County.province_id == province_id)
    return {(int(c), int(p)): int(n) for c, p, n in session.connection().execute(query).all() if n}
