"""How often the committee pages go to the database (issue 11: on PostgreSQL each connection taken
from the pool costs a ping and a rollback besides its statements). A rerun with nothing written
takes one connection — the frame's account check, which reads the data version and the demo flag
with it — and the same page and cases are shown; a step of the meeting view takes one more."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import date

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.pool import Pool

from db.engine import new_session
from services import committee as cm
from tests.pages.test_meeting import meeting, open_view, shown  # noqa: F401  (meeting: a fixture)
from tests.pages.test_sessions import QUORUM, committee, on_sessions_page, scored_cases  # noqa: F401  (committee: a fixture)


@contextmanager
def counted():
    """{"statements": …, "connections": …} of what runs inside, in every engine."""
    counts = {"statements": 0, "connections": 0}

    def statement(*_):
        counts["statements"] += 1

    def checkout(*_):
        counts["connections"] += 1

    event.listen(Engine, "before_cursor_execute", statement)
    event.listen(Pool, "checkout", checkout)
    try:
        yield counts
    finally:
        event.remove(Engine, "before_cursor_execute", statement)
        event.remove(Pool, "checkout", checkout)


def test_a_sessions_page_rerun_takes_one_connection(app_db, committee):
    scored_cases(app_db, committee["expert"], ["مریم", "سارا"])
    with new_session(app_db) as session:
        cm.create_session(session, committee["secretary"], program="A", held_on=date(2024, 7, 1), number="5",
                          members=QUORUM)
    at = on_sessions_page(committee["secretary"])
    before = list(at.dataframe[1].value["متقاضی"])
    with counted() as counts:
        at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert list(at.dataframe[1].value["متقاضی"]) == before == ["مریم احمدی", "سارا احمدی"]
    assert counts["connections"] == 1
    assert counts["statements"] <= 4  # the session check (and its touch), the data version, the demo flag


def test_a_meeting_step_takes_two_connections(meeting):  # noqa: F811
    at = open_view(meeting["secretary"], meeting["session"])
    assert "پرونده ۱ از ۳" in shown(at)
    with counted() as counts:
        at.button(key="meeting_next").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert "پرونده ۲ از ۳" in shown(at) and "سارا احمدی" in shown(at)
    assert counts["connections"] == 2  # the account check; the case, its details and the strip's names
    with counted() as counts:  # back to a case read in this data version: the account check alone
        at.button(key="meeting_prev").click().run()
    assert "پرونده ۱ از ۳" in shown(at) and "مریم احمدی" in shown(at)
    assert counts["connections"] == 1
