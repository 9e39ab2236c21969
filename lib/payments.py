"""Premiums and shares; fitting a payment run to a budget is lib.budget_fit (its names are
re-exported here). Pure: numpy only.

Money is an integer number of rials everywhere; rates are basis points (1800 = 18 %);
percentages are whole numbers 0..100. Every rounding is explicit and happens once per
line, half up (ties toward +infinity), in exact integer arithmetic:

    premium = round_half_up(daily_wage × days × rate_bp × percent / (10000 × 100))
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType
from typing import Any

import numpy as np

from lib.budget_fit import STRATEGY_LABELS, BudgetFit, Strategy, budget_table, fit_chosen, fit_to_budget
from lib.errors import InvalidInput
from lib.jalali import YearMonth
from lib.money_checks import fa_number as _fa
from lib.money_checks import whole as _int
from lib.money_checks import whole_in_range as _range

__all__ = [
    "MAX_MONTHS",
    "WAGE_CEILING_MULTIPLE",
    "PROGRAM_B_RATE_BP",
    "PROGRAM_B_SHARES",
    "STRATEGY_LABELS",
    "BudgetFit",
    "PremiumLine",
    "Strategy",
    "fit_to_budget",
    "monthly_premium",
    "premium_lines",
    "premium_matrix",
    "program_b_shares",
    "program_b_share_arrays",
    "budget_table",
    "fit_chosen",
    "round_half_up_div",
    "split_shares",
]

MAX_MONTHS = 60
"""Programme A: at most five years (60 months) of premiums per person."""

WAGE_CEILING_MULTIPLE = 7
"""SSO caps the insured daily wage at 7 × the minimum daily wage of the year."""

PROGRAM_B_RATE_BP = 1800
"""Programme B: the premium is 18 % of the minimum wage."""

PROGRAM_B_SHARES: Mapping[str, int] = MappingProxyType({"agency": 800, "government": 1000})
"""Programme B: 8 % paid by the Relief Committee, 10 % by the government (weights in bp)."""

_BP = 10_000  # basis points in one
_PCT = 100  # percent in one
_INT64_MAX = int(np.iinfo(np.int64).max)


def _year_month(value: Any, field: str = "start") -> YearMonth:
    try:
        year, month = value
    except (TypeError, ValueError):
        raise InvalidInput(
            "ماه شروع باید به صورت (سال، ماه) شمسی باشد، مثلاً (۱۴۰۳، ۷).", field=field
        ) from None
    year = _range(year, field, "سال شروع", 1, 9000)
    month = _range(month, field, "ماه شروع", 1, 12)
    return YearMonth(year, month)


# --------------------------------------------------------------------------- rounding
def round_half_up_div(numerator: int, denominator: int) -> int:
    """``numerator / denominator`` rounded to the nearest integer, ties up (toward +∞).

    Exact integer arithmetic (no float): ``floor((2n + d) / 2d)``. A negative denominator is
    allowed (the sign moves to the numerator); zero is refused.
    """
    n = _int(numerator, "numerator", "صورت کسر")
    d = _int(denominator, "denominator", "مخرج کسر")
    if d == 0:
        raise InvalidInput("مخرج کسر نمی‌تواند صفر باشد.", field="denominator")
    if d < 0:
        n, d = -n, -d
    return (2 * n + d) // (2 * d)


def _premium(daily_wage: int, days: int, rate_bp: int, percent: int) -> int:
    """The premium of one line, inputs already checked."""
    return (2 * daily_wage * days * rate_bp * percent + _BP * _PCT) // (2 * _BP * _PCT)


def monthly_premium(daily_wage: int, days: int, rate_bp: int, percent: int = 100) -> int:
    """One month's premium in rials: daily_wage × days × rate × percent, rounded half up.

    >>> monthly_premium(2_388_728, 31, 1800)
    13329102
    """
    wage = _range(daily_wage, "daily_wage", "دستمزد روزانه", 0, None, " ریال")
    days = _range(days, "days", "تعداد روزها", 1, 31)
    rate = _range(rate_bp, "rate_bp", "نرخ حق بیمه (واحد پایه، ۱۸۰۰ = ۱۸٪)", 0, _BP)
    pct = _range(percent, "percent", "درصد پرداخت", 0, _PCT)
    return _premium(wage, days, rate, pct)


# --------------------------------------------------------------------------- premium lines
@dataclass(frozen=True, slots=True)
class PremiumLine:
    """One Jalali month of one person's premium.

    ``daily_wage`` is the year's minimum daily wage, ``insured_daily_wage`` the wage the
    premium is computed on (minimum ≤ insured ≤ 7 × minimum). ``full_amount`` is the
    premium at 100 %, ``amount`` the premium at ``percent`` (each rounded half up).
    """

    period: YearMonth
    days: int
    daily_wage: int
    insured_daily_wage: int
    rate_bp: int
    percent: int
    full_amount: int
    amount: int


def _wage_of(wages: Mapping[int, int], year: int) -> int:
    try:
        wage = wages[year]
    except KeyError:
        raise InvalidInput(
            f"حداقل دستمزد روزانه سال {_fa(year, False)} ثبت نشده است؛ "
            "ابتدا آن را در جدول حداقل دستمزد وارد کنید.",
            field="wages",
        ) from None
    return _range(wage, "wages", f"حداقل دستمزد روزانه سال {_fa(year, False)}", 1, None, " ریال")


@lru_cache(maxsize=1024)
def _calendar(first: int, months: int) -> tuple[tuple[YearMonth, int], ...]:
    """(period, calendar days) of ``months`` months from month index ``first`` (cached)."""
    periods = (YearMonth.from_index(first + k) for k in range(months))
    return tuple((period, period.days) for period in periods)


def _periods(start: YearMonth, months: int) -> list[YearMonth]:
    return [period for period, _ in _calendar(start.index, months)]


def _check_cap(months: int, months_already_paid: int, max_months: int | None) -> None:
    if max_months is None:
        return
    if months_already_paid + months > max_months:
        remaining = max(0, max_months - months_already_paid)
        left = (
            f"فقط {_fa(remaining)} ماه باقی مانده است؛ تعداد ماه‌ها را حداکثر {_fa(remaining)} وارد کنید."
            if remaining
            else "ماهی باقی نمانده است و پرداخت بیشتر برای این فرد ممکن نیست."
        )
        raise InvalidInput(
            f"سقف پرداخت برای هر نفر {_fa(max_months)} ماه است؛ تاکنون {_fa(months_already_paid)} ماه "
            f"پرداخت شده و {_fa(months)} ماه درخواست شده. {left}",
            field="months",
        )


def _check_insured(insured: int, minimum: int, year: int) -> None:
    ceiling = WAGE_CEILING_MULTIPLE * minimum
    if not minimum <= insured <= ceiling:
        raise InvalidInput(
            f"دستمزد روزانه مبنای بیمه ({_fa(insured)} ریال) برای سال {_fa(year, False)} باید بین حداقل "
            f"دستمزد روزانه ({_fa(minimum)} ریال) و سقف تامین اجتماعی، {WAGE_CEILING_MULTIPLE} برابر آن "
            f"({_fa(ceiling)} ریال)، باشد؛ مبلغی در این بازه وارد کنید.",
            field="insured_daily_wage",
        )


def premium_lines(
    start: YearMonth,
    months: int,
    rate_bp: int,
    wages: Mapping[int, int],
    *,
    percent: int = 100,
    months_already_paid: int = 0,
    max_months: int | None = MAX_MONTHS,
    insured_daily_wage: int | None = None,
) -> list[PremiumLine]:
    """One ``PremiumLine`` per Jalali month from ``start``, ``months`` months long.

    Each month uses its own calendar days (Esfand 29 or 30) and its own year's minimum
    daily wage ``wages[year]`` (a period spanning Nowruz changes wage at Farvardin).
    ``insured_daily_wage`` (default: each year's minimum) must lie within
    [minimum, 7 × minimum] of every year of the period. ``months_already_paid + months``
    may not exceed ``max_months`` (``None``: no cap).
    """
    start = _year_month(start)
    months = _range(months, "months", "تعداد ماه‌ها", 1, None)
    rate = _range(rate_bp, "rate_bp", "نرخ حق بیمه (واحد پایه، ۱۸۰۰ = ۱۸٪)", 0, _BP)
    pct = _range(percent, "percent", "درصد پرداخت", 0, _PCT)
    paid_before = _range(months_already_paid, "months_already_paid", "ماه‌های پرداخت‌شده قبلی", 0, None)
    if max_months is not None:
        max_months = _range(max_months, "max_months", "سقف ماه‌ها", 0, None)
    _check_cap(months, paid_before, max_months)
    insured = (
        None
        if insured_daily_wage is None
        else _range(insured_daily_wage, "insured_daily_wage", "دستمزد روزانه مبنای بیمه", 1, None, " ریال")
    )

    minimum_of: dict[int, int] = {}
    amounts: dict[tuple[int, int], tuple[int, int]] = {}  # (year, days) → (full, amount)
    lines: list[PremiumLine] = []
    for period, days in _calendar(start.index, months):
        year = period.year
        minimum = minimum_of.get(year)
        if minimum is None:
            minimum = minimum_of[year] = _wage_of(wages, year)
            if insured is not None:
                _check_insured(insured, minimum, year)
        base = minimum if insured is None else insured
        pair = amounts.get((year, days))
        if pair is None:
            full = _premium(base, days, rate, _PCT)
            pair = amounts[year, days] = (full, full if pct == _PCT else _premium(base, days, rate, pct))
        lines.append(PremiumLine(period, days, minimum, base, rate, pct, *pair))
    return lines


def premium_matrix(
    start: YearMonth,
    months: int,
    rates_bp: Sequence[int] | np.ndarray,
    wages: Mapping[int, int],
    *,
    percent: int = 100,
    insured_daily_wages: Sequence[int] | np.ndarray | None = None,
    percents: Sequence[int] | np.ndarray | None = None,
) -> np.ndarray:
    """Vectorised ``premium_lines``: the ``amount`` of every person × month as int64.

    Row i is the person with contract rate ``rates_bp[i]`` (and insured daily wage
    ``insured_daily_wages[i]``, default the minimum); column j is month ``start + j``.
    Same rules and same rounding as ``premium_lines`` (no per-person month cap: zero out
    the months a person is not owed). For payment runs of many people. ``percents`` (one per
    person, 0..100) replaces ``percent`` row by row (the committee's share of each person).
    """
    start = _year_month(start)
    months = _range(months, "months", "تعداد ماه‌ها", 1, None)
    pct = _range(percent, "percent", "درصد پرداخت", 0, _PCT)
    rates = _int_vector(rates_bp, "rates_bp", "نرخ حق بیمه")
    if rates.size and (rates.min() < 0 or rates.max() > _BP):
        raise InvalidInput("نرخ حق بیمه باید بین ۰ و ۱۰۰۰۰ واحد پایه (۰ تا ۱۰۰٪) باشد.", field="rates_bp")
    periods = _periods(start, months)
    minimum = np.array([_wage_of(wages, p.year) for p in periods], dtype=np.int64)
    days = np.array([p.days for p in periods], dtype=np.int64)
    if insured_daily_wages is None:
        base = np.broadcast_to(minimum, (rates.size, months))
    else:
        insured = _int_vector(insured_daily_wages, "insured_daily_wage", "دستمزد روزانه مبنای بیمه")
        if insured.shape != rates.shape:
            raise InvalidInput(
                "برای هر نفر باید یک دستمزد مبنای بیمه و یک نرخ وارد شود (تعدادها برابر نیست).",
                field="insured_daily_wage",
            )
        for year in sorted({p.year for p in periods}):
            low = _wage_of(wages, year)
            bad = (insured < low) | (insured > WAGE_CEILING_MULTIPLE * low)
            if bad.any():
                _check_insured(int(insured[np.argmax(bad)]), low, year)
        base = np.broadcast_to(insured[:, None], (rates.size, months))
    # wage ≤ 7 × wages[year]; guard int64 for the exact product wage × days × rate × pct × 2.
    if int(base.max(initial=0)) * 31 * _BP * _PCT * 2 >= _INT64_MAX:
        raise InvalidInput("دستمزد روزانه بیش از حد بزرگ است.", field="wages")
    if percents is None:
        scaled = base * (days * pct)[None, :] * rates[:, None]
    else:
        per = _int_vector(percents, "percents", "درصد پرداخت هر نفر")
        if per.shape != rates.shape:
            raise InvalidInput("برای هر نفر باید یک درصد پرداخت وارد شود (تعدادها برابر نیست).", field="percents")
        if per.size and (per.min() < 0 or per.max() > _PCT):
            raise InvalidInput("درصد پرداخت هر نفر باید بین ۰ و ۱۰۰ باشد.", field="percents")
        scaled = base * days[None, :] * (rates * per)[:, None]
    return (2 * scaled + _BP * _PCT) // (2 * _BP * _PCT)


def _int_vector(values: Any, field: str, label: str) -> np.ndarray:
    arr = np.asarray(values)
    if arr.ndim != 1 or (arr.size and arr.dtype.kind not in "iu"):
        raise InvalidInput(f"«{label}» باید فهرستی از اعداد صحیح باشد.", field=field)
    if arr.dtype.kind == "u" and arr.size and int(arr.max()) > _INT64_MAX:
        raise InvalidInput(f"«{label}» بیش از حد بزرگ است.", field=field)
    return arr.astype(np.int64)


# --------------------------------------------------------------------------- shares
def split_shares(amount: int, weights: Mapping[str, int]) -> dict[str, int]:
    """Split ``amount`` rials in proportion to integer ``weights``; the parts add up exactly.

    Largest-remainder method: everyone gets ``floor(amount × w / Σw)``; the rials left over
    go one each to the largest remainders, ties in the order the weights are given.
    """
    total_amount = _range(amount, "amount", "مبلغ", 0, None, " ریال")
    if not weights:
        raise InvalidInput("برای تقسیم مبلغ دست‌کم یک سهم لازم است.", field="weights")
    names = list(weights)
    ws = [_range(weights[k], "weights", f"وزن سهم {k}", 0, None) for k in names]
    total_weight = sum(ws)
    if total_weight == 0:
        raise InvalidInput("جمع وزن سهم‌ها نمی‌تواند صفر باشد؛ دست‌کم یک سهم مثبت وارد کنید.", field="weights")
    parts = [divmod(total_amount * w, total_weight) for w in ws]
    result = {k: q for k, (q, _) in zip(names, parts)}
    left = total_amount - sum(result.values())
    order = sorted(range(len(names)), key=lambda i: (-parts[i][1], i))
    for i in order[:left]:
        result[names[i]] += 1
    return result


def program_b_shares(amount: int, weights: Mapping[str, int] | None = None) -> dict[str, int]:
    """Programme B's premium split: 8/18 Relief Committee (``agency``), 10/18 government — or the
    ``weights`` (basis points) of the programme's parameters in force."""
    return split_shares(amount, weights or PROGRAM_B_SHARES)


def program_b_share_arrays(amounts: Any, weights: Mapping[str, int] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Vectorised :func:`program_b_shares`: (agency, government) int64 arrays, the same split
    (largest remainder, a tie to the agency) for every amount."""
    arr = np.asarray(amounts, dtype=np.int64)
    weights = weights or PROGRAM_B_SHARES
    w_agency, w_government = weights["agency"], weights["government"]
    whole = w_agency + w_government
    agency, r_agency = np.divmod(arr * w_agency, whole)
    government, r_government = np.divmod(arr * w_government, whole)
    left = arr - agency - government  # 0 or 1
    to_agency = (left > 0) & (r_agency >= r_government)
    agency = agency + to_agency
    government = government + ((left > 0) & ~to_agency)
    return agency, government
