"""The intake page (Form 1) through AppTest: submit, validation as typed, a person on file."""
from __future__ import annotations

import random
from datetime import date

from sqlmodel import func, select

from db.engine import new_session
from db.models import Applicant, Application, EligibilityConfirmation, Household
from lib.identifiers import generate_national_code
from lib.text import to_persian_digits
from services.applications import HouseholdData, IntakeData, submit_application
from tests.files import pdf_bytes
from tests.pages.conftest import app_as

SUBMIT = "FormSubmitter:form1-ثبت درخواست"


def key(name: str, generation: int = 0) -> str:
    return f"intake_{name}_{generation}"


def intake_page(actor):
    at = app_as(actor).run()
    at.switch_page("pages/intake.py").run()
    assert not at.exception, at.exception
    return at


def cases(engine) -> int:
    with new_session(engine) as session:
        return session.exec(select(func.count(Application.id))).one()


def code(seed: int = 7) -> str:
    return generate_national_code(random.Random(seed))


def test_a_valid_submission_shows_the_tracking_code_and_writes_one_case(users, app_db):
    at = intake_page(users["county_expert"])
    at.text_input(key=key("national_code")).input(to_persian_digits(code())).run()
    assert "تازه" in at.caption[0].value  # not on file: a new applicant
    at.text_input(key=key("first_name")).input("مريم")
    at.text_input(key=key("last_name")).input("احمدی")
    at.text_input(key=key("mobile")).input("۰۹۱۲ ۱۲۳ ۴۵۶۷")
    at.radio(key=key("gender")).set_value("female")
    at.button(key=SUBMIT).click().run()

    assert not at.exception and not at.error, [e.value for e in at.error]
    with new_session(app_db) as session:
        [case] = session.exec(select(Application)).all()
        applicant = session.get(Applicant, case.applicant_id)
    assert applicant.first_name == "مریم" and applicant.mobile == "09121234567"
    assert at.code[0].value == case.tracking_code
    spelled = next(m.value for m in at.markdown if "font-size" in m.value)
    assert to_persian_digits(case.tracking_code[1:3]) in spelled and "\u2066" in spelled  # Persian digits, LTR isolate
    assert "مریم احمدی" in at.success[0].value
    # the form starts empty again for the next person
    assert at.text_input(key=key("national_code", 1)).value == ""
    assert cases(app_db) == 1


def test_an_invalid_national_code_is_shown_at_once_and_nothing_is_written(users, app_db):
    at = intake_page(users["county_expert"])
    at.text_input(key=key("national_code")).input("0012345678").run()
    assert "کد ملی" in at.error[0].value and "معتبر نیست" in at.error[0].value
    at.text_input(key=key("first_name")).input("مریم")
    at.text_input(key=key("last_name")).input("احمدی")
    at.button(key=SUBMIT).click().run()
    assert any("کد ملی" in e.value and "اصلاح" in e.value for e in at.error)
    assert not at.code
    assert cases(app_db) == 0


def test_a_bad_mobile_and_an_impossible_date_are_explained_in_persian(users, app_db):
    at = intake_page(users["county_expert"])
    at.text_input(key=key("mobile")).input("0212345").run()
    assert any("همراه" in e.value for e in at.error)
    at.text_input(key=key("applied_on")).input("۱۴۰۴/۱۲/۳۰").run()
    assert any("۲۹ روز" in e.value for e in at.error)  # Esfand 1404 has 29 days
    at.text_input(key=key("national_code")).input(code())
    at.text_input(key=key("first_name")).input("مریم")
    at.text_input(key=key("last_name")).input("احمدی")
    at.button(key=SUBMIT).click().run()
    assert cases(app_db) == 0


