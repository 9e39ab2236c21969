"""Premiums, shares and budget fitting (lib/payments.py)."""
from __future__ import annotations

from fractions import Fraction
from math import floor

import numpy as np
import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from lib.errors import InvalidInput
from lib.jalali import YearMonth
from lib.payments import (
    MAX_MONTHS,
    PROGRAM_B_RATE_BP,
    PROGRAM_B_SHARES,
    STRATEGY_LABELS,
    WAGE_CEILING_MULTIPLE,
    BudgetFit,
    budget_table,
    fit_chosen,
    program_b_share_arrays,
    PremiumLine,
    Strategy,
    fit_to_budget,
    monthly_premium,
    premium_lines,
    premium_matrix,
    program_b_shares,
    round_half_up_div,
    split_shares,
)

WAGE_1403 = 2_388_728
WAGE_1404 = 3_463_656
WAGES = {1403: WAGE_1403, 1404: WAGE_1404}


def fa(text: object) -> str:
    """Latin digits → Persian digits, as the error messages print them."""
    return str(text).translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))


def half_up(numerator: int, denominator: int) -> int:
    """Reference rounding on exact fractions."""
    return floor(Fraction(numerator, denominator) + Fraction(1, 2))


# --------------------------------------------------------------------------- monthly_premium
@pytest.mark.parametrize(
    ("rate_bp", "expected"),
    [(1200, 8_886_068), (1400, 10_367_080), (1800, 13_329_102)],
)
def test_sso_check_figures_1403(rate_bp: int, expected: int) -> None:
    assert monthly_premium(WAGE_1403, 31, rate_bp) == expected


def test_monthly_premium_partial_percent_rounds_the_exact_product() -> None:
    # 2,388,728 × 31 × 18 % × 50 % = 6,664,551.12 → 6,664,551 (not half of the rounded figure)
    assert monthly_premium(WAGE_1403, 31, 1800, 50) == 6_664_551
    assert monthly_premium(WAGE_1403, 31, 1800, 0) == 0
    assert monthly_premium(0, 31, 1800) == 0


def test_monthly_premium_rounds_half_up() -> None:
    # 1 × 1 × 5000 bp × 100 % = 0.5 rial → 1 ; 4999 bp → 0.4999 → 0
    assert monthly_premium(1, 1, 5000) == 1
    assert monthly_premium(1, 1, 4999) == 0


@given(
    wage=st.integers(0, 50_000_000),
    days=st.integers(1, 31),
    rate=st.integers(0, 10_000),
    percent=st.integers(0, 100),
)
def test_monthly_premium_is_exact_half_up(wage: int, days: int, rate: int, percent: int) -> None:
    result = monthly_premium(wage, days, rate, percent)
    assert type(result) is int
    assert result == half_up(wage * days * rate * percent, 10_000 * 100)


@pytest.mark.parametrize(
    ("args", "field"),
    [
        ((-1, 31, 1800), "daily_wage"),
        ((WAGE_1403, 0, 1800), "days"),
        ((WAGE_1403, 32, 1800), "days"),
        ((WAGE_1403, 31, -1), "rate_bp"),
        ((WAGE_1403, 31, 10_001), "rate_bp"),
        ((WAGE_1403, 31, 1800, 101), "percent"),
        ((WAGE_1403, 31, 1800, -1), "percent"),
        ((2_388_728.0, 31, 1800), "daily_wage"),
        ((WAGE_1403, 31.0, 1800), "days"),
        ((WAGE_1403, 31, 18.0), "rate_bp"),
        ((WAGE_1403, 31, 1800, 50.0), "percent"),
        ((WAGE_1403, 31, 1800, True), "percent"),
        (("2388728", 31, 1800), "daily_wage"),
    ],
)
def test_monthly_premium_rejects_bad_input(args: tuple, field: str) -> None:
    with pytest.raises(InvalidInput) as info:
        monthly_premium(*args)
    assert info.value.field == field
    assert any("\u0600" <= ch <= "\u06ff" for ch in info.value.message)  # Persian


def test_monthly_premium_accepts_numpy_integers() -> None:
    assert monthly_premium(np.int64(WAGE_1403), np.int32(31), np.int16(1800)) == 13_329_102


