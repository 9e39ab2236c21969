"""The meeting mode on a projector, in a real browser: a committee secretary opens it at
1920×1080 (and 1440×900), the sidebar is gone, the decision buttons are on screen without
scrolling, a decision recorded with the keyboard moves the view to the next case.

Screenshots are kept in ``test-artifacts/meeting-*.png``. The test runs its own server on its own
database, so the agenda holds exactly the cases it made (other browser tests share ``live_db``)."""
from __future__ import annotations

import shutil
from datetime import date

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import select

from db.engine import make_engine, new_session
from db.models import Application, County
from services import committee as cm
from services.base import SYSTEM
from services.users import actor_for, create_user
from tests.e2e.conftest import PASSWORD, serve, sign_in
from tests.pages.test_sessions import QUORUM, scored_cases

NAMES = ["مریم", "سارا", "لیلا"]


@pytest.fixture(scope="module")
def meeting_app(tmp_path_factory, sqlite_template, chromium_path):
    path = tmp_path_factory.mktemp("meeting") / "meeting.db"
    shutil.copy(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    with new_session(engine) as session:
        tehran = session.exec(select(County).where(County.name == "تهران")).first()
        expert = actor_for(create_user(session, SYSTEM, username="expert", full_name="کارشناس تهران",
                                       password=PASSWORD, role="county_expert", county_id=tehran.id))
        secretary = actor_for(create_user(session, SYSTEM, username="secretary", full_name="دبیر کمیته تهران",
                                          password=PASSWORD, role="committee_secretary", county_id=tehran.id))
    cases = scored_cases(engine, expert, NAMES)
    with new_session(engine) as session:
        cs = cm.create_session(session, secretary, program="A", held_on=date(2024, 7, 1), number="5", members=QUORUM)
    with serve(path) as url:
        yield {"url": url, "engine": engine, "session": cs.id, "cases": cases}
    engine.dispose()


def settled(page: Page) -> None:
    expect(page.get_by_test_id("stApp")).to_have_attribute("data-test-script-state", "notRunning")


def within_viewport(page: Page, name: str) -> None:
    """The button is fully on screen at the page's scroll position 0."""
    box = page.get_by_role("button", name=name).first.bounding_box()
    size = page.viewport_size
    assert box is not None, name
    assert box["y"] >= 0 and box["y"] + box["height"] <= size["height"], (name, box, size)
    assert box["x"] >= 0 and box["x"] + box["width"] <= size["width"], (name, box, size)


def open_meeting(browser, app: dict, width: int, height: int) -> Page:
    context = browser.new_context(viewport={"width": width, "height": height}, locale="fa-IR")
    page = context.new_page()
    page.set_default_timeout(60_000)  # a shared 2-core machine can take long for one run
    expect.set_options(timeout=60_000)
    page.goto(app["url"])
    expect(page.get_by_label("نام کاربری")).to_be_visible()
    sign_in(page, app["url"], "secretary")
    expect(page.get_by_role("heading", name="پیشخوان")).to_be_visible()
    page.goto(f"{app['url']}/meeting?session={app['session']}")
    expect(page.locator(".bm-meet-name")).to_have_text("مریم احمدی")
    settled(page)
    return page


@pytest.mark.parametrize("width,height", [(1440, 900), (1920, 1080)])  # the larger one decides, last
def test_the_meeting_mode_fits_the_screen_and_advances(meeting_app, browser, artifacts_dir, width, height):
    page = open_meeting(browser, meeting_app, width, height)
    try:
        expect(page.get_by_test_id("stSidebar")).to_be_hidden()
        assert page.evaluate("window.scrollY") == 0
        for name in ("تأیید", "رد", "تعویق"):
            within_viewport(page, name)
        name_px = float(page.locator(".bm-meet-name").evaluate("e => getComputedStyle(e).fontSize").rstrip("px"))
        assert name_px >= 2 * 2.5 * 16  # twice the former 2.5rem
        page.screenshot(path=str(artifacts_dir / f"meeting-{width}.png"))
        if width != 1920:
            return

        first = meeting_app["cases"][0]
        page.get_by_label("نرخ قرارداد").click()
        page.get_by_role("option", name="۱۸٪ (بازنشستگی، از کارافتادگی و فوت)").click()
        expect(page.locator(".bm-meet-offer")).to_contain_text("ماهانه")
        settled(page)
        page.evaluate("document.activeElement && document.activeElement.blur()")  # keys typed in a box do not decide
        page.keyboard.press("1")  # approve: the confirmation opens
        dialog = page.get_by_role("dialog")
        expect(dialog).to_contain_text("مریم احمدی")
        expect(dialog.get_by_role("button", name="ثبت «تأیید»")).to_be_visible()
        settled(page)
        page.screenshot(path=str(artifacts_dir / "meeting-1920-confirm.png"))
        dialog.get_by_role("button", name="ثبت «تأیید»").click()
        expect(page.locator(".bm-meet-name")).to_have_text("سارا احمدی")
        expect(page.locator(".bm-meet-tally")).to_contain_text("تأیید ۱")
        settled(page)
        page.screenshot(path=str(artifacts_dir / "meeting-1920-advanced.png"))
        with new_session(meeting_app["engine"]) as session:
            assert session.get(Application, first).state == "county_decision"
    finally:
        page.context.close()
