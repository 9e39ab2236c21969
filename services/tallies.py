"""Grouped reads of the monitoring tallies (``db.models.tallies``), for the monitoring screen and
the home page.

The tallies count cases, live payment lines and introductions per county; the database's triggers
keep them in the transaction of every write (migrations 0017, 0022, 0026), so these reads cost the size of the
tallies (a few rows per county), not the number of cases or lines. Each read is limited to an area
(``province_id`` and/or ``county_id``) and grouped per ``by``: "province" (the county's province),
"county", or None (the area as one). No permission check: the calling services check.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import case, func
from sqlmodel import Session, select

from db.models import (
    NONE_KEY, TALLY_RUNNING_STATES, CaseStateTally, CaseTally, County, ProvinceCostTally, SeatTally, SpendTally,
)


def _grouped(model: Any, by: str | None, province_id: int | None, county_id: int | None, *columns: Any):
    """SELECT [area,] columns FROM the tally, limited to the area; (statement, grouping columns)."""
    area = {"province": County.province_id, "county": model.county_id, None: None}[by]
    head = [area] if area is not None else []
    q = select(*head, *columns).select_from(model)
    if by == "province" or province_id is not None:
        q = q.join(County, County.id == model.county_id)
    if province_id is not None:
        q = q.where(County.province_id == province_id)
    if county_id is not None:
        q = q.where(model.county_id == county_id)
    return q, head


def case_counts(
    session: Session, states: Iterable[str], *, by: str | None, province_id: int | None = None,
    county_id: int | None = None, program_id: int | None = None,
) -> dict[tuple, int]:
    """(area, programme id, state) → cases (without the area when ``by`` is None); read from the
    tally without the premium details (a few rows per county, whatever the number of cases)."""
    t = CaseStateTally
    q, head = _grouped(t, by, province_id, county_id, t.program_id, t.state, func.sum(t.cases))
    q = q.where(t.state.in_(list(states)))  # type: ignore[attr-defined]
    if program_id is not None:
        q = q.where(t.program_id == program_id)
    rows = session.connection().execute(q.group_by(*head, t.program_id, t.state))
    return {tuple(row[:-1]): int(row[-1]) for row in rows if row[-1]}


def cost_groups(
    session: Session, year: int, running_states: Iterable[str], *, by: str, province_id: int | None = None,
) -> list[tuple[int, int, int | None, int | None, int, int, int]]:
    """The running cases with months granted in Jalali ``year``, grouped by what their premiums
    depend on: (area, programme id, contract rate or None, share or None, first and last month of
    the grant inside the year as ``year × 12 + month − 1``, cases). A grant without a length
    (programme B) runs to the year's end.

    The country per province reads the province cost tally (migration 0026: the running cases with
    a province's counties added together, already in the province order), the rest the case tally."""
    national = by == "province" and province_id is None and set(running_states) == set(TALLY_RUNNING_STATES)
    t: Any = ProvinceCostTally if national else CaseTally
    first, last = year * 12, year * 12 + 11
    start = t.start_year * 12 + t.start_month - 1
    end = start + t.months_granted - 1
    open_ended = t.months_granted == NONE_KEY
    lo = case((start > first, start), else_=first)
    hi = case((open_ended, last), (end < last, end), else_=last)
    keys = (t.program_id, t.contract_rate_bp, t.share_percent, lo, hi)
    if national:
        q, head = select(t.province_id, *keys, func.sum(t.cases)), [t.province_id]
    else:
        q, head = _grouped(t, by, province_id, None, *keys, func.sum(t.cases))
        q = q.where(t.state.in_(list(running_states)))
    q = q.where(
        t.start_year != NONE_KEY, t.start_month != NONE_KEY, start <= last, open_ended | (end >= first), t.cases > 0,
    ).group_by(*head, *keys)
    return [
        (int(a), int(p), None if r == NONE_KEY else int(r), None if s == NONE_KEY else int(s), int(f), int(h), int(n))
        for a, p, r, s, f, h, n in session.connection().execute(q)
        if n
    ]


def spend(
    session: Session, year: int, *, by: str | None, province_id: int | None = None, county_id: int | None = None,
    program_id: int | None = None,
) -> list[tuple]:
    """The live payment lines of Jalali ``year``: ([area,] programme id, month, SSO status, kind,
    agency rials, government rials), summed (a reversal's amounts as they are, positive)."""
    t = SpendTally
    keys = (t.program_id, t.jalali_month, t.sso_status, t.line_kind)
    q, head = _grouped(t, by, province_id, county_id, *keys, func.sum(t.agency_rial), func.sum(t.government_rial))
    q = q.where(t.jalali_year == year, t.lines > 0)
    if program_id is not None:
        q = q.where(t.program_id == program_id)
    return [tuple(row) for row in session.connection().execute(q.group_by(*head, *keys))]


def paid(session: Session, year: int, *, province_id: int | None = None) -> dict[int, int]:
    """Programme id → the rials (agency's and government's) of Jalali ``year``'s live payment
    lines in the area, a reversal's taken off: one grouped pass over the year's spend tally."""
    t = SpendTally
    amount = t.agency_rial + t.government_rial
    q, _ = _grouped(t, None, province_id, None, t.program_id,
                    func.sum(case((t.line_kind == "reversal", -amount), else_=amount)))
    q = q.where(t.jalali_year == year, t.lines > 0).group_by(t.program_id)
    return {int(p): int(s or 0) for p, s in session.connection().execute(q)}


def seats_used(
    session: Session, year: int, *, by: str | None, province_id: int | None = None, county_id: int | None = None,
) -> dict[int | None, int]:
    """Area → the year's introductions SSO has not refused (``None`` → all, when ``by`` is None)."""
    q, head = _grouped(SeatTally, by, province_id, county_id, func.sum(SeatTally.introduced))
    q = q.where(SeatTally.jalali_year == year)
    if head:
        q = q.group_by(*head)
    rows = session.connection().execute(q).all()
    if not head:
        return {None: int(rows[0][0] or 0)}
    return {int(a): int(n) for a, n in rows if n}
