"""The bulk import page through AppTest: template, problems by row and column, the two buttons."""
from __future__ import annotations

import random

from sqlmodel import func, select

from db.engine import new_session
from db.models import Application
from lib import catalog
from lib.identifiers import generate_national_code
from services.imports import IMPORT_COLUMNS, import_template
from tests.pages.conftest import app_as

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADERS = {c.key: c.header for c in IMPORT_COLUMNS}
RNG = random.Random(1405)


def row(**overrides):
    values = {
        "program": "الف", "county": "تهران", "channel": catalog.CHANNELS["portal"], "applied_on": "۱۴۰۳/۰۳/۱۲",
        "national_code": generate_national_code(RNG), "first_name": "مریم", "last_name": "احمدی", "gender": "زن",
        "mobile": "09121234567", "marital_status": "متأهل",
    }
    values.update(overrides)
    return values


def cases(engine) -> int:
    with new_session(engine) as session:
        return session.exec(select(func.count(Application.id))).one()


def import_page(actor, content: bytes | None = None):
    at = app_as(actor).run()
    at.switch_page("pages/import_cases.py").run()
    assert not at.exception, at.exception
    if content is not None:
        at.file_uploader[0].set_value(("cases.xlsx", content, XLSX)).run()
        assert not at.exception, at.exception
    return at


def test_the_page_offers_the_template(users):
    at = import_page(users["county_expert"])
    assert at.title[0].value == "ورود گروهی از اکسل"
    assert at.download_button[0].label == "دریافت فایل نمونه"
    assert not at.button  # nothing to import before a file is chosen


def test_problems_are_listed_by_row_and_column_and_import_is_disabled(users, app_db):
    content = import_template(rows=[row(), row(national_code="0012345678"), row(mobile="12", county="کاشان")])
    at = import_page(users["county_expert"], content)

    problems = at.dataframe[0].value
    assert list(problems.columns) == ["ردیف", "ستون", "مشکل"]
    assert set(zip(problems["ردیف"], problems["ستون"])) == {
        ("۳", HEADERS["national_code"]), ("۴", HEADERS["mobile"]), ("۴", HEADERS["county"])
    }
    assert "۳ مشکل" in at.error[0].value
    assert at.button(key="import_all").disabled
    clean_only = at.button(key="import_clean_only")
    assert clean_only.label == "فقط ردیف‌های سالم را وارد کن" and not clean_only.disabled
    assert cases(app_db) == 0


def test_clean_rows_only_after_confirmation(users, app_db):
    content = import_template(rows=[row(), row(national_code="0012345678"), row()])
    at = import_page(users["county_expert"], content)
    at.button(key="import_clean_only").click().run()
    assert cases(app_db) == 0  # the dialog asks first
    assert "وارد نمی‌شود" in " ".join(m.value for m in at.markdown)
    at.button(key="confirm_clean_only").click().run()
    assert not at.exception, at.exception
    assert cases(app_db) == 2
    assert "۲ پرونده وارد شد" in at.success[0].value
    assert "۳" in at.warning[0].value  # row 3 was left out


def test_a_clean_file_imports_with_one_click(users, app_db):
    at = import_page(users["county_expert"], import_template(rows=[row(), row(program="ب", head_of_household="بله")]))
    assert not at.dataframe and "آماده ورود" in at.success[0].value
    assert not at.button(key="import_all").disabled
    at.button(key="import_all").click().run()
    assert cases(app_db) == 2
    imported = at.dataframe[0].value
    assert list(imported.columns) == ["ردیف", "متقاضی", "کد رهگیری"]
    assert len(imported) == 2


def test_a_file_that_is_not_excel_shows_a_persian_message(users, app_db):
    at = import_page(users["county_expert"], b"not a spreadsheet")
    assert "خوانا نیست" in at.error[0].value
    assert cases(app_db) == 0
