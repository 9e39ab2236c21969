"""The engine, the signed-in actor and a safe way for pages to call services.

Sign-in state. ``st.session_state`` holds the actor and the session token for this browser tab;
the database holds the session itself (services.sign_in). ``check_account`` runs once per script
run, from the frame: it checks the token against the database (one indexed query) and signs the
tab out, with the Persian reason, when the session ended. A browser tab that has no actor yet
(a reload, a new tab) resumes from the ``bimeyar_session`` cookie, read through
``st.context.cookies``. Streamlit cannot set a cookie from the server, so the frame writes it with a
small script (``document.cookie``; SameSite=Strict, Secure over https, never HttpOnly): see the
README, «Security».
"""
from __future__ import annotations

import json
import os
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import streamlit as st
from sqlalchemy.engine import Engine

from db import migrate
from db.engine import make_engine, new_session
from db.seed import load_reference_data
from lib.errors import Forbidden, InvalidInput
from services.base import Actor
from ui.fmt import md_escape

if TYPE_CHECKING:
    from services.sign_in import SessionCheck

T = TypeVar("T")
ACTOR_KEY = "actor"
TOKEN_KEY = "session_token"
DEAD_COOKIE_KEY = "dead_session_cookie"  # a cookie of this tab known to name no live session
NOTICE_KEY = "sign_out_notice"  # why the tab was signed out, shown once by the sign-in page
COOKIE_NAME = "bimeyar_session"
TRUST_FORWARDED_ENV = "BIMEYAR_TRUST_FORWARDED"


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


def client_address() -> str | None:
    """The browser's address, for throttling sign-in failures by client.

    Behind the reverse proxy: the last address of ``X-Forwarded-For`` (the one the proxy itself
    saw; addresses a client put before it are ignored). Without a proxy set
    ``BIMEYAR_TRUST_FORWARDED=0`` so that a client cannot choose its own address; then the
    WebSocket's remote address. None when neither is known (Streamlit gives no address for
    localhost): such attempts all count against one shared client key, «unknown»."""
    if os.environ.get(TRUST_FORWARDED_ENV, "1").strip().lower() not in ("0", "false", "no"):
        forwarded = st.context.headers.get("X-Forwarded-For")
        last = forwarded.split(",")[-1].strip() if isinstance(forwarded, str) else ""
        if last:
            return last[:64]
    address = st.context.ip_address
    return address[:64] if isinstance(address, str) and address else None


def browser_cookie() -> str | None:
    """The session cookie the browser sent when this tab connected (``st.context.cookies``)."""
    value = st.context.cookies.get(COOKIE_NAME)
    return value if isinstance(value, str) and value else None


def sign_in(actor: Actor, token: str) -> None:
    st.session_state[ACTOR_KEY] = actor
    st.session_state[TOKEN_KEY] = token
    st.session_state.pop(NOTICE_KEY, None)


def sign_in_with(username: str, password: str) -> Actor | None:
    """Check the credentials (services.users.authenticate), open a server-side session and sign
    this tab in; show the Persian refusal and return None otherwise."""
    from services.sign_in import start_session
    from services.users import authenticate

    client = client_address()
    with new_session(get_engine()) as session:
        try:
            actor = authenticate(session, username, password, client=client)
            token = start_session(session, actor.id, client=client)
        except InvalidInput as exc:
            st.error(md_escape(exc.message), icon="⚠️")  # it may quote what was typed
            return None
    sign_in(actor, token)
    return actor


def renew_session() -> None:
    """A new server-side session for this tab (after its own password change ended them all)."""
    from services.sign_in import start_session

    actor = require_actor()
    with new_session(get_engine()) as session:
        token = start_session(session, actor.id, client=client_address())
    sign_in(actor, token)
    write_session_cookie()


