"""What-if and corrections: every strategy side by side (never over budget, shares add up), the
months × percent grid, and adjustment runs (top-ups and reversals citing finalised lines)."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from db.models import PaymentRun
from lib.errors import Forbidden, InvalidInput
from lib.jalali import YearMonth
from lib.payments import monthly_premium, program_b_shares
from services.payments import (
    approve_run,
    create_adjustment_run,
    create_run,
    finalize_run,
    fit,
    months_percent_grid,
    prepare_run,
    run_lines,
    what_if,
)
from services.payments.lines import line_table
from tests.services.payment_helpers import credit, beneficiary
from tests.services.refusals import refused

W1403 = 2_388_728
MEHR = monthly_premium(W1403, 30, 1800)  # a 30-day month at 18 %


@pytest.fixture(autouse=True)
def _credit(session, areas):
    """Ample credit for the province (finalising checks it; tests of a short credit lower it)."""
    credit(session, areas.province)


def _prepare(session, actor, areas, program="A", months=3):
    return prepare_run(session, actor, program=program, province_id=areas.province, start=YearMonth(1403, 7),
                       months=months)


def test_every_strategy_side_by_side_per_county(session, areas, province_committee):
    beneficiary(session, areas.province, areas.county)
    beneficiary(session, areas.province, areas.sibling_county)
    preview = _prepare(session, province_committee, areas)
    budget = 3 * MEHR + MEHR // 2  # one person in full, half of another's months
    result = what_if(preview, budget)
    table = result.strategies.set_index("strategy")
    assert list(table.index) == ["full", "percent", "months", "combined", "priority"]
    assert not table.loc["full", "feasible"] and table.loc["full", "total_rial"] == 6 * MEHR
    assert (table.loc["priority", ["people_full", "people_partial", "total_rial"]].tolist()
            == [1, 0, 3 * MEHR])
    assert table.loc["months", "months"] == 1 and table.loc["months", "people_partial"] == 2
    assert table.loc["percent", "percent"] == 58 and table.loc["percent", "people_partial"] == 2
    feasible = table[table["feasible"]]
    assert (feasible["total_rial"] <= budget).all()
    assert (feasible["left_rial"] == budget - feasible["total_rial"]).all()
    by_county = result.by_county.groupby("strategy")["total_rial"].sum()
    assert (by_county[feasible.index] == feasible["total_rial"]).all()
    assert set(result.by_county["county"]) == {"تهران", "اسلامشهر"}


def test_the_grid_gives_the_exact_total_of_each_cell(session, areas, province_committee):
    beneficiary(session, areas.province, areas.county, share=70)
    preview = _prepare(session, province_committee, areas)
    grid = months_percent_grid(preview, percents=(100, 50))
    assert list(grid.index) == [1, 2, 3] and list(grid.columns) == [100, 50]
    for months in (1, 2, 3):
        for percent in (100, 50):
            assert grid.loc[months, percent] == fit(preview, 10**12, "combined", months=months, percent=percent).total
    with pytest.raises(InvalidInput):
        months_percent_grid(preview, percents=(120,))


_BUDGETS = st.integers(0, 12 * MEHR)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(budget=_BUDGETS)
@example(budget=0)
@example(budget=MEHR - 1)
@example(budget=MEHR)
@example(budget=4 * MEHR)  # exactly the four people's first month... or two people in full
def test_what_if_is_never_over_budget_and_programme_b_shares_add_up(session, areas, province_committee, budget):
    previews = session.info.setdefault("previews", {})
    if "B" not in previews:
        for county in (areas.county, areas.county, areas.sibling_county, areas.sibling_county):
            beneficiary(session, areas.province, county, program="B", months=None)
        previews["B"] = _prepare(session, province_committee, areas, program="B")
    preview = previews["B"]
    result = what_if(preview, budget)
    for row in result.strategies.itertuples():
        assert row.people_full + row.people_partial + row.people_unpaid == 4
        assert row.agency_rial + row.government_rial == row.total_rial
        if row.feasible:
            assert row.total_rial <= budget and row.left_rial >= 0
            fitted = fit(preview, budget, row.strategy)
            assert fitted.total == row.total_rial and int(fitted.paid.sum()) == row.total_rial
        else:
            assert row.strategy == "full" and row.total_rial > budget


# --------------------------------------------------------------------------- corrections
@pytest.fixture
def finalised(session, areas, province_committee, province_manager):
    """A finalised programme A run that paid 60 % of two months to one person."""
    case = beneficiary(session, areas.province, areas.county)
    preview = _prepare(session, province_committee, areas, months=2)
    run = create_run(session, province_committee, preview, budget_rial=10**9, strategy="combined", months=2,
                     percent=60)
    approve_run(session, province_manager, run.id)
    return finalize_run(session, province_committee, run.id), case


def _lines(session, run_id):
    """The run's lines where they are: paid (finalised run) or staged (services.payments.lines)."""
    table = line_table(session.get(PaymentRun, run_id))
    return session.exec(select(table).where(table.run_id == run_id).order_by(table.id)).all()


