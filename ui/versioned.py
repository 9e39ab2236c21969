"""Reads a page repeats on every rerun, answered from a cache until the next write.

A Streamlit page runs from the top on every click; what it reads does not change between two
writes. :func:`versioned` runs a read service as the signed-in user once per data version (the
newest audit id, read from the database: right across app servers, see services.data_version)
and answers the same call from ``st.cache_data`` until a write anywhere raises the version, or
the day changes. The key holds the user (id and role) and the arguments, so one user never sees
another's answer: the service's own permission and area checks ran for that user and version.
A refusal (``InvalidInput``/``Forbidden``) is shown as :func:`ui.context.act` shows it, and not
cached. The page reads the version once per run (:func:`current_version`) and passes it on: the
frame read it with the account check, in the same database round (ui.context.run_version).
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar

import streamlit as st

from db.engine import new_session
from lib.errors import Forbidden, InvalidInput
from lib.jalali import local_today
from services.base import Actor
from ui.context import get_engine, require_actor, run_version
from ui.fmt import md_escape

T = TypeVar("T")


def current_version() -> int:
    """The data version now: as the frame read it with this run's account check; a fragment that
    reruns alone reads it again (one primary-key lookup)."""
    return run_version()


@st.cache_data(max_entries=1024, show_spinner=False)
def _cached(_fn: Callable[..., Any], name: str, _actor: Actor, actor_id: int, role: str, args: tuple, kwargs: tuple,
            day: date, version: int) -> Any:
    with new_session(get_engine()) as session:
        return _fn(session, _actor, *args, **dict(kwargs))


def versioned(fn: Callable[..., T], version: int, *args: Any, **kwargs: Any) -> T | None:
    """``fn(session, actor, *args, **kwargs)`` as the signed-in user, read once per ``version``
    (and day); None, with the Persian message shown, when the service refuses."""
    actor = require_actor()
    try:
        # by keyword: Streamlit names a positional argument by reading the signature again, each time
        return _cached(_fn=fn, name=f"{fn.__module__}.{fn.__qualname__}", _actor=actor, actor_id=actor.id,
                       role=str(actor.role), args=args, kwargs=tuple(sorted(kwargs.items())), day=local_today(),
                       version=version)
    except (InvalidInput, Forbidden) as exc:
        st.error(md_escape(exc.message), icon="⚠️")  # it may quote what was typed
        return None
