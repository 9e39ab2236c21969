"""The sessions page's cached reads that :func:`ui.versioned.versioned` cannot key: the agenda's
index (thousands of case ids) is passed unhashed, and the month cap needs no user. Defined here,
once per process: a page's own ``st.cache_data`` functions are wrapped again on every run of the
page (Streamlit reads their source each time to key them). Emptied by ``st.cache_data.clear()``
like every other cached read."""
from __future__ import annotations

from datetime import date

import streamlit as st

from lib.jalali import local_today
from lib.payments import MAX_MONTHS
from services import committee as cm
from services.base import Actor
from services.program_parameters import current_parameters
from ui.context import read


@st.cache_data(max_entries=16, show_spinner=False)
def month_cap(version: int) -> int:
    """Programme A's cap of months in force (programme parameters; the seeds' 60 without one),
    read again after a write (``version``: the data version)."""
    return read(current_parameters, "A").max_months or MAX_MONTHS


@st.cache_data(max_entries=256, show_spinner=False)
def _agenda_page(_session, _actor: Actor, actor_id: int, role: str, session_id: int, day: date, version: int,
                 _index: cm.AgendaIndex, start: int, size: int) -> list[cm.AgendaItem]:
    return cm.agenda_page(_session, _actor, session_id, _index, start, size)


def agenda_page(session, actor: Actor, session_id: int, version: int, index: cm.AgendaIndex, start: int,
                size: int) -> list[cm.AgendaItem]:
    """The ``size`` lines of the agenda from ``start``, read again only after a write anywhere. The
    cache is this user's (id and role in the key): the service checked the user and the area when
    it read the agenda for this version."""
    return _agenda_page(_session=session, _actor=actor, actor_id=actor.id, role=str(actor.role), session_id=session_id,
                        day=local_today(), version=version, _index=index, start=start, size=size)

