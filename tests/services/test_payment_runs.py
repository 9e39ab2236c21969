"""Payment runs: preparing (who is paid, who is held back and why), fitting, maker-checker, paid once.

Every test runs on SQLite and PostgreSQL (the ``session`` fixture). Beneficiaries are written
straight into the tables (tests/services/payment_helpers.py): these services read cases as the
workflow leaves them.
"""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import func
from sqlmodel import select

from db.models import AuditLog, Budget, MinimumWage, PaymentLine, PaymentRun
from lib.errors import Forbidden, InvalidInput
from lib.jalali import YearMonth
from lib.payments import monthly_premium, program_b_shares
from lib.permissions import Role
from services.base import Actor
from services.payments import (
    HeldBack,
    approve_run,
    cancel_run,
    create_run,
    finalize_run,
    get_run,
    list_runs,
    prepare_run,
    preview_lines,
    run_lines,
)
from tests.services.payment_helpers import credit, beneficiary, paid_history, person
from tests.services.refusals import refused

W1403, W1404 = 2_388_728, 3_463_656


@pytest.fixture(autouse=True)
def _credit(session, areas):
    """Ample credit for the province (finalising checks it; tests of a short credit lower it)."""
    credit(session, areas.province)


def _prepare(session, actor, areas, *, program="A", start=(1403, 7), months=1, county_id=None):
    return prepare_run(session, actor, program=program, province_id=areas.province, county_id=county_id,
                       start=YearMonth(*start), months=months)


def _live(session, applicant_id=None):
    query = select(func.count(PaymentLine.id)).where(PaymentLine.live)
    if applicant_id is not None:
        query = query.where(PaymentLine.applicant_id == applicant_id)
    return session.exec(query).one()


# --------------------------------------------------------------------------- preparing
def test_each_line_shows_days_wage_rate_share_and_amount(session, areas, province_committee):
    case = beneficiary(session, areas.province, areas.county, share=60, rate=1400)
    preview = _prepare(session, province_committee, areas, start=(1403, 6), months=2)
    lines = preview_lines(preview)
    assert lines["application_id"].tolist() == [case.id, case.id]
    assert lines["jalali_month"].tolist() == [6, 7] and lines["days"].tolist() == [31, 30]
    assert lines["daily_wage_rial"].tolist() == [W1403, W1403]
    assert lines["rate_bp"].tolist() == [1400, 1400] and lines["share_percent"].tolist() == [60, 60]
    assert lines["full_amount_rial"].tolist() == [monthly_premium(W1403, 31, 1400), monthly_premium(W1403, 30, 1400)]
    assert lines["cost_rial"].tolist() == [monthly_premium(W1403, 31, 1400, 60), monthly_premium(W1403, 30, 1400, 60)]
    assert preview.held_back.empty and preview.unconfirmed_years == ()


def test_a_period_across_nowruz_uses_each_years_wage_and_days(session, areas, province_committee):
    beneficiary(session, areas.province, areas.county, start=(1403, 1), months=24)
    preview = _prepare(session, province_committee, areas, start=(1403, 12), months=2)
    lines = preview_lines(preview)
    assert list(zip(lines["jalali_year"], lines["jalali_month"], lines["days"], lines["daily_wage_rial"])) == [
        (1403, 12, 30, W1403),  # 1403 is a leap year: Esfand has 30 days
        (1404, 1, 31, W1404),
    ]
    assert lines["cost_rial"].tolist() == [monthly_premium(W1403, 30, 1800), monthly_premium(W1404, 31, 1800)]


def test_programme_b_shows_the_agency_and_government_shares(session, areas, province_committee, province_manager):
    beneficiary(session, areas.province, areas.county, program="B", months=None, share=None)
    preview = _prepare(session, province_committee, areas, program="B", start=(1403, 1))
    lines = preview_lines(preview)
    amount = monthly_premium(W1403, 31, 1800)
    assert lines["agency_rial"].tolist() == [program_b_shares(amount)["agency"]]
    assert lines["government_rial"].tolist() == [program_b_shares(amount)["government"]]
    run = create_run(session, province_committee, preview, budget_rial=10**9, strategy="full")
    assert (run.agency_rial, run.government_rial, run.total_rial) == (5_924_045, 7_405_057, 13_329_102)