def test_a_top_up_cites_the_original_line_and_leaves_it_untouched(session, finalised, province_committee,
                                                                   province_manager, counts):
    run, case = finalised
    original = _lines(session, run.id)
    before = [(line.amount_rial, line.live) for line in original]
    topup = create_adjustment_run(session, province_committee, run.id, [original[0].id], kind="topup",
                                  reason="پرداخت ۴۰٪ باقی‌مانده")
    assert (topup.kind, topup.corrects_run_id, topup.status) == ("adjustment", run.id, "draft")
    [line] = _lines(session, topup.id)
    assert (line.line_kind, line.corrects_line_id) == ("topup", original[0].id)
    assert line.amount_rial == original[0].full_amount_rial - original[0].amount_rial
    # the money left on that line is now taken by the draft: a second top-up is refused
    refused(session, counts, lambda: create_adjustment_run(session, province_committee, run.id, [original[0].id],
                                                            kind="topup", reason="دوباره"))
    approve_run(session, province_manager, topup.id)
    finalize_run(session, province_committee, topup.id)  # top-ups do not count as a second payment
    assert [(x.amount_rial, x.live) for x in _lines(session, run.id)] == before
    frame = run_lines(session, province_committee, topup.id)
    assert frame["line_kind_label"].tolist() == ["پرداخت تکمیلی"]


def test_a_reversal_takes_back_at_most_what_was_paid(session, finalised, province_committee, counts):
    run, _ = finalised
    first, second = _lines(session, run.id)
    refused(session, counts, lambda: create_adjustment_run(session, province_committee, run.id, [first.id],
                                                            kind="reversal", reason="واریز اشتباه",
                                                            amounts={first.id: first.amount_rial + 1}))
    reversal = create_adjustment_run(session, province_committee, run.id, [first.id, second.id], kind="reversal",
                                     reason="واریز اشتباه", amounts={first.id: 1_000})
    amounts = [line.amount_rial for line in _lines(session, reversal.id)]
    assert amounts == [1_000, second.amount_rial] and reversal.total_rial == sum(amounts)


@pytest.mark.parametrize("case", ["draft_run", "unknown_line", "bad_kind", "no_reason", "no_lines"])
def test_corrections_refused(session, finalised, province_committee, areas, counts, case):
    run, _ = finalised
    first = _lines(session, run.id)[0]
    if case == "draft_run":
        beneficiary(session, areas.province, areas.county)
        preview = prepare_run(session, province_committee, program="A", province_id=areas.province,
                              start=YearMonth(1403, 10), months=1)
        draft = create_run(session, province_committee, preview, budget_rial=10**9, strategy="full")
        call = lambda: create_adjustment_run(session, province_committee, draft.id, [_lines(session, draft.id)[0].id],
                                             kind="topup", reason="اصلاح")
    else:
        kwargs = dict(kind="topup", reason="اصلاح")
        ids = [first.id]
        if case == "unknown_line":
            ids = [first.id + 1000]
        elif case == "bad_kind":
            kwargs["kind"] = "refund"
        elif case == "no_reason":
            kwargs["reason"] = ""
        else:
            ids = []
        call = lambda: create_adjustment_run(session, province_committee, run.id, ids, **kwargs)
    refused(session, counts, call)


def test_only_the_provincial_committee_corrects(session, finalised, province_manager, admin, counts):
    run, _ = finalised
    first = _lines(session, run.id)[0]
    for actor in (province_manager, admin):
        refused(session, counts, lambda: create_adjustment_run(session, actor, run.id, [first.id], kind="topup",
                                                                reason="اصلاح"), Forbidden)


def test_programme_b_adjustments_keep_the_eight_ten_split(session, areas, province_committee, province_manager):
    beneficiary(session, areas.province, areas.county, program="B", months=None)
    preview = _prepare(session, province_committee, areas, program="B", months=1)
    run = create_run(session, province_committee, preview, budget_rial=10**9, strategy="combined", months=1,
                     percent=50)
    approve_run(session, province_manager, run.id)
    finalize_run(session, province_committee, run.id)
    [line] = _lines(session, run.id)
    topup = create_adjustment_run(session, province_committee, run.id, [line.id], kind="topup", reason="تکمیل")
    [extra] = _lines(session, topup.id)
    shares = program_b_shares(extra.amount_rial)
    assert (extra.agency_rial, extra.government_rial) == (shares["agency"], shares["government"])
    assert np.int64(extra.amount_rial + line.amount_rial) == line.full_amount_rial