def check_account() -> Actor | None:
    """Once per run (app.py): the signed-in actor as the database has it now, or None.

    A tab signed in earlier is checked against its server-side session (deleted on sign-out,
    deactivation, a password change; idle too long; role or area changed) and signed out with
    the Persian reason otherwise. A tab with no actor resumes from the browser's cookie."""
    from services.sign_in import SESSION_ENDED

    actor, token = st.session_state.get(ACTOR_KEY), st.session_state.get(TOKEN_KEY)
    if actor is None:
        cookie = browser_cookie()
        if cookie is None or cookie == st.session_state.get(DEAD_COOKIE_KEY):
            return None
        result = _check(cookie)
        if result.actor is None:
            st.session_state[DEAD_COOKIE_KEY] = cookie
            st.session_state[NOTICE_KEY] = result.reason
            return None
        sign_in(result.actor, cookie)
        return result.actor
    if token is None:
        reason = SESSION_ENDED
    else:
        result = _check(token, expected=actor)
        if result.actor is not None:
            if result.actor != actor:  # e.g. the full name was corrected
                st.session_state[ACTOR_KEY] = result.actor
            return result.actor
        reason = result.reason
    _forget_everything()
    st.session_state[NOTICE_KEY] = reason
    if token is not None:
        st.session_state[DEAD_COOKIE_KEY] = token
    return None


def write_session_cookie() -> None:
    """Keep the browser's cookie in step with this tab: the token while signed in (renewed on each
    run), expired once the tab's session is known to be over. SameSite=Strict: no other site's
    page can send it; Secure when served over https. JavaScript sets it, so it is not HttpOnly."""
    from services.sign_in import max_age

    token = st.session_state.get(TOKEN_KEY)
    if token is not None:
        value, seconds = token, int(max_age().total_seconds())
    elif st.session_state.get(DEAD_COOKIE_KEY) is not None:
        value, seconds = "", 0
    else:
        return
    cookie = json.dumps(f"{COOKIE_NAME}={value}; Max-Age={seconds}; Path=/; SameSite=Strict")
    st.html(
        f"<script>document.cookie = {cookie} + (location.protocol === 'https:' ? '; Secure' : '');</script>",
        unsafe_allow_javascript=True,
    )


SIGNED_OUT_KEY = "signed_out"
_RUN = threading.local()  # what the frame read with this script run's account check (see _check)


def _check(token: str, expected: Actor | None = None) -> SessionCheck:
    """``check_session`` and, in the same database session (one connection from the pool, one
    check of it), the data version and whether demo data is loaded, kept for this run: the page
    asks for them again (:func:`run_version`, :func:`demo_data`) without another round trip."""
    from services.data_version import data_version
    from services.sign_in import check_session
    from services.users import has_demo_data

    with new_session(get_engine()) as session:
        result = check_session(session, token, expected=expected)
        _RUN.reads = (data_version(session), has_demo_data(session)) if result.actor is not None else None
    return result


def run_version() -> int:
    """The data version read with this run's account check; read anew where the frame did not run
    in this run (a fragment rerunning alone) — services.data_version."""
    from services.data_version import data_version

    reads = getattr(_RUN, "reads", None)
    return reads[0] if reads is not None else read(data_version)


def demo_data() -> bool:
    """Whether the database holds the demo data set (read with this run's account check)."""
    from services.users import has_demo_data

    reads = getattr(_RUN, "reads", None)
    return reads[1] if reads is not None else read(has_demo_data)


def end_run() -> None:
    """The frame's run is over: what it read is not this thread's next run's (a fragment alone)."""
    _RUN.reads = None


def _forget_everything() -> None:
    for key in list(st.session_state.keys()):
        del st.session_state[key]


def sign_out() -> None:
    """End the server-side session (every tab sharing it is signed out on its next run) and forget
    everything of this tab; the next sign-in starts at home, not where this one ended."""
    from services.sign_in import end_session

    token = st.session_state.get(TOKEN_KEY)
    if token is not None:
        with new_session(get_engine()) as session:
            end_session(session, token)
    _forget_everything()
    st.session_state[SIGNED_OUT_KEY] = True
    if token is not None:
        st.session_state[DEAD_COOKIE_KEY] = token


def read(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run a read-only service with a fresh session."""
    with new_session(get_engine()) as session:
        return fn(session, *args, **kwargs)


def act(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T | None:
    """Run a write service as the signed-in user; show its Persian message on refusal.

    Returns the service's result, or None when the input was refused (nothing was written:
    services commit once, at the end). After a write the rest of the run reads the data version
    anew (:func:`run_version`): what the page shows under its form, read once per version, then
    includes what was just written instead of the version read before it.
    """
    actor = require_actor()
    with new_session(get_engine()) as session:
        try:
            result = fn(session, actor, *args, **kwargs)
        except (InvalidInput, Forbidden) as exc:
            session.rollback()
            st.error(md_escape(exc.message), icon="⚠️")  # it may quote what was typed
            return None
    _RUN.reads = None  # a write (or a dry run: one more primary-key read) makes this run's reads stale
    return result
