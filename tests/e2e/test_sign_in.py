"""Sign in through a real browser, see the home page, keep a screenshot."""
from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.conftest import sign_in


def test_sign_in_opens_home_and_keeps_a_screenshot(live_app, page, artifacts_dir):
    sign_in(page, live_app, "expert")
    expect(page.get_by_role("heading", name="پیشخوان")).to_be_visible()
    expect(page.get_by_text("شهرستان تهران، استان تهران")).to_be_visible()
    # the document reads right to left in the self-hosted font
    assert page.evaluate("getComputedStyle(document.querySelector('.stApp')).direction") == "rtl"
    page.screenshot(path=str(artifacts_dir / "home-county-expert.png"), full_page=True)


def test_wrong_password_shows_a_persian_message(live_app, page):
    sign_in(page, live_app, "expert", "not-the-password")
    expect(page.get_by_text("نام کاربری یا گذرواژه نادرست است")).to_be_visible()


def test_a_page_opened_by_url_before_sign_in_shows_nothing_of_it(fresh_app, page):
    """Even as the server's very first request (Streamlit's legacy pages/ mode is still on)."""
    page.goto(f"{fresh_app}/users")
    expect(page.get_by_role("heading", name="ورود به سامانه")).to_be_visible()
    assert page.get_by_role("heading", name="کاربران").count() == 0
    assert page.get_by_text("admin", exact=True).count() == 0


def test_a_deep_link_survives_the_sign_in(live_app, live_db, page):
    """A committee member opens a case link from a message: sign in, then the case itself."""
    from datetime import date

    from sqlmodel import select

    from db.engine import make_engine, new_session
    from db.models import User
    from lib.identifiers import generate_national_code
    from services.applications import HouseholdData, IntakeData, submit_application
    from services.users import actor_for
    import random

    engine = make_engine(f"sqlite:///{live_db}")
    with new_session(engine) as session:
        expert = actor_for(session.exec(select(User).where(User.username == "expert")).one())
        case = submit_application(session, expert, IntakeData(
            program="A", county_id=expert.county_id, channel="in_person",
            national_code=generate_national_code(random.Random(7)), first_name="زهره", last_name="پیوندی", gender="female",
            applied_on=date.today(), household=HouseholdData(marital_status="single"),
        ))
    engine.dispose()
    page.goto(f"{live_app}/case?id={case.id}")
    expect(page.get_by_role("heading", name="ورود به سامانه")).to_be_visible()
    page.get_by_label("نام کاربری").fill("expert")
    page.get_by_label("گذرواژه").fill("secret-pass-1")
    page.get_by_role("button", name="ورود").click()
    expect(page.get_by_role("heading", name="پرونده", exact=True)).to_be_visible()
    expect(page.get_by_text("زهره پیوندی").first).to_be_visible()
    assert f"id={case.id}" in page.url


def test_after_signing_out_the_next_person_starts_at_home(live_app, page):
    sign_in(page, live_app, "expert")
    expect(page.get_by_role("heading", name="پیشخوان")).to_be_visible()
    page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name="حساب کاربری").click()
    page.get_by_role("button", name="خروج از سامانه").click()
    expect(page.get_by_role("heading", name="ورود به سامانه")).to_be_visible()
    page.get_by_label("نام کاربری").fill("secretary")
    page.get_by_label("گذرواژه").fill("secret-pass-1")
    page.get_by_role("button", name="ورود").click()
    expect(page.get_by_role("heading", name="پیشخوان")).to_be_visible()
