"""Who the budget request costs, counted from the case tallies (issue 11: set-based, not per case).

The request costs each running case for a contiguous span of months of the next year: from its
first month inside the grant, as many months as the grant has in that year and, under a cap
(programme A: 60 months), no more than are left of it. Two cases with the same county, programme,
contract rate, share and span cost the same, so the request needs only how many cases have each —
read from the case tally (``casetally``, migration 0017: running cases per county, programme, rate,
share, grant start and length), not from the cases, and summed here: each distinct (programme,
grant start, grant length) is spanned once by :func:`span` (a few hundred of them), which is
cheaper than the same arithmetic written in SQL for every tally row and grouped by the database.

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

from sqlalchemy import func
from sqlmodel import Session, select

from db.engine import is_sqlite
from db.models import Application, CaseStateTally, CaseTally, County, PaidTally, PersonCaseTally, Program
from db.models.tallies import NONE_KEY
from lib.forecast import months_to_cost

Span = tuple[int, int]  # (first month 1..12, number of months); (0, 0): nothing to cost
GroupKey = tuple[int, int, int, int, Span]  # county, programme id, rate (bp), share (%), span


def span(start_index: int, months_granted: int | None, year: int, *, elsewhere: int, cap: int | None) -> Span:
    """The months of ``year`` a running case is costed for, as (first month, how many)."""
    first_of_year = year * 12
    before = max(0, min(first_of_year - start_index,
                        months_granted if months_granted is not None else first_of_year - start_index)) + elsewhere
    months = months_to_cost(start_index, months_granted, year, months_used_before=before, max_months=cap)
    return (months[0], len(months)) if months else (0, 0)


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


def running_groups(session: Session, year: int, province_id: int | None, caps: Mapping[int, int],
                   running_states: tuple[str, ...]) -> dict[GroupKey, int]:
    """(county, programme, rate, share, span) → running cases with a start month, exactly as if each
    case had been costed alone (``caps``: programme id → its cap of months, capped programmes only)."""
    t = CaseTally
    query = (
        select(t.county_id, t.program_id, t.contract_rate_bp, t.share_percent,
               t.start_year * 12 + t.start_month - 1, t.months_granted, t.cases)
        .where(t.state.in_(running_states), t.start_year != NONE_KEY, t.start_month != NONE_KEY,  # type: ignore[attr-defined]
               t.cases > 0)
    )
    if province_id is not None:
        query = query.join(County, County.id == t.county_id).where(County.province_id == province_id)
    rates = dict(session.connection().execute(select(Program.id, Program.rate_bp)).all())
    spans: dict[tuple[int, int, int], Span] = {}  # (programme, start, grant) → its span: a few hundred distinct
    groups: dict[GroupKey, int] = {}
    with _collector_paused():
        for county, program, r, s, start, granted, cases in session.connection().execute(query).all():
            grant = (program, start, granted)
            months = spans.get(grant)
            if months is None:
                months = spans[grant] = span(start, None if granted == NONE_KEY else granted, year, elsewhere=0,
                                             cap=caps.get(program))
            key = (county, program, rates[program] if r == NONE_KEY else r, 100 if s == NONE_KEY else s, months)
            groups[key] = groups.get(key, 0) + cases
    for county, program, r, s, start, granted, elsewhere in _paid_elsewhere(
            session, province_id, tuple(caps), running_states):
        key = (int(county), int(program), int(r), int(s))
        was = span(int(start), granted, year, elsewhere=0, cap=caps[program])
        real = span(int(start), granted, year, elsewhere=int(elsewhere), cap=caps[program])
        if was != real:  # the case moves from the span the tally gave it to its own
            groups[(*key, was)] -= 1
            if not groups[(*key, was)]:
                del groups[(*key, was)]
            groups[(*key, real)] = groups.get((*key, real), 0) + 1
    return groups


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
    # SQLite would walk every running case by the state index; through the person index it reads the
    # cases of those few people (the state test then on each of them).
    state = Application.state.concat("") if is_sqlite(session.get_bind()) else Application.state
    query = (
        select(Application.county_id, Application.program_id, func.coalesce(Application.contract_rate_bp, Program.rate_bp),
               func.coalesce(Application.share_percent, 100), Application.start_year * 12 + Application.start_month - 1,
               Application.months_granted, paid_elsewhere)
        .join(Program, Program.id == Application.program_id)
        .where(Application.applicant_id.in_(more_than_one), state.in_(running_states),  # type: ignore[union-attr]
               Application.program_id.in_(capped), Application.start_year.is_not(None),  # type: ignore[union-attr,attr-defined]
               Application.start_month.is_not(None))  # type: ignore[union-attr]
    )
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
