"""Jalali (Solar Hijri) calendar helpers. Pure: jdatetime only."""
from __future__ import annotations

from typing import NamedTuple

import jdatetime


def is_leap(year: int) -> bool:
    return jdatetime.date(year, 1, 1).isleap()


def month_days(year: int, month: int) -> int:
    """Calendar days of a Jalali month: 1-6 → 31, 7-11 → 30, 12 → 29 or 30 (leap)."""
    if not 1 <= month <= 12:
        raise ValueError(f"month out of range: {month}")
    if month <= 6:
        return 31
    if month <= 11:
        return 30
    return 30 if is_leap(year) else 29


class YearMonth(NamedTuple):
    """A Jalali month, the unit of payment periods."""

    year: int
    month: int

    @property
    def index(self) -> int:
        return self.year * 12 + (self.month - 1)

    @classmethod
    def from_index(cls, index: int) -> "YearMonth":
        return cls(index // 12, index % 12 + 1)

    def add(self, months: int) -> "YearMonth":
        return YearMonth.from_index(self.index + months)

    @property
    def days(self) -> int:
        return month_days(self.year, self.month)
