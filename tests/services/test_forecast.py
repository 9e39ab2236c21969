"""Next year's budget request against hand-computed cases (SQLite and PostgreSQL).

The request for 1404 starts from 1403's wage 2,388,728 raised 45 % → 3,463,655.6 → 3,463,656 rials
(half up; the wage later announced for 1404). A month at 18 %: 31 days 19,327,200 (…0.48),
30 days 18,703,742 (…2.4), 29 days (Esfand 1404, not leap) 18,080,284 (…4.32).
"""
from __future__ import annotations

import itertools

import pytest
from sqlmodel import select

from db.models import Applicant, Application, Budget, PaymentLine, PaymentRun, Program
from lib.errors import Forbidden, InvalidInput
from lib.jalali import to_gregorian
from services.forecast import budget_request

D31, D30, D29 = 19_327_200, 18_703_742, 18_080_284
B_YEAR = 6 * D31 + 5 * D30 + D29  # programme B for the whole of 1404

_seq = itertools.count(1)


def _case(session, county, province, program, state, *, start=None, months=None, applicant=None):
    n = next(_seq)
    if applicant is None:
        applicant = Applicant(national_code=f"8{n:09d}", first_name="نام", last_name=f"نمونه{n}", county_id=county)
        session.add(applicant)
        session.flush()
    app = Application(tracking_code=f"F{n:08d}", applicant_id=applicant.id, program_id=program.id, county_id=county,
                      province_id=province, channel="in_person", state=state, applied_on=to_gregorian(1400, 1, 5),
                      contract_rate_bp=1800, share_percent=100, months_granted=months,
                      start_year=None if start is None else start[0], start_month=None if start is None else start[1])
    session.add(app)
    session.flush()
    return app


@pytest.fixture
def world(session, areas):
    programs = {p.code: p for p in session.exec(select(Program)).all()}
    a, b = programs["A"], programs["B"]
    _case(session, areas.county, areas.province, a, "active", start=(1403, 7), months=12)  # across Nowruz: 6 months of 1404
    near_cap = _case(session, areas.county, areas.province, a, "active", start=(1400, 1), months=60)  # 48 before 1404
    # … and 10 months already paid on an earlier case: 60 − 48 − 10 = 2 months left in 1404
    earlier = _case(session, areas.county, areas.province, a, "completed", start=(1399, 1), months=10,
                    applicant=session.get(Applicant, near_cap.applicant_id))
    run = PaymentRun(program_id=a.id, province_id=areas.province, jalali_year=1399, start_month=1, months=10,
                     strategy="full", budget_rial=10**12, total_rial=0, status="finalized")
    session.add(run)
    session.flush()
    for m in range(1, 11):
        session.add(PaymentLine(run_id=run.id, application_id=earlier.id, applicant_id=earlier.applicant_id,
                                program_id=a.id, jalali_year=1399, jalali_month=m, days=31, daily_wage_rial=611_809,
                                rate_bp=1800, percent=100, full_amount_rial=1, amount_rial=1, agency_rial=1))
    _case(session, areas.sibling_county, areas.province, b, "active", start=(1403, 1))  # open-ended: all of 1404
    _case(session, areas.sibling_county, areas.province, b, "county_decision")  # waiting: all of 1404 if admitted
    _case(session, areas.other_county, areas.other_province, a, "active", start=(1404, 12), months=12)  # Isfahan
    # 1403's credit of programme A in Tehran: 3 : 1 between programme 30435 and other sources
    session.add(Budget(program_id=a.id, province_id=areas.province, jalali_year=1403, source="program_30435", amount_rial=3))
    session.add(Budget(program_id=a.id, province_id=areas.province, jalali_year=1403, source="other", amount_rial=1))
    session.commit()
    return areas


def test_hand_computed_request_of_a_province(session, world, province_manager):
    request = budget_request(session, province_manager, jalali_year=1404, wage_rise_percent=45)
    assert request.daily_wage == 3_463_656
    rows = request.rows.set_index(["county_id", "program"])
    tehran_a = rows.loc[(world.county, "A")]
    assert tehran_a["people"] == 2
    assert tehran_a["current_rial"] == 6 * D31 + 2 * D31  # Farvardin..Shahrivar, and two months left of 60
    b = rows.loc[(world.sibling_county, "B")]
    assert (b["people"], b["waiting"]) == (1, 1)
    assert b["current_rial"] == B_YEAR and b["waiting_rial"] == B_YEAR
    assert b["relief_committee"] + b["government"] == 2 * B_YEAR
    assert request.total_rial == 8 * D31 + 2 * B_YEAR
    assert sum(request.by_source.values()) == request.total_rial
    assert sum(request.by_county.values()) == request.total_rial
    assert request.by_source["program_30435"] == 6 * D31 and request.by_source["other"] == 2 * D31
    assert world.other_county not in set(request.rows["county_id"])
    assert any("۴۵٪" in line for line in request.assumptions())


