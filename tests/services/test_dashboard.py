"""The home page's figures: each user sees their own area's cases, quota and budget."""
from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlmodel import select

from lib.jalali import local_today
from db.models import Introduction, Application, Budget, PaymentLine, PaymentRun, Program, Quota
from lib.jalali import jalali_year_of
from lib.workflow import State
from services import applications as apps
from services.dashboard import area_summary

TODAY = local_today()  # the timeline's events are stamped with the real clock
YEAR = jalali_year_of(TODAY)


@dataclass
class Cases:
    a_received: Application  # Tehran county
    a_scored: Application  # Tehran county
    b_introduced: Application  # Tehran county
    sibling_a: Application  # Islamshahr (same province)
    other_b: Application  # Kashan (Isfahan)
    other_a_rejected: Application  # Kashan


def _program(session, code) -> Program:
    return session.exec(select(Program).where(Program.code == code)).one()


@pytest.fixture
def cases(session, admin, areas, intake) -> Cases:
    def submit(program, county, **kw):
        return apps.submit_application(session, admin, intake(program, county_id=county, applied_on=TODAY, **kw))

    a_received = submit("A", areas.county)
    a_scored = submit("A", areas.county)
    apps.score_application(session, admin, a_scored.id, need_grade=3)
    b_introduced = submit("B", areas.county)
    for state in (State.county_decision, State.introduced):
        apps.change_state(session, admin, b_introduced.id, state)
    # what services.introductions.introduce records beside the state change
    session.add(
        Introduction(application_id=b_introduced.id, county_id=areas.county, jalali_year=YEAR,
                     branch="شعبه ۱", letter_no=f"{areas.county}-{YEAR}-1", introduced_on=TODAY)
    )
    session.commit()
    sibling_a = submit("A", areas.sibling_county)
    other_b = submit("B", areas.other_county)
    other_a_rejected = submit("A", areas.other_county)
    apps.change_state(session, admin, other_a_rejected.id, State.rejected)
    return Cases(a_received, a_scored, b_introduced, sibling_a, other_b, other_a_rejected)


def test_case_counts_cover_only_the_users_area(
    session, cases, county_expert, sibling_county_expert, province_committee, other_province_committee,
    province_manager, national_manager, admin,
):
    county = area_summary(session, county_expert, today=TODAY)
    assert county.cases_by_state == {("A", "received"): 1, ("A", "scored"): 1, ("B", "introduced"): 1}
    assert county.open_cases == 3
    assert county.area_label == "شهرستان تهران، استان تهران"
    assert county.jalali_year == YEAR

    sibling = area_summary(session, sibling_county_expert, today=TODAY)
    assert sibling.cases_by_state == {("A", "received"): 1}

    for provincial in (province_committee, province_manager):
        summary = area_summary(session, provincial, today=TODAY)
        assert summary.cases_by_state == {("A", "received"): 2, ("A", "scored"): 1, ("B", "introduced"): 1}
        assert summary.open_cases == 4
        assert summary.area_label == "استان تهران"

    isfahan = area_summary(session, other_province_committee, today=TODAY)
    assert isfahan.cases_by_state == {("B", "received"): 1, ("A", "rejected"): 1}
    assert isfahan.open_cases == 1  # a rejected case is closed

    for national in (national_manager, admin):
        summary = area_summary(session, national, today=TODAY)
        assert sum(summary.cases_by_state.values()) == 6
        assert summary.open_cases == 5
        assert summary.area_label == "کل کشور"


def test_quota_figures_follow_the_area(
    session, cases, areas, county_expert, sibling_county_expert, province_committee, national_manager
):
    b = _program(session, "B")
    session.add_all(
        [
            Quota(program_id=b.id, province_id=areas.province, county_id=areas.county, jalali_year=YEAR, slots=10),
            Quota(program_id=b.id, province_id=areas.province, county_id=areas.sibling_county, jalali_year=YEAR, slots=5),
            Quota(program_id=b.id, province_id=areas.other_province, county_id=areas.other_county, jalali_year=YEAR, slots=7),
            Quota(program_id=b.id, province_id=areas.province, county_id=areas.county, jalali_year=YEAR - 1, slots=99),
        ]
    )
    session.commit()

    def use(actor, code="B"):
        return {u.program: u for u in area_summary(session, actor, today=TODAY).use}[code]

    assert (use(county_expert).quota_slots, use(county_expert).quota_used) == (10, 1)
    assert (use(sibling_county_expert).quota_slots, use(sibling_county_expert).quota_used) == (5, 0)
    assert (use(province_committee).quota_slots, use(province_committee).quota_used) == (15, 1)
    assert (use(national_manager).quota_slots, use(national_manager).quota_used) == (22, 1)
    assert use(county_expert, "A").quota_slots is None  # no quota announced for programme A


def test_an_introduction_counts_once_against_the_quota(session, cases, admin, county_expert):
    # introduced, accepted by SSO: still one slot used
    apps.change_state(session, admin, cases.b_introduced.id, State.active)
    use = {u.program: u for u in area_summary(session, county_expert, today=TODAY).use}["B"]
    assert use.quota_used == 1


