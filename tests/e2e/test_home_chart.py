"""The home page's chart of cases by state draws its bars in a real browser (the spec is written by
hand, not by Altair: tests/ui/test_state_chart.py checks it is the same spec); screenshot
``test-artifacts/home-chart-1440.png``."""
from __future__ import annotations

from io import BytesIO

from PIL import Image
from playwright.sync_api import expect

from tests.e2e.conftest import PASSWORD, sign_in


def _prepare(live_db) -> None:
    from sqlmodel import select

    from db.engine import make_engine, new_session
    from db.models import User
    from services.base import SYSTEM
    from services.users import actor_for, create_user
    from tests.pages.test_cases import submit_case

    engine = make_engine(f"sqlite:///{live_db}")
    with new_session(engine) as session:
        if session.exec(select(User).where(User.username == "home.manager")).first() is None:
            create_user(session, SYSTEM, username="home.manager", full_name="مدیر پیشخوان", password=PASSWORD,
                        role="manager")
            expert = actor_for(session.exec(select(User).where(User.username == "expert")).one())
            for program, name in (("A", "مریم"), ("A", "سارا"), ("B", "زهرا")):
                submit_case(engine, expert, program=program, first_name=name)
    engine.dispose()


def _coloured(png: bytes) -> int:
    """Pixels that are neither white-ish nor grey (the bars; labels and axes are dark grey)."""
    data = Image.open(BytesIO(png)).convert("RGB").tobytes()
    pixels = zip(data[0::3], data[1::3], data[2::3])
    return sum(1 for r, g, b in pixels if max(r, g, b) - min(r, g, b) > 60)


def test_the_manager_sees_the_cases_by_state_as_bars(live_app, live_db, page, artifacts_dir):
    _prepare(live_db)
    page.set_viewport_size({"width": 1440, "height": 900})
    sign_in(page, live_app, "home.manager")
    expect(page.get_by_role("heading", name="پرونده‌ها بر پایه وضعیت")).to_be_visible()
    chart = page.locator("[data-testid='stVegaLiteChart']").first
    chart.locator("canvas, svg").first.wait_for()
    page.wait_for_timeout(1000)
    chart.scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts_dir / "home-chart-1440.png"), full_page=True)
    shot = chart.screenshot()
    assert _coloured(shot) > 5000  # the bars are drawn (the legend's two squares are about 200 pixels)