def test_who_is_held_back_and_why(session, areas, province_committee):
    paid_case = beneficiary(session, areas.province, areas.county)
    paid_history(session, paid_case, YearMonth(1403, 7), 1)
    capped = beneficiary(session, areas.province, areas.county, start=(1399, 1), months=60)
    paid_history(session, capped, YearMonth(1398, 1), 59)  # one month left of 60 (an earlier case's months count)
    no_docs = beneficiary(session, areas.province, areas.county, documents=("form1", "sso_payment_proof"))
    no_proof = beneficiary(session, areas.province, areas.county,
                           documents=("form1", "committee_approval", "sso_discount_inquiry"))
    stale = beneficiary(session, areas.province, areas.county, proof_at=datetime(2023, 1, 1, tzinfo=timezone.utc))
    suspended = beneficiary(session, areas.province, areas.county, state="suspended")
    ended = beneficiary(session, areas.province, areas.county, start=(1402, 1), months=12)
    partly = beneficiary(session, areas.province, areas.county, start=(1403, 8), months=12)
    ok = beneficiary(session, areas.province, areas.county)

    preview = _prepare(session, province_committee, areas, start=(1403, 7), months=2)
    held = {(r.application_id, r.reason): r for r in preview.held_back.itertuples()}
    assert (paid_case.id, HeldBack.already_paid) in held and held[paid_case.id, HeldBack.already_paid].months == 1
    assert held[capped.id, HeldBack.cap_reached].months == 1  # the second month would be the 61st
    assert "کمیته" in held[no_docs.id, HeldBack.documents_missing].detail
    assert (no_proof.id, HeldBack.premium_proof_missing) in held
    assert (stale.id, HeldBack.premium_proof_missing) in held
    assert (suspended.id, HeldBack.suspended) in held
    assert held[ended.id, HeldBack.outside_grant].months == 2
    assert held[partly.id, HeldBack.outside_grant].months == 1
    assert all(r.reason_label and r.national_code and r.name for r in held.values())

    owed = dict(zip(preview.people["application_id"], preview.people["months_owed"]))
    assert owed == {paid_case.id: 1, capped.id: 1, partly.id: 1, ok.id: 2}
    assert preview.held_back_counts == {
        "already_paid": 1, "cap_reached": 1, "documents_missing": 1, "premium_proof_missing": 2,
        "suspended": 1, "outside_grant": 2,
    }


def test_a_month_paid_by_the_other_programme_is_held_back(session, areas, province_committee):
    woman = person(session, areas.county)
    case_a = beneficiary(session, areas.province, areas.county, applicant=woman)
    case_b = beneficiary(session, areas.province, areas.county, program="B", applicant=woman, months=None)
    paid_history(session, case_b, YearMonth(1403, 7), 1)
    preview = _prepare(session, province_committee, areas, start=(1403, 7))
    assert preview.people.empty
    assert preview.held_back["reason"].tolist() == ["already_paid"]
    assert preview.held_back["application_id"].tolist() == [case_a.id]


def test_only_the_chosen_county_and_running_cases(session, areas, province_committee):
    here = beneficiary(session, areas.province, areas.county)
    beneficiary(session, areas.province, areas.sibling_county)
    beneficiary(session, areas.province, areas.county, state="completed")
    beneficiary(session, areas.other_province, areas.other_county)
    preview = _prepare(session, province_committee, areas, county_id=areas.county)
    assert preview.people["application_id"].tolist() == [here.id]
    assert len(_prepare(session, province_committee, areas).people) == 2


def test_priority_order_puts_discount_holders_last(session, areas, province_committee):
    holder = beneficiary(session, areas.province, areas.county, discount_holder=True)
    other = beneficiary(session, areas.province, areas.county)
    preview = _prepare(session, province_committee, areas)
    assert preview.people["application_id"].tolist() == [other.id, holder.id]


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"program": "C"}, "program"),
    ({"start": "1403/13"}, "start"),
    ({"start": (1403, 0)}, "start"),
    ({"months": 0}, "months"),
    ({"months": 13}, "months"),
    ({"start": (1390, 1)}, "start"),  # no minimum wage for 1390
    ({"county_id": -1}, "county_id"),
])
def test_bad_periods_and_areas_are_refused_in_persian(session, areas, province_committee, kwargs, field):
    values = dict(program="A", province_id=areas.province, county_id=None, start=(1403, 1), months=1) | kwargs
    with pytest.raises(InvalidInput) as err:
        prepare_run(session, province_committee, **values)
    assert err.value.field == field and any("\u0600" <= ch <= "\u06FF" for ch in err.value.message)


