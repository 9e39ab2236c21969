"""The priority order of scored programme A applicants.

Ranking (:func:`rank`, :func:`rank_frame`): committee overrides first (seed, note 1: the county or
provincial committee may set a priority by hand in special cases; it needs a reason), ordered by
the rank the committee gave, then by total; then everyone else by total descending; holders of a
government insurance discount in an identified job field after everyone else (condition 4: they
come "in the later priorities", not excluded), also by total descending. Ties: earlier
``applied_on`` first, then lower ``application_id``.

Pure code: no Streamlit, no SQL, no I/O.
"""
from __future__ import annotations

import datetime
import numbers
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from lib.errors import InvalidInput
from lib.score_input import ltr, row_prefix, shown

__all__ = ["RankItem", "rank", "rank_frame"]


@dataclass(frozen=True)
class RankItem:
    """One application to rank. An override (``override_rank``) needs a non-empty reason."""

    application_id: int
    total: int
    discount_holder: bool
    applied_on: datetime.date
    override_rank: int | None = None
    override_reason: str | None = None

    def __post_init__(self) -> None:
        if self.override_rank is not None:
            if (
                isinstance(self.override_rank, bool)
                or not isinstance(self.override_rank, numbers.Integral)
                or self.override_rank < 1
            ):
                raise InvalidInput(
                    f"اولویت تعیین‌شده توسط کمیته باید عدد صحیح ۱ یا بیشتر باشد؛ مقدار "
                    f"«{shown(self.override_rank)}» را اصلاح کنید.",
                    field="override_rank",
                )
            if not isinstance(self.override_reason, str) or not self.override_reason.strip():
                raise _override_reason_missing(self.application_id)
        if not isinstance(self.applied_on, datetime.date):
            raise InvalidInput(
                f"تاریخ درخواست پرونده {shown(self.application_id)} ثبت نشده است؛ آن را وارد کنید.",
                field="applied_on",
            )

    @property
    def group(self) -> int:
        """0: committee override, 1: everyone else, 2: discount holders."""
        if self.override_rank is not None:
            return 0
        return 2 if self.discount_holder else 1

    def sort_key(self) -> tuple:
        return (
            self.group,
            self.override_rank or 0,
            -self.total,
            self.applied_on,
            self.application_id,
        )


def _override_reason_missing(application_id: object, row: str = "") -> InvalidInput:
    return InvalidInput(
        f"{row}برای پرونده {shown(application_id)} اولویت دستی تعیین شده ولی دلیل آن ثبت نشده "
        "است؛ دلیل تصمیم کمیته را بنویسید یا اولویت دستی را بردارید.",
        field="override_reason",
    )


def _duplicate_id(application_id: object) -> InvalidInput:
    return InvalidInput(
        f"پرونده {shown(application_id)} بیش از یک بار در فهرست رتبه‌بندی آمده است؛ "
        "هر پرونده را یک بار وارد کنید.",
        field="application_id",
    )


def rank(items: Iterable[RankItem]) -> list[RankItem]:
    """Priority order (first = highest priority); see the module docstring for the rules."""
    items = list(items)
    seen: set[int] = set()
    for item in items:
        if item.application_id in seen:
            raise _duplicate_id(item.application_id)
        seen.add(item.application_id)
    return sorted(items, key=RankItem.sort_key)


def _date_keys(frame: pd.DataFrame, name: str) -> np.ndarray:
    """Sortable int64 keys for a date column (datetime64, or date objects via factorize)."""
    column = frame[name]
    if pd.api.types.is_datetime64_any_dtype(column.dtype):
        keys = column.to_numpy(dtype="datetime64[ns]").view(np.int64)
        missing = column.isna().to_numpy()
    else:
        codes, uniques = pd.factorize(column, use_na_sentinel=True)
        try:
            order = np.argsort(np.asarray(uniques, dtype=object), kind="stable")
        except TypeError:
            raise InvalidInput(
                "ستون تاریخ درخواست (applied_on) باید فقط تاریخ داشته باشد؛ مقادیر دیگر را اصلاح کنید.",
                field=name,
            ) from None
        position = np.empty(len(uniques), dtype=np.int64)
        position[order] = np.arange(len(uniques))
        keys = np.where(codes >= 0, position[codes], 0)
        missing = codes < 0
    if missing.any():
        bad = int(np.flatnonzero(missing)[0])
        raise InvalidInput(
            f"{row_prefix(frame.index, bad)}تاریخ درخواست ثبت نشده است؛ آن را وارد کنید.",
            field=name,
        )
    return keys


