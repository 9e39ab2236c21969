"""Monitoring figures against a hand-computed case (SQLite and PostgreSQL).

Jalali 1403 (a leap year: Esfand has 30 days), minimum daily wage 2,388,728 rials.
A 30-day month at 18 %: 2,388,728 × 30 × 0.18 = 12,899,131.2 → 12,899,131; a 31-day month:
13,329,102 (SSO's published check figure). Programme B's 12,899,131 splits 8/18 → 5,732,947 to
the relief committee and 10/18 → 7,166,184 to the government (the odd rial to the larger remainder).
"""
from __future__ import annotations

import itertools

import pandas as pd
import pytest
from sqlmodel import select

from db.models import Applicant, Application, Budget, Introduction, PaymentLine, PaymentRun, Program, Quota
from lib.errors import Forbidden, InvalidInput
from lib.jalali import to_gregorian
from services.monitoring import area_forecast, monitoring

YEAR = 1403
TODAY = to_gregorian(1403, 11, 15)  # Bahman: months 1..10 are past
M30 = 12_899_131
M31 = 13_329_102
B_AGENCY, B_GOVERNMENT = 5_732_947, 7_166_184

_seq = itertools.count(1)


def _person(session, county_id, province_id, program, state, *, start=None, months=None, rate=1800, share=100):
    n = next(_seq)
    applicant = Applicant(national_code=f"{n:010d}", first_name="نام", last_name=f"خانوادگی{n}", county_id=county_id)
    session.add(applicant)
    session.flush()
    application = Application(
        tracking_code=f"T{n:08d}", applicant_id=applicant.id, program_id=program.id, county_id=county_id,
        province_id=province_id, channel="in_person", state=state, applied_on=to_gregorian(1403, 1, 10),
        contract_rate_bp=rate, share_percent=share, months_granted=months,
        start_year=None if start is None else start[0], start_month=None if start is None else start[1],
    )
    session.add(application)
    session.flush()
    return application


@pytest.fixture
def world(session, areas):
    programs = {p.code: p for p in session.exec(select(Program)).all()}
    a, b = programs["A"], programs["B"]
    p1 = _person(session, areas.county, areas.province, a, "active", start=(1403, 10), months=6)
    p2 = _person(session, areas.sibling_county, areas.province, b, "active", start=(1403, 12))
    _person(session, areas.other_county, areas.other_province, a, "suspended", start=(1402, 12), months=2)
    _person(session, areas.county, areas.province, a, "completed", start=(1401, 1), months=12)
    _person(session, areas.sibling_county, areas.province, b, "county_decision")  # waiting for a seat
    # seats: Tehran county 1 announced, 2 used (over); Islamshahr 5 announced, 4 used (80 %: warn)
    session.add(Quota(program_id=b.id, province_id=areas.province, county_id=areas.county, jalali_year=YEAR, slots=1))
    session.add(Quota(program_id=b.id, province_id=areas.province, county_id=areas.sibling_county, jalali_year=YEAR, slots=5))
    for county, count, refused in ((areas.county, 2, 0), (areas.sibling_county, 4, 1)):
        for k in range(count + refused):
            app = _person(session, county, areas.province, b, "introduced")
            session.add(Introduction(
                application_id=app.id, county_id=county, jalali_year=YEAR, branch="شعبه ۱", letter_no=f"L{app.id}",
                introduced_on=to_gregorian(1403, 2, 1), refused_on=to_gregorian(1403, 2, 5) if k >= count else None,
            ))
    for province, program, source, amount in (
        (areas.province, a, "program_30435", 30_000_000), (areas.province, a, "other", 10_000_000),
        (areas.province, b, "relief_committee", 5_000_000), (areas.province, b, "government", 10_000_000),
        (areas.other_province, a, "program_30435", 10_000_000),
        (areas.province, a, "public_participation", 0),
    ):
        session.add(Budget(program_id=program.id, province_id=province, jalali_year=YEAR, source=source, amount_rial=amount))
    session.add(Budget(program_id=a.id, province_id=areas.province, jalali_year=YEAR + 1, source="other", amount_rial=7))
    run = PaymentRun(program_id=a.id, province_id=areas.province, jalali_year=YEAR, start_month=10, months=1,
                     strategy="full", budget_rial=M30, total_rial=M30, status="finalized")
    session.add(run)
    session.flush()
    session.add(PaymentLine(run_id=run.id, application_id=p1.id, applicant_id=p1.applicant_id, program_id=a.id,
                            jalali_year=YEAR, jalali_month=10, days=30, daily_wage_rial=2_388_728, rate_bp=1800,
                            percent=100, full_amount_rial=M30, amount_rial=M30, agency_rial=M30,
                            sso_status="confirmed"))
    run_b = PaymentRun(program_id=b.id, province_id=areas.province, jalali_year=YEAR, start_month=12, months=1,
                       strategy="full", budget_rial=M30, total_rial=M30, status="finalized")
    session.add(run_b)
    session.flush()
    session.add(PaymentLine(run_id=run_b.id, application_id=p2.id, applicant_id=p2.applicant_id, program_id=b.id,
                            jalali_year=YEAR, jalali_month=12, days=30, daily_wage_rial=2_388_728, rate_bp=1800,
                            percent=100, full_amount_rial=M30, amount_rial=M30, agency_rial=B_AGENCY,
                            government_rial=B_GOVERNMENT))
    # a draft run's line is not paid
    draft = PaymentRun(program_id=a.id, province_id=areas.province, jalali_year=YEAR, start_month=11, months=1,
                       strategy="full", budget_rial=M30, total_rial=M30, status="draft")
    session.add(draft)
    session.flush()
    session.add(PaymentLine(run_id=draft.id, application_id=p1.id, applicant_id=p1.applicant_id, program_id=a.id,
                            jalali_year=YEAR, jalali_month=11, days=30, daily_wage_rial=2_388_728, rate_bp=1800,
                            percent=100, full_amount_rial=M30, amount_rial=M30, agency_rial=M30, live=False))
    session.commit()
    return areas