def test_a_national_code_on_file_opens_that_person_and_prefills_the_form(users, app_db):
    expert = users["county_expert"]
    with new_session(app_db) as session:
        first = submit_application(
            session, expert,
            IntakeData(program="A", county_id=expert.county_id, channel="in_person", national_code=code(), first_name="زهرا",
                       last_name="کریمی", gender="female", father_name="حسن", mobile="09351112233", job_field="قالی‌بافی",
                       applied_on=date(2024, 6, 1),
                       household=HouseholdData(disabled_members=1, severity="severe", marital_status="married",
                                               dependants=3, insured_years=4)),
        )
    at = intake_page(expert)
    at.text_input(key=key("national_code")).input(to_persian_digits(code())).run()

    assert "زهرا کریمی" in at.info[0].value
    assert at.text_input(key=key("first_name")).value == "زهرا"
    assert at.text_input(key=key("father_name")).value == "حسن"
    assert at.text_input(key=key("job_field")).value == "قالی‌بافی"
    assert at.text_input(key=key("mobile")).value == "۰۹۳۵۱۱۱۲۲۳۳"  # Persian digits as shown
    assert at.radio(key=key("gender")).value == "female"
    # the household of her latest case, not zeros
    assert at.text_input(key=key("dependants")).value == "۳" and at.text_input(key=key("insured_years")).value == "۴"
    assert at.text_input(key=key("disabled_members")).value == "۱"
    assert at.selectbox(key=key("severity")).value == "severe"
    assert at.selectbox(key=key("marital_status")).value == "married"
    [link] = [p for p in at.page_link if to_persian_digits(first.tracking_code[3:6]) in p.label]
    assert "case" in link.proto.page and "id=" + str(first.id) in link.proto.query_string

    # typing someone else's code empties what the lookup filled in; coming back refills it
    at.text_input(key=key("national_code")).input(code(99)).run()
    assert at.text_input(key=key("first_name")).value == "" and not at.info
    assert at.text_input(key=key("dependants")).value == "۰" and at.radio(key=key("gender")).value is None
    at.text_input(key=key("national_code")).input(code()).run()
    assert at.text_input(key=key("first_name")).value == "زهرا"

    # a second case in the other programme reuses the person (no twin)
    at.radio(key=key("program")).set_value("B").run()
    at.radio(key=key("head_of_household")).set_value(True)
    at.button(key=SUBMIT).click().run()
    assert not at.error, [e.value for e in at.error]
    with new_session(app_db) as session:
        assert session.exec(select(func.count(Applicant.id))).one() == 1
    assert cases(app_db) == 2


def test_an_administrator_chooses_the_county(users, app_db):
    at = intake_page(users["admin"])
    county = at.selectbox(key=key("county"))
    assert county.value is None
    at.text_input(key=key("national_code")).input(code())
    at.text_input(key=key("first_name")).input("مریم")
    at.text_input(key=key("last_name")).input("احمدی")
    at.radio(key=key("gender")).set_value("male")
    at.button(key=SUBMIT).click().run()
    assert any("شهرستان" in e.value for e in at.error)
    assert cases(app_db) == 0
    assert any(o.startswith("تهران — استان تهران") for o in county.options)
    at.session_state[key("county")] = users["county_expert"].county_id  # AppTest cannot format int options
    at.button(key=SUBMIT).click().run()
    assert not at.error, [e.value for e in at.error]
    with new_session(app_db) as session:
        [case] = session.exec(select(Application)).all()
    assert case.county_id == users["county_expert"].county_id


# --------------------------------------------------------------------------- documents and eligibility
def documents_page(actor, application_id: int):
    at = app_as(actor)
    at.query_params["id"] = str(application_id)
    at.run()
    at.switch_page("pages/documents.py").run()
    assert not at.exception, at.exception
    return at


def submitted_case(engine, actor, program: str = "A") -> Application:
    with new_session(engine) as session:
        return submit_application(
            session, actor,
            IntakeData(program=program, county_id=actor.county_id, channel="in_person", national_code=code(11),
                       first_name="مریم", last_name="احمدی", gender="female",
                       head_of_household=True if program == "B" else None, mobile="09121234567", applied_on=date(2024, 6, 1),
                       household=HouseholdData(marital_status="married")),
        )


def test_the_documents_page_uploads_checks_and_says_what_is_missing(users, app_db, tmp_path, monkeypatch):
    monkeypatch.setenv("BIMEYAR_UPLOAD_DIR", str(tmp_path / "uploads"))
    expert = users["county_expert"]
    case = submitted_case(app_db, expert)
    at = documents_page(expert, case.id)
    table = at.dataframe[0].value
    assert list(table["وضعیت"]) == ["ناقص"] * 4
    assert "مدارک ناقص" in at.warning[0].value

    at.file_uploader(key="file_form1").set_value(("فرم ۱.pdf", pdf_bytes(), "application/pdf"))  # a real PDF
    at.button(key="FormSubmitter:upload_form1-بارگذاری").click().run()
    assert not at.exception, at.exception
    assert list(at.dataframe[0].value["وضعیت"]) == ["دریافت شده", "ناقص", "ناقص", "ناقص"]
    assert any(b.label.startswith("دریافت فایل") for b in at.download_button)

    # an executable renamed .pdf is refused with a Persian message
    at.file_uploader(key="file_sso_payment_proof").set_value(("proof.pdf", b"MZ\x90\x00", "application/pdf"))
    at.button(key="FormSubmitter:upload_sso_payment_proof-بارگذاری").click().run()
    assert any("PDF" in e.value for e in at.error)

    next(b for b in at.button if b.label == "بررسی کامل بودن مدارک").click().run()
    assert any("مدارک ناقص" in m.value and "نقص مدارک" in m.value for m in at.warning)  # a warning, not a success
    with new_session(app_db) as session:
        assert session.get(Application, case.id).state == "documents_incomplete"


