"""Layout in the browser, on demo data, at 1440×900 and 1920×1080 (issue 10).

- With the sidebar collapsed (what a presenter does first), nothing of the sidebar — icons, the
  user's name — lies over the page's main column.
- Every table reads right to left: its grid is scrolled to the right end, and on the pages named
  in FIRST_COLUMN the rightmost header is the table's first column (rank, tracking code…).
- A screenshot of every page of every demo role at 1920×1080 is kept in
  ``test-artifacts/screen-<page>-1920x1080.png`` (CI keeps test-artifacts/ as artefacts).

Streamlit's grid draws on a canvas; it keeps an accessible copy of the cells in view, whose
``aria-colindex`` gives each visible header's place from the left.
"""
from __future__ import annotations

import contextlib
import shutil
from urllib.parse import urlparse

import pytest

from db.engine import make_engine, new_session
from tests.e2e.conftest import ROOT, serve
from ui.context import COOKIE_NAME

ARTIFACTS = ROOT / "test-artifacts"
SIZES = [(1440, 900), (1920, 1080)]
ROLES = ["demo.expert", "demo.secretary", "demo.province", "demo.manager", "demo.admin"]
# Pages whose first table's first column is known: it must be the rightmost header in view.
FIRST_COLUMN = {
    "ranking": "رتبه",
    "worksheet": "کد رهگیری",
    "users": "نام کاربری",
    "budgets": "منبع",
    "quotas": "شهرستان",
}

pytestmark = pytest.mark.e2e

OVERLAPS_JS = """() => {
  const main = document.querySelector('[data-testid="stMainBlockContainer"]')
            || document.querySelector('[data-testid="stMain"]');
  const m = main.getBoundingClientRect();
  const side = document.querySelector('[data-testid="stSidebar"]');
  if (!side) { return []; }
  const hits = [];
  for (const el of side.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width < 1 || r.height < 1) { continue; }
    const style = getComputedStyle(el);
    if (style.visibility !== 'visible' || style.display === 'none' || Number(style.opacity) === 0) { continue; }
    if (!(el.textContent || '').trim() && el.tagName !== 'svg' && el.tagName !== 'IMG') { continue; }
    const x = Math.min(r.right, m.right) - Math.max(r.left, m.left);
    const y = Math.min(r.bottom, m.bottom) - Math.max(r.top, m.top);
    if (x > 1 && y > 1) { hits.push(el.tagName + ': ' + (el.textContent || '').trim().slice(0, 40)); }
  }
  return hits;
}"""