def _row(frame, area_id):
    return frame[frame["area_id"] == area_id].iloc[0]


def test_national_table_by_province(session, world, national_manager):
    data = monitoring(session, national_manager, jalali_year=YEAR, today=TODAY)
    assert data.level == "national" and data.current_month == 11
    tehran = _row(data.areas, world.province)
    assert (tehran["seats"], tehran["seats_used"], tehran["waiting"]) == (6, 6, 1)
    assert tehran["seats_level"] == "warn"  # exactly 100 %: at the limit, not over
    assert tehran["credit_rial"] == 55_000_000
    assert tehran["committed_rial"] == 3 * M30 + M30  # A: Dey, Bahman, Esfand (30 days in leap 1403); B: Esfand
    assert tehran["paid_rial"] == 2 * M30
    assert tehran["confirmed_rial"] == M30
    assert tehran["credit_bp"] == 4 * M30 * 10_000 // 55_000_000 and tehran["credit_level"] == "warn"
    assert (tehran["active"], tehran["suspended"], tehran["completed"]) == (2, 0, 1)
    isfahan = _row(data.areas, world.other_province)
    assert isfahan["committed_rial"] == M31  # Farvardin, 31 days
    assert isfahan["credit_level"] == "over" and isfahan["suspended"] == 1
    assert pd.isna(isfahan["seats"]) and isfahan["seats_level"] is None
    # sorted by closeness, Isfahan (133 %) comes before Tehran
    ranked = data.areas.sort_values("closeness_bp", ascending=False, na_position="last")
    assert list(ranked["area_id"][:2]) == [world.other_province, world.province]


def test_sources_keep_b_shares_apart(session, world, national_manager):
    data = monitoring(session, national_manager, jalali_year=YEAR, today=TODAY)
    tehran = data.sources[data.sources["area_id"] == world.province].set_index("source")
    assert tehran.loc["A", "credit_rial"] == 40_000_000
    assert tehran.loc["relief_committee", "committed_rial"] == B_AGENCY
    assert tehran.loc["government", "committed_rial"] == B_GOVERNMENT
    assert tehran.loc["government", "paid_rial"] == B_GOVERNMENT
    assert tehran.loc["government", "confirmed_rial"] == 0


def test_forecast_and_month_credit_runs_out(session, world, national_manager):
    data = monitoring(session, national_manager, jalali_year=YEAR, today=TODAY)
    a = data.months[data.months["source"] == "A"].set_index("month")
    # Farvardin is past and unpaid: still owed; Dey paid; Bahman and Esfand committed
    assert a.loc[1, "forecast"] == M31 and a.loc[10, "forecast"] == M30 and a.loc[12, "forecast"] == M30
    assert a.loc[11, "cumulative"] == M31 + 2 * M30 <= 50_000_000 < a.loc[12, "cumulative"] == M31 + 3 * M30
    assert data.runs_out() == {"A": 12, "relief_committee": 12, "government": None}
    frame = area_forecast(session, national_manager, jalali_year=YEAR, today=TODAY).set_index(["area_id", "source"])
    isfahan_now = frame.loc[(world.other_province, "A")]
    assert isfahan_now["forecast_rial"] == M31 and isfahan_now["runs_out_month"] == 1  # past, unpaid: still owed
    before = area_forecast(session, national_manager, jalali_year=YEAR, today=to_gregorian(1402, 12, 1))
    isfahan = before.set_index(["area_id", "source"]).loc[(world.other_province, "A")]
    assert isfahan["forecast_rial"] == M31 and isfahan["runs_out_month"] == 1


