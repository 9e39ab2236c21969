"""The budget screen (اعتبار) through AppTest: the committee enters credit in any digits, a manager
only reads it, and credit below what finalised runs used is refused with the Persian reason."""
from __future__ import annotations


import pytest
from sqlmodel import select

from lib.jalali import local_today
from db.engine import new_session
from db.models import Budget, County
from lib.jalali import jalali_year_of
from services.base import SYSTEM
from services.users import actor_for, create_user
from tests.pages.conftest import PASSWORD, app_as
from tests.services.paid_runs import make_run

PAGE = "pages/budgets.py"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
YEAR = jalali_year_of(local_today())


@pytest.fixture
def tehran(app_db):
    with new_session(app_db) as session:
        county = session.exec(select(County).where(County.name == "تهران")).first()
        committee = actor_for(create_user(session, SYSTEM, username="province", full_name="کمیته استان تهران",
                                          password=PASSWORD, role="province_committee", province_id=county.province_id))
        manager = actor_for(create_user(session, SYSTEM, username="tmanager", full_name="مدیر کل تهران",
                                        password=PASSWORD, role="manager", province_id=county.province_id))
    return {"committee": committee, "manager": manager, "province": county.province_id, "county": county.id}


def open_page(actor):
    at = app_as(actor).run()
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def amounts(app_db, program_code="B"):
    with new_session(app_db) as session:
        return {b.source: b.amount_rial for b in session.exec(select(Budget)).all()}


def test_the_committee_enters_credit_in_persian_digits(tehran, app_db):
    at = open_page(tehran["committee"])
    assert at.title[0].value == "اعتبار"
    at.radio(key="budget_program").set_value("B").run()
    at.text_input(key="budget_amount_relief_committee").input("۸٬۰۰۰٬۰۰۰")
    at.text_input(key="budget_amount_government").input("10000000")
    at.button(key=next(b.key for b in at.button if b.key and "FormSubmitter" in b.key)).click().run()
    assert not at.exception and not at.error
    assert amounts(app_db) == {"relief_committee": 8_000_000, "government": 10_000_000}
    assert "ذخیره شد" in at.success[0].value
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["اعتبار کل"] == "۱۸٬۰۰۰٬۰۰۰ ریال"


def test_credit_below_what_finalised_runs_used_is_refused(tehran, app_db):
    with new_session(app_db) as session:
        make_run(session, program="A", province_id=tehran["province"], county_id=tehran["county"], amounts=[5000], year=YEAR)
    at = open_page(tehran["committee"])
    assert {m.label: m.value for m in at.metric}["مصرف نوبت‌های قطعی"] == "۵٬۰۰۰ ریال"
    at.text_input(key="budget_amount_other").input("۴۹۹۹")
    at.button(key=next(b.key for b in at.button if b.key and "FormSubmitter" in b.key)).click().run()
    assert at.error and "۵٬۰۰۰" in at.error[0].value
    assert amounts(app_db) == {}


def test_a_manager_reads_but_does_not_edit(tehran):
    at = open_page(tehran["manager"])
    assert not at.text_input and "کمیته استان" in at.info[0].value
    assert len(at.dataframe) == 1


def test_budgets_and_payments_are_in_the_navigation_of_the_right_roles(users, tehran):
    from ui.nav import pages_for

    def paths(actor):
        return {p.path for p in pages_for(actor)}

    assert {PAGE, "pages/payments.py"} <= paths(tehran["committee"])
    assert {PAGE, "pages/payments.py"} <= paths(tehran["manager"])
    assert not {PAGE, "pages/payments.py"} & paths(users["county_expert"])


def test_an_excel_import_is_checked_first_and_written_all_or_nothing(tehran, app_db):
    from lib.xlsx import Sheet, workbook_bytes
    from services.budgets import IMPORT_HEADERS

    def upload(at, *rows):
        content = workbook_bytes([Sheet("اعتبار", IMPORT_HEADERS, rows)])
        at.file_uploader(key="budget_file").set_value(("budgets.xlsx", content, XLSX)).run()

    at = open_page(tehran["committee"])
    upload(at, ["الف", "تهران", YEAR, "other", "۱۰۰"], ["الف", "تهران", YEAR, "سهم دولت", "۵"])
    at.checkbox(key="budget_dry_run").uncheck().run()
    at.button(key="budget_import").click().run()
    assert not at.exception and at.error and "هیچ مبلغی ثبت نشد" in at.error[0].value
    problems = next(d.value for d in at.dataframe if "مشکل" in d.value.columns)
    assert list(problems["ردیف"]) == ["۳"] and list(problems["ستون"]) == ["منبع اعتبار"]
    assert amounts(app_db) == {}

    upload(at, ["الف", "تهران", YEAR, "other", "۱۰۰"])
    at.button(key="budget_import").click().run()
    assert not at.exception and "۱ مبلغ ثبت شد" in at.success[0].value
    assert amounts(app_db) == {"other": 100}
