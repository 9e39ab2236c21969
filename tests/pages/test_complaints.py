"""The complaints page (شکایات) through AppTest: register, answer (SMS queued), overdue first;
the manager reads without the forms."""
from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from lib.jalali import local_today
from db.engine import new_session
from db.models import Complaint, County, Notification
from lib.identifiers import generate_national_code
from services.applications import HouseholdData, IntakeData, submit_application
from services.complaints import ComplaintData, register_complaint
from tests.pages.conftest import app_as


def _case(app_db, actor):
    import random

    with new_session(app_db) as session:
        tehran = session.exec(select(County).where(County.name == "تهران")).first()
        case = submit_application(session, actor, IntakeData(
            program="B", county_id=tehran.id, channel="in_person", national_code=generate_national_code(random.Random(5)),
            first_name="زهرا", last_name="کریمی", gender="female", head_of_household=True, mobile="09121234567",
            covering_domain="relief", target_group="female_head", household=HouseholdData()))
        return case.tracking_code


def _open(actor):
    at = app_as(actor).run()
    at.switch_page("pages/complaints.py").run()
    assert not at.exception
    return at


def test_register_then_answer_queues_the_sms(users, app_db):
    expert = users["county_expert"]
    tracking = _case(app_db, expert)
    at = _open(expert)
    at.text_input(key="complaint_tracking").input(tracking)
    at.text_input(key="complaint_subject").input("**تأخیر** [پیوند](http://x.example)")
    at.text_area(key="complaint_body").input("سه ماه است منتظرم.")
    at.button(key="FormSubmitter:complaint_new-ثبت شکایت").click()
    at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert "ثبت شد" in at.success[0].value
    with new_session(app_db) as session:
        complaint = session.exec(select(Complaint)).one()
        assert complaint.subject.startswith("**تأخیر**")  # stored as typed
    assert "پیوند" in at.markdown[0].value and "\\*\\*" in at.markdown[0].value  # shown as text
    at.selectbox(key="complaint_target").select("answered")
    at.text_area(key="complaint_resolution").input("معرفی‌نامه صادر شد.")
    at.button(key="FormSubmitter:complaint_move-ثبت تغییر").click()
    at.run()
    assert not at.exception and "پاسخ داده شده" in at.success[0].value
    with new_session(app_db) as session:
        assert session.exec(select(Notification).where(Notification.event == "complaint.answered")).one()


def test_overdue_stands_out_and_the_manager_only_reads(users, app_db):
    expert = users["county_expert"]
    tracking = _case(app_db, expert)
    with new_session(app_db) as session:
        complaint = register_complaint(session, expert, ComplaintData(
            channel="phone", subject="دیر", body="…", deadline=local_today(), tracking_code=tracking))
        complaint.deadline = local_today() - timedelta(days=2)
        session.add(complaint)
        session.commit()
    at = _open(users["manager"])
    assert "از مهلت رسیدگی گذشته" in at.error[0].value and "۱" in at.error[0].value
    assert not at.get("form")  # no register or move form for a manager