def test_province_drill_down_by_county(session, world, province_manager, national_manager):
    mine = monitoring(session, province_manager, jalali_year=YEAR, today=TODAY)
    assert mine.level == "province" and mine.province_id == world.province
    tehran = _row(mine.areas, world.county)
    islamshahr = _row(mine.areas, world.sibling_county)
    assert (tehran["seats"], tehran["seats_used"], tehran["seats_level"]) == (1, 2, "over")
    assert (islamshahr["seats"], islamshahr["seats_used"], islamshahr["seats_level"]) == (5, 4, "warn")
    assert tehran["committed_rial"] == 3 * M30 and islamshahr["committed_rial"] == M30
    assert tehran["credit_level"] is None  # counties have no credit of their own
    assert set(mine.areas["area_id"]) >= {world.county, world.sibling_county}
    assert world.other_county not in set(mine.areas["area_id"])
    national_view = monitoring(session, national_manager, jalali_year=YEAR, province_id=world.province, today=TODAY)
    assert national_view.areas.equals(mine.areas)


def test_a_manager_sees_only_her_province(session, world, province_manager, county_expert):
    with pytest.raises(Forbidden):
        monitoring(session, province_manager, jalali_year=YEAR, province_id=world.other_province)
    with pytest.raises(Forbidden):
        monitoring(session, county_expert, jalali_year=YEAR)
    with pytest.raises(InvalidInput):
        monitoring(session, province_manager, jalali_year="۱۴۰۳")


def test_a_reversal_takes_off_and_a_top_up_adds_in_the_cases_county(session, world, province_manager, national_manager):
    a = session.exec(select(Program).where(Program.code == "A")).one()
    paid_line = session.exec(select(PaymentLine).where(PaymentLine.program_id == a.id, PaymentLine.live == True)).one()  # noqa: E712
    adjustment = PaymentRun(program_id=a.id, province_id=world.province, jalali_year=YEAR, start_month=10, months=1,
                            kind="adjustment", corrects_run_id=paid_line.run_id, strategy="reversal", budget_rial=0,
                            status="finalized")
    session.add(adjustment)
    session.flush()
    for kind, amount in (("reversal", M30), ("topup", 1_000)):
        session.add(PaymentLine(run_id=adjustment.id, application_id=paid_line.application_id,
                                applicant_id=paid_line.applicant_id, program_id=a.id, jalali_year=YEAR, jalali_month=10,
                                days=30, daily_wage_rial=2_388_728, rate_bp=1800, percent=100, full_amount_rial=M30,
                                amount_rial=amount, agency_rial=amount, line_kind=kind, corrects_line_id=paid_line.id,
                                sso_status="confirmed"))
    session.commit()
    county = _row(monitoring(session, province_manager, jalali_year=YEAR, today=TODAY).areas, world.county)
    assert (county["paid_rial"], county["confirmed_rial"]) == (1_000, 1_000)  # M30 − M30 + 1,000
    province = _row(monitoring(session, national_manager, jalali_year=YEAR, today=TODAY).areas, world.province)
    assert province["paid_rial"] == 1_000 + M30  # and programme B's Esfand in Islamshahr
    drill = monitoring(session, national_manager, jalali_year=YEAR, province_id=world.province, today=TODAY)
    assert drill.areas["paid_rial"].sum() == province["paid_rial"]
    assert drill.areas["confirmed_rial"].sum() == province["confirmed_rial"] == 1_000


def test_an_unconfirmed_wage_marks_the_committed_cost_an_estimate(session, world, national_manager):
    from db.models import MinimumWage

    assert monitoring(session, national_manager, jalali_year=YEAR, today=TODAY).wage_confirmed
    wage = session.get(MinimumWage, YEAR)
    wage.confirmed = False
    session.add(wage)
    session.commit()
    data = monitoring(session, national_manager, jalali_year=YEAR, today=TODAY)
    assert data.wage_known and not data.wage_confirmed
    assert _row(data.areas, world.province)["committed_rial"] == 4 * M30  # still computed, as an estimate
    session.delete(wage)
    session.commit()
    data = monitoring(session, national_manager, jalali_year=YEAR, today=TODAY)
    assert not data.wage_known and not data.wage_confirmed
