"""The demo writes its days and moments as the driver's values (demo.paths.Stamps): on SQLite the
very text SQLAlchemy's own column processors would store, elsewhere dates and aware UTC datetimes."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from hypothesis import example, given, settings
from hypothesis import strategies as st
from sqlalchemy.dialects import postgresql, sqlite

from db.models import Application, ApplicationEvent
from demo.paths import DAY, Stamps, dt

FIRST = date(2023, 1, 1).toordinal()
LAST = date(2027, 12, 31).toordinal()

_sqlite = sqlite.dialect()
_as_text_datetime = ApplicationEvent.__table__.c.at.type._cached_bind_processor(_sqlite)
_as_text_date = Application.__table__.c.applied_on.type._cached_bind_processor(_sqlite)


def _aware(ordinal: int, seconds: int) -> datetime:
    return datetime.combine(date.fromordinal(ordinal), datetime.min.time(), tzinfo=timezone.utc) + timedelta(
        seconds=seconds)


@given(st.integers(FIRST, LAST), st.integers(0, 2 * DAY))
@example(FIRST, 0)  # midnight (the first example also makes the table of a day's seconds)
@example(FIRST, DAY - 1)  # the day's last second
@example(FIRST, DAY)  # seconds beyond the day run into the next
@example(date(2024, 2, 28).toordinal(), DAY + 3600)  # into a leap day
@example(date(2025, 3, 20).toordinal(), 4 * 3600 + 1800)  # Nowruz, 08:00 in Tehran
@settings(deadline=None)
def test_sqlite_text_is_what_the_columns_store(ordinal, seconds):
    stamps = Stamps("sqlite")
    moment = dt(ordinal, seconds)
    assert stamps.moment(moment) == _as_text_datetime(_aware(ordinal, seconds))
    assert stamps.day(ordinal) == _as_text_date(date.fromordinal(ordinal))
    # and read back as the same moment
    assert ApplicationEvent.__table__.c.at.type.process_result_value(
        datetime.fromisoformat(stamps.moment(moment)), _sqlite) == _aware(ordinal, seconds)


@given(st.integers(FIRST, LAST), st.integers(0, 2 * DAY))
@example(FIRST, DAY)
def test_other_databases_get_dates_and_aware_datetimes(ordinal, seconds):
    stamps = Stamps(postgresql.dialect().name)
    value = stamps.moment(dt(ordinal, seconds))
    assert value == _aware(ordinal, seconds) and value.utcoffset() == timedelta(0)
    assert stamps.day(ordinal) == date.fromordinal(ordinal)


def test_no_moment_stays_none():
    assert Stamps("sqlite").moment(None) is None
    assert Stamps("postgresql").moment(None) is None


def test_text_sorts_as_the_moments_do():
    stamps = Stamps("sqlite")
    moments = [dt(FIRST + d, s) for d in (0, 1, 40, 400) for s in (0, 59, 3600, DAY - 1)]
    assert sorted(moments, key=stamps.moment) == sorted(moments)
