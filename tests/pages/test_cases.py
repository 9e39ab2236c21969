"""The case list and the case page through AppTest."""
from __future__ import annotations

import random
from datetime import date

from sqlmodel import select

from db.engine import new_session
from db.models import County
from lib.identifiers import generate_national_code
from lib.workflow import State
from services import applications as apps
from services.applications import HouseholdData, IntakeData
from tests.pages.conftest import app_as

_codes = random.Random(1403)


def submit_case(engine, actor, *, county_id=None, program="A", first_name="مریم", last_name="احمدی",
                applied_on=date(2024, 6, 1), discount_holder=False, household=None):
    """Form 1 through the service, as intake would; returns the application."""
    with new_session(engine) as session:
        return apps.submit_application(
            session, actor,
            IntakeData(
                program=program, county_id=county_id or actor.county_id, channel="in_person",
                national_code=generate_national_code(_codes), first_name=first_name, last_name=last_name, gender="female",
                head_of_household=True if program == "B" else None,
                mobile="09121234567", applied_on=applied_on, discount_holder=discount_holder,
                household=household or HouseholdData(disabled_members=1, severity="mild", marital_status="married",
                                                     dependants=1, insured_years=2),
            ),
        )


def county_id(engine, name: str) -> int:
    with new_session(engine) as session:
        return session.exec(select(County.id).where(County.name == name)).first()


def open_case(actor, application_id) -> object:
    at = app_as(actor).run()
    at.switch_page("pages/case.py")
    at.query_params["id"] = str(application_id)
    return at.run()


def tab(at, label):
    return next(t for t in at.tabs if t.label == label)


def test_case_list_shows_the_areas_cases_in_persian(users, app_db):
    expert = users["county_expert"]
    maryam = submit_case(app_db, expert)
    submit_case(app_db, expert, first_name="علی", last_name="کریمی", applied_on=date(2024, 7, 1))
    submit_case(app_db, users["admin"], county_id=county_id(app_db, "کاشان"), first_name="رضا", last_name="کاشانی")
    at = app_as(expert).run()
    at.switch_page("pages/cases.py").run()
    assert not at.exception
    assert at.title[0].value == "پرونده‌ها"
    table = at.dataframe[0].value
    assert list(table.columns[:4]) == ["کد رهگیری", "متقاضی", "کد ملی", "برنامه"]
    assert list(table["متقاضی"]) == ["علی کریمی", "مریم احمدی"]  # newest first; Kashan is not in the area
    assert table.loc[1, "تاریخ درخواست"] == "۱۴۰۳/۰۳/۱۲"
    assert table.loc[1, "وضعیت"] == "دریافت شده"
    assert table.loc[1, "کد رهگیری"] == maryam.tracking_code
    assert all(ch in "۰۱۲۳۴۵۶۷۸۹" for ch in table.loc[1, "کد ملی"])


def test_filters_narrow_the_list_and_bad_dates_say_why(users, app_db):
    expert = users["county_expert"]
    submit_case(app_db, expert)
    ali = submit_case(app_db, expert, first_name="علی", last_name="کریمی", applied_on=date(2024, 7, 1))
    with new_session(app_db) as session:
        apps.score_application(session, expert, ali.id, need_grade=3)
    at = app_as(expert).run()
    at.switch_page("pages/cases.py").run()
    search = at.text_input[2]
    assert search.label == "جستجو"
    search.input("كريمي")  # typed with Arabic letters
    at.button[0].click().run()
    assert list(at.dataframe[0].value["متقاضی"]) == ["علی کریمی"]
    assert list(at.dataframe[0].value["امتیاز"]) == ["۱۰"]
    at.text_input[2].input("")
    at.selectbox[2].select(State.received)
    at.button[0].click().run()
    assert list(at.dataframe[0].value["متقاضی"]) == ["مریم احمدی"]
    at.selectbox[2].select(None)
    at.text_input(key="cases_date_from").input("۱۴۰۳/۰۴/۰۱")  # from 1403/04/01 (2024-06-21)
    at.button[0].click().run()
    assert list(at.dataframe[0].value["متقاضی"]) == ["علی کریمی"]
    at.text_input(key="cases_date_from").input("1403/13/01")
    at.button[0].click().run()
    assert "ماه باید بین" in at.error[0].value
    assert not at.dataframe


