"""AppTest fixtures: the app on a fresh SQLite copy, signed in as a user of a given role."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import select
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest

from db.engine import new_session
from db.models import County
from services.base import SYSTEM
from services.users import actor_for, create_user

APP = str(Path(__file__).resolve().parents[2] / "app.py")
PASSWORD = "secret-pass-1"


@pytest.fixture(autouse=True)
def navigation_v2(monkeypatch):
    """Streamlit treats a ``pages/`` folder beside the entry script as the legacy (v1)
    multipage mode until the first ``st.navigation`` call turns it off for the process.
    AppTest resets that flag before every run; we set it as the running server has it."""
    original = PagesManager.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "__init__", init)


@pytest.fixture
def app_db(sqlite_engine, monkeypatch):
    """Point the app at a fresh migrated SQLite database and forget cached engines/data."""
    import streamlit as st

    monkeypatch.setenv("BIMEYAR_DATABASE_URL", str(sqlite_engine.url))
    st.cache_resource.clear()
    st.cache_data.clear()
    yield sqlite_engine
    st.cache_resource.clear()
    st.cache_data.clear()


@pytest.fixture
def users(app_db):
    """One user per role; county roles in شهرستان تهران."""
    with new_session(app_db) as session:
        tehran = session.exec(select(County).where(County.name == "تهران")).first()
        made = {
            "admin": create_user(session, SYSTEM, username="admin", full_name="مدیر سامانه",
                                 password=PASSWORD, role="admin"),
            "county_expert": create_user(session, SYSTEM, username="expert", full_name="کارشناس تهران",
                                         password=PASSWORD, role="county_expert", county_id=tehran.id),
            "manager": create_user(session, SYSTEM, username="manager", full_name="مدیر کل",
                                   password=PASSWORD, role="manager"),
        }
        return {role: actor_for(user) for role, user in made.items()}


def app_as(actor=None, timeout: float = 30) -> AppTest:
    """The app, signed in as ``actor`` the way the sign-in page does it: a server-side session
    (services.sign_in) whose token the tab keeps; the frame checks it on every run."""
    at = AppTest.from_file(APP, default_timeout=timeout)
    if actor is not None:
        from db.engine import make_engine
        from services.sign_in import start_session

        engine = make_engine()  # the app's database (app_db sets BIMEYAR_DATABASE_URL)
        try:
            with new_session(engine) as session:
                token = start_session(session, actor.id)
        finally:
            engine.dispose()
        at.session_state["actor"] = actor
        at.session_state["session_token"] = token
    return at
