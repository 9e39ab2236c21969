"""The administrator's SMS page (پیامک‌ها): counts by status, failed messages first with the reason in
Persian, retry and cancel; nobody else sees it."""
from __future__ import annotations

import pytest
from sqlmodel import select

from db.engine import new_session
from db.models import County, Notification
from tests.pages.conftest import app_as
from tests.services.paid_runs import make_person

PAGE = "pages/sms.py"


def _messages(engine) -> dict[str, int]:
    with new_session(engine) as session:
        tehran = session.exec(select(County).where(County.name == "تهران")).first()
        person = make_person(session, program="B", province_id=tehran.province_id, county_id=tehran.id)
        rows = {
            "sent": Notification(applicant_id=person.applicant_id, mobile="09121234567", event="state.received",
                                 body="ارسال‌شده", status="sent", attempts=1, provider_id="p-1"),
            "failed": Notification(applicant_id=person.applicant_id, mobile="0912", event="state.received",
                                   body="ناموفق", status="failed", attempts=1, last_error_kind="bad_number",
                                   last_error="not an Iranian mobile number"),
            "queued": Notification(applicant_id=person.applicant_id, mobile="09121234567", event="state.received",
                                   body="در صف", status="queued"),
        }
        session.add_all(rows.values())
        session.commit()
        return {k: v.id for k, v in rows.items()}


def test_failed_first_with_the_reason_then_retry_and_cancel(app_db, users):
    ids = _messages(app_db)
    at = app_as(users["admin"]).run()
    at.switch_page(PAGE).run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["ناموفق"] == "۱" and metrics["ارسال شده"] == "۱" and metrics["در صف ارسال"] == "۱"
    table = at.dataframe[0].value
    assert list(table["وضعیت"])[0] == "ناموفق" and list(table["خطا"])[0] == "شماره نامعتبر"
    assert set(table["رویداد"]) == {"ثبت درخواست"}  # the event in Persian
    assert any("هنوز اجرا نشده" in w.value for w in at.warning)  # no sender has run yet

    at.selectbox(key="sms_chosen").select(ids["failed"]).run()
    at.button(key="sms_retry").click().run()
    assert any("دوباره در صف" in s.value for s in at.success)
    at.selectbox(key="sms_chosen").select(ids["queued"]).run()
    at.button(key="sms_cancel").click().run()
    assert any("لغو شد" in s.value for s in at.success)
    with new_session(app_db) as session:
        assert session.get(Notification, ids["failed"]).status == "queued"
        assert session.get(Notification, ids["queued"]).status == "cancelled"


def test_only_the_administrator_has_the_page(app_db, users):
    for role in ("county_expert", "manager"):
        at = app_as(users[role]).run()
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(PAGE)  # not registered for them: unreachable, not only hidden