def test_choosing_a_row_links_to_its_case_page(users, app_db):
    expert = users["county_expert"]
    case = submit_case(app_db, expert)
    at = app_as(expert).run()
    at.switch_page("pages/cases.py").run()
    at.session_state["cases_table"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    (link,) = at.get("page_link")
    assert link.proto.page == "case" and link.proto.query_string == f"id={case.id}"
    assert case.tracking_code in link.proto.label


def test_case_page_shows_header_tabs_and_the_timeline(users, app_db):
    expert = users["county_expert"]
    case = submit_case(app_db, expert)
    with new_session(app_db) as session:
        apps.change_state(session, expert, case.id, State.documents_incomplete, note="گواهی پرداخت حق بیمه نرسیده")
        apps.change_state(session, expert, case.id, State.received)
        apps.score_application(session, expert, case.id, need_grade=4)
    at = open_case(expert, case.id)
    assert not at.exception
    assert at.title[0].value == "پرونده"
    assert case.tracking_code in at.subheader[0].value and "مریم احمدی" in at.subheader[0].value
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["وضعیت"] == "امتیازدهی شده" and metrics["امتیاز"] == "۱۱"
    assert [t.label for t in at.tabs] == [
        "فرم ۱", "خانوار و امتیاز", "مدارک", "شرایط", "تصمیم‌ها", "گردش کار", "پیامک‌ها", "سوابق متقاضی"
    ]
    timeline = tab(at, "گردش کار").dataframe[0].value
    assert list(timeline["به وضعیت"]) == ["دریافت شده", "نقص مدارک", "دریافت شده", "امتیازدهی شده"]
    assert list(timeline["از وضعیت"]) == ["—", "دریافت شده", "نقص مدارک", "دریافت شده"]
    assert set(timeline["انجام‌دهنده"]) == {"کارشناس تهران"}
    assert timeline.loc[1, "یادداشت"] == "گواهی پرداخت حق بیمه نرسیده"
    assert timeline.loc[3, "یادداشت"] == "امتیاز ۱۱"
    assert timeline.loc[0, "زمان"].startswith("۱۴")
    card = tab(at, "خانوار و امتیاز").dataframe[1].value
    assert list(card["امتیاز مکتسبه"]) == ["۱", "۱", "۲", "۱", "۲", "۴"]
    sms = [m.value for m in tab(at, "پیامک‌ها").markdown]
    assert len(sms) == 4 and "امتیازدهی شده" in sms[0]  # the newest first
    assert all(case.tracking_code in body for body in sms)
    documents = tab(at, "مدارک").dataframe[0].value
    assert set(documents["وضعیت"]) == {"نرسیده"} and len(documents) == 4


def test_another_countys_case_is_refused_on_the_page(users, app_db):
    other = submit_case(app_db, users["admin"], county_id=county_id(app_db, "کاشان"))
    at = open_case(users["county_expert"], other.id)
    assert not at.exception
    assert "محدوده" in at.error[0].value
    assert not at.tabs and not at.metric


def test_case_page_opens_by_tracking_code(users, app_db):
    expert = users["county_expert"]
    case = submit_case(app_db, expert)
    at = app_as(expert).run()
    at.switch_page("pages/case.py").run()
    assert "پرونده‌ای انتخاب نشده" in at.info[0].value
    at.text_input[0].input(case.tracking_code.lower())
    at.button[0].click().run()
    assert not at.exception
    assert case.tracking_code in at.subheader[0].value
    at.query_params["id"] = "abc"
    at.run()
    assert "درست نیست" in at.error[0].value


def _many_cases(engine, county_name: str, n: int) -> None:
    """``n`` bare cases in one county, inserted directly (the list only reads them)."""
    from db.models import Applicant, Application, Program

    with new_session(engine) as session:
        county = session.exec(select(County).where(County.name == county_name)).first()
        program = session.exec(select(Program).where(Program.code == "A")).one()
        for k in range(n):
            applicant = Applicant(national_code=f"9{k:09d}", first_name="نفر", last_name=f"شماره{k}", county_id=county.id)
            session.add(applicant)
            session.flush()
            session.add(Application(tracking_code=f"P{k:08d}", applicant_id=applicant.id, program_id=program.id,
                                    county_id=county.id, province_id=county.province_id, channel="in_person",
                                    state="received", applied_on=date(2024, 6, 1)))
        session.commit()


def test_a_national_manager_filters_cases_by_province(users, app_db):
    submit_case(app_db, users["county_expert"], first_name="مریم", last_name="تهرانی")
    submit_case(app_db, users["admin"], county_id=county_id(app_db, "کاشان"), first_name="رضا", last_name="کاشانی")
    at = app_as(users["manager"]).run()
    at.switch_page("pages/cases.py").run()
    assert not at.exception
    assert set(at.dataframe[0].value["متقاضی"]) == {"مریم تهرانی", "رضا کاشانی"}
    from db.models import Province

    with new_session(app_db) as session:
        isfahan = session.exec(select(Province.id).where(Province.name == "اصفهان")).one()
    at.selectbox(key="cases_province").set_value(isfahan)
    at.button[0].click().run()
    assert not at.exception
    assert set(at.dataframe[0].value["متقاضی"]) == {"رضا کاشانی"}


def test_the_case_list_pages_beyond_500_rows(users, app_db):
    _many_cases(app_db, "تهران", 501)
    at = app_as(users["manager"]).run()
    at.switch_page("pages/cases.py").run()
    assert not at.exception
    assert len(at.dataframe[0].value) == 500
    assert "صفحه ۱ از ۲" in at.caption[0].value and "۵۰۱ پرونده" in at.caption[0].value
    pager = at.selectbox(key="cases_page")
    assert pager.format_func(2) == "۲"  # the page number in Persian digits
    pager.select(2).run()
    assert not at.exception
    assert len(at.dataframe[0].value) == 1
    assert "ردیف‌های ۵۰۱ تا ۵۰۱" in at.caption[0].value
