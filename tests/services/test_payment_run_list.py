"""The period of a payment run as the runs list shows it (services.payments.runs.period_label)."""
from __future__ import annotations

import pytest

from services.payments.runs import period_label


@pytest.mark.parametrize(("year", "start", "end_year", "end_month", "months", "shown"), [
    (1404, 1, None, None, 1, "فروردین ۱۴۰۴"),  # one month: no range
    (1404, 1, None, None, 2, "فروردین ۱۴۰۴ تا اردیبهشت ۱۴۰۴"),
    (1403, 12, None, None, 2, "اسفند ۱۴۰۳ تا فروردین ۱۴۰۴"),  # across Nowruz, its last month worked out
    (1403, 11, 1404, 3, 5, "بهمن ۱۴۰۳ تا خرداد ۱۴۰۴"),  # across Nowruz, its last month as stored
])
def test_a_runs_period_is_its_first_and_last_month(year, start, end_year, end_month, months, shown):
    assert period_label(year, start, end_year, end_month, months) == shown
