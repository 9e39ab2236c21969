"""The administrator's minimum wage page (حداقل دستمزد): a new year's wage entered in Persian digits,
unconfirmed and flagged, then confirmed; a typo is refused under the field; nobody else has the page."""
from __future__ import annotations

import pytest

from db.engine import new_session
from db.models import MinimumWage
from tests.pages.conftest import app_as

PAGE = "pages/wages.py"


def test_enter_a_new_year_unconfirmed_then_confirm_it(app_db, users):
    at = app_as(users["admin"]).run()
    at.switch_page(PAGE).run()
    assert not at.exception
    table = at.dataframe[0].value
    assert "حداقل دستمزد روزانه" in table.columns and all(
        ch in "۰۱۲۳۴۵۶۷۸۹" for ch in table["سال"].iloc[0])
    year = at.text_input(key="wage_year").value  # the next year is proposed, in Persian digits
    assert year and all(ch in "۰۱۲۳۴۵۶۷۸۹" for ch in year)
    at.text_input(key="wage_rial").input("۴٬۵۰۰٬۰۰۰").run()
    at.text_input(key="wage_rial").input("۴۵۰۰۰۰۰").run()
    at.button(key="wage_save").click().run()
    assert not at.exception
    assert any("ثبت شد" in s.value and "قطعی‌نشده" in s.value for s in at.success)
    flagged = next(w.value for w in at.warning if "هنوز قطعی نشده" in w.value)
    assert year in flagged
    assert list(at.dataframe[0].value["وضعیت"])[0] == "⚠️ قطعی‌نشده"  # the newest year, first
    latin_year = int(year.translate(str.maketrans("۰۱۲۳۴۵۶۷۸۹", "0123456789")))
    with new_session(app_db) as session:
        row = session.get(MinimumWage, latin_year)
        assert (row.daily_wage_rial, row.confirmed) == (4_500_000, False)

    at.text_input(key="wage_year").input(year).run()
    at.text_input(key="wage_rial").input("4600000").run()
    at.checkbox(key="wage_confirmed").check().run()
    at.button(key="wage_save").click().run()
    assert not any(year in w.value for w in at.warning if "هنوز قطعی نشده" in w.value)
    assert list(at.dataframe[0].value["وضعیت"])[0] == "قطعی"
    with new_session(app_db) as session:
        row = session.get(MinimumWage, latin_year)
        assert (row.daily_wage_rial, row.confirmed) == (4_600_000, True)


def test_a_wage_of_zero_is_refused_and_nothing_is_written(app_db, users):
    at = app_as(users["admin"]).run()
    at.switch_page(PAGE).run()
    at.text_input(key="wage_year").input("۱۴۱۰").run()
    at.text_input(key="wage_rial").input("۰").run()
    assert at.error  # the message under the field
    at.button(key="wage_save").click().run()
    assert not at.exception and not at.success
    with new_session(app_db) as session:
        assert session.get(MinimumWage, 1410) is None


def test_only_the_administrator_has_the_page(app_db, users):
    for role in ("county_expert", "manager"):
        at = app_as(users[role]).run()
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(PAGE)