def test_the_documents_page_records_eligibility_for_programme_a(users, app_db):
    expert = users["county_expert"]
    case = submitted_case(app_db, expert)
    at = documents_page(expert, case.id)
    editor = next(d for d in at.data_editor if d.key == f"eligibility_{case.id}")
    assert list(editor.value["زمان"]) == ["ثبت نشده"] * 3
    at.session_state[f"eligibility_{case.id}"] = {
        "edited_rows": {0: {"تأیید شده": True}, 1: {"تأیید شده": True, "توضیح": "نامه معاونت ۱۲"}},
        "added_rows": [],
        "deleted_rows": [],
    }
    next(b for b in at.button if b.label == "ثبت شرایط").click().run()
    assert not at.exception, at.exception
    assert "۲ شرط ثبت شد" in at.success[0].value
    with new_session(app_db) as session:
        rows = session.exec(select(EligibilityConfirmation).order_by(EligibilityConfirmation.condition)).all()
    assert [(r.condition, r.satisfied, r.note) for r in rows] == [
        ("job_readiness", True, "نامه معاونت ۱۲"), ("registered_client", True, None)
    ]
    editor = next(d for d in at.data_editor if d.key == f"eligibility_{case.id}")
    assert list(editor.value["تأییدکننده"]) == [expert.full_name, expert.full_name, "—"]


def test_a_paper_document_is_marked_at_the_desk(users, app_db):
    expert = users["county_expert"]
    case = submitted_case(app_db, expert, "B")
    at = documents_page(expert, case.id)
    assert not at.data_editor  # programme B has no eligibility conditions to confirm here
    at.button(key="paper_request_form").click().run()
    assert list(at.dataframe[0].value["فایل"])[0] == "نسخه کاغذی"
    assert list(at.dataframe[0].value["وضعیت"]) == ["دریافت شده", "ناقص", "ناقص", "ناقص"]
    assert at.button(key="paper_request_form").label == "لغو دریافت نسخه کاغذی"


def test_the_documents_page_opens_a_case_by_its_tracking_code(users, app_db):
    expert = users["county_expert"]
    case = submitted_case(app_db, expert)
    at = app_as(expert).run()
    at.switch_page("pages/documents.py").run()
    assert "کد رهگیری" in at.info[0].value and not at.dataframe
    at.text_input(key="documents_tracking").input(to_persian_digits(case.tracking_code.lower())).run()
    assert not at.exception, at.exception
    assert "مریم احمدی" in at.markdown[0].value
    assert at.query_params["id"] == str(case.id)  # a deep link to come back to
    at.text_input(key="documents_tracking").input("A039999999").run()
    assert "پیدا نشد" in at.error[0].value


# --------------------------------------------------------------------------- programme B's own form (issue 6)
def test_programme_b_shows_only_its_own_fields_and_asks_for_head_of_household(users, app_db):
    at = intake_page(users["county_expert"])
    labels = lambda: {w.label for w in (*at.text_input, *at.checkbox, *at.radio, *at.selectbox)}  # noqa: E731
    assert {"رشته شغلی", "شماره مجوز", "تاریخ مجوز", "تعداد افراد تحت تکفل"} <= labels()
    at.radio(key=key("program")).set_value("B").run()
    shown = labels()
    assert not shown & {"رشته شغلی", "شماره مجوز", "تاریخ مجوز", "تعداد افراد تحت تکفل", "وضعیت تأهل"}
    assert not any("تخفیف" in label for label in shown)
    assert "سرپرست خانوار است؟" in shown and "جنسیت" in shown
    assert not any("جدول امتیازات" in h.value for h in at.subheader)

    at.text_input(key=key("national_code")).input(code(5)).run()
    at.text_input(key=key("first_name")).input("رضا")
    at.text_input(key=key("last_name")).input("کاظمی")
    at.text_input(key=key("mobile")).input("09121234567")
    at.radio(key=key("gender")).set_value("male")
    at.radio(key=key("head_of_household")).set_value(True)
    at.button(key=SUBMIT).click().run()
    assert any("فقط زنان سرپرست خانوار" in e.value for e in at.error), [e.value for e in at.error]
    assert cases(app_db) == 0

    at.radio(key=key("gender")).set_value("female")
    at.text_input(key=key("first_name")).input("نرگس")
    at.button(key=SUBMIT).click().run()
    assert not at.error, [e.value for e in at.error]
    with new_session(app_db) as session:
        [case] = session.exec(select(Application)).all()
        woman = session.get(Applicant, case.applicant_id)
    assert case.head_of_household is True and woman.gender == "female"


