"""lib.monitoring: thresholds, the months of a grant inside a year, committed premiums, forecast."""
from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st

from lib.jalali import month_days
from lib.monitoring import CostGroup, Level, closeness_bp, committed_by_month, forecast_year, granted_months_in_year, level_of
from lib.payments import monthly_premium, program_b_shares

WAGE_1403 = 2_388_728


def test_thresholds_80_and_100_percent():
    assert level_of(79, 100) is Level.ok
    assert level_of(80, 100) is Level.warn  # 80 % or more stands out
    assert level_of(100, 100) is Level.warn  # at the limit is not over it
    assert level_of(101, 100) is Level.over
    assert level_of(1, 0) is Level.over and level_of(0, 0) is Level.ok
    assert level_of(5, None) is None and closeness_bp(5, None) is None
    assert closeness_bp(799_999, 1_000_000) == 7999


def test_a_grant_across_nowruz_is_cut_at_the_year():
    start = 1402 * 12 + 10  # Bahman 1402 (month index of month 11)
    assert granted_months_in_year(start, 4, 1402) == [11, 12]
    assert granted_months_in_year(start, 4, 1403) == [1, 2]
    assert granted_months_in_year(start, None, 1403) == list(range(1, 13))  # B: open-ended
    assert granted_months_in_year(None, 4, 1403) == []


def test_committed_uses_each_months_days_and_the_leap_esfand():
    group = CostGroup("x", "A", 1800, 100, 1403 * 12 + 5, 7, 2)  # Shahrivar 1403 .. Esfand 1403
    months = committed_by_month([group], 1403, WAGE_1403)[("x", "A")]
    assert months[5] == 2 * 13_329_102  # Shahrivar: 31 days
    assert months[6] == 2 * 12_899_131  # Mehr: 30 days
    assert months[11] == 2 * 12_899_131  # Esfand 1403: 30 days (leap)
    assert months[:5] == [0] * 5
    esfand_1404 = committed_by_month([CostGroup("x", "A", 1800, 100, 1404 * 12 + 11, 1, 1)], 1404, WAGE_1403)
    assert esfand_1404[("x", "A")][11] == monthly_premium(WAGE_1403, 29, 1800)  # not leap: 29 days


@given(
    rate=st.sampled_from([1200, 1400, 1800]),
    share=st.integers(1, 100),
    start_month=st.integers(1, 12),
    months=st.one_of(st.none(), st.integers(1, 60)),
    count=st.integers(1, 50),
    year=st.sampled_from([1402, 1403, 1404]),
)
@example(rate=1800, share=100, start_month=12, months=1, count=1, year=1403)  # leap Esfand
@example(rate=1800, share=100, start_month=11, months=59, count=3, year=1403)  # near the 60-month cap
def test_b_shares_add_up_to_the_premium_of_a(rate, share, start_month, months, count, year):
    start = year * 12 + start_month - 1
    a = committed_by_month([CostGroup(1, "A", rate, share, start, months, count)], year, WAGE_1403)[(1, "A")]
    b = committed_by_month([CostGroup(1, "B", rate, share, start, months, count)], year, WAGE_1403)
    for m in range(12):
        assert b[(1, "relief_committee")][m] + b[(1, "government")][m] == a[m]
        inside = (m + 1) in granted_months_in_year(start, months, year)
        expected = count * monthly_premium(WAGE_1403, month_days(year, m + 1), rate, share) if inside else 0
        assert a[m] == expected


@given(
    paid=st.lists(st.integers(0, 10**9), min_size=12, max_size=12),
    committed=st.lists(st.integers(0, 10**9), min_size=12, max_size=12),
    current=st.integers(0, 13),
    credit=st.one_of(st.none(), st.integers(0, 10**10)),
)
@example(paid=[0] * 12, committed=[5] * 12, current=1, credit=60)  # runs out never: exactly the credit
@example(paid=[0] * 12, committed=[5] * 12, current=1, credit=59)  # one rial short: runs out in Esfand
@example(paid=[3] + [0] * 11, committed=[5] * 12, current=13, credit=None)  # a past month paid in part stays cut
def test_forecast_runs_out_at_the_first_month_above_credit(paid, committed, current, credit):
    fc = forecast_year(paid, committed, current, credit)
    assert fc.total == sum(fc.forecast)
    for i in range(12):
        past_and_paid = i + 1 < current and paid[i] > 0
        assert fc.forecast[i] == (paid[i] if past_and_paid else max(paid[i], committed[i]))
    over = [i + 1 for i in range(12) if credit is not None and fc.cumulative[i] > credit]
    assert fc.runs_out_month == (over[0] if over else None)


@given(
    groups=st.lists(
        st.tuples(
            st.sampled_from([1, 2]), st.sampled_from(["A", "B"]), st.sampled_from([1200, 1800]), st.sampled_from([50, 100]),
            st.integers(1398 * 12, 1405 * 12 + 11), st.one_of(st.none(), st.integers(0, 60)), st.integers(0, 20),
        ),
        max_size=12,
    ),
    year=st.sampled_from([1402, 1403, 1404]),
)
@example(groups=[(1, "A", 1800, 100, 1399 * 12 + 1, 60, 2), (1, "A", 1800, 100, 1403 * 12 + 11, 1, 1)], year=1403)  # cap ends mid-year; leap Esfand
@example(groups=[(1, "B", 1800, 100, 1400 * 12, None, 1), (1, "B", 1800, 100, 1403 * 12 + 12, 12, 1)], year=1403)  # open-ended; starts next year
@example(groups=[(2, "A", 1200, 50, 1402 * 12 + 6, 0, 5)], year=1402)  # no months granted
def test_many_groups_cost_each_person_month_inside_their_grant(groups, year):
    """Groups of one area, programme, rate and share pooled cost what each costs alone: every
    person-month inside the grant (starts before the year included), at that month's price."""
    cost = committed_by_month([CostGroup(*g) for g in groups], year, WAGE_1403)
    expected: dict = {}
    for area, program, rate, share, start, months, count in groups:
        for m in granted_months_in_year(start, months, year):
            price = monthly_premium(WAGE_1403, month_days(year, m), rate, share)
            shares = program_b_shares(price)
            parts = {"A": price} if program == "A" else {"relief_committee": shares["agency"],
                                                         "government": shares["government"]}
            for bucket, value in parts.items():
                expected.setdefault((area, bucket), [0] * 12)[m - 1] += value * count
    assert {k: v for k, v in cost.items() if any(v)} == {k: v for k, v in expected.items() if any(v)}
