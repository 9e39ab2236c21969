"""Browser tests: the real app served by Streamlit, driven by Playwright in Debian's Chromium.

Chromium comes from Debian's ``chromium`` package (``.ci/run`` installs it); Playwright's own
browser download is not used. Outside CI a missing Chromium skips these tests, saying why;
with ``CI=true`` it is a failure.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest
from sqlmodel import select

from db.engine import make_engine, new_session
from db.models import County
from services.base import SYSTEM
from services.users import create_user

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("BIMEYAR_CHROMIUM", "/usr/bin/chromium")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
PASSWORD = "secret-pass-1"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]

pytestmark = pytest.mark.e2e


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if not Path(CHROMIUM).exists():
        reason = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
        if IN_CI:
            pytest.fail(f"CI=true requires the browser: {reason}")
        pytest.skip(reason)
    return CHROMIUM


@pytest.fixture(scope="session")
def live_db(tmp_path_factory, sqlite_template) -> Path:
    path = tmp_path_factory.mktemp("e2e") / "e2e.db"
    shutil.copy(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    with new_session(engine) as session:
        tehran = session.exec(select(County).where(County.name == "تهران")).first()
        create_user(session, SYSTEM, username="admin", full_name="مدیر سامانه", password=PASSWORD, role="admin")
        create_user(session, SYSTEM, username="expert", full_name="کارشناس تهران", password=PASSWORD,
                    role="county_expert", county_id=tehran.id)
        create_user(session, SYSTEM, username="secretary", full_name="دبیر کمیته تهران", password=PASSWORD,
                    role="committee_secretary", county_id=tehran.id)
        create_user(session, SYSTEM, username="province", full_name="کمیته استان تهران", password=PASSWORD,
                    role="province_committee", province_id=tehran.province_id)
    engine.dispose()
    return path


@contextlib.contextmanager
def serve(db_path: Path):
    """Run ``python app.py`` (warm-up, then ``streamlit run``) on a free port against the SQLite file ``db_path``; yield its base URL."""
    with serve_url(f"sqlite:///{db_path}", db_path.parent) as url:
        yield url


@contextlib.contextmanager
def serve_url(database_url: str, log_dir: Path | None = None):
    """Run ``python app.py`` (warm-up, then ``streamlit run``) on a free port against ``database_url``; yield its base URL."""
    port = _free_port()
    env = {**os.environ, "BIMEYAR_DATABASE_URL": database_url}
    log_dir = log_dir or Path(tempfile.mkdtemp(prefix="bimeyar-e2e-"))
    log_path = log_dir / f"streamlit-{port}.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [sys.executable, str(ROOT / "app.py"), "--server.port", str(port),  # as make run and systemd start it
             "--server.address", "127.0.0.1", "--server.headless", "true"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
        try:
            url = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 60
            while True:
                try:
                    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
                        if resp.status == 200:
                            break
                except OSError:
                    if time.monotonic() > deadline or proc.poll() is not None:
                        pytest.fail(f"the app did not start; see {log_path}")
                    time.sleep(0.3)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:  # pragma: no cover
                proc.kill()


@pytest.fixture(scope="session")
def live_app(live_db, chromium_path):
    """The app, one server for the whole browser session."""
    with serve(live_db) as url:
        yield url


@pytest.fixture
def fresh_app(live_db, chromium_path):
    """A server of its own, whose first script run is the test's first request."""
    with serve(live_db) as url:
        yield url


@pytest.fixture(scope="session")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="fa-IR")
    page = context.new_page()
    page.set_default_timeout(20_000)
    # Assertions wait as long as actions: a 2-core CI machine running the suite can take several
    # seconds for a Streamlit rerun (Playwright's default for expect is 5 s).
    from playwright.sync_api import expect

    expect.set_options(timeout=20_000)
    yield page
    context.close()


def sign_in(page, base_url: str, username: str, password: str = PASSWORD) -> None:
    page.goto(base_url)
    page.get_by_label("نام کاربری").fill(username)
    page.get_by_label("گذرواژه").fill(password)
    page.get_by_role("button", name="ورود").click()