def test_preparing_outside_ones_area_is_forbidden(session, areas, other_province_committee, county_expert):
    for actor in (other_province_committee, county_expert):
        with pytest.raises(Forbidden):
            _prepare(session, actor, areas)


# --------------------------------------------------------------------------- creating a draft
def test_an_unconfirmed_wage_needs_an_explicit_confirmation(session, areas, province_committee, counts):
    beneficiary(session, areas.province, areas.county, start=(1405, 1), months=12,
                proof_at=datetime(2026, 3, 1, tzinfo=timezone.utc))  # a proof of Esfand 1404 covers 1405
    assert session.get(MinimumWage, 1405).confirmed is False
    preview = _prepare(session, province_committee, areas, start=(1405, 1))
    assert preview.unconfirmed_years == (1405,)
    assert preview_lines(preview)["wage_confirmed"].tolist() == [False]
    err = refused(session, counts, lambda: create_run(session, province_committee, preview, budget_rial=10**9,
                                                       strategy="full"))
    assert err.field == "confirm_unconfirmed_wage" and "۱۴۰۵" in err.message
    run = create_run(session, province_committee, preview, budget_rial=10**9, strategy="full",
                     confirm_unconfirmed_wage=True)
    assert run.wage_confirmed_by == province_committee.id


def test_a_draft_holds_its_lines_fitted_to_the_budget_and_pays_nobody_yet(session, areas, province_committee):
    first = beneficiary(session, areas.province, areas.county)
    beneficiary(session, areas.province, areas.county)
    preview = _prepare(session, province_committee, areas, start=(1403, 7), months=3)
    one = monthly_premium(W1403, 30, 1800)
    run = create_run(session, province_committee, preview, budget_rial=3 * one + 5, strategy="priority")
    assert (run.status, run.people, run.line_count, run.total_rial) == ("draft", 1, 3, 3 * one)
    assert run.total_rial <= run.budget_rial and (run.end_year, run.end_month) == (1403, 9)
    lines = run_lines(session, province_committee, run.id)
    assert set(lines["application_id"]) == {first.id} and not lines["live"].any()
    assert _live(session) == 0
    assert session.exec(select(AuditLog).where(AuditLog.action == "payment_run.create")).one().entity_id == str(run.id)


def test_the_committee_can_pick_a_cell_of_the_grid(session, areas, province_committee, counts):
    beneficiary(session, areas.province, areas.county)
    preview = _prepare(session, province_committee, areas, start=(1403, 7), months=3)
    run = create_run(session, province_committee, preview, budget_rial=10**9, strategy="combined", months=2,
                     percent=50)
    assert (run.paid_months, run.percent, run.line_count) == (2, 50, 2)
    refused(session, counts, lambda: create_run(session, province_committee, preview, budget_rial=1_000,
                                                strategy="combined", months=2, percent=50))
    refused(session, counts, lambda: create_run(session, province_committee, preview, budget_rial=10**9,
                                                strategy="percent", months=2, percent=50))


@pytest.mark.parametrize(("budget", "strategy"), [(10, "full"), (0, "percent"), (-1, "months"), (10**9, "fast")])
def test_a_run_that_pays_nobody_or_bad_input_writes_nothing(session, areas, province_committee, counts, budget, strategy):
    beneficiary(session, areas.province, areas.county)
    preview = _prepare(session, province_committee, areas)
    refused(session, counts, lambda: create_run(session, province_committee, preview, budget_rial=budget,
                                                strategy=strategy))


def test_only_the_provincial_committee_of_the_province_prepares(session, areas, province_committee, counts,
                                                                 province_manager, admin, other_province_committee):
    beneficiary(session, areas.province, areas.county)
    preview = _prepare(session, province_committee, areas)
    for actor in (province_manager, admin, other_province_committee):
        refused(session, counts, lambda: create_run(session, actor, preview, budget_rial=10**9, strategy="full"),
                Forbidden)