GRIDS_JS = """() => [...document.querySelectorAll('[data-testid="stDataFrame"]')].map(g => {
  const s = g.querySelector('.dvn-scroller');
  const heads = [...g.querySelectorAll('[role="columnheader"][aria-colindex]')]
    .map(h => [Number(h.getAttribute('aria-colindex')), h.textContent.trim()]);
  heads.sort((a, b) => a[0] - b[0]);
  return {
    atRightEnd: !s || s.scrollLeft + s.clientWidth >= s.scrollWidth - 2,
    rightmost: heads.length ? heads[heads.length - 1][1] : null,
  };
})"""


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory, sqlite_template, chromium_path):
    from demo import DEMO_PASSWORD, create_demo_users, generate_demo

    path = tmp_path_factory.mktemp("layout") / "demo.db"
    shutil.copy(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    with new_session(engine) as session:
        create_demo_users(session)
    generate_demo(engine, 300, seed=1404)
    engine.dispose()
    with serve(path) as url:
        yield url, DEMO_PASSWORD


@pytest.fixture(scope="module")
def chromium(browser):
    """The session's browser (tests/e2e/conftest.py): Playwright's sync API runs once per process."""
    return browser


@contextlib.contextmanager
def signed_in(chromium, base_url: str, username: str, password: str, size: tuple[int, int]):
    context = chromium.new_context(viewport={"width": size[0], "height": size[1]}, locale="fa-IR")
    page = context.new_page()
    page.set_default_timeout(90_000)
    try:
        page.goto(base_url)
        page.get_by_label("نام کاربری").fill(username)
        page.get_by_label("گذرواژه").fill(password)
        page.get_by_role("button", name="ورود").click()
        page.locator('[data-testid="stSidebarNav"]').wait_for()
        for _ in range(120):  # the walk reloads each page: wait for the sign-in's cookie, written after the run
            if any(c["name"] == COOKIE_NAME for c in context.cookies()):
                break
            page.wait_for_timeout(250)
        yield page
    finally:
        context.close()


def nav_paths(page) -> list[str]:
    """The url paths of the pages in the signed-in user's navigation."""
    hrefs = page.locator('[data-testid="stSidebarNav"] a').evaluate_all("as => as.map(a => a.getAttribute('href'))")
    return [urlparse(h).path.strip("/") for h in hrefs]


def settled(page) -> None:
    """The page has finished its run and its tables are drawn."""
    page.wait_for_function(
        "() => { const app = document.querySelector('[data-testid=\"stApp\"]');"
        " return app && app.getAttribute('data-test-script-state') === 'notRunning'"
        " && !document.querySelector('[data-testid=\"stSkeleton\"]'); }", timeout=90_000)
    page.wait_for_timeout(1500)  # the grids draw and scroll after the run


def collapse_sidebar(page) -> None:
    """Collapse the sidebar (the browser remembers it collapsed from one page to the next)."""
    if page.locator('[data-testid="stSidebar"][data-collapsed="true"]').count():
        return
    if page.locator('[data-testid="stDialog"]').count():  # a page that opens on a dialog
        page.keyboard.press("Escape")
        page.locator('[data-testid="stDialog"]').wait_for(state="detached")
    button = page.locator('[data-testid="stSidebarCollapseButton"] button').first
    for _ in range(5):  # the button shows while the pointer is over the sidebar's header
        page.evaluate("() => { window.scrollTo(0, 0); document.querySelectorAll('*').forEach("
                      "e => { if (e.scrollTop) { e.scrollTop = 0; } }); }")
        page.mouse.move(0, 0)
        with contextlib.suppress(Exception):
            page.locator('[data-testid="stSidebarHeader"]').hover(force=True, timeout=5_000)
            button.click(timeout=5_000)
            break
    else:
        page.screenshot(path=str(ARTIFACTS / "screen-failure.png"))
        raise AssertionError("the sidebar's collapse button did not show")
    page.wait_for_function(
        "() => document.querySelector('[data-testid=\"stSidebar\"]').getAttribute('aria-expanded') === 'false'"
        " || document.querySelector('[data-testid=\"stSidebar\"]').dataset.collapsed === 'true'")
    page.wait_for_timeout(800)


def check_tables(page, name: str) -> None:
    grids = page.evaluate(GRIDS_JS)
    assert all(g["atRightEnd"] for g in grids), (name, grids)
    if name in FIRST_COLUMN and grids:
        assert grids[0]["rightmost"] == FIRST_COLUMN[name], (name, grids)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_collapsed_sidebar_leaves_the_page_alone_and_tables_read_right_to_left(demo_app, chromium, size):
    url, password = demo_app
    ARTIFACTS.mkdir(exist_ok=True)
    seen: set[str] = set()
    for username in ROLES:
        with signed_in(chromium, url, username, password, size) as page:
            for path in nav_paths(page):
                if path in seen or path in ("case", "meeting"):  # a case/meeting needs one picked
                    continue
                seen.add(path)
                page.goto(f"{url}/{path}")
                name = path or "home"
                settled(page)
                check_tables(page, name)
                if size == (1920, 1080):
                    page.screenshot(path=str(ARTIFACTS / f"screen-{name}-1920x1080.png"), full_page=True)
                collapse_sidebar(page)
                assert page.evaluate(OVERLAPS_JS) == [], (name, username)
                if name in FIRST_COLUMN:
                    page.screenshot(path=str(ARTIFACTS / f"screen-{name}-collapsed-{size[0]}x{size[1]}.png"))
    assert {"ranking", "worksheet", "intake", "users", "quotas", "budgets"} <= seen
