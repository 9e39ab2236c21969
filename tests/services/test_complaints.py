"""The complaints register: area isolation, status moves with history, the SMS queued with the
answer, overdue complaints first; every change audited."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from db.models import Applicant, AuditLog, Complaint, ComplaintEvent, Notification
from lib.errors import Forbidden, InvalidInput
from services.applications import submit_application
from services.complaints import (
    ComplaintData, assign_owner, change_status, count_complaints, get_complaint, list_complaints, register_complaint,
)

TODAY = date(2026, 11, 30)


@pytest.fixture
def case(session, county_expert, intake):
    return submit_application(session, county_expert, intake("B"))


def _register(session, actor, case, **overrides):
    values = dict(channel="phone", subject="تأخیر در معرفی", body="سه ماه است منتظرم.",
                  deadline=TODAY + timedelta(days=14), tracking_code=case.tracking_code)
    values.update(overrides)
    return register_complaint(session, actor, ComplaintData(**values), today=TODAY)


def test_county_staff_register_and_see_only_their_county(session, case, county_expert, sibling_county_expert,
                                                         province_committee, other_province_committee, province_manager):
    complaint = _register(session, county_expert, case)
    assert complaint.county_id == case.county_id and complaint.applicant_id == case.applicant_id
    assert complaint.owner_id == county_expert.id and complaint.status == "open"
    assert [r.id for r in list_complaints(session, county_expert, today=TODAY)] == [complaint.id]
    assert list_complaints(session, sibling_county_expert, today=TODAY) == []
    assert list_complaints(session, other_province_committee, today=TODAY) == []
    assert [r.id for r in list_complaints(session, province_committee, today=TODAY)] == [complaint.id]
    assert [r.id for r in list_complaints(session, province_manager, today=TODAY)] == [complaint.id]
    with pytest.raises(Forbidden):
        _register(session, sibling_county_expert, case)
    with pytest.raises(Forbidden):
        change_status(session, sibling_county_expert, complaint.id, "in_progress")
    with pytest.raises(Forbidden):
        change_status(session, province_manager, complaint.id, "in_progress")  # managers read only
    with pytest.raises(Forbidden):
        get_complaint(session, other_province_committee, complaint.id)
    assert session.exec(select(AuditLog).where(AuditLog.action == "complaint.register")).one().entity_id == str(complaint.id)


def test_moves_are_kept_with_timestamps_and_the_answer_queues_one_sms(session, case, county_expert, counts):
    complaint = _register(session, county_expert, case)
    change_status(session, county_expert, complaint.id, "in_progress", note="پرونده بررسی شد")
    with pytest.raises(InvalidInput, match="نتیجه رسیدگی"):
        change_status(session, county_expert, complaint.id, "answered", resolution="  ")
    before = counts()
    change_status(session, county_expert, complaint.id, "answered", resolution="معرفی‌نامه صادر شد.",
                  compensation="معرفی خارج از نوبت")
    after = counts()
    assert after["notification"] == before["notification"] + 1  # committed with the answer
    sms = session.exec(select(Notification).where(Notification.event == "complaint.answered")).one()
    assert "معرفی‌نامه صادر شد." in sms.body and sms.status == "queued" and len(sms.body) <= 500
    change_status(session, county_expert, complaint.id, "resolved")  # the answer stands: no second SMS
    assert counts()["notification"] == after["notification"]
    with pytest.raises(InvalidInput, match="حل شده"):
        change_status(session, county_expert, complaint.id, "in_progress")
    final, events = get_complaint(session, county_expert, complaint.id)
    assert final.compensation == "معرفی خارج از نوبت" and final.resolved_at is not None and final.answered_at is not None
    assert [(e.from_status, e.to_status) for e in events] == [
        (None, "open"), ("open", "in_progress"), ("in_progress", "answered"), ("answered", "resolved")]
    assert events[1].note == "پرونده بررسی شد" and all(e.user_id == county_expert.id for e in events)
    assert len(session.exec(select(AuditLog).where(AuditLog.action == "complaint.status")).all()) == 3


def test_overdue_complaints_stand_first(session, case, county_expert, province_committee):
    late = _register(session, county_expert, case, deadline=TODAY, subject="دیر")
    soon = _register(session, county_expert, case, deadline=TODAY + timedelta(days=3), subject="زود")
    rows = list_complaints(session, province_committee, today=TODAY + timedelta(days=1))
    assert [(r.id, r.overdue) for r in rows] == [(late.id, True), (soon.id, False)]
    assert [r.id for r in list_complaints(session, county_expert, overdue_only=True, today=TODAY + timedelta(days=1))] == [late.id]
    change_status(session, county_expert, late.id, "rejected", resolution="رسیدگی طبق دستورالعمل انجام شده بود.")
    assert not list_complaints(session, county_expert, overdue_only=True, today=TODAY + timedelta(days=1))


def test_bad_input_writes_nothing(session, case, county_expert, counts):
    before = counts()
    for bad in (dict(channel="pigeon"), dict(subject=""), dict(deadline=TODAY - timedelta(days=1)),
                dict(tracking_code="B0399999999"), dict(tracking_code="", national_code="")):
        with pytest.raises(InvalidInput):
            _register(session, county_expert, case, **bad)
        session.rollback()
    assert counts() == before


def test_an_owner_must_handle_complaints_in_that_area(session, case, county_expert, sibling_county_expert, secretary):
    complaint = _register(session, county_expert, case)
    with pytest.raises(InvalidInput, match="مسئول رسیدگی"):
        assign_owner(session, county_expert, complaint.id, sibling_county_expert.id)
    session.rollback()
    assign_owner(session, county_expert, complaint.id, secretary.id)
    assert session.get(Complaint, complaint.id).owner_id == secretary.id
    assert session.exec(select(ComplaintEvent).where(ComplaintEvent.complaint_id == complaint.id)).all()[-1].note == "تغییر مسئول رسیدگی"


def _earlier_rows(session, actor, today):
    """The register as the earlier code read it: whole complaints (with their bodies), by deadline, overdue first."""
    from db.models import Application, User
    from services.base import area_conditions

    rows = session.exec(
        select(Complaint, Application.tracking_code, User.full_name)
        .join(Application, Application.id == Complaint.application_id, isouter=True)
        .join(User, User.id == Complaint.owner_id, isouter=True)
        .where(*area_conditions(actor, Complaint)).order_by(Complaint.deadline, Complaint.id)
    ).all()
    out = [(c.id, c.status, c.status in ("open", "in_progress") and c.deadline < today, c.deadline, c.channel,
            c.subject, code, c.payment_line_id, owner, c.created_at) for c, code, owner in rows]
    return sorted(out, key=lambda r: not r[2])


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(days=st.integers(min_value=-2, max_value=12))
@example(days=0)   # nothing overdue yet: a deadline of today is not past
@example(days=1)   # the first complaint's deadline was yesterday
@example(days=11)  # every deadline past: only those still waiting are overdue
def test_the_register_reads_its_columns_as_the_whole_complaints_gave_them(
    session, case, county_expert, province_committee, national_manager, days,
):
    """list_complaints reads only the columns it lists; its rows are those the whole complaints gave,
    in the same order (overdue first, then by deadline), the registration time in UTC."""
    if not session.exec(select(Complaint.id)).first():  # the database lives across examples
        made = [_register(session, county_expert, case, deadline=TODAY + timedelta(days=d), subject=f"شکایت {d}")
                for d in (0, 5, 5, 10)]
        _register(session, county_expert, case, deadline=TODAY + timedelta(days=2), tracking_code="",
                  national_code=session.get(Applicant, case.applicant_id).national_code)  # about the person, no case
        change_status(session, county_expert, made[1].id, "in_progress")
        change_status(session, county_expert, made[3].id, "resolved", resolution="انجام شد.")
    today = TODAY + timedelta(days=days)
    for actor in (county_expert, province_committee, national_manager):
        rows = list_complaints(session, actor, today=today)
        assert [(r.id, r.status, r.overdue, r.deadline, r.channel, r.subject, r.tracking_code, r.payment_line_id,
                 r.owner, r.created_at) for r in rows] == _earlier_rows(session, actor, today)
        assert all(r.created_at.utcoffset() == timedelta(0) for r in rows)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(limit=st.integers(min_value=1, max_value=7), offset=st.integers(min_value=0, max_value=8),
       days=st.integers(min_value=0, max_value=12))
@example(limit=1, offset=0, days=1)
@example(limit=6, offset=0, days=1)  # the whole register on one page
@example(limit=1, offset=5, days=11)  # the last one alone
@example(limit=3, offset=6, days=0)  # past the end: nothing
def test_a_page_of_the_register_is_the_same_slice_and_the_counts_agree(
    session, case, county_expert, province_committee, limit, offset, days,
):
    """The page shows the register a page at a time: each page is the same slice of the whole
    register (overdue first, then by deadline), and the count and the overdue count are the list's."""
    if not session.exec(select(Complaint.id)).first():  # the database lives across examples
        made = [_register(session, county_expert, case, deadline=TODAY + timedelta(days=d), subject=f"شکایت {d}")
                for d in (6, 0, 3, 3, 10, 1)]
        change_status(session, county_expert, made[0].id, "in_progress")
        change_status(session, county_expert, made[2].id, "rejected", resolution="انجام شد.")
    today = TODAY + timedelta(days=days)
    whole = list_complaints(session, province_committee, today=today)
    page = list_complaints(session, province_committee, today=today, limit=limit, offset=offset)
    assert page == whole[offset:offset + limit]
    assert count_complaints(session, province_committee, today=today) == (len(whole), sum(r.overdue for r in whole))
    assert count_complaints(session, province_committee, status="rejected", today=today) == (1, 0)
