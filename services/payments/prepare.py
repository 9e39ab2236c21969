"""Preparing a run: who is paid for a period, each line's figures, and who is held back and why."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sqlmodel import Session

from lib.jalali import YearMonth
from services.base import Actor


@dataclass(frozen=True, eq=False)
class RunPreview:
    """What a run would pay, before anything is written (see :func:`prepare_run`).

    ``people`` (one row per person owed something, in priority order) and ``costs`` (people ×
    months, each month's premium at the committee's share, 0 where nothing is owed) share their
    row order; ``held_back`` lists who (and which months) is left out, with the reason."""

    program: str
    program_id: int
    province_id: int
    county_id: int | None
    start: YearMonth
    months: int
    periods: tuple[YearMonth, ...]
    wages: dict[int, int]
    unconfirmed_years: tuple[int, ...]
    people: pd.DataFrame
    costs: np.ndarray
    full: np.ndarray
    held_back: pd.DataFrame
    county_names: dict[int, str] = field(default_factory=dict)


def prepare_run(
    session: Session,
    actor: Actor,
    *,
    program: str,
    province_id: int,
    county_id: int | None = None,
    start: YearMonth | tuple[int, int] | str,
    months: int,
) -> RunPreview:
    """Gather every beneficiary of the area whose approved months cover the period (a pure read)."""
    raise NotImplementedError
