"""The case page's actions through AppTest: suspend, resume, complete, withdraw, SSO's refusal,
Form 1 as a PDF, and the person's other cases."""
from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from db.engine import new_session
from db.models import Applicant, Application, Introduction, PaymentLine, PaymentRun
from lib.workflow import State
from services import applications as apps
from services.applications import HouseholdData, IntakeData
from services.base import SYSTEM
from services.users import actor_for, create_user
from tests.pages.conftest import PASSWORD
from tests.pages.test_cases import open_case, submit_case, tab


@pytest.fixture
def staff(users, app_db):
    """The page fixture's users plus Tehran's committee secretary and the provincial committee."""
    expert = users["county_expert"]
    with new_session(app_db) as session:
        secretary = create_user(session, SYSTEM, username="secretary", full_name="دبیر کمیته تهران", password=PASSWORD,
                                role="committee_secretary", county_id=expert.county_id)
        province = create_user(session, SYSTEM, username="province", full_name="کمیته استان تهران", password=PASSWORD,
                               role="province_committee", province_id=expert.province_id)
        return {**users, "secretary": actor_for(secretary), "province_committee": actor_for(province)}


def put(engine, case, state: State, *, months: int | None = 24) -> None:
    with new_session(engine) as session:
        row = session.get(Application, case.id)
        row.state, row.months_granted = state.value, months
        row.share_percent, row.contract_rate_bp = (100, 1800) if months else (None, None)
        row.start_year, row.start_month = 1403, 1
        session.add(row)
        session.commit()


def state_of(engine, case) -> str:
    with new_session(engine) as session:
        return session.get(Application, case.id).state


def labels(at) -> set[str]:
    return {b.label for b in at.button}


ACTION_LABELS = {"تعلیق حمایت", "ادامه حمایت (رفع تعلیق)", "پایان حمایت", "ثبت انصراف متقاضی", "ثبت عدم پذیرش تأمین اجتماعی"}


def offered(at) -> set[str]:
    return labels(at) & ACTION_LABELS


def history_captions(at) -> str:
    """Every caption of the person's history tab (the cases table's and the payment ledger's)."""
    return "\n".join(c.value for c in tab(at, "سوابق متقاضی").caption)


def timeline(at):
    return tab(at, "گردش کار").dataframe[0].value


def test_each_action_is_offered_only_to_the_roles_that_may_do_it(staff, app_db):
    expert, secretary, province = staff["county_expert"], staff["secretary"], staff["province_committee"]
    received = submit_case(app_db, expert)
    assert offered(open_case(expert, received.id)) == {"ثبت انصراف متقاضی"}
    assert offered(open_case(province, received.id)) == set()
    assert offered(open_case(staff["manager"], received.id)) == set()

    active = submit_case(app_db, expert, first_name="زهرا", last_name="کریمی")
    put(app_db, active, State.active)
    assert offered(open_case(province, active.id)) == {"تعلیق حمایت", "پایان حمایت"}
    for who in ("county_expert", "secretary", "manager"):
        assert offered(open_case(staff[who], active.id)) == set(), who
    put(app_db, active, State.suspended)
    assert offered(open_case(province, active.id)) == {"ادامه حمایت (رفع تعلیق)", "پایان حمایت"}
    put(app_db, active, State.completed)
    at = open_case(province, active.id)
    assert offered(at) == set() and not at.exception

    b = submit_case(app_db, expert, program="B", first_name="سارا", last_name="نوری")
    put(app_db, b, State.introduced, months=None)
    assert offered(open_case(secretary, b.id)) == {"ثبت انصراف متقاضی", "ثبت عدم پذیرش تأمین اجتماعی"}
    assert offered(open_case(expert, b.id)) == {"ثبت انصراف متقاضی"}
    assert offered(open_case(province, b.id)) == set()


