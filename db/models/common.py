"""Helpers shared by the table modules: timestamps and the money column."""
from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any

from sqlalchemy import BigInteger
from sqlmodel import Field


OPEN_APPLICATION_WHERE = "state NOT IN ('completed', 'rejected', 'withdrawn')"


def utcnow() -> datetime:
    """Now, timezone-aware in UTC (SQLModel stores aware datetimes; SQLite keeps them as UTC)."""
    return datetime.now(timezone.utc)


def utc_midnight(day: date) -> datetime:
    """The start of a (Gregorian) day in UTC, for comparing dates with timestamps."""
    return datetime(day.year, day.month, day.day, tzinfo=timezone.utc)


def money(**kw: Any) -> Any:
    """A non-negative integer rial column (64-bit)."""
    return Field(sa_type=BigInteger, **kw)
