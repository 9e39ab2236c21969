"""The SMS page lists the outbox 200 messages a page (next and previous page), and a message the
administrator cancels is counted and listed as cancelled at once though the page reads the outbox
once per data version."""
from __future__ import annotations

from sqlalchemy import insert
from sqlmodel import select

from db.engine import new_session
from db.models import County, Notification
from tests.pages.conftest import app_as
from tests.services.paid_runs import make_person

PAGE = "pages/sms.py"


def _outbox(engine, queued: int) -> int:
    """``queued`` waiting messages and one failed (written first, so the oldest); the failed one's id."""
    with new_session(engine) as session:
        tehran = session.exec(select(County).where(County.name == "تهران")).first()
        person = make_person(session, program="B", province_id=tehran.province_id, county_id=tehran.id)
        failed = Notification(applicant_id=person.applicant_id, mobile="0912", event="state.received", body="ناموفق",
                              status="failed", attempts=1, last_error_kind="bad_number", last_error="x")
        session.add(failed)
        session.flush()
        session.exec(insert(Notification), params=[
            dict(applicant_id=person.applicant_id, mobile="09121234567", event="state.received", body=f"پیام {k}",
                 status="queued", attempts=0) for k in range(queued)])
        session.commit()
        return failed.id


def test_two_hundred_a_page_failed_first_then_the_next_page_and_back(app_db, users):
    failed = _outbox(app_db, 205)
    at = app_as(users["admin"]).run()
    at.switch_page(PAGE).run()
    assert not at.exception
    first = at.dataframe[0].value
    assert len(first) == 200 and list(first["وضعیت"])[0] == "ناموفق"
    assert any("۲۰۰ پیامک آخر" in c.value for c in at.caption)
    assert not [b for b in at.button if b.key == "sms_newer"]

    at.button(key="sms_older").click().run()
    second = at.dataframe[0].value
    assert len(second) == 6 and set(second["وضعیت"]) == {"در صف ارسال"}
    assert not set(first["شماره"]) & set(second["شماره"])  # no message on both pages
    assert any("صفحه ۲" in c.value for c in at.caption)
    assert not [b for b in at.button if b.key == "sms_older"]  # nothing older

    at.button(key="sms_newer").click().run()
    assert list(at.dataframe[0].value["شماره"]) == list(first["شماره"])

    at.selectbox(key="sms_chosen").select(failed).run()
    at.button(key="sms_cancel").click().run()
    assert any("لغو شد" in s.value for s in at.success)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["لغو شده"] == "۱" and metrics["ناموفق"] == "۰"
    assert set(at.dataframe[0].value["وضعیت"]) == {"در صف ارسال"}  # no failed one left to list first
    at.button(key="sms_older").click().run()
    assert list(at.dataframe[0].value["وضعیت"])[-1] == "لغو شده"  # the rest come last
