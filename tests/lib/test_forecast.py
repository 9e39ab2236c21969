"""lib.forecast: next year's wage, the months to cost under a grant and the 60-month cap, splits."""
from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st

from lib.forecast import assumed_wage, months_to_cost, person_year_cost, split_by_weights
from lib.jalali import month_days
from lib.payments import monthly_premium


def test_the_wage_rise_is_rounded_half_up():
    assert assumed_wage(2_388_728, rise_bp=4500) == 3_463_656  # 3,463,655.6
    assert assumed_wage(10, rise_bp=500) == 11  # 10.5 → 11
    assert assumed_wage(2_388_728, entered=5_541_850) == 5_541_850


@given(start_year=st.integers(1398, 1405), start_month=st.integers(1, 12), granted=st.integers(1, 60),
       used=st.integers(0, 70), year=st.integers(1400, 1406))
@example(start_year=1403, start_month=7, granted=12, used=6, year=1404)  # across Nowruz: Farvardin..Shahrivar
@example(start_year=1400, start_month=1, granted=60, used=58, year=1404)  # two months left of 60
@example(start_year=1400, start_month=1, granted=60, used=60, year=1404)  # the cap is reached: nothing
def test_months_to_cost_stay_in_the_grant_and_under_the_cap(start_year, start_month, granted, used, year):
    start = start_year * 12 + start_month - 1
    months = months_to_cost(start, granted, year, months_used_before=used, max_months=60)
    assert len(months) <= max(0, 60 - used)
    assert all(start <= year * 12 + m - 1 < start + granted for m in months)
    assert months == sorted(months) and len(set(months)) == len(months)


@given(months=st.lists(st.integers(1, 12), unique=True), year=st.sampled_from([1403, 1404]),
       rate=st.sampled_from([1200, 1400, 1800]), share=st.integers(1, 100))
@example(months=[12], year=1403, rate=1800, share=100)  # leap Esfand: 30 days
@example(months=[12], year=1404, rate=1800, share=100)  # Esfand: 29 days
def test_a_persons_year_uses_each_months_days_and_b_adds_up(months, year, rate, share):
    a = person_year_cost(months, year, 3_463_656, rate, share, "A")
    b = person_year_cost(months, year, 3_463_656, rate, share, "B")
    expected = sum(monthly_premium(3_463_656, month_days(year, m), rate, share) for m in months)
    assert a == {"A": expected}
    assert b["relief_committee"] + b["government"] == expected


def test_the_insured_wage_is_held_within_the_7x_ceiling():
    capped = person_year_cost([1], 1404, 100, 1800, 100, "A", insured_daily_wage=10_000)
    assert capped["A"] == monthly_premium(700, 31, 1800)
    floor = person_year_cost([1], 1404, 100, 1800, 100, "A", insured_daily_wage=1)
    assert floor["A"] == monthly_premium(100, 31, 1800)


@given(amount=st.integers(0, 10**12), weights=st.dictionaries(st.sampled_from(["x", "y", "z"]), st.integers(0, 10**6)))
@example(amount=7, weights={"x": 1, "y": 1, "z": 1})
def test_a_split_adds_up_exactly(amount, weights):
    parts = split_by_weights(amount, weights, "x")
    assert sum(parts.values()) == amount and all(v >= 0 for v in parts.values())