# --------------------------------------------------------------------------- maker-checker
@pytest.fixture
def draft(session, areas, province_committee):
    case = beneficiary(session, areas.province, areas.county)
    preview = _prepare(session, province_committee, areas, start=(1403, 7), months=2)
    run = create_run(session, province_committee, preview, budget_rial=10**9, strategy="full")
    return run, case


def test_draft_approved_finalised(session, draft, province_committee, province_manager):
    run, case = draft
    run = approve_run(session, province_manager, run.id)
    assert (run.status, run.approved_by) == ("approved", province_manager.id)
    run = finalize_run(session, province_committee, run.id)
    assert (run.status, run.finalized_by) == ("finalized", province_committee.id)
    assert _live(session, case.applicant_id) == 2
    actions = session.exec(select(AuditLog.action).where(AuditLog.entity == "paymentrun")).all()
    assert actions == ["payment_run.create", "payment_run.approve", "payment_run.finalize"]
    assert list_runs(session, province_manager)["status"].tolist() == ["finalized"]


def test_who_may_approve(session, draft, counts, province_committee, admin, make_actor, areas):
    run, _ = draft
    other_manager = make_actor(Role.manager, province_id=areas.other_province)
    preparer_as_manager = Actor(id=run.created_by, username="x", full_name="x", role=Role.manager,
                                province_id=areas.province)
    for actor in (province_committee, admin, other_manager, preparer_as_manager):
        refused(session, counts, lambda: approve_run(session, actor, run.id), Forbidden)
    national = make_actor(Role.manager)
    assert approve_run(session, national, run.id).status == "approved"


def test_who_may_finalise(session, draft, counts, province_manager, national_manager, admin,
                          other_province_committee, province_committee):
    run, _ = draft
    refused(session, counts, lambda: finalize_run(session, province_committee, run.id))  # not approved yet
    approve_run(session, province_manager, run.id)
    for actor in (admin, other_province_committee, national_manager):  # a manager who did not approve it
        refused(session, counts, lambda: finalize_run(session, actor, run.id), Forbidden)
    assert finalize_run(session, province_manager, run.id).status == "finalized"  # the approver


def test_a_finalised_run_is_read_only_and_cannot_be_cancelled(session, draft, counts, province_committee,
                                                              province_manager):
    run, _ = draft
    approve_run(session, province_manager, run.id)
    finalize_run(session, province_committee, run.id)
    refused(session, counts, lambda: cancel_run(session, province_committee, run.id, "اشتباه در مبلغ"))
    refused(session, counts, lambda: approve_run(session, province_manager, run.id))
    refused(session, counts, lambda: finalize_run(session, province_committee, run.id))


def test_nobody_is_paid_twice_by_two_overlapping_runs(session, areas, province_committee, province_manager, counts):
    case = beneficiary(session, areas.province, areas.county)
    runs = []
    for _ in range(2):
        preview = _prepare(session, province_committee, areas, start=(1403, 7), months=2)
        runs.append(approve_run(session, province_manager,
                                create_run(session, province_committee, preview, budget_rial=10**9, strategy="full").id))
    finalize_run(session, province_committee, runs[0].id)
    err = refused(session, counts, lambda: finalize_run(session, province_committee, runs[1].id))
    assert "آزمون" in err.message  # names who would be paid twice
    assert _live(session, case.applicant_id) == 2
    assert session.get(PaymentRun, runs[1].id).status == "approved"


def test_a_cancelled_run_does_not_block_paying_the_month(session, draft, counts, province_committee,
                                                         province_manager, areas):
    run, case = draft
    refused(session, counts, lambda: cancel_run(session, province_committee, run.id, " "))  # a reason is needed
    cancelled = cancel_run(session, province_manager, run.id, "بودجه تغییر کرد")
    assert (cancelled.status, cancelled.cancel_reason) == ("cancelled", "بودجه تغییر کرد")
    refused(session, counts, lambda: approve_run(session, province_manager, run.id))
    preview = _prepare(session, province_committee, areas, start=(1403, 7), months=2)
    assert preview.people["application_id"].tolist() == [case.id]
    again = create_run(session, province_committee, preview, budget_rial=10**9, strategy="full")
    approve_run(session, province_manager, again.id)
    finalize_run(session, province_committee, again.id)
    assert _live(session, case.applicant_id) == 2