# --------------------------------------------------------------------------- round_half_up_div
@pytest.mark.parametrize(
    ("n", "d", "expected"),
    [(5, 2, 3), (4, 2, 2), (7, 3, 2), (8, 3, 3), (-5, 2, -2), (-7, 2, -3), (5, -2, -2), (0, 7, 0)],
)
def test_round_half_up_div(n: int, d: int, expected: int) -> None:
    assert round_half_up_div(n, d) == expected


@given(st.integers(-(10**30), 10**30), st.integers(-(10**9), 10**9).filter(bool))
def test_round_half_up_div_matches_fractions(n: int, d: int) -> None:
    assert round_half_up_div(n, d) == half_up(n, d)


def test_round_half_up_div_rejects_zero_and_floats() -> None:
    with pytest.raises(InvalidInput):
        round_half_up_div(1, 0)
    with pytest.raises(InvalidInput):
        round_half_up_div(1.5, 2)


# --------------------------------------------------------------------------- premium_lines
def test_esfand_days_follow_the_leap_year() -> None:
    (esfand_1403,) = premium_lines(YearMonth(1403, 12), 1, 1800, WAGES)
    (esfand_1404,) = premium_lines(YearMonth(1404, 12), 1, 1800, WAGES)
    assert esfand_1403.days == 30  # 1403 is a leap year
    assert esfand_1404.days == 29
    assert esfand_1403.full_amount == monthly_premium(WAGE_1403, 30, 1800)
    assert esfand_1404.full_amount == monthly_premium(WAGE_1404, 29, 1800)


def test_lines_follow_calendar_days_through_a_whole_year() -> None:
    lines = premium_lines(YearMonth(1403, 1), 12, 1200, WAGES)
    assert [line.days for line in lines] == [31] * 6 + [30] * 5 + [30]
    assert [line.period for line in lines] == [YearMonth(1403, m) for m in range(1, 13)]


def test_a_period_spanning_nowruz_uses_each_years_wage() -> None:
    lines = premium_lines(YearMonth(1403, 11), 4, 1800, WAGES)
    assert [line.period for line in lines] == [
        YearMonth(1403, 11),
        YearMonth(1403, 12),
        YearMonth(1404, 1),
        YearMonth(1404, 2),
    ]
    assert [line.daily_wage for line in lines] == [WAGE_1403, WAGE_1403, WAGE_1404, WAGE_1404]
    assert [line.days for line in lines] == [30, 30, 31, 31]
    assert [line.amount for line in lines] == [
        monthly_premium(WAGE_1403, 30, 1800),
        monthly_premium(WAGE_1403, 30, 1800),
        monthly_premium(WAGE_1404, 31, 1800),
        monthly_premium(WAGE_1404, 31, 1800),
    ]


def test_premium_line_fields_and_percent() -> None:
    (line,) = premium_lines(YearMonth(1403, 1), 1, 1800, WAGES, percent=50)
    assert line == PremiumLine(
        period=YearMonth(1403, 1),
        days=31,
        daily_wage=WAGE_1403,
        insured_daily_wage=WAGE_1403,
        rate_bp=1800,
        percent=50,
        full_amount=13_329_102,
        amount=6_664_551,
    )
    with pytest.raises(AttributeError):
        line.amount = 0  # type: ignore[misc]


def test_missing_wage_names_the_year() -> None:
    with pytest.raises(InvalidInput) as info:
        premium_lines(YearMonth(1404, 10), 6, 1800, WAGES)  # runs into 1405
    assert info.value.field == "wages"
    assert fa(1405) in info.value.message


def test_sixty_month_cap() -> None:
    assert MAX_MONTHS == 60
    lines = premium_lines(YearMonth(1403, 1), 1, 1800, WAGES, months_already_paid=59)
    assert len(lines) == 1
    with pytest.raises(InvalidInput) as info:
        premium_lines(YearMonth(1403, 1), 2, 1800, WAGES, months_already_paid=59)
    assert info.value.field == "months"
    assert fa(60) in info.value.message and fa(59) in info.value.message
    assert "باقی" in info.value.message and f"حداکثر {fa(1)} " in info.value.message
    with pytest.raises(InvalidInput, match="باقی نمانده"):
        premium_lines(YearMonth(1403, 1), 1, 1800, WAGES, months_already_paid=60)
    assert len(premium_lines(YearMonth(1403, 1), 60, 1800, WAGES | {1405: 5_541_850, 1406: 6_000_000, 1407: 7_000_000})) == 60