def test_a_leap_esfand_and_an_entered_wage(session, world, national_manager):
    request = budget_request(session, national_manager, jalali_year=1403, daily_wage=2_388_728)
    b = request.rows.set_index(["county_id", "program"]).loc[(world.sibling_county, "B")]
    # 1403 is leap: Mehr..Esfand all have 30 days
    assert b["current_rial"] == 6 * 13_329_102 + 6 * 12_899_131
    isfahan = budget_request(session, national_manager, jalali_year=1405, daily_wage=5_541_850,
                             province_id=world.other_province)
    # started Esfand 1404 for 12 months: Farvardin..Bahman 1405 (11 months)
    from lib.payments import monthly_premium
    expected = sum(monthly_premium(5_541_850, 31 if m <= 6 else 30, 1800) for m in range(1, 12))
    assert isfahan.total_rial == expected and isfahan.by_source["program_30435"] == expected  # no credit: all to 30435


def test_bad_input_and_areas(session, world, province_manager):
    with pytest.raises(InvalidInput):
        budget_request(session, province_manager, jalali_year=1404, wage_rise_percent="چهل")
    with pytest.raises(InvalidInput):
        budget_request(session, province_manager, jalali_year=1404, wage_rise_percent=-5)
    with pytest.raises(InvalidInput):
        budget_request(session, province_manager, jalali_year=1410, wage_rise_percent=45)  # 1409's wage unknown
    with pytest.raises(Forbidden):
        budget_request(session, province_manager, jalali_year=1404, wage_rise_percent=45, province_id=world.other_province)


def test_pdf_and_excel_carry_the_figures_and_the_assumptions(session, world, province_manager):
    import io

    import openpyxl

    from services.forecast import budget_request_pdf, budget_request_xlsx

    request = budget_request(session, province_manager, jalali_year=1404, wage_rise_percent=45)
    pdf = budget_request_pdf(request)
    assert pdf.startswith(b"%PDF")
    book = openpyxl.load_workbook(io.BytesIO(budget_request_xlsx(request)))
    table = book.worksheets[0]
    assert table.cell(table.max_row, 10).value == request.total_rial
    assert sum(row[1].value for row in book.worksheets[1].iter_rows(min_row=2)) == request.total_rial
    assert any("۴۵٪" in row[0].value for row in book.worksheets[2].iter_rows(min_row=2))


def test_a_request_on_an_unconfirmed_wage_says_so(session, world, province_manager):
    from db.models import MinimumWage

    assert budget_request(session, province_manager, jalali_year=1404, wage_rise_percent=45).wage_confirmed
    base = session.get(MinimumWage, 1403)
    base.confirmed = False
    session.add(base)
    session.commit()
    request = budget_request(session, province_manager, jalali_year=1404, wage_rise_percent=45)
    assert not request.wage_confirmed
    assert any("هنوز تأیید نشده" in line for line in request.assumptions())
    # an announced wage entered by hand does not rest on the unconfirmed one
    assert budget_request(session, province_manager, jalali_year=1404, daily_wage=3_463_656).wage_confirmed


def test_programme_b_split_follows_the_parameters_in_force(session, world, province_manager, admin):
    """An administrator's new split of programme B (issue 12: programme parameters) is the one the
    budget request divides by: here 9 % and 9 % instead of the seeds' 8 % and 10 %."""
    from lib.payments import program_b_shares
    from services.program_parameters import set_parameters

    before = budget_request(session, province_manager, jalali_year=1404, wage_rise_percent=45)
    b_before = before.rows.set_index(["county_id", "program"]).loc[(world.sibling_county, "B")]
    set_parameters(session, admin, program="B", rate_bp=1800, agency_share_bp=900, government_share_bp=900,
                   note="سهم برابر")
    after = budget_request(session, province_manager, jalali_year=1404, wage_rise_percent=45)
    b = after.rows.set_index(["county_id", "program"]).loc[(world.sibling_county, "B")]
    assert b["relief_committee"] + b["government"] == b_before["relief_committee"] + b_before["government"]
    assert abs(b["relief_committee"] - b["government"]) <= 24  # a rial a month at most, each of two people
    assert b["relief_committee"] > b_before["relief_committee"]
    one_month = program_b_shares(B_YEAR // 12, {"agency": 900, "government": 900})
    assert abs(one_month["agency"] - one_month["government"]) <= 1
    assert after.total_rial == before.total_rial
