"""What-if: what each budget strategy would pay for a prepared run, and the months × percent grid."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from services.payments.prepare import RunPreview


@dataclass(frozen=True, eq=False)
class WhatIf:
    """``strategies``: one row per strategy (strategy, label, feasible, percent, months,
    people_full, people_partial, people_paid, total_rial, left_rial, agency_rial, government_rial);
    ``by_county``: the same per (strategy, county_id, county)."""

    budget_rial: int
    strategies: pd.DataFrame
    by_county: pd.DataFrame


def what_if(preview: RunPreview, budget_rial: int) -> WhatIf:
    """Every strategy of ``lib.payments.fit_to_budget`` side by side, overall and per county."""
    raise NotImplementedError


def months_percent_grid(preview: RunPreview, budget_rial: int | None = None,
                        percents: tuple[int, ...] = (100, 90, 80, 70, 60, 50, 40, 30, 20, 10)) -> pd.DataFrame:
    """Totals (rials) for paying the first m months (rows 1..n) at p % (columns); cells above the budget are what
    the committee cannot pick. Exact (the sum of the rounded lines), vectorised."""
    raise NotImplementedError