def test_no_cap_and_custom_cap() -> None:
    assert len(premium_lines(YearMonth(1403, 1), 12, 1800, WAGES, months_already_paid=100, max_months=None)) == 12
    with pytest.raises(InvalidInput):
        premium_lines(YearMonth(1403, 1), 13, 1800, WAGES | {1404: WAGE_1404}, max_months=12)


def test_insured_wage_ceiling_is_seven_times_the_minimum() -> None:
    assert WAGE_CEILING_MULTIPLE == 7
    ceiling = 7 * WAGE_1403
    (line,) = premium_lines(YearMonth(1403, 1), 1, 1800, WAGES, insured_daily_wage=ceiling)
    assert line.insured_daily_wage == ceiling and line.daily_wage == WAGE_1403
    assert line.full_amount == monthly_premium(ceiling, 31, 1800)
    for bad in (ceiling + 1, WAGE_1403 - 1):
        with pytest.raises(InvalidInput) as info:
            premium_lines(YearMonth(1403, 1), 1, 1800, WAGES, insured_daily_wage=bad)
        assert info.value.field == "insured_daily_wage"
        assert fa(f"{ceiling:,}").replace(",", "٬") in info.value.message


def test_insured_wage_is_checked_against_every_year_of_the_period() -> None:
    # 3,000,000 is within 1403's range but below 1404's minimum wage
    premium_lines(YearMonth(1403, 11), 2, 1800, WAGES, insured_daily_wage=3_000_000)
    with pytest.raises(InvalidInput) as info:
        premium_lines(YearMonth(1403, 11), 3, 1800, WAGES, insured_daily_wage=3_000_000)
    assert fa(1404) in info.value.message


@pytest.mark.parametrize(
    "kwargs",
    [
        {"start": YearMonth(1403, 13)},
        {"start": (1403,)},
        {"months": 0},
        {"months": 1.0},
        {"rate_bp": 10_001},
        {"percent": 101},
        {"months_already_paid": -1},
        {"wages": {1403: 0}},
        {"wages": {1403: 2_388_728.0}},
        {"insured_daily_wage": 3e6},
    ],
)
def test_premium_lines_rejects_bad_input(kwargs: dict) -> None:
    args = {"start": YearMonth(1403, 1), "months": 1, "rate_bp": 1800, "wages": WAGES} | kwargs
    with pytest.raises(InvalidInput):
        premium_lines(**args)


def test_premium_lines_accepts_a_plain_tuple() -> None:
    assert premium_lines((1403, 7), 1, 1800, WAGES)[0].period == YearMonth(1403, 7)


@settings(max_examples=60)
@given(
    start=st.builds(YearMonth, st.integers(1403, 1404), st.integers(1, 12)),
    months=st.integers(1, 12),
    people=st.lists(
        st.tuples(st.sampled_from([0, 1200, 1400, 1800, 10_000]), st.integers(0, 1_000)), max_size=5
    ),
    percent=st.integers(0, 100),
)
def test_premium_matrix_matches_premium_lines(start, months, people, percent) -> None:
    wages = WAGES | {1405: 5_541_850}
    rates = [rate for rate, _ in people]
    # an insured wage valid for every year of the period: a fixed point above 1405's minimum
    insured = [5_541_850 + extra for _, extra in people]
    got = premium_matrix(start, months, rates, wages, percent=percent)
    got_insured = premium_matrix(start, months, rates, wages, percent=percent, insured_daily_wages=insured)
    assert got.dtype == np.int64 and got.shape == (len(people), months)
    for i, rate in enumerate(rates):
        lines = premium_lines(start, months, rate, wages, percent=percent, max_months=None)
        assert got[i].tolist() == [line.amount for line in lines]
        lines = premium_lines(
            start, months, rate, wages, percent=percent, max_months=None, insured_daily_wage=insured[i]
        )
        assert got_insured[i].tolist() == [line.amount for line in lines]


def test_premium_matrix_rejects_a_wage_above_the_ceiling() -> None:
    with pytest.raises(InvalidInput) as info:
        premium_matrix(YearMonth(1403, 1), 2, [1800, 1800], WAGES, insured_daily_wages=[WAGE_1403, 7 * WAGE_1403 + 1])
    assert info.value.field == "insured_daily_wage"


