"""Stored timestamps are UTC; people read them as Tehran's day and time (UTC+3:30)."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from hypothesis import example, given, strategies as st

from lib.audit_labels import local_time
from lib.jalali import format_moment, local_date, local_today


def test_late_evening_utc_is_already_the_next_day_in_tehran():
    at = datetime(2026, 11, 30, 21, 0, tzinfo=timezone.utc)  # 00:30 on 1 December in Tehran
    assert local_date(at) == date(2026, 12, 1)
    assert format_moment(at) == "۱۴۰۵/۰۹/۱۰ ۰۰:۳۰"
    assert format_moment(at, joiner=" ساعت ") == "۱۴۰۵/۰۹/۱۰ ساعت ۰۰:۳۰"


def test_a_naive_timestamp_is_taken_as_utc():
    assert local_date(datetime(2026, 11, 30, 20, 29)) == date(2026, 11, 30)
    assert local_date(datetime(2026, 11, 30, 20, 30)) == date(2026, 12, 1)


def test_nothing_reads_as_a_dash():
    assert format_moment(None) == "—"


def test_the_audit_log_reads_the_same_clock():
    at = datetime(2026, 3, 20, 20, 45, tzinfo=timezone.utc)  # Nowruz 1405 begins at 00:15 Tehran
    assert local_time(at) == format_moment(at) == "۱۴۰۵/۰۱/۰۱ ۰۰:۱۵"


@given(st.datetimes(min_value=datetime(2023, 1, 1), max_value=datetime(2035, 1, 1)))
@example(datetime(2026, 11, 30, 20, 29, 59))
@example(datetime(2026, 11, 30, 20, 30))
def test_tehran_is_three_and_a_half_hours_ahead(naive):
    at = naive.replace(tzinfo=timezone.utc)
    assert local_date(at) == (naive + timedelta(hours=3, minutes=30)).date()
    assert local_today(at) == local_date(at)
