"""Fitting a payment run to its budget (programme A): every strategy computes the exact total of
the rounded lines for each candidate (months, percent), never an estimate, so a fitted run's total
never exceeds the budget. Pure: numpy only. ``lib.payments`` re-exports these names."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Any

import numpy as np

from lib.errors import InvalidInput
from lib.money_checks import fa_number as _fa
from lib.money_checks import whole_in_range as _range

__all__ = ["STRATEGY_LABELS", "BudgetFit", "Strategy", "budget_table", "fit_chosen", "fit_to_budget"]

_PCT = 100  # percent in one
_INT64_MAX = int(np.iinfo(np.int64).max)


class Strategy(StrEnum):
    """How a payment run is cut down to its budget."""

    FULL = "full"  # everything, or refuse
    PERCENT = "percent"  # the same lower percentage for everyone
    MONTHS = "months"  # fewer leading months for everyone, at 100 %
    COMBINED = "combined"  # both: the (months, percent) pair that uses the most budget
    PRIORITY = "priority"  # whole people in priority order; one who does not fit is skipped


STRATEGY_LABELS: Mapping[Strategy, str] = MappingProxyType({
    Strategy.FULL: "پرداخت کامل همه ماه‌ها",
    Strategy.PERCENT: "کاهش درصد پرداخت برای همه",
    Strategy.MONTHS: "کاهش تعداد ماه‌ها برای همه",
    Strategy.COMBINED: "کاهش هم‌زمان درصد و تعداد ماه‌ها",
    Strategy.PRIORITY: "پرداخت کامل به ترتیب اولویت (هر کس جا نشود، نفر بعدی)",
})


@dataclass(frozen=True, eq=False)
class BudgetFit:
    """A payment run fitted to a budget. ``paid`` is a read-only int64 array shaped like costs.

    ``months`` is the number of leading months paid for everyone (all columns for
    ``percent``, ``full`` and ``priority``), ``percent`` the percentage paid on them.
    """

    strategy: Strategy
    months: int
    percent: int
    paid: np.ndarray
    total: int
    budget: int
    beneficiaries_paid: int
    remaining: int


# round_half_up(r × p / 100) for a remainder r in 0..99 and a percent p in 0..100
_R = np.arange(_PCT, dtype=np.int64)
_P = np.arange(_PCT + 1, dtype=np.int64)
_ROUNDED_REMAINDER = (_R[:, None] * _P[None, :] + _PCT // 2) // _PCT  # shape (100, 101)


def _cost_matrix(costs: Any) -> np.ndarray:
    """``costs`` as a fresh 2-D int64 array, checked (integers, ≥ 0, total fits in int64)."""
    try:
        arr = np.array(costs)
    except (ValueError, OverflowError):
        raise InvalidInput(
            "جدول حق بیمه باید مستطیلی از اعداد صحیح (ریال) باشد: برای هر نفر به تعداد ماه‌ها "
            "مبلغ، و صفر برای ماهی که بدهی ندارد.",
            field="costs",
        ) from None
    if arr.size == 0:
        if arr.ndim == 1:
            arr = arr.reshape(0, 0)
        arr = arr.astype(np.int64)
    if arr.ndim != 2:
        raise InvalidInput(
            "جدول حق بیمه باید دوبعدی باشد: هر سطر یک نفر و هر ستون یک ماه.", field="costs"
        )
    if arr.dtype.kind not in "iu":
        raise InvalidInput(
            "مبالغ حق بیمه باید عدد صحیح به ریال باشند (بدون اعشار).", field="costs"
        )
    if arr.size == 0:
        return arr.astype(np.int64)
    if arr.dtype.kind == "u" and int(arr.max()) > _INT64_MAX:
        raise InvalidInput("مبالغ حق بیمه بیش از حد بزرگ است.", field="costs")
    arr = arr.astype(np.int64, copy=False)
    if int(arr.min()) < 0:
        raise InvalidInput("مبلغ حق بیمه نمی‌تواند منفی باشد.", field="costs")
    if int(arr.max()) * arr.size >= _INT64_MAX and int(arr.sum(dtype=object)) >= _INT64_MAX:
        raise InvalidInput("جمع مبالغ حق بیمه بیش از حد بزرگ است.", field="costs")
    return arr


def _percent_table(arr: np.ndarray) -> np.ndarray:
    """``table[j, p]`` = Σ_i round_half_up(arr[i, j] × p / 100), exact, for p in 0..100.

    With c = 100q + r: round_half_up(c·p/100) = q·p + round_half_up(r·p/100), so a column
    needs only Σq and a histogram of r in 0..99 — one pass over the data for all 101 p.
    """
    n_cols = arr.shape[1]
    q, r = np.divmod(arr, _PCT)
    q_sum = q.sum(axis=0)
    r += np.arange(n_cols, dtype=np.int64) * _PCT
    hist = np.bincount(r.ravel(), minlength=_PCT * n_cols).reshape(n_cols, _PCT)
    return q_sum[:, None] * _P[None, :] + hist.astype(np.int64) @ _ROUNDED_REMAINDER


def _pay(arr: np.ndarray, months: int, percent: int) -> np.ndarray:
    """round_half_up(c × percent / 100) on the first ``months`` columns, 0 after."""
    paid = np.zeros_like(arr)
    head = arr[:, :months]
    if percent == _PCT:
        paid[:, :months] = head
    elif percent:
        q, r = np.divmod(head, _PCT)
        paid[:, :months] = q * percent + _ROUNDED_REMAINDER[r, percent]
    return paid


def _last_within(totals: np.ndarray, budget: int) -> int:
    """The largest index whose (non-decreasing) total is ≤ budget; totals[0] must be 0."""
    return int(np.searchsorted(totals, budget, side="right")) - 1


def _priority_choice(person_totals: np.ndarray, budget: int) -> np.ndarray:
    """Who is paid in full by ``priority``: people in row order, each paid all their months if
    that fits in what is left; one who does not fit is skipped and the next is tried (so credit
    is never left unused while a later person's months would fit). Returns a boolean mask.

    The leading run of people that fit is found with one cumulative sum; only the people after
    the first who does not fit are visited one by one (until nobody left can fit)."""
    n = person_totals.size
    chosen = np.zeros(n, dtype=bool)
    if n == 0:
        return chosen
    cumulative = np.cumsum(person_totals)
    count = int(np.searchsorted(cumulative, budget, side="right"))
    chosen[:count] = True
    left = budget - (int(cumulative[count - 1]) if count else 0)
    if count < n:
        rest = person_totals[count:]
        smallest_after = np.minimum.accumulate(rest[::-1])[::-1].tolist()  # min of rest[k:]
        for k, cost in enumerate(rest.tolist()):
            if smallest_after[k] > left:
                break
            if cost <= left:
                chosen[count + k] = True
                left -= cost
    return chosen


def budget_table(costs: Any) -> np.ndarray:
    """``table[m, p]``: the exact total of paying the first ``m`` months (0..n) of every row at
    ``p`` percent (0..100), each line rounded half up — the months × percentage grid."""
    arr = _cost_matrix(costs)
    if arr.shape[1] == 0:
        return np.zeros((1, _PCT + 1), np.int64)
    table = _percent_table(arr)
    return np.vstack((np.zeros((1, _PCT + 1), np.int64), np.cumsum(table, axis=0)))


def fit_chosen(costs: Any, budget: int, months: int, percent: int) -> BudgetFit:
    """The committee's pick from the grid: the first ``months`` months at ``percent`` for everyone
    (strategy ``combined``); refused, in Persian, when its total is above ``budget``."""
    budget = _range(budget, "budget", "اعتبار", 0, None, " ریال")
    arr = _cost_matrix(costs)
    months = _range(months, "months", "تعداد ماه‌های پرداختی", 0, arr.shape[1])
    percent = _range(percent, "percent", "درصد پرداخت", 0, _PCT)
    paid = _pay(arr, months, percent)
    total = int(paid.sum())
    if total > budget:
        raise InvalidInput(
            f"پرداخت {_fa(months)} ماه با {_fa(percent)} درصد {_fa(total)} ریال می‌شود که از اعتبار "
            f"({_fa(budget)} ریال) بیشتر است؛ ترکیب کوچک‌تری از جدول انتخاب کنید یا اعتبار را افزایش دهید.",
            field="budget",
        )
    paid.setflags(write=False)
    return BudgetFit(
        strategy=Strategy.COMBINED, months=months, percent=percent, paid=paid, total=total, budget=budget,
        beneficiaries_paid=int(np.count_nonzero(paid.any(axis=1))) if paid.size else 0, remaining=budget - total,
    )


def fit_to_budget(costs: Any, budget: int, strategy: Strategy | str) -> BudgetFit:
    """Cut a payment run down to ``budget`` rials with ``strategy``.

    ``costs[i][j]``: person i's full premium for month j (integer rials, 0 where not owed),
    rows in priority order; a list of lists or a 2-D integer numpy array. The paid total is
    the exact sum of the per-line rounded amounts and never exceeds the budget.

    ``priority`` pays whole people in row order and *skips* one whose months do not fit in
    what is left, trying the next (budget 690, costs 920 then 460: the second is paid). The
    seed's other reading, «به نسبت تعداد افراد واجد شرایط» (everyone in proportion), is the
    ``percent`` strategy.
    """
    try:
        strategy = Strategy(strategy)
    except (ValueError, TypeError):
        choices = "، ".join(f"{s.value} ({label})" for s, label in STRATEGY_LABELS.items())
        raise InvalidInput(
            f"روش تطبیق با اعتبار «{strategy}» شناخته نیست؛ یکی از این‌ها را انتخاب کنید: {choices}.",
            field="strategy",
        ) from None
    budget = _range(budget, "budget", "اعتبار", 0, None, " ریال")
    arr = _cost_matrix(costs)
    n_cols = arr.shape[1]
    col_totals = arr.sum(axis=0)
    grand = int(col_totals.sum())
    cap = min(budget, grand)  # every total is ≤ grand, so this comparison is int64-safe

    months, percent, expected = n_cols, _PCT, None
    if strategy is Strategy.FULL:
        if grand > budget:
            raise InvalidInput(
                f"اعتبار برای پرداخت کامل کافی نیست: جمع حق بیمه {_fa(grand)} ریال و اعتبار "
                f"{_fa(budget)} ریال است، یعنی {_fa(grand - budget)} ریال کسری. اعتبار را افزایش دهید "
                "یا روش دیگری (کاهش درصد، کاهش ماه‌ها یا ترتیب اولویت) انتخاب کنید.",
                field="budget",
            )
        paid, expected = arr.copy(), grand
    elif strategy is Strategy.MONTHS:
        totals = np.concatenate(([0], np.cumsum(col_totals)))
        months = _last_within(totals, cap)
        paid, expected = _pay(arr, months, _PCT), int(totals[months])
    elif strategy is Strategy.PERCENT:
        totals = _percent_table(arr).sum(axis=0)  # by percent, non-decreasing
        percent = _last_within(totals, cap)
        paid, expected = _pay(arr, n_cols, percent), int(totals[percent])
    elif strategy is Strategy.COMBINED:
        table = _percent_table(arr)
        totals = np.vstack((np.zeros((1, _PCT + 1), np.int64), np.cumsum(table, axis=0)))
        within = np.where(totals <= cap, totals, -1)  # totals[m, p]; (0, 0) is always 0
        best = int(within.max())
        if best == 0 and grand > 0:
            months, percent = 0, 0  # nothing can be paid: say so, not "n months at 0 %"
        else:
            rows, cols = np.nonzero(within == best)
            last = rows.max()  # more months on a tie, then the higher percent
            months, percent = int(last), int(cols[rows == last].max())
        paid, expected = _pay(arr, months, percent), best
    else:  # Strategy.PRIORITY
        chosen = _priority_choice(arr.sum(axis=1), cap)
        paid = arr.copy()
        paid[~chosen] = 0
        expected = int(arr.sum(axis=1)[chosen].sum())

    total = int(paid.sum())
    if total != expected or total > budget:  # pragma: no cover - an internal invariant
        raise AssertionError(f"fit_to_budget: total {total} ≠ expected {expected} or > {budget}")
    paid.setflags(write=False)
    return BudgetFit(
        strategy=strategy,
        months=months,
        percent=percent,
        paid=paid,
        total=total,
        budget=budget,
        beneficiaries_paid=int(np.count_nonzero(paid.any(axis=1))) if paid.size else 0,
        remaining=budget - total,
    )
