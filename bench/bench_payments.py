"""Benchmark: premium lines and budget fitting for a province-sized payment run.

100,000 beneficiaries × 12 months (1403/07 → 1404/06, across Nowruz), contract rates
12/14/18 %, some with an insured wage above the minimum, some near their 60-month cap.
Times (best of 3) building the lines and fitting the run to ~70 % of its full cost with
each strategy. Prints figures; asserts nothing about time.

    .venv/bin/python bench/bench_payments.py
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lib.errors import InvalidInput  # noqa: E402
from lib.jalali import YearMonth  # noqa: E402
from lib.payments import (  # noqa: E402
    MAX_MONTHS,
    Strategy,
    fit_to_budget,
    premium_lines,
    premium_matrix,
)

PEOPLE = 100_000
MONTHS = 12
START = YearMonth(1403, 7)
WAGES = {1403: 2_388_728, 1404: 3_463_656}
RATES = (1200, 1400, 1800)
BUDGET_SHARE = 0.70


def best_of(runs: int, fn):
    times, result = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return min(times), result


def main() -> None:
    rng = np.random.default_rng(1403)
    rates = rng.choice(RATES, size=PEOPLE, p=(0.2, 0.3, 0.5))
    # 10 % insure a higher wage (valid in both years: ≥ 1404's minimum, ≤ 7 × 1403's)
    insured = np.where(rng.random(PEOPLE) < 0.10, 4_000_000, 0)
    already = rng.integers(0, MAX_MONTHS, size=PEOPLE)  # 0..59 months paid before
    owed = np.minimum(MONTHS, MAX_MONTHS - already)  # the cap trims the last months

    def build_lines():
        return [
            premium_lines(
                START,
                int(owed[i]),
                int(rates[i]),
                WAGES,
                months_already_paid=int(already[i]),
                insured_daily_wage=int(insured[i]) or None,
            )
            for i in range(PEOPLE)
        ]

    def build_matrix():
        base = premium_matrix(START, MONTHS, rates, WAGES)
        high = premium_matrix(START, MONTHS, rates, WAGES, insured_daily_wages=np.maximum(insured, 4_000_000))
        costs = np.where((insured > 0)[:, None], high, base)
        costs[np.arange(MONTHS)[None, :] >= owed[:, None]] = 0
        return costs

    rows: list[tuple[str, float, int, str]] = []
    t, lines = best_of(3, build_lines)
    n_lines = sum(len(person) for person in lines)
    rows.append(("premium_lines (objects)", t, n_lines, f"{n_lines:,} lines"))

    costs = np.zeros((PEOPLE, MONTHS), dtype=np.int64)
    for i, person in enumerate(lines):
        costs[i, : len(person)] = [line.full_amount for line in person]

    t, matrix = best_of(3, build_matrix)
    assert (matrix == costs).all(), "premium_matrix disagrees with premium_lines"
    rows.append(("premium_matrix (numpy)", t, costs.size, f"{PEOPLE:,} × {MONTHS}"))

    full_cost = int(costs.sum())
    budget = int(full_cost * BUDGET_SHARE)
    for strategy in Strategy:
        run_budget = full_cost if strategy is Strategy.FULL else budget  # full refuses 70 %
        t, fit = best_of(3, lambda: fit_to_budget(costs, run_budget, strategy))
        assert fit.total <= run_budget
        note = (
            f"budget {run_budget / full_cost:.0%}: months {fit.months}, {fit.percent} %, "
            f"paid {fit.total / full_cost:.2%}, {fit.beneficiaries_paid:,} people"
        )
        rows.append((f"fit_to_budget {strategy.value}", t, costs.size, note))
    try:
        fit_to_budget(costs, budget, Strategy.FULL)
    except InvalidInput:
        pass

    print(f"{PEOPLE:,} beneficiaries × {MONTHS} months from {START.year}/{START.month:02d}, "
          f"full cost {full_cost:,} rials, budget {budget:,} rials (~{BUDGET_SHARE:.0%})")
    print(f"{'step':<28} {'seconds':>9} {'lines/s':>14}  notes")
    for name, seconds, count, note in rows:
        print(f"{name:<28} {seconds:>9.4f} {count / seconds:>14,.0f}  {note}")


if __name__ == "__main__":
    main()
