"""What-if: what each budget strategy would pay for a prepared run, and the months × percent grid.

Pure computation on a :class:`RunPreview` (no database): the screen calls these on every change
of the credit field, so they are vectorised (numpy) over the people × months cost matrix.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from lib.errors import InvalidInput
from lib.payments import (
    STRATEGY_LABELS,
    BudgetFit,
    Strategy,
    budget_table,
    fit_chosen,
    fit_to_budget,
    program_b_share_arrays,
)
from services.payments.prepare import RunPreview

STRATEGY_COLUMNS = [
    "strategy", "label", "feasible", "percent", "months", "people_full", "people_partial", "people_paid",
    "people_unpaid", "total_rial", "left_rial", "agency_rial", "government_rial",
]
COUNTY_COLUMNS = ["strategy", "county_id", "county", "people_full", "people_partial", "people_unpaid", "total_rial"]


@dataclass(frozen=True, eq=False)
class WhatIf:
    """``strategies``: one row per strategy (strategy, label, feasible, percent, months,
    people_full, people_partial, people_paid, people_unpaid, total_rial, left_rial, agency_rial,
    government_rial); ``by_county``: per (strategy, county_id, county) people and total.
    ``full`` is infeasible (``feasible`` False, total = what it would cost) when the credit is short."""

    budget_rial: int
    strategies: pd.DataFrame
    by_county: pd.DataFrame


def _budget(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or int(value) < 0:
        raise InvalidInput("اعتبار را به ریال و به صورت عدد صحیح نامنفی وارد کنید.", field="budget_rial")
    return int(value)


def fit(preview: RunPreview, budget_rial: int, strategy: str, *, months: int | None = None,
        percent: int | None = None) -> BudgetFit:
    """The fit a run would use: ``fit_to_budget``, or for ``combined`` with ``months`` and
    ``percent`` the grid cell the committee picked (refused above the budget)."""
    budget = _budget(budget_rial)
    if months is not None or percent is not None:
        if str(strategy) != Strategy.COMBINED.value:
            raise InvalidInput(
                "انتخاب تعداد ماه و درصد از جدول فقط با روش «کاهش هم‌زمان درصد و تعداد ماه‌ها» ممکن است.",
                field="strategy",
            )
        return fit_chosen(preview.costs, budget,
                          preview.months if months is None else months, 100 if percent is None else percent)
    return fit_to_budget(preview.costs, budget, strategy)


def _split(preview: RunPreview, paid: np.ndarray) -> tuple[int, int]:
    total = int(paid.sum())
    if preview.program != "B":
        return total, 0
    agency, government = program_b_share_arrays(paid[paid > 0], preview.share_weights)
    return int(agency.sum()), int(government.sum())


def what_if(preview: RunPreview, budget_rial: int) -> WhatIf:
    """Every strategy of ``lib.payments.fit_to_budget`` side by side, overall and per county."""
    budget = _budget(budget_rial)
    costs = preview.costs
    person_cost = costs.sum(axis=1)
    counties = preview.people["county_id"].to_numpy(dtype=np.int64) if len(costs) else np.zeros(0, np.int64)
    county_ids = sorted(set(counties.tolist()))
    county_pos = np.searchsorted(np.array(county_ids, np.int64), counties) if county_ids else counties
    rows, county_rows = [], []
    for strategy in Strategy:
        label = STRATEGY_LABELS[strategy]
        try:
            fitted = fit_to_budget(costs, budget, strategy)
            paid, feasible, months, percent = fitted.paid, True, fitted.months, fitted.percent
        except InvalidInput:  # full, and the credit is short: show what it would cost
            paid, feasible, months, percent = costs, False, preview.months, 100
        person_paid = paid.sum(axis=1)
        in_full = (person_paid == person_cost) & (person_cost > 0)
        partial = (person_paid > 0) & ~in_full
        unpaid = person_paid == 0
        total = int(person_paid.sum())
        agency, government = _split(preview, paid)
        rows.append((strategy.value, label, feasible, percent, months, int(in_full.sum()), int(partial.sum()),
                     int((person_paid > 0).sum()), int(unpaid.sum()), total, budget - total, agency, government))
        if county_ids:
            k = len(county_ids)
            by_full = np.bincount(county_pos, weights=in_full, minlength=k).astype(np.int64)
            by_partial = np.bincount(county_pos, weights=partial, minlength=k).astype(np.int64)
            by_unpaid = np.bincount(county_pos, weights=unpaid, minlength=k).astype(np.int64)
            by_total = np.zeros(k, np.int64)
            np.add.at(by_total, county_pos, person_paid)
            for c, county_id in enumerate(county_ids):
                county_rows.append((strategy.value, county_id, preview.county_names.get(county_id, "—"),
                                    int(by_full[c]), int(by_partial[c]), int(by_unpaid[c]), int(by_total[c])))
    return WhatIf(
        budget_rial=budget,
        strategies=pd.DataFrame(rows, columns=STRATEGY_COLUMNS),
        by_county=pd.DataFrame(county_rows, columns=COUNTY_COLUMNS),
    )


def months_percent_grid(
    preview: RunPreview,
    percents: tuple[int, ...] = (100, 90, 80, 70, 60, 50, 40, 30, 20, 10),
) -> pd.DataFrame:
    """Totals (rials) of paying the first m months (rows, m = 1..n) at p % (columns, ``percents``)
    to everyone: the exact sum of the rounded lines. Cells above the credit are the ones the
    committee cannot pick (compare with the budget; :func:`fit` refuses them)."""
    for p in percents:
        if isinstance(p, bool) or not isinstance(p, (int, np.integer)) or not 0 <= p <= 100:
            raise InvalidInput("درصدهای جدول باید عدد صحیح بین ۰ و ۱۰۰ باشند.", field="percents")
    table = budget_table(preview.costs) if len(preview.costs) else np.zeros((preview.months + 1, 101), np.int64)
    grid = pd.DataFrame(table[1:, list(percents)], index=pd.RangeIndex(1, preview.months + 1, name="months"),
                        columns=list(percents))
    return grid