def test_suspending_needs_a_reason_then_the_state_and_timeline_change(staff, app_db):
    province = staff["province_committee"]
    case = submit_case(app_db, staff["county_expert"])
    put(app_db, case, State.active)
    at = open_case(province, case.id)
    at.button(key="case_lifecycle_suspend").click().run()
    assert any("تعلیق حمایت" in m.value and case.tracking_code in m.value for m in at.markdown)  # the dialog
    at.button(key="case_lifecycle_confirm").click().run()
    assert any("دلیل" in e.value for e in at.error)  # in Persian, saying what to write
    assert state_of(app_db, case) == State.active
    at.text_area(key="case_lifecycle_reason_suspend").input("کارگاه متقاضی تعطیل شده است").run()
    at.button(key="case_lifecycle_confirm").click().run()
    assert not at.exception and not at.error
    assert state_of(app_db, case) == State.suspended
    assert case.tracking_code in at.success[0].value and "«معلق»" in at.success[0].value
    assert {m.label: m.value for m in at.metric}["وضعیت"] == "معلق"
    last = timeline(at).iloc[-1]
    assert (last["از وضعیت"], last["به وضعیت"]) == ("فعال", "معلق")
    assert last["یادداشت"] == "کارگاه متقاضی تعطیل شده است" and last["انجام‌دهنده"] == "کمیته استان تهران"
    assert "معلق" in tab(at, "پیامک‌ها").markdown[0].value  # the newest SMS first
    assert offered(at) == {"ادامه حمایت (رفع تعلیق)", "پایان حمایت"}
    assert not any(t.key == "case_lifecycle_reason_suspend" for t in at.text_area)  # the dialog closed

    at.button(key="case_lifecycle_resume").click().run()
    at.text_area(key="case_lifecycle_reason_resume").input("کار دوباره راه افتاد").run()
    at.button(key="case_lifecycle_confirm").click().run()
    assert state_of(app_db, case) == State.active
    assert list(timeline(at)["به وضعیت"])[-2:] == ["معلق", "فعال"]


def test_closing_the_dialog_changes_nothing(staff, app_db):
    province = staff["province_committee"]
    case = submit_case(app_db, staff["county_expert"])
    put(app_db, case, State.active)
    at = open_case(province, case.id)
    at.button(key="case_lifecycle_complete").click().run()
    assert any("برگشت‌پذیر نیست" in w.value for w in at.warning)  # an irreversible move says so
    at.text_area(key="case_lifecycle_reason_complete").input("اشتباه").run()
    at.button(key="case_lifecycle_close").click().run()
    assert not at.text_area and state_of(app_db, case) == State.active


def test_completing_returns_unpaid_months_and_the_person_applies_again_with_history(staff, app_db):
    expert, province = staff["county_expert"], staff["province_committee"]
    case = submit_case(app_db, expert)
    put(app_db, case, State.active, months=24)
    with new_session(app_db) as session:
        run = PaymentRun(program_id=case.program_id, province_id=case.province_id, jalali_year=1403, start_month=1,
                         months=6, strategy="full", budget_rial=10**12, status="finalized")
        session.add(run)
        session.flush()
        for month in range(1, 7):
            session.add(PaymentLine(run_id=run.id, application_id=case.id, applicant_id=case.applicant_id,
                                    program_id=case.program_id, jalali_year=1403, jalali_month=month, days=31,
                                    daily_wage_rial=2_388_728, rate_bp=1800, percent=100, full_amount_rial=0,
                                    amount_rial=0, agency_rial=0, government_rial=0))
        session.get(Applicant, case.applicant_id).sso_insurance_no = "0012345678"  # from SSO's answer
        session.commit()
    at = open_case(province, case.id)
    assert "۶ ماه پرداخت‌شده" in tab(at, "سوابق متقاضی").caption[0].value
    assert "شماره بیمه تأمین اجتماعی: ۰۰۱۲۳۴۵۶۷۸" in history_captions(at)
    assert "۳۶ ماه باقی مانده" in history_captions(at)  # 60 − the 24 granted
    at.button(key="case_lifecycle_complete").click().run()
    at.text_area(key="case_lifecycle_reason_complete").input("به خودکفایی رسیده است").run()
    at.button(key="case_lifecycle_confirm").click().run()
    assert not at.error and state_of(app_db, case) == State.completed
    assert "۱۸ ماه مصوبِ پرداخت‌نشده به سقف متقاضی برگشت" in at.success[0].value
    assert "۵۴ ماه باقی مانده" in history_captions(at)
    assert offered(at) == set()

    with new_session(app_db) as session:  # the same person applies again: a new case
        national_code = session.get(Applicant, case.applicant_id).national_code
    again = reapply(app_db, expert, national_code)
    at = open_case(expert, again.id)
    history = tab(at, "سوابق متقاضی")
    row = history.dataframe[0].value.iloc[0]
    assert (row["کد رهگیری"], row["وضعیت"], row["ماه مصوب"], row["ماه پرداخت‌شده"]) == (
        case.tracking_code, "پایان یافته", "۶", "۶"
    )
    assert row["تاریخ درخواست"] == "۱۴۰۳/۰۳/۱۲" and row["تاریخ بسته شدن"].startswith("۱۴")
    (link,) = [p for p in at.get("page_link") if case.tracking_code in p.proto.label]
    assert link.proto.query_string == f"id={case.id}"


def reapply(engine, actor, national_code):
    with new_session(engine) as session:
        return apps.submit_application(session, actor, IntakeData(
            program="A", county_id=actor.county_id, channel="in_person", national_code=national_code,
            first_name="مریم", last_name="احمدی", gender="female", mobile="09121234567", applied_on=date(2025, 5, 1),
            household=HouseholdData(),
        ))


