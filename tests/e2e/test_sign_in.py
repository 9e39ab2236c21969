"""Sign in through a real browser, see the home page, keep a screenshot."""
from __future__ import annotations

from playwright.sync_api import expect

from lib.jalali import local_today
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
    # a fresh server's first run migrates and loads the reference data first: allow for it
    expect(page.get_by_role("heading", name="ورود به سامانه")).to_be_visible(timeout=30_000)
    assert page.get_by_role("heading", name="کاربران").count() == 0
    assert page.get_by_text("admin", exact=True).count() == 0


def test_a_deep_link_survives_the_sign_in(live_app, live_db, page):
    """A committee member opens a case link from a message: sign in, then the case itself."""

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
            applied_on=local_today(), household=HouseholdData(marital_status="single"),
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


def test_a_reload_keeps_the_sign_in_and_signing_out_ends_every_tab(live_app, browser, artifacts_dir):
    """The committee's projector page reloads: still signed in. Signing out in one tab signs the
    other tab out on its next run, with a Persian reason."""
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="fa-IR")
    try:
        first = context.new_page()
        first.set_default_timeout(20_000)
        sign_in(first, live_app, "province")
        expect(first.get_by_role("heading", name="پیشخوان")).to_be_visible(timeout=40_000)
        cookie = next(c for c in context.cookies() if c["name"] == "bimeyar_session")
        assert cookie["sameSite"] == "Strict" and len(cookie["value"]) >= 43
        first.reload()
        expect(first.get_by_role("heading", name="پیشخوان")).to_be_visible()
        assert first.get_by_role("heading", name="ورود به سامانه").count() == 0

        second = context.new_page()  # another tab of the same browser: signed in as well
        second.set_default_timeout(20_000)
        second.goto(live_app)
        expect(second.get_by_role("heading", name="پیشخوان")).to_be_visible()

        first.locator('[data-testid="stSidebarNav"]').get_by_role("link", name="حساب کاربری").click()
        first.get_by_role("button", name="خروج از سامانه").click()
        expect(first.get_by_role("heading", name="ورود به سامانه")).to_be_visible()

        second.locator('[data-testid="stSidebarNav"]').get_by_role("link", name="حساب کاربری").click()
        expect(second.get_by_role("heading", name="ورود به سامانه")).to_be_visible()
        expect(second.get_by_text("نشست شما بسته شده است")).to_be_visible()
        second.screenshot(path=str(artifacts_dir / "signed-out-in-another-tab.png"), full_page=True)
        second.reload()  # the cookie is gone too: the sign-in page, not the home page
        expect(second.get_by_role("heading", name="ورود به سامانه")).to_be_visible()
        assert not [c for c in context.cookies() if c["name"] == "bimeyar_session" and c["value"]]
    finally:
        context.close()