def _run(session, program, province_id, *, budget, status, lines, year=YEAR, start_month=1, kind="payment"):
    run = PaymentRun(
        program_id=program.id, province_id=province_id, jalali_year=year, start_month=start_month,
        months=1, strategy="full", budget_rial=budget, total_rial=sum(a for _, _, a in lines), status=status,
    )
    session.add(run)
    session.flush()
    for case, month, amount in lines:
        session.add(
            PaymentLine(
                run_id=run.id, application_id=case.id, applicant_id=case.applicant_id, program_id=program.id,
                jalali_year=year, jalali_month=month, days=31, daily_wage_rial=2_388_728, rate_bp=1800,
                percent=100, full_amount_rial=amount, amount_rial=amount, agency_rial=amount, government_rial=0,
                live=status == "finalized",  # a line is live once its run is finalised (services.payments.runs)
                line_kind=kind,
            )
        )
    session.commit()
    return run


def test_budget_and_payments_follow_the_province(
    session, cases, areas, county_expert, province_committee, other_province_committee, national_manager
):
    a = _program(session, "A")
    session.add_all(
        [
            Budget(program_id=a.id, province_id=areas.province, jalali_year=YEAR, source="program_30435", amount_rial=1_000_000_000),
            Budget(program_id=a.id, province_id=areas.province, jalali_year=YEAR, source="public_participation", amount_rial=500_000_000),
            Budget(program_id=a.id, province_id=areas.other_province, jalali_year=YEAR, source="program_30435", amount_rial=2_000_000_000),
            Budget(program_id=a.id, province_id=areas.province, jalali_year=YEAR - 1, source="program_30435", amount_rial=7),
        ]
    )
    session.commit()
    _run(session, a, areas.province, budget=100_000_000, status="finalized",
         lines=[(cases.a_scored, 1, 13_329_102), (cases.sibling_a, 1, 8_886_068)])
    _run(session, a, areas.province, budget=100_000_000, status="draft",  # not paid yet
         lines=[(cases.a_scored, 2, 13_329_102)])
    _run(session, a, areas.province, budget=100_000_000, status="finalized", year=YEAR - 1,  # last year
         lines=[(cases.a_scored, 12, 1_000)])
    _run(session, a, areas.other_province, budget=100_000_000, status="finalized",
         lines=[(cases.other_a_rejected, 1, 10_367_080)])

    def use(actor):
        return {u.program: u for u in area_summary(session, actor, today=TODAY).use}["A"]

    for actor in (county_expert, province_committee):  # budgets are allotted to provinces
        assert (use(actor).budget_rial, use(actor).paid_rial) == (1_500_000_000, 13_329_102 + 8_886_068)
    assert (use(other_province_committee).budget_rial, use(other_province_committee).paid_rial) == (2_000_000_000, 10_367_080)
    assert (use(national_manager).budget_rial, use(national_manager).paid_rial) == (
        3_500_000_000, 13_329_102 + 8_886_068 + 10_367_080,
    )
    b = {u.program: u for u in area_summary(session, national_manager, today=TODAY).use}["B"]
    assert (b.budget_rial, b.paid_rial) == (0, 0)


def test_a_reversal_takes_its_amount_off_what_was_paid_and_a_top_up_adds(
    session, cases, areas, province_committee, national_manager
):
    a = _program(session, "A")
    _run(session, a, areas.province, budget=100_000_000, status="finalized",
         lines=[(cases.a_scored, 1, 13_329_102), (cases.sibling_a, 1, 8_886_068)])
    _run(session, a, areas.province, budget=100_000_000, status="finalized", kind="reversal",  # SSO rejected one
         lines=[(cases.sibling_a, 1, 8_886_068)])
    _run(session, a, areas.province, budget=100_000_000, status="finalized", kind="topup",
         lines=[(cases.a_scored, 1, 1_000)])
    for actor in (province_committee, national_manager):
        assert {u.program: u for u in area_summary(session, actor, today=TODAY).use}["A"].paid_rial == 13_329_102 + 1_000


def test_an_empty_area_shows_zeros(session, county_expert):
    summary = area_summary(session, county_expert, today=TODAY)
    assert summary.cases_by_state == {} and summary.open_cases == 0
    assert [(u.program, u.quota_slots, u.quota_used, u.budget_rial, u.paid_rial) for u in summary.use] == [
        ("A", None, 0, 0, 0), ("B", None, 0, 0, 0),
    ]


def test_an_introduction_sso_refused_no_longer_uses_a_seat(session, cases, secretary, county_expert):
    from services.introductions import record_sso_refusal

    record_sso_refusal(session, secretary, cases.b_introduced.id, "سابقه بیمه در صندوق دیگر")
    use = {u.program: u for u in area_summary(session, county_expert, today=TODAY).use}["B"]
    assert use.quota_used == 0