def test_the_sex_must_be_chosen(users, app_db):
    at = intake_page(users["county_expert"])
    at.text_input(key=key("national_code")).input(code(6)).run()
    at.text_input(key=key("first_name")).input("مریم")
    at.text_input(key=key("last_name")).input("احمدی")
    at.button(key=SUBMIT).click().run()
    assert any("جنسیت" in e.value for e in at.error), [e.value for e in at.error]
    assert cases(app_db) == 0


def test_programme_b_eligibility_is_confirmed_by_the_unit_on_the_documents_page(users, app_db):
    expert = users["county_expert"]
    case = submitted_case(app_db, expert, "B")
    at = documents_page(expert, case.id)
    assert any("مدارک دریافت نشده" in w.value for w in at.warning)
    at.button(key="b_confirm").click().run()
    assert any("مدارک دریافت نشده" in e.value for e in at.error)  # refused, naming what is missing
    for kind in ("request_form", "id_documents", "head_of_household_proof", "relief_coverage"):
        at.button(key=f"paper_{kind}").click().run()
    at.button(key="b_confirm").click().run()
    assert not at.error, [e.value for e in at.error]
    assert any("فهرست انتظار" in s.value for s in at.success)
    assert any("تأیید واجد شرایط بودن" in m.value for m in at.markdown)  # B's name for the state
    with new_session(app_db) as session:
        assert session.get(Application, case.id).state == "county_decision"


def test_out_of_range_counts_are_named_in_persian_and_the_form_empties_after_a_submission(users, app_db):
    """99 disabled members, −3 dependants, 250 years: each field says what is allowed, nothing is
    written and the values stay to be fixed; once fixed, the case is saved and the form empties."""
    at = intake_page(users["county_expert"])
    at.text_input(key=key("national_code")).input("526 018 1591").run()
    # a code typed in groups is shown joined, in Persian digits (not reordered by the RTL field)
    assert at.text_input(key=key("national_code")).value == "۵۲۶۰۱۸۱۵۹۱"
    at.text_input(key=key("first_name")).input("مریم")
    at.text_input(key=key("last_name")).input("احمدی")
    at.radio(key=key("gender")).set_value("female")
    at.text_input(key=key("disabled_members")).input("99")
    at.text_input(key=key("dependants")).input("-3")
    at.text_input(key=key("insured_years")).input("۲۵۰")
    at.button(key=SUBMIT).click().run()
    errors = [e.value for e in at.error]
    assert any("تعداد اعضای معلول خانواده باید بین ۰ و" in e for e in errors), errors
    assert any("تعداد افراد تحت تکفل باید بین ۰ و" in e for e in errors), errors
    assert any("سابقه پرداخت حق بیمه" in e and "باید بین ۰ و" in e for e in errors), errors
    assert any(e.startswith("پیش از ثبت") and "تعداد افراد تحت تکفل" in e for e in errors), errors
    assert cases(app_db) == 0
    assert at.text_input(key=key("disabled_members")).value == "۹۹"  # shown in Persian digits, kept to fix
    at.text_input(key=key("disabled_members")).input("۱")
    at.selectbox(key=key("severity")).set_value("severe")
    at.text_input(key=key("dependants")).input("3")
    at.text_input(key=key("insured_years")).input("۱۲")
    at.button(key=SUBMIT).click().run()
    assert not at.error, [e.value for e in at.error]
    assert cases(app_db) == 1
    with new_session(app_db) as session:
        [household] = session.exec(select(Household)).all()
    assert (household.disabled_members, household.dependants, household.insured_years) == (1, 3, 12)
    # the next applicant starts from an empty form
    assert at.text_input(key=key("first_name", 1)).value == ""
    assert at.text_input(key=key("dependants", 1)).value == "۰"
    assert at.text_input(key=key("national_code", 1)).value == ""