# --------------------------------------------------------------------------- shares
def test_program_b_split_of_the_check_figure() -> None:
    assert PROGRAM_B_RATE_BP == 1800
    assert PROGRAM_B_SHARES == {"agency": 800, "government": 1000}
    shares = program_b_shares(13_329_102)
    # 8/18 → 5,924,045.33 ; 10/18 → 7,405,056.67 : the leftover rial goes to the larger remainder
    assert shares == {"agency": 5_924_045, "government": 7_405_057}
    assert sum(shares.values()) == 13_329_102


def test_split_shares_tie_order_is_the_given_order() -> None:
    assert split_shares(1, {"a": 1, "b": 1}) == {"a": 1, "b": 0}
    assert split_shares(1, {"b": 1, "a": 1}) == {"b": 1, "a": 0}
    assert split_shares(2, {"x": 1, "y": 1, "z": 1}) == {"x": 1, "y": 1, "z": 0}
    assert split_shares(10, {"a": 0, "b": 3}) == {"a": 0, "b": 10}
    assert list(split_shares(5, {"z": 1, "a": 1})) == ["z", "a"]


@given(
    amount=st.integers(0, 10**15),
    weights=st.dictionaries(st.text(min_size=1, max_size=4), st.integers(0, 10_000), min_size=1, max_size=6),
)
def test_split_shares_add_up_exactly_and_stay_proportional(amount: int, weights: dict[str, int]) -> None:
    assume(sum(weights.values()) > 0)
    shares = split_shares(amount, weights)
    assert list(shares) == list(weights)
    assert sum(shares.values()) == amount
    total_weight = sum(weights.values())
    for name, weight in weights.items():
        exact = Fraction(amount * weight, total_weight)
        assert floor(exact) <= shares[name] <= floor(exact) + 1
        assert type(shares[name]) is int


@given(st.integers(0, 10**12))
def test_program_b_shares_add_up(amount: int) -> None:
    shares = program_b_shares(amount)
    assert shares["agency"] + shares["government"] == amount


@pytest.mark.parametrize(
    ("amount", "weights"),
    [(-1, {"a": 1}), (10, {}), (10, {"a": 0}), (10, {"a": -1, "b": 2}), (10.0, {"a": 1}), (10, {"a": 0.5})],
)
def test_split_shares_rejects_bad_input(amount, weights) -> None:
    with pytest.raises(InvalidInput):
        split_shares(amount, weights)


# --------------------------------------------------------------------------- fit_to_budget: examples
COSTS = [[100, 200, 300], [150, 0, 250]]  # total 1,000


def test_strategy_values_and_labels() -> None:
    assert [s.value for s in Strategy] == ["full", "percent", "months", "combined", "priority"]
    assert set(STRATEGY_LABELS) == set(Strategy)
    assert all(any("\u0600" <= ch <= "\u06ff" for ch in label) for label in STRATEGY_LABELS.values())


def test_full_pays_everything_when_it_fits() -> None:
    fit = fit_to_budget(COSTS, 1_000, Strategy.FULL)
    assert fit.paid.tolist() == COSTS
    assert (fit.total, fit.remaining, fit.months, fit.percent, fit.beneficiaries_paid) == (1_000, 0, 3, 100, 2)
    assert fit.strategy is Strategy.FULL and fit.budget == 1_000


def test_full_refuses_with_the_shortfall() -> None:
    with pytest.raises(InvalidInput) as info:
        fit_to_budget(COSTS, 700, "full")
    assert info.value.field == "budget"
    assert fa(300) in info.value.message and fa("1٬000") in info.value.message


def test_percent_example() -> None:
    fit = fit_to_budget(COSTS, 700, "percent")
    # 70 %: 70 + 140 + 210 + 105 + 0 + 175 = 700 ; 71 % → 71 + 142 + 213 + 107 + 0 + 178 = 711
    assert (fit.percent, fit.months, fit.total, fit.remaining) == (70, 3, 700, 0)
    assert fit.paid.tolist() == [[70, 140, 210], [105, 0, 175]]
    assert fit_to_budget(COSTS, 710, "percent").percent == 70


def test_months_example() -> None:
    fit = fit_to_budget(COSTS, 700, "months")
    # column totals 250, 200, 550 → cumulative 250, 450, 1000
    assert (fit.months, fit.percent, fit.total, fit.remaining) == (2, 100, 450, 250)
    assert fit.paid.tolist() == [[100, 200, 0], [150, 0, 0]]
    assert fit_to_budget(COSTS, 249, "months").months == 0


