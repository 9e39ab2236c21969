"""The audit page (رویدادنگار) through AppTest: a readable Persian table — who by full name, when in
Jalali with Persian digits, what as a Persian label, the case by tracking code, the changes by
field label — filtered by user, action, case and dates; a provincial manager sees her province."""
from __future__ import annotations

import re

import pytest
from sqlmodel import select

from lib.jalali import local_today
from db.engine import new_session
from db.models import County
from services import applications as apps
from services.applications import HouseholdData, IntakeData
from services.base import SYSTEM
from services.users import actor_for, create_user
from tests.pages.conftest import PASSWORD, app_as

PAGE = "pages/audit.py"
LATIN_DIGIT = re.compile(r"[0-9]")


def _intake(county_id: int, code: str) -> IntakeData:
    from datetime import date

    return IntakeData(
        program="A", county_id=county_id, channel="in_person", national_code=code, first_name="مریم",
        last_name="احمدی", gender="female", father_name="علی", mobile="09121234567",
        covering_domain="rehabilitation", target_group="disabled", job_field="خیاطی", applied_on=date(2024, 6, 1),
        household=HouseholdData(disabled_members=1, severity="severe", marital_status="married", dependants=2),
    )


@pytest.fixture
def world(app_db):
    from lib.identifiers import generate_national_code
    import random

    rng = random.Random(7)
    with new_session(app_db) as session:
        tehran = session.exec(select(County).where(County.name == "تهران")).first()
        kashan = session.exec(select(County).where(County.name == "کاشان")).first()
        made = {}
        for key, county in (("tehran", tehran), ("kashan", kashan)):
            expert = actor_for(create_user(session, SYSTEM, username=f"expert.{key}", full_name=f"کارشناس {county.name}",
                                           password=PASSWORD, role="county_expert", county_id=county.id,
                                           province_id=county.province_id))
            case = apps.submit_application(session, expert, _intake(county.id, generate_national_code(rng)))
            apps.change_state(session, expert, case.id, "documents_incomplete")
            made[key] = (expert, case)
        manager = actor_for(create_user(session, SYSTEM, username="manager.tehran", full_name="مدیر کل تهران",
                                        password=PASSWORD, role="manager", province_id=tehran.province_id))
        national = actor_for(create_user(session, SYSTEM, username="manager.national", full_name="مدیر ستاد",
                                         password=PASSWORD, role="manager"))
    return {**made, "manager": manager, "national": national}


def _open(actor):
    at = app_as(actor).run()
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def test_the_table_reads_in_persian(world):
    at = _open(world["national"])
    frame = at.dataframe[0].value
    expert, case = world["tehran"]
    row = frame[frame["کار"] == "تغییر وضعیت پرونده"].iloc[-1]
    assert row["کاربر"] == expert.full_name  # not "user 4"
    assert not LATIN_DIGIT.search(row["زمان"]) and re.match(r"^۱۴\d\d/\d\d/\d\d \d\d:\d\d$".replace(r"\d", "[۰-۹]"), row["زمان"])
    assert row["پرونده"].endswith("#" + case.tracking_code) and row["پرونده"].startswith(f"/case?id={case.id}")
    assert "وضعیت:" in row["تغییرات"] and "←" in row["تغییرات"]
    assert "state" not in row["تغییرات"] and "{" not in row["تغییرات"]
    assert set(frame["کار"]) >= {"ثبت متقاضی", "ثبت درخواست (پرونده)", "ساخت حساب کاربری"}
    assert not any(re.fullmatch(r"[a-z_.]+", v) for v in frame["کار"])


def test_a_provincial_manager_reads_her_province_only(world):
    """Today the page was for national users only."""
    at = _open(world["manager"])
    frame = at.dataframe[0].value
    tehran_case, kashan_case = world["tehran"][1], world["kashan"][1]
    codes = {v.rsplit("#", 1)[1] for v in frame["پرونده"].dropna()}
    assert codes == {tehran_case.tracking_code}
    assert world["kashan"][0].full_name not in set(frame["کاربر"])
    everything = _open(world["national"]).dataframe[0].value
    assert {v.rsplit("#", 1)[1] for v in everything["پرونده"].dropna()} == {tehran_case.tracking_code, kashan_case.tracking_code}


def test_filters_by_case_action_and_user(world):
    at = _open(world["national"])
    expert, case = world["kashan"]
    at.text_input(key="audit_case").input(case.tracking_code.lower()).run()
    frame = at.dataframe[0].value
    assert set(frame["پرونده"]) == {f"/case?id={case.id}#{case.tracking_code}"} and len(frame) == 2
    at.text_input(key="audit_case").input("").run()
    at.selectbox[1].select("application.state").run()
    assert set(at.dataframe[0].value["کار"]) == {"تغییر وضعیت پرونده"} and len(at.dataframe[0].value) == 2
    at.selectbox[0].select(expert.id).run()
    assert len(at.dataframe[0].value) == 1
    at.text_input(key="audit_case").input("ZZ99").run()
    assert at.error and "پیدا نشد" in at.error[0].value


def test_choosing_a_row_shows_each_field_before_and_after(world):
    at = _open(world["national"])
    frame = at.dataframe[0].value
    index = int(frame.index[frame["کار"] == "تغییر وضعیت پرونده"][0])
    at.session_state["audit_table"] = {"selection": {"rows": [index], "columns": [], "cells": []}}
    at.run()
    assert not at.exception
    detail = at.dataframe[1].value
    assert list(detail.columns) == ["ویژگی", "پیش از", "پس از"]
    state = detail[detail["ویژگی"] == "وضعیت"].iloc[0]
    assert state["پیش از"] != state["پس از"] and not re.search(r"[a-z]", state["پس از"])


def test_filters_by_jalali_dates(world):
    from datetime import date, timedelta

    from lib.jalali import format_jalali

    at = _open(world["national"])
    today = local_today()
    at.text_input(key="audit_since").input(format_jalali(today - timedelta(days=1))).run()
    at.text_input(key="audit_until").input(format_jalali(today + timedelta(days=1))).run()
    assert not at.exception and len(at.dataframe[0].value) >= 6
    at.text_input(key="audit_since").input(format_jalali(today + timedelta(days=2))).run()
    assert at.error and "«از»" in at.error[0].value  # from after until: said, nothing listed
    at.text_input(key="audit_until").input(format_jalali(today + timedelta(days=3))).run()
    assert not at.dataframe and "رویدادی" in at.info[0].value