def test_a_county_expert_records_a_withdrawal(staff, app_db):
    expert = staff["county_expert"]
    case = submit_case(app_db, expert)
    at = open_case(expert, case.id)
    at.button(key="case_lifecycle_withdraw").click().run()
    at.text_area(key="case_lifecycle_reason_withdraw").input("متقاضی شغل دیگری یافته است").run()
    at.button(key="case_lifecycle_confirm").click().run()
    assert not at.error and state_of(app_db, case) == State.withdrawn
    assert {m.label: m.value for m in at.metric}["وضعیت"] == "انصراف"
    assert timeline(at).iloc[-1]["یادداشت"] == "متقاضی شغل دیگری یافته است"


def test_sso_refusal_of_an_introduced_woman_is_recorded_from_the_case_page(staff, app_db):
    secretary = staff["secretary"]
    case = submit_case(app_db, staff["county_expert"], program="B", first_name="سارا", last_name="نوری")
    put(app_db, case, State.introduced, months=None)
    with new_session(app_db) as session:
        session.add(Introduction(application_id=case.id, county_id=case.county_id, jalali_year=1403,
                                 branch="شعبه ۲۳ تهران", letter_no="1-1403-1", introduced_on=date(2024, 7, 1),
                                 introduced_by=secretary.id))
        session.commit()
    at = open_case(secretary, case.id)
    at.button(key="case_lifecycle_sso_refusal").click().run()
    at.button(key="case_lifecycle_confirm").click().run()
    assert any("دلیل" in e.value for e in at.error) and state_of(app_db, case) == State.introduced
    at.text_area(key="case_lifecycle_reason_sso_refusal").input("سابقه بیمه فعال دیگری دارد").run()
    at.button(key="case_lifecycle_confirm").click().run()
    assert not at.error and state_of(app_db, case) == State.rejected
    assert "«رد شده»" in at.success[0].value
    with new_session(app_db) as session:
        introduction = session.exec(select(Introduction).where(Introduction.application_id == case.id)).one()
        assert introduction.refused_on is not None and introduction.refusal_reason == "سابقه بیمه فعال دیگری دارد"
    assert "سابقه بیمه فعال دیگری دارد" in timeline(at).iloc[-1]["یادداشت"]


def test_form_1_is_offered_as_a_pdf_built_on_click(staff, app_db):
    case = submit_case(app_db, staff["county_expert"])
    at = open_case(staff["manager"], case.id)
    assert not at.exception
    (button,) = [b for b in at.get("download_button") if b.proto.label == "فرم ۱ (PDF)"]


def test_programme_b_cover_is_ended_by_the_county_unit(staff, app_db):
    secretary, province = staff["secretary"], staff["province_committee"]
    case = submit_case(app_db, staff["county_expert"], program="B", first_name="سارا", last_name="نوری")
    put(app_db, case, State.active, months=None)
    assert offered(open_case(province, case.id)) == set()  # programme B has no provincial committee
    at = open_case(secretary, case.id)
    assert offered(at) == {"تعلیق حمایت", "پایان حمایت"}
    assert "ماه باقی مانده" not in history_captions(at)  # no 60-month cap in B
    at.button(key="case_lifecycle_complete").click().run()
    at.text_area(key="case_lifecycle_reason_complete").input("ازدواج مجدد و خروج از سرپرستی خانوار").run()
    at.button(key="case_lifecycle_confirm").click().run()
    assert not at.error and state_of(app_db, case) == State.completed
    assert "برگشت" not in at.success[0].value  # nothing granted in months, nothing returned


def test_a_programme_b_case_reads_as_the_relief_committee_calls_it(staff, app_db):
    """No scoring table, no Welfare-Organisation conditions and no A-only fields for programme B; its
    eligible state is the unit's confirmation, not a county committee's decision."""
    case = submit_case(app_db, staff["county_expert"], program="B", first_name="سارا", last_name="نوری")
    put(app_db, case, State.county_decision, months=None)
    at = open_case(staff["secretary"], case.id)
    assert not at.exception
    names = [t.label for t in at.tabs]
    assert "خانوار و امتیاز" not in names and "شرایط" not in names and "مدارک" in names
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["وضعیت"] == "تأیید واجد شرایط بودن" and "امتیاز" not in metrics
    form1 = tab(at, "فرم ۱").dataframe[0].value
    subjects = set(form1["موضوع"])
    assert "رشته شغلی" not in subjects and "شماره مجوز" not in subjects
    assert dict(zip(form1["موضوع"], form1["مقدار"]))["جنسیت"] == "زن"
    a_case = submit_case(app_db, staff["county_expert"])
    assert "خانوار و امتیاز" in [t.label for t in open_case(staff["secretary"], a_case.id).tabs]