def test_combined_example() -> None:
    fit = fit_to_budget(COSTS, 700, "combined")
    assert (fit.months, fit.percent, fit.total) == (3, 70, 700)
    # 2 months at 100 % = 450 ; 3 months at 45 % = 45+90+135+68+0+113 = 451 (better)
    fit = fit_to_budget(COSTS, 455, "combined")
    assert (fit.months, fit.percent, fit.total) == (3, 45, 451)


def test_combined_prefers_more_months_on_a_tie() -> None:
    fit = fit_to_budget([[100, 100]], 100, "combined")  # (1, 100 %) = (2, 50 %) = 100
    assert (fit.months, fit.percent, fit.total) == (2, 50, 100)
    assert fit.paid.tolist() == [[50, 50]]


def test_combined_when_nothing_fits_reports_zero_months_and_percent() -> None:
    fit = fit_to_budget([[1_000, 1_000]], 0, "combined")
    assert (fit.months, fit.percent, fit.total, fit.beneficiaries_paid) == (0, 0, 0, 0)


def test_priority_example_pays_whole_people_in_order() -> None:
    fit = fit_to_budget(COSTS, 700, "priority")
    assert fit.paid.tolist() == [[100, 200, 300], [0, 0, 0]]
    assert (fit.total, fit.beneficiaries_paid, fit.months, fit.percent) == (600, 1, 3, 100)


def test_priority_skips_one_who_does_not_fit_and_pays_the_next() -> None:
    # issue 7: budget 690 with costs 920 then 460 paid nobody; the second person fits
    fit = fit_to_budget([[920], [460]], 690, "priority")
    assert fit.paid.tolist() == [[0], [460]] and (fit.total, fit.remaining) == (460, 230)
    # the third person (100) fits in what is left after the second (300) does not
    fit = fit_to_budget([[500], [300], [100]], 600, "priority")
    assert fit.paid.tolist() == [[500], [0], [100]]
    # order still decides: the earlier person who fits is paid before a later one
    fit = fit_to_budget([[400], [900], [300], [300]], 1_000, "priority")
    assert fit.paid.tolist() == [[400], [0], [300], [300]]


def test_rounding_edge_tiny_lines() -> None:
    # ten lines of 1 rial: at 50 % the naive estimate is 10 × 50 / 100 = 5, but every line
    # rounds half up to 1, so the real total is 10
    costs = [[1] * 10]
    fit = fit_to_budget(costs, 5, "percent")
    assert fit.percent == 49 and fit.total == 0
    fit = fit_to_budget(costs, 5, "combined")
    assert (fit.months, fit.percent, fit.total) == (5, 100, 5)


def test_rounding_edge_realistic_amounts() -> None:
    # 12 lines of 12,899,150 rials: at 1 % each is 128,991.5 → 128,992 (total 1,547,904)
    # while the naive 12 × 12,899,150 × 1 / 100 = 1,547,898 would fit a budget of 1,547,900
    costs = np.full((1, 12), 12_899_150, dtype=np.int64)
    fit = fit_to_budget(costs, 1_547_900, "percent")
    assert fit.percent == 0 and fit.total == 0
    fit = fit_to_budget(costs, 1_547_904, "percent")
    assert fit.percent == 1 and fit.total == 1_547_904


def test_accepts_numpy_and_leaves_it_untouched() -> None:
    costs = np.array(COSTS, dtype=np.int32)
    fit = fit_to_budget(costs, 700, Strategy.PRIORITY)
    assert costs.tolist() == COSTS and costs.flags.writeable
    assert fit.paid.dtype == np.int64 and not fit.paid.flags.writeable
    assert isinstance(fit, BudgetFit) and type(fit.total) is int


def test_empty_runs() -> None:
    for costs in ([], [[], []], np.zeros((0, 12), dtype=np.int64)):
        for strategy in Strategy:
            fit = fit_to_budget(costs, 0, strategy)
            assert fit.total == 0 and fit.beneficiaries_paid == 0


