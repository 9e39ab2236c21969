"""The engine, the signed-in actor and a safe way for pages to call services."""
from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import streamlit as st
from sqlalchemy.engine import Engine

from db import migrate
from db.engine import make_engine, new_session
from db.seed import load_reference_data
from lib.errors import Forbidden, InvalidInput
from services.base import Actor

T = TypeVar("T")
ACTOR_KEY = "actor"


@st.cache_resource(show_spinner=False)
def get_engine() -> Engine:
    """One engine per process; the schema is brought to head and reference data loaded."""
    engine = make_engine()
    migrate.upgrade(engine)
    with new_session(engine) as session:
        load_reference_data(session)
    return engine


def current_actor() -> Actor | None:
    return st.session_state.get(ACTOR_KEY)


def require_actor() -> Actor:
    """The signed-in user; without one, back to the frame (app.py), which shows the sign-in.

    Navigation never offers a page before sign-in, but Streamlit runs a file of ``pages/``
    directly when it is the first request a fresh server gets (its legacy multipage mode is
    on until the first ``st.navigation`` call); this sends such a request to the frame."""
    actor = current_actor()
    if actor is None:
        from ui.nav import AFTER_LOGIN_KEY

        caller = Path(sys._getframe(1).f_code.co_filename)
        st.session_state[AFTER_LOGIN_KEY] = (caller.stem, dict(st.query_params))  # continue here after sign-in
        st.switch_page("app.py")
    return actor


def sign_in(actor: Actor) -> None:
    st.session_state[ACTOR_KEY] = actor


def sign_in_with(username: str, password: str) -> Actor | None:
    """Check the credentials (services.users.authenticate) and sign in; show the Persian
    refusal and return None otherwise."""
    from services.users import authenticate

    with new_session(get_engine()) as session:
        try:
            actor = authenticate(session, username, password)
        except InvalidInput as exc:
            st.error(exc.message, icon="⚠️")
            return None
    sign_in(actor)
    return actor


SIGNED_OUT_KEY = "signed_out"


def sign_out() -> None:
    """Forget everything of the session; the next sign-in starts at home, not where this one ended."""
    for key in list(st.session_state.keys()):
        del st.session_state[key]
    st.session_state[SIGNED_OUT_KEY] = True


def read(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run a read-only service with a fresh session."""
    with new_session(get_engine()) as session:
        return fn(session, *args, **kwargs)


def act(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T | None:
    """Run a write service as the signed-in user; show its Persian message on refusal.

    Returns the service's result, or None when the input was refused (nothing was written:
    services commit once, at the end).
    """
    actor = require_actor()
    with new_session(get_engine()) as session:
        try:
            return fn(session, actor, *args, **kwargs)
        except (InvalidInput, Forbidden) as exc:
            session.rollback()
            st.error(exc.message, icon="⚠️")
            return None
