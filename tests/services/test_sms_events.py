"""Every stage the applicant is told of queues exactly one SMS, with the right text, in the transaction
of the change (issue 12): received with the tracking code, documents incomplete naming the documents,
documents complete, each committee decision, eligibility, the SSO branch introduced to, insured,
suspension, resumption, end, withdrawal, a complaint's answer; a text an administrator edited is used
from then on; a refused change queues nothing. On SQLite and PostgreSQL (the ``session`` fixture)."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import select

from db.models import Application, Notification
from lib.errors import InvalidInput
from lib.sms_templates import EVENTS
from lib.text import LRI, PDI, to_persian_digits
from lib.workflow import State
from services import applications as apps
from services import committee as cm
from services import lifecycle as lc
from services.branches import add_branch
from services.complaints import ComplaintData, change_status, register_complaint
from services.documents import check_documents, mark_received
from services.introductions import introduce, mark_active
from services.quotas import set_quota
from services.sms_templates import save_template
from tests.services.test_committee import approve, make_ready, open_session, scored_case

NAME = "مریم احمدی"
STATE_TEXT = "{نام} گرامی، وضعیت پرونده بیمه شما با کد رهگیری {کد_رهگیری}: {وضعیت}. بیمه‌یار"


def messages(session, case_id: int) -> list[Notification]:
    session.expire_all()
    return list(session.exec(select(Notification).where(Notification.application_id == case_id)
                             .order_by(Notification.id)).all())


def last(session, case_id: int) -> Notification:
    return messages(session, case_id)[-1]


def code(case: Application) -> str:
    return f"{LRI}{case.tracking_code}{PDI}"


def stated(case: Application, label: str) -> str:
    """Today's text for a stage: the name, the tracking code and the stage's Persian name."""
    return f"{NAME} گرامی، وضعیت پرونده بیمه شما با کد رهگیری {code(case)}: {label}. بیمه‌یار"


def moved(session, case_id: int, call) -> Notification:
    """Run ``call``; exactly one new message about the case, which is returned."""
    before = len(messages(session, case_id))
    call()
    after = messages(session, case_id)
    assert len(after) == before + 1, [m.event for m in after[before:]]
    return after[-1]


def test_the_shipped_texts_are_todays_texts():
    for key in ("state.received", "state.rejected", "state.active", "state.suspended", "state.completed"):
        assert EVENTS[key].default == STATE_TEXT


def test_received_carries_the_tracking_code_and_an_edited_text_is_used_from_then_on(
        session, county_expert, admin, intake):
    case = apps.submit_application(session, county_expert, intake("B"))
    [sms] = messages(session, case.id)
    assert (sms.event, sms.mobile, sms.status) == ("state.received", "09121234567", "queued")
    assert sms.body == stated(case, "دریافت شده")

    save_template(session, admin, "state.received", "درخواست {نام} با کد {کد_رهگیری} ثبت شد.")
    second = apps.submit_application(session, county_expert, intake("A"))
    [sms] = messages(session, second.id)
    assert sms.body == f"درخواست {NAME} با کد {code(second)} ثبت شد."
    assert messages(session, case.id)[0].body == stated(case, "دریافت شده")  # queued messages keep their text


def test_no_mobile_no_message(session, county_expert, intake):
    case = apps.submit_application(session, county_expert, intake("A", mobile=""))
    apps.change_state(session, county_expert, case.id, State.documents_incomplete)
    assert messages(session, case.id) == []


def test_documents_incomplete_names_exactly_the_missing_ones_then_complete(session, county_expert, intake):
    case = apps.submit_application(session, county_expert, intake("B"))
    mark_received(session, county_expert, case.id, "request_form", True)
    mark_received(session, county_expert, case.id, "id_documents", True)
    sms = moved(session, case.id, lambda: check_documents(session, county_expert, case.id))
    assert sms.event == "state.documents_incomplete"
    assert sms.body == (f"{NAME} گرامی، وضعیت پرونده بیمه شما با کد رهگیری {code(case)}: نقص مدارک. "
                        "مدارک ناقص: مدرک سرپرستی خانوار، گواهی پوشش کمیته امداد. بیمه‌یار")
    for kind in ("head_of_household_proof", "relief_coverage"):
        mark_received(session, county_expert, case.id, kind, True)
    sms = moved(session, case.id, lambda: check_documents(session, county_expert, case.id))
    assert sms.event == "documents.complete" and code(case) in sms.body and "کامل شد" in sms.body


def test_programme_a_never_lists_the_committees_own_form(session, county_expert, intake):
    case = apps.submit_application(session, county_expert, intake("A"))
    sms = moved(session, case.id, lambda: check_documents(session, county_expert, case.id))
    assert "فرم مشخصات (فرم شماره ۱)، مدرک معتبر پرداخت حق بیمه خویش‌فرما، استعلام تخفیف‌های بیمه‌ای" in sms.body
    assert "فرم شماره ۲" not in sms.body


def test_each_committee_decision(session, secretary, province_committee, county_expert, intake):
    deferred, approved, rejected = (scored_case(session, county_expert, intake) for _ in range(3))
    cs = open_session(session, secretary)
    sms = moved(session, deferred.id, lambda: cm.record_decision(session, secretary, cs.id, deferred.id, "defer",
                                                                  "بازدید دوباره لازم است"))
    assert sms.event == "decision.deferred" and code(deferred) in sms.body and "موکول" in sms.body
    sms = moved(session, approved.id, lambda: approve(session, secretary, cs, approved))
    assert (sms.event, sms.body) == ("state.county_decision", stated(approved, "تصمیم کمیته شهرستان"))
    sms = moved(session, rejected.id, lambda: cm.record_decision(session, secretary, cs.id, rejected.id, "reject",
                                                                  "درآمد کافی دارد"))
    assert (sms.event, sms.body) == ("state.rejected", stated(rejected, "رد شده"))
    cm.close_session(session, secretary, cs.id)

    province = open_session(session, province_committee)
    make_ready(session, county_expert, province_committee, approved)
    sms = moved(session, approved.id, lambda: cm.record_decision(
        session, province_committee, province.id, approved.id, "defer", "بودجه امسال کافی نیست"))
    assert sms.event == "decision.deferred"  # waits for a later provincial session
    assert session.get(Application, approved.id).state == State.county_decision


def test_programme_b_eligibility_introduction_and_cover(session, secretary, admin, province_committee, areas, intake):
    case = apps.submit_application(session, secretary, intake("B"))
    sms = moved(session, case.id, lambda: apps.change_state(session, secretary, case.id, State.county_decision))
    assert (sms.event, sms.body) == ("state.county_decision", stated(case, "تأیید واجد شرایط بودن"))

    set_quota(session, province_committee, areas.county, 1403, 2)
    branch = add_branch(session, admin, areas.county, "۲۴ تهران", "24").id
    made = {}
    sms = moved(session, case.id, lambda: made.setdefault("i", introduce(session, secretary, case.id, branch,
                                                                          date(2024, 7, 1))))
    letter = f"{LRI}{to_persian_digits(made['i'].letter_no)}{PDI}"
    assert sms.event == "state.introduced"
    assert sms.body == (f"{NAME} گرامی، وضعیت پرونده بیمه شما با کد رهگیری {code(case)}: معرفی به تأمین اجتماعی، "
                        f"شعبه ۲۴ تهران، معرفی‌نامه شماره {letter}. با کارت ملی به شعبه مراجعه کنید. بیمه‌یار")
    sms = moved(session, case.id, lambda: mark_active(session, secretary, case.id, (1403, 4)))
    assert (sms.event, sms.body) == ("state.active", stated(case, "فعال"))


def test_suspension_resumption_end_and_withdrawal(session, county_expert, province_committee, intake):
    case = apps.submit_application(session, county_expert, intake("A"))
    running = session.get(Application, case.id)
    running.state, running.months_granted, running.share_percent, running.contract_rate_bp = "active", 24, 100, 1800
    running.start_year, running.start_month = 1403, 1
    session.add(running)
    session.commit()
    for call, event, label in (
        (lambda: lc.suspend_case(session, province_committee, case.id, "توقف کار"), "state.suspended", "معلق"),
        (lambda: lc.resume_case(session, province_committee, case.id, "کار دوباره راه افتاد"), "state.active", "فعال"),
        (lambda: lc.complete_case(session, province_committee, case.id, "خودکفا شد"), "state.completed", "پایان یافته"),
    ):
        sms = moved(session, case.id, call)
        assert (sms.event, sms.body) == (event, stated(case, label))
    other = apps.submit_application(session, county_expert, intake("A"))
    sms = moved(session, other.id, lambda: lc.withdraw_case(session, county_expert, other.id, "منصرف شد"))
    assert (sms.event, sms.body) == ("state.withdrawn", stated(other, "انصراف"))


def test_a_refused_move_queues_nothing(session, county_expert, province_committee, intake):
    case = apps.submit_application(session, county_expert, intake("A"))
    with pytest.raises(InvalidInput):
        lc.suspend_case(session, province_committee, case.id, "توقف کار")  # not running yet
    assert [m.event for m in messages(session, case.id)] == ["state.received"]


def test_a_complaints_answer_uses_the_current_text(session, county_expert, admin, intake):
    case = apps.submit_application(session, county_expert, intake("B"))
    save_template(session, admin, "complaint.answered", "پاسخ شکایت {شماره_شکایت}: {نتیجه}")
    complaint = register_complaint(session, county_expert, ComplaintData(
        channel="phone", subject="تأخیر", body="منتظرم.", deadline=date(2026, 12, 14),
        tracking_code=case.tracking_code), today=date(2026, 11, 30))
    long_answer = "معرفی‌نامه صادر شد. " * 20
    sms = moved(session, case.id, lambda: change_status(session, county_expert, complaint.id, "answered",
                                                        resolution=long_answer))
    assert sms.event == "complaint.answered"
    assert sms.body.startswith(f"پاسخ شکایت {to_persian_digits(complaint.id)}: معرفی‌نامه صادر شد.")
    assert sms.body.endswith("…") and len(sms.body) <= 200  # the answer is cut to its longest length
