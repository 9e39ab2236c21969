"""A national manager opens the monitoring screen in a real browser and drills down: the country's
provinces, then Tehran's counties, then a county's cases; screenshots at two screen sizes."""
from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.conftest import PASSWORD, sign_in


def _prepare(live_db) -> None:
    from sqlmodel import select

    from db.engine import make_engine, new_session
    from db.models import County, Program, Quota, User
    from lib.jalali import current_year_month
    from services.base import SYSTEM
    from services.users import create_user

    engine = make_engine(f"sqlite:///{live_db}")
    with new_session(engine) as session:
        if session.exec(select(User).where(User.username == "monitor")).first() is None:
            create_user(session, SYSTEM, username="monitor", full_name="مدیر کل کشور", password=PASSWORD, role="manager")
            tehran = session.exec(select(County).where(County.name == "تهران")).first()
            b = session.exec(select(Program).where(Program.code == "B")).one()
            session.add(Quota(program_id=b.id, province_id=tehran.province_id, county_id=tehran.id,
                              jalali_year=current_year_month().year, slots=10))
            session.commit()
    engine.dispose()


def _settled(page) -> None:
    """The table and the chart are drawn (not their placeholders) before a screenshot."""
    expect(page.get_by_text("نزدیک‌ترین به سقف")).to_be_visible()
    expect(page.locator("[data-testid='stDataFrame']").first).to_be_visible()
    page.locator("[data-testid='stVegaLiteChart'], [data-testid='stAlert']").first.wait_for()
    page.wait_for_timeout(1000)


def _choose(page, label: str, option: str, shows) -> None:
    """Pick ``option`` in a selectbox until ``shows`` appears. On a loaded 2-core CI machine a click
    on the open list can be lost while Streamlit is still redrawing the page (the list stays open):
    choosing the same option again is harmless, so it is tried up to three times."""
    for _ in range(3):
        expect(page.get_by_test_id("stApp")).to_have_attribute("data-test-script-state", "notRunning")
        page.get_by_label(label).click()
        page.get_by_role("option", name=option, exact=True).click()
        try:
            expect(shows).to_be_visible(timeout=10_000)
            return
        except AssertionError:
            page.keyboard.press("Escape")
    expect(shows).to_be_visible()


def test_a_manager_drills_down_from_the_country_to_a_countys_cases(live_app, live_db, page, artifacts_dir):
    _prepare(live_db)
    page.set_viewport_size({"width": 1440, "height": 900})
    sign_in(page, live_app, "monitor")
    expect(page.get_by_role("heading", name="پیشخوان")).to_be_visible()
    page.goto(f"{live_app}/monitoring")
    expect(page.get_by_role("heading", name="پایش سهمیه و اعتبار")).to_be_visible()
    expect(page.get_by_text("کل کشور —")).to_be_visible()
    _settled(page)
    page.screenshot(path=str(artifacts_dir / "monitoring-national-1440.png"), full_page=True)

    # a click on a row narrows to that province: Tehran, the only one with a quota, sorts first
    grid = page.locator("[data-testid='stDataFrame']").first.bounding_box()
    page.mouse.click(grid["x"] + 16, grid["y"] + 36 + 18)  # the first data row's selection cell
    expect(page.get_by_text("استان تهران —")).to_be_visible()
    page.get_by_role("button", name="بازگشت به کل کشور").click()
    expect(page.get_by_text("کل کشور —")).to_be_visible()
    _settled(page)

    _choose(page, "نمایش جزئیات استان", "تهران", page.get_by_text("استان تهران —"))
    assert "province=" in page.url
    page.set_viewport_size({"width": 1920, "height": 1080})
    _settled(page)
    page.screenshot(path=str(artifacts_dir / "monitoring-province-1920.png"), full_page=True)

    _choose(page, "نمایش جزئیات شهرستان", "تهران", page.get_by_role("heading", name="پرونده‌های شهرستان"))
    page.get_by_role("button", name="بازگشت به شهرستان‌های استان").click()
    expect(page.get_by_text("استان تهران —")).to_be_visible()
    page.get_by_role("button", name="بازگشت به کل کشور").click()
    expect(page.get_by_text("کل کشور —")).to_be_visible()


def test_the_trend_tab_and_the_budget_request_render(live_app, live_db, page, artifacts_dir):
    _prepare(live_db)
    page.set_viewport_size({"width": 1440, "height": 900})
    sign_in(page, live_app, "monitor")
    expect(page.get_by_role("heading", name="پیشخوان")).to_be_visible()
    page.goto(f"{live_app}/monitoring")
    _settled(page)
    page.get_by_role("tab", name="روند ماهانه و پیش‌بینی").click()
    page.wait_for_timeout(800)
    page.screenshot(path=str(artifacts_dir / "monitoring-trend-1440.png"), full_page=True)
    page.goto(f"{live_app}/budget_request")
    expect(page.get_by_role("heading", name="برآورد اعتبار سال آینده")).to_be_visible()
    expect(page.get_by_text("فرض‌های برآورد")).to_be_visible()
    expect(page.get_by_role("button", name="دریافت PDF برآورد")).to_be_visible()
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.wait_for_timeout(800)
    page.screenshot(path=str(artifacts_dir / "budget-request-1920.png"), full_page=True)
