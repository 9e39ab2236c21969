"""The administrator's service agreement page: no figure shown until one is set; a stage target
typed in Persian digits is saved with who set it; the validity period and its warning; nobody else
has the page."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from lib.jalali import local_today
from db.engine import new_session
from db.models.reference import ServiceAgreement, StageTarget
from lib.jalali import format_jalali
from tests.pages.conftest import app_as

PAGE = "pages/service_agreement.py"


def test_set_a_stage_target_and_the_validity_period(app_db, users):
    at = app_as(users["admin"]).run()
    at.switch_page(PAGE).run()
    assert not at.exception
    at.selectbox(key="agreement_program").select("B").run()
    table = at.dataframe[0].value
    assert set(table["مهلت (روز)"]) == {"تعیین نشده"} and set(table["مراجعه حضوری"]) == {"تعیین نشده"}
    assert any("هنوز ثبت نشده" in i.value for i in at.info)

    at.selectbox(key="agreement_stage").select("received").run()
    at.text_input(key="agreement_days_B_received").input("۱۰").run()
    at.text_input(key="agreement_visits_B_received").input("۱").run()
    at.button(key="agreement_save_stage").click().run()
    assert not at.exception
    assert any("۱۰ روز" in s.value for s in at.success)
    row = at.dataframe[0].value.iloc[0]
    assert (row["مهلت (روز)"], row["مراجعه حضوری"], row["تعیین‌کننده"]) == ("۱۰", "۱", "مدیر سامانه")
    with new_session(app_db) as session:
        target = session.exec(select(StageTarget)).one()
        assert (target.stage, target.target_days, target.visits) == ("received", 10, 1)

    soon = local_today() + timedelta(days=20)
    at.text_input(key="agreement_until_B").input(format_jalali(soon)).run()
    at.button(key="agreement_save_period").click().run()
    assert not at.exception
    assert any("کمتر از یک ماه" in w.value for w in at.warning)
    # the app warns on every page, in the sidebar, those who keep the agreement
    at.switch_page("pages/home.py").run()
    assert any("توافق‌نامه سطح خدمت" in w.value and format_jalali(soon) in w.value for w in at.sidebar.warning)
    other = app_as(users["county_expert"]).run()
    assert not any("توافق‌نامه" in w.value for w in other.sidebar.warning)
    with new_session(app_db) as session:
        assert session.get(ServiceAgreement, target.program_id).valid_until == soon


def test_a_target_of_zero_days_is_refused(app_db, users):
    at = app_as(users["admin"]).run()
    at.switch_page(PAGE).run()
    at.selectbox(key="agreement_program").select("A").run()
    at.text_input(key="agreement_days_A_received").input("0").run()
    at.text_input(key="agreement_visits_A_received").input("1").run()
    at.button(key="agreement_save_stage").click().run()
    assert at.error and not at.success
    with new_session(app_db) as session:
        assert session.exec(select(StageTarget)).all() == []


def test_only_the_administrator_has_the_page(app_db, users):
    for role in ("county_expert", "manager"):
        at = app_as(users[role]).run()
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(PAGE)
