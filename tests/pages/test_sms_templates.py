"""The administrator's SMS texts page (متن پیامک‌ها): every event listed with its text; an edited text
is previewed, checked (unknown placeholder, missing required one, too long → Persian message and nothing
saved), saved, audited and shown in the audit log; nobody else has the page."""
from __future__ import annotations

import pytest
from sqlmodel import select

from db.engine import new_session
from db.models import AuditLog, SmsTemplate
from lib.sms_templates import EVENTS
from tests.pages.conftest import app_as

PAGE = "pages/sms_templates.py"
EVENT = "state.documents_incomplete"


def _stored(engine, event: str) -> str:
    with new_session(engine) as session:
        return session.get(SmsTemplate, event).body


def _open(users):
    at = app_as(users["admin"]).run()
    at.switch_page(PAGE).run()
    assert not at.exception
    at.selectbox(key="sms_template_event").select(EVENT).run()
    return at


def test_every_event_is_listed_and_an_edited_text_is_saved_and_audited(app_db, users):
    at = _open(users)
    table = at.dataframe[0].value
    assert list(table["رویداد"]) == [spec.label for spec in EVENTS.values()]
    assert set(table["آخرین تغییر"]) == {"متن اولیه"}
    box = at.text_area(key=f"sms_template_body_{EVENT}")
    assert box.value == EVENTS[EVENT].default
    text = "{نام} عزیز، برای پرونده {کد_رهگیری} این مدارک را بیاورید: {مدارک}. بیمه‌یار"
    box.input(text).run()
    assert any("مریم احمدی" in i.value and "مدرک سرپرستی خانوار" in i.value for i in at.info)  # the preview
    at.button(key="sms_template_save").click().run()
    assert not at.exception
    assert any("ذخیره شد" in s.value for s in at.success)
    assert _stored(app_db, EVENT) == text
    changed = at.dataframe[0].value
    assert "مدیر سامانه" in changed["آخرین تغییر"].iloc[list(EVENTS).index(EVENT)]
    with new_session(app_db) as session:
        record = session.exec(select(AuditLog).where(AuditLog.action == "sms_template.update")).one()
        assert record.before["body"] == EVENTS[EVENT].default and record.after["body"] == text

    at.switch_page("pages/audit.py").run()  # the audit log names the change in Persian
    assert not at.exception
    shown = " ".join(str(v) for frame in at.dataframe for v in frame.value.astype(str).values.ravel())
    assert "ویرایش متن پیامک" in shown


@pytest.mark.parametrize("text, says", [
    ("{نام} گرامی، پرونده {کد_رهگیری}: {مبلغ} {مدارک}", "شناخته نیست"),
    ("{نام} گرامی، مدارک پرونده شما ناقص است.", "را داشته باشد"),
    ("{مدارک} " + "متن بسیار بلند " * 30, "کوتاه‌تر کنید"),
    ("{مدارک} {نام", "بی‌جفت"),
])
def test_a_bad_text_is_refused_in_persian_and_nothing_is_saved(app_db, users, text, says):
    at = _open(users)
    at.text_area(key=f"sms_template_body_{EVENT}").input(text).run()
    assert any(says in e.value for e in at.error)  # the live check under the text
    at.button(key="sms_template_save").click().run()
    assert not at.exception and not at.success
    assert _stored(app_db, EVENT) == EVENTS[EVENT].default
    with new_session(app_db) as session:
        assert session.exec(select(AuditLog).where(AuditLog.action == "sms_template.update")).first() is None


def test_restoring_the_shipped_text(app_db, users):
    at = _open(users)
    at.text_area(key=f"sms_template_body_{EVENT}").input("{مدارک} بیاورید.").run()
    at.button(key="sms_template_default").click().run()
    assert at.text_area(key=f"sms_template_body_{EVENT}").value == EVENTS[EVENT].default


def test_only_the_administrator_has_the_page(app_db, users):
    for role in ("county_expert", "manager"):
        at = app_as(users[role]).run()
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(PAGE)
