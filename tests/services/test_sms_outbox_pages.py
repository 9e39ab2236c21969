"""The administrator's SMS list read page by page (keyset paging, each status newest first through
an index) lists exactly what one sorted read of the whole outbox lists — failed first, then being
sent, then waiting, then the rest, newest first within each — with no message twice or left out,
whichever way a status is read (sorted from the status index, or along the primary key when it
has many messages); and the counts by status are those of the outbox (SQLite and PostgreSQL)."""
from __future__ import annotations

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import insert
from sqlmodel import select

import services.sms_sender as sender
from db.models import Notification
from services.sms_sender import STATUS_LABELS, list_messages, message_counts
from tests.services.paid_runs import make_person

ORDER = {"failed": 0, "sending": 1, "queued": 2, "sent": 3, "cancelled": 3}


def _outbox(session, areas, statuses: list[str]) -> list[tuple[str, int]]:
    """The outbox after writing messages of ``statuses`` (in this order): (status, id) of every message."""
    person = make_person(session, program="B", province_id=areas.province, county_id=areas.county)
    if statuses:
        session.exec(insert(Notification), params=[
            dict(applicant_id=person.applicant_id, mobile="09121234567", event="state.received", body=f"پیام {k}",
                 status=s, attempts=0) for k, s in enumerate(statuses)])
    session.flush()
    return [(s, i) for s, i in session.exec(select(Notification.status, Notification.id)).all()]


def _pages(session, admin, status, size):
    pages, after = [], None
    while True:
        frame = list_messages(session, admin, status=status, limit=size, after=after)
        pages.append(list(frame["id"]))
        if len(frame) < size:
            return pages
        last = frame.iloc[-1]
        after = (ORDER[last["status"]] if status is None else 0, int(last["id"]))


statuses = st.lists(st.sampled_from(list(STATUS_LABELS)), max_size=40)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(written=statuses, size=st.integers(1, 7), dense=st.sampled_from([0, 3, 10**6]))
@example(written=[], size=1, dense=10**6)
@example(written=["sent", "failed", "queued", "sending", "cancelled", "failed", "queued", "sent"], size=2, dense=0)
@example(written=["queued"] * 9 + ["failed"], size=3, dense=3)  # queued read along the key, failed sorted
def test_page_by_page_is_one_sorted_read_of_the_outbox(session, areas, admin, monkeypatch, written, size, dense):
    monkeypatch.setattr(sender, "SORTED_IN_MEMORY", dense)
    try:
        outbox = _outbox(session, areas, written)
        for status in (None, *STATUS_LABELS):
            expected = [i for s, i in sorted(outbox, key=lambda m: (ORDER[m[0]], -m[1])) if status in (None, s)]
            pages = _pages(session, admin, status, size)
            assert [i for page in pages for i in page] == expected, status
            assert all(len(page) == size for page in pages[:-1]) and len(pages[-1]) < size
            assert list(list_messages(session, admin, status=status, limit=200)["id"]) == expected[:200]
        counts = message_counts(session, admin)
        assert counts == {s: n for s in STATUS_LABELS if (n := sum(1 for m, _ in outbox if m == s))}
    finally:
        session.rollback()
