"""Quota and credit monitoring: how close an area is to its limits, what its approved people will
cost this Jalali year, and when the credit runs out. Pure: no Streamlit, no SQL, no I/O.

Money is integer rials; every month's premium is ``lib.payments.monthly_premium`` (the month's
calendar days, the year's minimum daily wage, the contract rate, the committee's share, half up),
and programme B's premium is split 8 % / 10 % per line with ``lib.payments.program_b_shares`` —
the same figures a payment run writes.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from lib.jalali import month_days
from lib.payments import monthly_premium, program_b_shares

__all__ = [
    "WARN_PERCENT",
    "Level",
    "LEVEL_LABELS",
    "SOURCE_BUCKETS",
    "CostGroup",
    "Forecast",
    "closeness_bp",
    "level_of",
    "granted_months_in_year",
    "committed_by_month",
    "forecast_year",
]

WARN_PERCENT = 80
"""An area at this share of its quota or credit or more stands out; above 100 % it is over."""


class Level(StrEnum):
    ok = "ok"
    warn = "warn"
    over = "over"


LEVEL_LABELS: Mapping[Level, str] = {
    Level.ok: "عادی",
    Level.warn: "نزدیک سقف (۸۰٪ یا بیشتر)",
    Level.over: "بیش از سقف",
}

SOURCE_BUCKETS: Mapping[str, tuple[str, ...]] = {
    "A": ("A",),  # programme A's three sources are one pool (lib.catalog.BUDGET_SOURCES)
    "B": ("relief_committee", "government"),  # B: the agency's 8 % and the government's 10 %
}
"""How each programme's spending is kept by funding source: A as one pool, B by its two shares."""


def closeness_bp(used: int, limit: int | None) -> int | None:
    """``used / limit`` in basis points (10000 = at the limit), rounded down; None without a limit.
    A limit of zero with something used is "infinitely" over: reported as used × 10000 + 10000."""
    if limit is None:
        return None
    if limit <= 0:
        return 0 if used <= 0 else 10_000 + used * 10_000
    return used * 10_000 // limit


def level_of(used: int, limit: int | None) -> Level | None:
    """ok below 80 %, warn from 80 % up to 100 % inclusive, over above 100 %; None without a limit."""
    if limit is None:
        return None
    if used > limit:
        return Level.over
    if used * 100 >= WARN_PERCENT * limit and used > 0:
        return Level.warn
    return Level.ok


def granted_months_in_year(start_index: int | None, months_granted: int | None, year: int) -> list[int]:
    """The months (1..12) of Jalali ``year`` inside a grant starting at month index ``start_index``
    (``year × 12 + month − 1``) and ``months_granted`` long (None: open-ended, programme B)."""
    if start_index is None:
        return []
    first_of_year = year * 12
    last = None if months_granted is None else start_index + months_granted - 1
    if months_granted is not None and months_granted <= 0:
        return []
    lo = max(start_index, first_of_year)
    hi = first_of_year + 11 if last is None else min(last, first_of_year + 11)
    return [i - first_of_year + 1 for i in range(lo, hi + 1)]


@dataclass(frozen=True)
class CostGroup:
    """Running cases alike in what their premiums cost: ``count`` people of an area."""

    area: object
    program: str
    rate_bp: int
    share_percent: int
    start_index: int | None
    months_granted: int | None
    count: int


def committed_by_month(groups: Iterable[CostGroup], year: int, daily_wage: int,
                       b_shares: Mapping[str, int] | None = None) -> dict[tuple[object, str], list[int]]:
    """(area, source bucket) → the premiums of months 1..12 of ``year`` the groups are granted.

    Each person-month costs ``monthly_premium(daily_wage, days of the month, rate, share)``;
    programme B's line is split into the relief committee's and the government's part per line.
    The people of each (area, programme, rate, share) are counted per month first (a grant is one
    run of months: +count where it starts in the year, −count after it ends), then each month's
    count is priced once."""
    first_of_year, last_of_year = year * 12, year * 12 + 11
    people: dict[tuple[object, str, int, int], list[int]] = {}
    for g in groups:
        if g.start_index is None or g.count <= 0 or (g.months_granted is not None and g.months_granted <= 0):
            continue
        last = last_of_year if g.months_granted is None else min(g.start_index + g.months_granted - 1, last_of_year)
        lo = max(g.start_index, first_of_year)
        if lo > last:
            continue
        steps = people.get((g.area, g.program, g.rate_bp, g.share_percent))
        if steps is None:
            steps = people[g.area, g.program, g.rate_bp, g.share_percent] = [0] * 13
        steps[lo - first_of_year] += g.count
        steps[last - first_of_year + 1] -= g.count
    priced: dict[tuple[str, int, int], dict[str, list[int]]] = {}
    out: dict[tuple[object, str], list[int]] = {}
    for (area, program, rate_bp, share_percent), steps in people.items():
        key = (program, rate_bp, share_percent)
        prices = priced.get(key)
        if prices is None:
            prices = priced[key] = _year_prices(program, year, daily_wage, rate_bp, share_percent, b_shares)
        counts, running = [], 0
        for step in steps[:12]:
            running += step
            counts.append(running)
        for bucket, values in prices.items():
            target = out.setdefault((area, bucket), [0] * 12)
            for i in range(12):
                target[i] += values[i] * counts[i]
    return out


def _year_prices(program: str, year: int, daily_wage: int, rate_bp: int, share_percent: int,
                 b_shares: Mapping[str, int] | None = None) -> dict[str, list[int]]:
    amounts = [monthly_premium(daily_wage, month_days(year, m), rate_bp, share_percent) for m in range(1, 13)]
    if program != "B":
        return {"A": amounts}
    parts = [program_b_shares(a, b_shares) for a in amounts]  # the split in force (default: the seeds' 8/10)
    return {"relief_committee": [p["agency"] for p in parts], "government": [p["government"] for p in parts]}


@dataclass(frozen=True)
class Forecast:
    """A year's spend month by month: paid so far, the forecast of each month (see
    :func:`forecast_year`), the running total and the first month whose running total exceeds the credit."""

    paid: tuple[int, ...]
    committed: tuple[int, ...]
    forecast: tuple[int, ...]
    cumulative: tuple[int, ...]
    credit: int | None
    runs_out_month: int | None

    @property
    def total(self) -> int:
        return self.cumulative[-1]


def forecast_year(paid: list[int], committed: list[int], current_month: int, credit: int | None) -> Forecast:
    """Each month at what was paid for it or its committed cost, whichever is more (what is
    committed and not yet paid is still owed) — except a month already past (before
    ``current_month``, 1..13; 13: the year is over) that was paid in part: the cut stands, it
    counts what was paid."""
    if len(paid) != 12 or len(committed) != 12:
        raise ValueError("paid and committed need twelve months")
    values = [
        paid[i] if i + 1 < current_month and paid[i] > 0 else max(paid[i], committed[i])
        for i in range(12)
    ]
    cumulative: list[int] = []
    running = 0
    runs_out = None
    for i, v in enumerate(values):
        running += v
        cumulative.append(running)
        if runs_out is None and credit is not None and running > credit:
            runs_out = i + 1
    return Forecast(tuple(paid), tuple(committed), tuple(values), tuple(cumulative), credit, runs_out)
