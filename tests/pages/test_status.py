"""The applicant's status page (پیگیری درخواست) through AppTest: open without sign-in, Persian
digits, a wrong pair answered like a missing one, and no other page reachable from it."""
from __future__ import annotations

from sqlmodel import select

from db.engine import new_session
from db.models import County
from lib.identifiers import generate_national_code
from services.applications import HouseholdData, IntakeData, submit_application
from tests.pages.conftest import app_as
from ui.nav import PAGES, STATUS_PATH


def _case(app_db, users):
    import random

    national = generate_national_code(random.Random(7))
    with new_session(app_db) as session:
        tehran = session.exec(select(County).where(County.name == "تهران")).first()
        case = submit_application(session, users["county_expert"], IntakeData(
            program="B", county_id=tehran.id, channel="in_person", national_code=national,
            first_name="زهرا", last_name="کریمی", gender="female", head_of_household=True,
            mobile="09121234567", covering_domain="relief", target_group="female_head",
            household=HouseholdData()))
        return case.tracking_code, national


def _status_page():
    at = app_as().run()
    at.switch_page(STATUS_PATH).run()
    assert not at.exception
    assert at.title[0].value == "پیگیری درخواست"
    return at


def _look_up(at, tracking, national):
    at.text_input(key="status_tracking").input(tracking)
    at.text_input(key="status_national").input(national)
    at.button(key="FormSubmitter:status-پیگیری").click()
    return at.run()


def test_the_pair_shows_the_stage_and_date_in_persian_digits(users, app_db):
    tracking, national = _case(app_db, users)
    at = _look_up(_status_page(), tracking.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")), national)
    assert not at.exception and not at.error
    assert at.metric[0].value == "دریافت شده"
    since = at.metric[1].value
    assert since and not any(ch.isascii() and ch.isdigit() for ch in since)
    assert "کاری لازم نیست" in at.info[0].value
    page_text = " ".join(str(e.value) for e in (*at.metric, *at.info))
    assert "زهرا" not in page_text and "کریمی" not in page_text


def test_a_wrong_pair_reads_like_a_missing_one(users, app_db):
    tracking, national = _case(app_db, users)
    other = generate_national_code(__import__("random").Random(8))
    wrong = _look_up(_status_page(), tracking, other)
    missing = _look_up(_status_page(), "B0399999999", other)
    assert wrong.warning[0].value == missing.warning[0].value
    assert not wrong.metric and not missing.metric


def test_no_other_page_is_reachable_from_it(users):
    at = _status_page()
    assert not at.sidebar.button and not at.sidebar.markdown  # no navigation in the sidebar
    links = at.get("page_link")
    assert [link.proto.label for link in links] == ["ورود کارکنان به سامانه"]  # only back to the sign-in
    for spec in (s for s in PAGES if not s.default and s.path in {  # deep links end on the sign-in
        "pages/cases.py", "pages/case.py", "pages/users.py", "pages/payments.py", "pages/audit.py"}):
        at = app_as().run()
        at.switch_page(STATUS_PATH).run()
        at.switch_page(spec.path).run()
        assert not at.exception
        assert at.title[0].value == "بیمه‌یار", spec.path
