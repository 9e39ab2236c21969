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