def rank_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """:func:`rank` for a DataFrame, vectorised; returns a sorted copy with a 1-based ``rank``.

    Columns: ``application_id``, ``total``, ``discount_holder``, ``applied_on`` (dates or
    datetime64) and optionally ``override_rank`` (nullable) and ``override_reason``. The original
    index labels are kept.
    """
    required = ("application_id", "total", "discount_holder", "applied_on")
    for name in required:
        if name not in frame.columns:
            raise InvalidInput(f"ستون «{ltr(name)}» در جدول رتبه‌بندی نیست؛ آن را اضافه کنید.", field=name)
    ids = frame["application_id"].to_numpy()
    if pd.Index(ids).has_duplicates:
        duplicated = pd.Index(ids).duplicated()
        raise _duplicate_id(ids[int(np.flatnonzero(duplicated)[0])])
    totals = frame["total"].to_numpy()
    if totals.dtype.kind not in "iu":
        numeric = pd.to_numeric(frame["total"], errors="coerce").to_numpy(
            dtype=np.float64, na_value=np.nan
        )
        bad = np.isnan(numeric) | (np.floor(numeric) != numeric)
        if bad.any():
            position = int(np.flatnonzero(bad)[0])
            raise InvalidInput(
                f"{row_prefix(frame.index, position)}امتیاز کل عدد صحیح نیست یا خالی است؛ "
                "ابتدا پرونده را امتیازدهی کنید.",
                field="total",
            )
        totals = numeric
    totals = totals.astype(np.int64)
    holders = frame["discount_holder"].to_numpy(dtype=bool, na_value=False)
    dates = _date_keys(frame, "applied_on")
    n = len(frame)
    if "override_rank" in frame.columns:
        overrides = pd.to_numeric(frame["override_rank"], errors="coerce").to_numpy(
            dtype=np.float64, na_value=np.nan
        )
        has_override = ~np.isnan(overrides)
        bad = has_override & ((overrides < 1) | (np.floor(overrides) != overrides))
        bad |= np.isnan(overrides) & frame["override_rank"].notna().to_numpy()
        if bad.any():
            position = int(np.flatnonzero(bad)[0])
            raise InvalidInput(
                f"{row_prefix(frame.index, position)}اولویت تعیین‌شده توسط کمیته باید عدد صحیح ۱ "
                "یا بیشتر باشد؛ آن را اصلاح کنید.",
                field="override_rank",
            )
        if has_override.any():
            if "override_reason" in frame.columns:
                reasons = frame["override_reason"].to_numpy()[has_override]
                empty = np.fromiter(
                    (not isinstance(r, str) or not r.strip() for r in reasons), dtype=bool, count=len(reasons)
                )
            else:
                empty = np.ones(int(has_override.sum()), dtype=bool)
            if empty.any():
                position = int(np.flatnonzero(has_override)[np.flatnonzero(empty)[0]])
                raise _override_reason_missing(ids[position], row_prefix(frame.index, position))
        override_key = np.where(has_override, overrides, 0).astype(np.int64)
    else:
        has_override = np.zeros(n, dtype=bool)
        override_key = np.zeros(n, dtype=np.int64)
    group = np.where(has_override, 0, np.where(holders, 2, 1))
    order = np.lexsort((ids, dates, -totals, override_key, group))
    result = frame.iloc[order].copy()
    result["rank"] = np.arange(1, n + 1, dtype=np.int64)
    return result