def test_budget_beyond_int64_and_large_amounts() -> None:
    costs = np.full((100_000, 12), 10**8, dtype=np.int64)  # 1.2 × 10^14 rials
    for strategy in Strategy:
        fit = fit_to_budget(costs, 10**20, strategy)
        assert fit.total == 12 * 10**13 and fit.remaining == 10**20 - 12 * 10**13
    fit = fit_to_budget(costs, 10**15 // 10, "percent")  # 10^14 → 83 %
    assert fit.percent == 83 and fit.total == 83 * 12 * 10**11


@pytest.mark.parametrize(
    ("costs", "budget", "strategy"),
    [
        (COSTS, -1, "percent"),
        (COSTS, 10.0, "percent"),
        (COSTS, 700, "cheapest"),
        ([[1, 2], [3]], 700, "percent"),
        ([[1.5, 2]], 700, "percent"),
        (np.array([[1.0, 2.0]]), 700, "percent"),
        ([[-1, 2]], 700, "percent"),
        ([1, 2, 3], 700, "percent"),
        ([[True, False]], 700, "percent"),
        ([[2**62, 2**62]], 700, "percent"),
        ([[2**64]], 700, "percent"),
    ],
)
def test_fit_rejects_bad_input(costs, budget, strategy) -> None:
    with pytest.raises(InvalidInput):
        fit_to_budget(costs, budget, strategy)


# --------------------------------------------------------------------------- fit_to_budget: properties
def reference_paid(costs: np.ndarray, months: int, percent: int) -> np.ndarray:
    paid = np.zeros_like(costs)
    for (i, j), c in np.ndenumerate(costs):
        if j < months:
            paid[i, j] = half_up(int(c) * percent, 100)
    return paid


def reference_total(costs: np.ndarray, months: int, percent: int) -> int:
    return int(reference_paid(costs, months, percent).sum())


# small amounts hit the rounding edges; large ones the realistic range
amounts = st.one_of(st.integers(0, 300), st.integers(0, 20_000_000))
cost_matrices = st.integers(0, 6).flatmap(
    lambda cols: st.lists(st.lists(amounts, min_size=cols, max_size=cols), max_size=7)
)


@st.composite
def runs(draw):
    rows = draw(cost_matrices)
    cols = len(rows[0]) if rows else 0
    costs = np.array(rows, dtype=np.int64).reshape(len(rows), cols)
    total = int(costs.sum())
    budget = draw(st.one_of(st.integers(0, total + 10), st.integers(0, max(0, total // 100 * 3))))
    return costs, budget


@settings(max_examples=300, deadline=None)
@given(runs(), st.sampled_from(list(Strategy)))
def test_fit_invariants(run, strategy) -> None:
    costs, budget = run
    total_cost = int(costs.sum())
    if strategy is Strategy.FULL and total_cost > budget:
        with pytest.raises(InvalidInput):
            fit_to_budget(costs, budget, strategy)
        return
    fit = fit_to_budget(costs, budget, strategy)
    assert fit.paid.shape == costs.shape and fit.paid.dtype == np.int64
    assert fit.total <= budget
    assert fit.total == int(fit.paid.sum()) and fit.remaining == budget - fit.total
    assert (fit.paid >= 0).all() and (fit.paid <= costs).all()
    assert fit.beneficiaries_paid == int((fit.paid.sum(axis=1) > 0).sum())
    if strategy is not Strategy.PRIORITY:
        # every line is round_half_up(cost × percent / 100) on the paid months
        assert (fit.paid == reference_paid(costs, fit.months, fit.percent)).all()
    if strategy is Strategy.FULL:
        assert (fit.paid == costs).all()


@settings(max_examples=200, deadline=None)
@given(runs())
def test_percent_is_maximal(run) -> None:
    costs, budget = run
    fit = fit_to_budget(costs, budget, "percent")
    assert fit.months == costs.shape[1]
    assert fit.total == reference_total(costs, costs.shape[1], fit.percent)
    assert fit.percent == 100 or reference_total(costs, costs.shape[1], fit.percent + 1) > budget


@settings(max_examples=200, deadline=None)
@given(runs())
def test_months_is_maximal(run) -> None:
    costs, budget = run
    fit = fit_to_budget(costs, budget, "months")
    assert fit.percent == 100
    assert fit.total == int(costs[:, : fit.months].sum())
    assert fit.months == costs.shape[1] or int(costs[:, : fit.months + 1].sum()) > budget


@settings(max_examples=200, deadline=None)
@given(runs())
def test_combined_uses_the_most_budget(run) -> None:
    costs, budget = run
    fit = fit_to_budget(costs, budget, "combined")
    assert fit.total >= fit_to_budget(costs, budget, "percent").total
    assert fit.total >= fit_to_budget(costs, budget, "months").total
    best = max(
        reference_total(costs, m, p)
        for m in range(costs.shape[1] + 1)
        for p in range(101)
        if reference_total(costs, m, p) <= budget
    )
    assert fit.total == best
    if best:  # tie rule: no pair with the same total has more months, or same months and more percent
        for m in range(fit.months, costs.shape[1] + 1):
            for p in range(101):
                if (m, p) > (fit.months, fit.percent):
                    assert reference_total(costs, m, p) != best


def reference_priority(costs: np.ndarray, budget: int) -> list[bool]:
    """Priority order, skipping whoever does not fit in what is left (the rule, written plainly)."""
    left, chosen = budget, []
    for row in costs:
        cost = int(row.sum())
        chosen.append(cost <= left)
        if cost <= left:
            left -= cost
    return chosen


@settings(max_examples=300, deadline=None)
@given(runs())
@example(run=(np.array([[920], [460]], dtype=np.int64), 690))
@example(run=(np.array([[500], [300], [100]], dtype=np.int64), 600))
@example(run=(np.array([[0], [5], [0]], dtype=np.int64), 0))
@example(run=(np.zeros((0, 3), dtype=np.int64), 10))
def test_priority_pays_whole_people_and_skips_who_does_not_fit(run) -> None:
    costs, budget = run
    fit = fit_to_budget(costs, budget, "priority")
    chosen = reference_priority(costs, budget)
    for i, row in enumerate(costs):
        expected = row if chosen[i] else np.zeros_like(row)
        assert (fit.paid[i] == expected).all()
    assert fit.total <= budget and fit.total == int(fit.paid.sum())
    # nobody left out would still fit in what is left
    assert all(chosen[i] or int(costs[i].sum()) > fit.remaining for i in range(len(costs)))
    assert fit.months == costs.shape[1] and fit.percent == 100


@settings(max_examples=100, deadline=None)
@given(runs(), st.integers(0, 6), st.integers(0, 100))
@example(run=(np.array([[100, 100]], dtype=np.int64), 100), months=2, percent=50)
@example(run=(np.array([[1] * 10], dtype=np.int64), 5), months=10, percent=50)
def test_budget_table_and_the_chosen_cell_agree(run, months, percent) -> None:
    costs, budget = run
    months = min(months, costs.shape[1])
    table = budget_table(costs)
    assert table.shape == (costs.shape[1] + 1, 101)
    assert int(table[months, percent]) == reference_total(costs, months, percent)
    if table[months, percent] > budget:
        with pytest.raises(InvalidInput):
            fit_chosen(costs, budget, months, percent)
    else:
        fit = fit_chosen(costs, budget, months, percent)
        assert fit.total == int(table[months, percent]) <= budget
        assert (fit.paid == reference_paid(costs, months, percent)).all()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 10**12), max_size=30))
@example([0, 1, 2, 9, 17, 18, 13_329_102])
def test_vector_program_b_shares_equal_the_scalar_split(amounts) -> None:
    agency, government = program_b_share_arrays(amounts)
    assert [{"agency": int(a), "government": int(g)} for a, g in zip(agency, government)] == [
        program_b_shares(a) for a in amounts
    ]


def test_premium_matrix_with_a_share_per_person() -> None:
    wages = {1403: 2_388_728}
    got = premium_matrix(YearMonth(1403, 1), 1, [1800, 1800], wages, percents=[100, 50])
    assert got[:, 0].tolist() == [13_329_102, monthly_premium(2_388_728, 31, 1800, 50)]
    with pytest.raises(InvalidInput):
        premium_matrix(YearMonth(1403, 1), 1, [1800], wages, percents=[101])


@settings(max_examples=50, deadline=None)
@given(runs(), st.sampled_from([s for s in Strategy if s is not Strategy.FULL]))
def test_lists_and_arrays_give_the_same_fit(run, strategy) -> None:
    costs, budget = run
    assume(len(costs) > 0)  # [] has no columns to tell
    a = fit_to_budget(costs, budget, strategy)
    b = fit_to_budget(costs.tolist(), budget, strategy)
    assert (a.months, a.percent, a.total) == (b.months, b.percent, b.total)
    assert (a.paid == b.paid).all()
