"""The introductions page shows each list 100 rows a page (issue 11: a run costs the same in a
county of any size): a county with more cases waiting gets a choice of page, the next page goes
on with the ranks, and the form offers the cases of the page shown."""
from __future__ import annotations

import random
from datetime import timedelta

from db.engine import new_session
from lib.identifiers import generate_national_code
from lib.jalali import jalali_year_of, local_today
from lib.text import to_persian_digits
from lib.workflow import State
from services import applications as apps
from services.applications import HouseholdData, IntakeData
from services.quotas import set_quota
from tests.pages.conftest import app_as
from tests.pages.test_introductions import NAMES, programme_b  # noqa: F401 (the fixture: three women waiting)

PAGE = "pages/introductions.py"
MORE = 100  # with the fixture's three: one page of 100 and a second of 3


def test_a_long_waiting_list_is_shown_a_page_at_a_time(programme_b, app_db):
    with new_session(app_db) as session:
        rng = random.Random(11)
        codes = []  # in the order of the list: each applied a day after the one before, all before the fixture's
        for i in range(MORE):
            case = apps.submit_application(session, programme_b["secretary"], IntakeData(
                program="B", county_id=programme_b["county"], channel="portal", national_code=generate_national_code(rng),
                first_name="مهسا", last_name="کاظمی", gender="female", head_of_household=True,
                mobile="09121234567", applied_on=local_today() - timedelta(days=400 - i), household=HouseholdData(),
            ))
            apps.change_state(session, programme_b["secretary"], case.id, State.county_decision)
            codes.append(case.tracking_code)
        set_quota(session, programme_b["province"], programme_b["county"], jalali_year_of(local_today()), 101)
    codes += [case.tracking_code for case in programme_b["cases"]]

    at = app_as(programme_b["secretary"]).run()
    at.switch_page(PAGE).run()
    assert not at.exception
    assert {m.label: m.value for m in at.metric}["در فهرست انتظار"] == "۱۰۳"
    first = at.dataframe[0].value
    assert list(first["رتبه"]) == [to_persian_digits(r) for r in range(1, 101)]
    assert list(first["کد رهگیری"]) == codes[:100]
    pager = next(s for s in at.selectbox if s.label.startswith("صفحه"))
    assert pager.label == "صفحه (از ۲)" and pager.options == ["۱", "۲"]
    case_choice = next(s for s in at.selectbox if s.label == "پرونده")
    assert len(case_choice.options) == 100

    pager.set_value(2).run()
    assert not at.exception
    second = at.dataframe[0].value
    assert list(second["رتبه"]) == ["۱۰۱", "۱۰۲", "۱۰۳"]
    assert list(second["کد رهگیری"]) == codes[100:]
    assert list(second["در سهمیه امسال"]) == ["بله", "خیر", "خیر"]  # 101 seats, nobody introduced yet
    assert any("ردیف‌های ۱۰۱ تا ۱۰۳ از ۱۰۳" in c.value for c in at.caption)
    case_choice = next(s for s in at.selectbox if s.label == "پرونده")
    assert case_choice.options == [
        f"{to_persian_digits(r)} — {name} کاظمی — {code}" for r, name, code in zip((101, 102, 103), NAMES, codes[100:])
    ]