def test_finalising_counts_the_sixty_month_cap(session, areas, province_committee, province_manager, counts):
    case = beneficiary(session, areas.province, areas.county, start=(1399, 1), months=60)
    paid_history(session, case, YearMonth(1398, 1), 58)
    drafts = []
    for start in ((1403, 1), (1403, 3)):
        preview = _prepare(session, province_committee, areas, start=start, months=2)
        assert preview.people["months_owed"].tolist() == [2]
        drafts.append(approve_run(session, province_manager, create_run(
            session, province_committee, preview, budget_rial=10**9, strategy="full").id))
    finalize_run(session, province_committee, drafts[0].id)
    err = refused(session, counts, lambda: finalize_run(session, province_committee, drafts[1].id))
    assert "۶۰" in err.message


def test_reads_respect_the_area(session, draft, other_province_committee, county_expert, province_manager):
    run, _ = draft
    assert get_run(session, province_manager, run.id).id == run.id
    for actor in (other_province_committee, county_expert):
        with pytest.raises(Forbidden):
            run_lines(session, actor, run.id)
    assert list_runs(session, other_province_committee).empty
    with pytest.raises(InvalidInput):
        get_run(session, province_manager, 10**6)


def _set_credit(session, areas, program_id, year, source, amount):
    row = session.exec(select(Budget).where(Budget.program_id == program_id, Budget.province_id == areas.province,
                                            Budget.jalali_year == year, Budget.source == source)).one()
    row.amount_rial = amount
    session.add(row)
    session.commit()


def test_a_run_never_spends_more_than_the_credit_left(session, areas, province_committee, province_manager, counts):
    case = beneficiary(session, areas.province, areas.county)
    pooled = ("program_30435", "public_participation", "other")
    for source in pooled:
        _set_credit(session, areas, case.program_id, 1403, source, 0)
    one = monthly_premium(W1403, 30, 1800)
    _set_credit(session, areas, case.program_id, 1403, "other", one - 1)  # one rial short of the pool
    preview = _prepare(session, province_committee, areas, start=(1403, 7))
    err = refused(session, counts, lambda: create_run(session, province_committee, preview, budget_rial=10**9,
                                                       strategy="full"))
    assert "۱۴۰۳" in err.message
    _set_credit(session, areas, case.program_id, 1403, "other", one)
    run = create_run(session, province_committee, preview, budget_rial=10**9, strategy="full")
    approve_run(session, province_manager, run.id)
    _set_credit(session, areas, case.program_id, 1403, "other", one - 1)  # lowered after the draft
    refused(session, counts, lambda: finalize_run(session, province_committee, run.id))
    _set_credit(session, areas, case.program_id, 1403, "public_participation", 1)  # the pool is one
    assert finalize_run(session, province_committee, run.id).status == "finalized"


def test_programme_b_checks_each_share_against_its_own_source(session, areas, province_committee, counts):
    case = beneficiary(session, areas.province, areas.county, program="B", months=None)
    _set_credit(session, areas, case.program_id, 1403, "relief_committee", 5_924_044)  # agency share is 5,924,045
    preview = _prepare(session, province_committee, areas, program="B", start=(1403, 1))
    err = refused(session, counts, lambda: create_run(session, province_committee, preview, budget_rial=10**9,
                                                       strategy="full"))
    assert "کمیته امداد" in err.message
    _set_credit(session, areas, case.program_id, 1403, "relief_committee", 5_924_045)
    assert create_run(session, province_committee, preview, budget_rial=10**9, strategy="full").status == "draft"


def test_a_case_suspended_after_the_draft_is_not_paid(session, draft, counts, province_committee, province_manager):
    run, case = draft
    approve_run(session, province_manager, run.id)
    case.state = "suspended"
    session.add(case)
    session.commit()
    err = refused(session, counts, lambda: finalize_run(session, province_committee, run.id))
    assert "فعال نیست" in err.message
    case.state = "active"
    session.add(case)
    session.commit()
    assert finalize_run(session, province_committee, run.id).status == "finalized"
