"""The complaints register (شکایات): received by any channel, linked to an applicant, a case or a
payment line; a deadline, an owner, status changes with timestamps, the resolution and any
compensation, and an SMS to the applicant in the same transaction as the answer.

Who: county staff register and handle complaints of their county, the provincial committee those
of its province (``Action.manage_complaints``); managers read (``Action.view_reports``) within
their area. Every change is audited and kept as a ``ComplaintEvent``. A complaint still open or
in progress after its deadline is overdue. The deadline is set by whoever registers it; the form
suggests ``SUGGESTED_DAYS`` days (a convenience, not a rule of the seeds). No Streamlit here.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import and_, case, func
from sqlmodel import Session, select

from db.models import (
    Applicant, Application, Complaint, ComplaintEvent, County, PaymentLine, User, utcnow,
)
from lib import validate
from lib.errors import InvalidInput
from lib.identifiers import normalize_national_code
from lib.permissions import Action, Area, can, covers
from lib.jalali import local_today
from lib.text import ltr, to_persian_digits
from services.base import Actor, area_conditions, audit, find, snapshot
from services.notify import queue_sms

SUGGESTED_DAYS = 14
LIST_LIMIT = 2000  # at most this many rows at once (the page shows 100 a page)
CHANNEL_LABELS = {
    "in_person": "حضوری", "phone": "تلفن", "letter": "نامه", "portal": "درگاه اینترنتی",
    "sms": "پیامک", "other": "دیگر",
}
STATUS_LABELS = {
    "open": "باز", "in_progress": "در حال رسیدگی", "answered": "پاسخ داده شده",
    "resolved": "حل شده", "rejected": "رد شده",
}
# open → in_progress → answered/resolved/rejected; an answer the applicant does not accept goes back.
MOVES = {
    "open": ("in_progress", "answered", "resolved", "rejected"),
    "in_progress": ("answered", "resolved", "rejected"),
    "answered": ("resolved", "in_progress"),
    "resolved": (),
    "rejected": (),
}
WAITING = ("open", "in_progress")   # overdue when past the deadline in these
ANSWERS = ("answered", "resolved", "rejected")  # need the resolution; the first one sends the SMS


@dataclass(frozen=True)
class ComplaintData:
    """What the register form gives: one of payment line, tracking code or national code."""

    channel: str
    subject: str
    body: str
    deadline: date | None
    national_code: str = ""
    tracking_code: str = ""
    payment_line_id: int | None = None
    owner_id: int | None = None


@dataclass(frozen=True)
class ComplaintRow:
    id: int
    status: str
    overdue: bool
    deadline: date
    channel: str
    subject: str
    tracking_code: str | None
    payment_line_id: int | None
    owner: str | None
    created_at: datetime


def _target(session: Session, data: ComplaintData) -> tuple[int, int | None, int | None, int, int]:
    """(applicant, case, payment line, county, province) the complaint is about."""
    if data.payment_line_id is not None:
        line = find(session, PaymentLine, data.payment_line_id)
        if line is None:
            raise InvalidInput("ردیف پرداخت با این شماره پیدا نشد؛ شماره را از صفحه پرونده بردارید.", field="payment_line_id")
        case = session.get(Application, line.application_id)
        return case.applicant_id, case.id, line.id, case.county_id, case.province_id
    if data.tracking_code.strip():
        code = validate.short_code(data.tracking_code, field="tracking_code", label_fa="کد رهگیری", max_length=20)
        case = session.exec(select(Application).where(Application.tracking_code == code)).first()
        if case is None:
            raise InvalidInput(f"پرونده‌ای با کد رهگیری {ltr(code)} پیدا نشد؛ کد را دوباره بررسی کنید.", field="tracking_code")
        return case.applicant_id, case.id, None, case.county_id, case.province_id
    if not data.national_code.strip():
        raise InvalidInput("شکایت درباره کیست؟ کد ملی متقاضی، کد رهگیری پرونده یا شماره ردیف پرداخت را وارد کنید.",
                           field="national_code")
    national = normalize_national_code(data.national_code)
    applicant = session.exec(select(Applicant).where(Applicant.national_code == national)).first()
    if applicant is None:
        raise InvalidInput("متقاضی با این کد ملی ثبت نشده است؛ کد ملی را بررسی کنید.", field="national_code")
    county = session.get(County, applicant.county_id)
    return applicant.id, None, None, county.id, county.province_id


def _check_owner(session: Session, owner_id: int | None, area: Area) -> int | None:
    if owner_id is None:
        return None
    owner = find(session, User, owner_id)
    if (owner is None or not owner.active or not can(owner.role, Action.manage_complaints)
            or not covers(owner.role, Area(owner.province_id, owner.county_id), area)):
        raise InvalidInput("مسئول رسیدگی باید کاربر فعالی باشد که به شکایت‌های این شهرستان رسیدگی می‌کند؛ "
                           "او را از فهرست انتخاب کنید.", field="owner_id")
    return owner.id


def _event(session: Session, actor: Actor, complaint: Complaint, src: str | None, dst: str, note: str | None, at: datetime) -> None:
    session.add(ComplaintEvent(complaint_id=complaint.id, from_status=src, to_status=dst, at=at, user_id=actor.id, note=note))


def register_complaint(session: Session, actor: Actor, data: ComplaintData, *, today: date | None = None) -> Complaint:
    """Register a complaint in the actor's area; the actor owns it unless another owner is chosen."""
    actor.require(Action.manage_complaints)
    channel = data.channel if data.channel in CHANNEL_LABELS else None
    if channel is None:
        raise InvalidInput("راه دریافت شکایت را از فهرست انتخاب کنید.", field="channel")
    subject = validate.clean_text(data.subject, field="subject", label_fa="موضوع شکایت", max_length=200, required=True)
    body = validate.clean_text(data.body, field="body", label_fa="شرح شکایت", max_length=2000, required=True, multiline=True)
    today = today or local_today()
    if not isinstance(data.deadline, date) or data.deadline < today:
        raise InvalidInput("مهلت رسیدگی باید امروز یا روزی پس از آن باشد؛ تاریخ را انتخاب کنید.", field="deadline")
    applicant_id, case_id, line_id, county_id, province_id = _target(session, data)
    area = Area(province_id=province_id, county_id=county_id)
    actor.require(Action.manage_complaints, area)
    owner_id = _check_owner(session, data.owner_id if data.owner_id is not None else actor.id, area)
    now = utcnow()
    complaint = Complaint(
        applicant_id=applicant_id, application_id=case_id, payment_line_id=line_id, county_id=county_id,
        province_id=province_id, channel=channel, subject=subject, body=body, deadline=data.deadline,
        owner_id=owner_id, created_by=actor.id, created_at=now,
    )
    session.add(complaint)
    session.flush()
    _event(session, actor, complaint, None, "open", None, now)
    audit(session, actor, "complaint.register", "complaint", complaint.id, after=snapshot(complaint))
    session.commit()
    return complaint


def _for_change(session: Session, actor: Actor, complaint_id: int) -> Complaint:
    actor.require(Action.manage_complaints)
    complaint = find(session, Complaint, complaint_id, with_for_update=True)
    if complaint is None:
        raise InvalidInput("شکایت پیدا نشد؛ آن را از فهرست انتخاب کنید.", field="complaint_id")
    actor.require(Action.manage_complaints, Area(complaint.province_id, complaint.county_id))
    return complaint


def answer_fields(applicant: Applicant, complaint: Complaint) -> dict[str, object]:
    """The placeholders of the «complaint answered» SMS (template: lib.sms_templates)."""
    return {
        "نام": f"{applicant.first_name} {applicant.last_name}",
        "شماره_شکایت": to_persian_digits(complaint.id),
        "وضعیت_شکایت": STATUS_LABELS[complaint.status],
        "نتیجه": complaint.resolution or "",
    }


def change_status(
    session: Session, actor: Actor, complaint_id: int, to_status: str, *, note: str = "",
    resolution: str | None = None, compensation: str | None = None,
) -> Complaint:
    """Move a complaint; an answer needs the resolution, and the first answer queues the SMS to
    the applicant in the same transaction."""
    complaint = _for_change(session, actor, complaint_id)
    if to_status not in MOVES.get(complaint.status, ()):
        allowed = "، ".join(f"«{STATUS_LABELS[s]}»" for s in MOVES[complaint.status]) or "هیچ وضعیتی"
        raise InvalidInput(f"شکایت «{STATUS_LABELS[complaint.status]}» است و فقط به این وضعیت‌ها می‌رود: {allowed}.",
                           field="status")
    note = validate.clean_text(note, field="note", label_fa="یادداشت", max_length=400) or None
    before = snapshot(complaint)
    now = utcnow()
    if to_status in ANSWERS:
        text = validate.clean_text(resolution if resolution is not None else complaint.resolution, field="resolution",
                                   label_fa="نتیجه رسیدگی", max_length=2000, multiline=True)
        if not text:
            raise InvalidInput("نتیجه رسیدگی را بنویسید؛ همین متن برای متقاضی پیامک می‌شود.", field="resolution")
        complaint.resolution = text
        comp = validate.clean_text(compensation, field="compensation", label_fa="جبران خسارت", max_length=400)
        complaint.compensation = comp or complaint.compensation
    src = complaint.status
    complaint.status = to_status
    if to_status in ("resolved", "rejected"):
        complaint.resolved_at = now
    if to_status in ANSWERS and complaint.answered_at is None:
        complaint.answered_at = now
        applicant = session.get(Applicant, complaint.applicant_id)
        queue_sms(session, applicant, complaint.application_id, "complaint.answered", answer_fields(applicant, complaint))
    session.add(complaint)
    _event(session, actor, complaint, src, to_status, note, now)
    audit(session, actor, "complaint.status", "complaint", complaint.id, before=before, after=snapshot(complaint))
    session.commit()
    return complaint


def assign_owner(session: Session, actor: Actor, complaint_id: int, owner_id: int) -> Complaint:
    """Hand a complaint to another user of its area who handles complaints."""
    complaint = _for_change(session, actor, complaint_id)
    if complaint.status not in WAITING + ("answered",):
        raise InvalidInput("شکایت بسته شده است و مسئول آن را نمی‌توان تغییر داد.", field="owner_id")
    before = snapshot(complaint)
    complaint.owner_id = _check_owner(session, owner_id, Area(complaint.province_id, complaint.county_id))
    session.add(complaint)
    _event(session, actor, complaint, complaint.status, complaint.status, "تغییر مسئول رسیدگی", utcnow())
    audit(session, actor, "complaint.assign", "complaint", complaint.id, before=before, after=snapshot(complaint))
    session.commit()
    return complaint


def _read_action(actor: Actor) -> Action:
    """Those who handle complaints read them; managers read them as reports."""
    return Action.manage_complaints if can(actor.role, Action.manage_complaints) else Action.view_reports


def _require_read(actor: Actor, area: Area | None = None) -> None:
    actor.require(_read_action(actor), area)


def is_overdue(complaint: Complaint, today: date) -> bool:
    return complaint.status in WAITING and complaint.deadline < today


def _overdue(today: date):
    """SQL: the complaint is still waiting and its deadline has passed."""
    return and_(Complaint.status.in_(WAITING), Complaint.deadline < today)  # type: ignore[attr-defined]


def _register_query(actor: Actor, columns: tuple, status: str | None, overdue_only: bool, today: date):
    query = select(*columns).where(*area_conditions(actor, Complaint))
    if status is not None:
        query = query.where(Complaint.status == status)
    if overdue_only:
        query = query.where(_overdue(today))
    return query


def list_complaints(
    session: Session, actor: Actor, *, status: str | None = None, overdue_only: bool = False, today: date | None = None,
    limit: int | None = LIST_LIMIT, offset: int = 0,
) -> list[ComplaintRow]:
    """Complaints of the actor's area, overdue ones first, then by deadline: ``limit`` of them from
    ``offset`` (a page of the register). Reads the columns the list shows, not whole complaints
    (their bodies), and only the page's rows."""
    _require_read(actor)
    today = today or local_today()
    query = _register_query(
        actor,
        (Complaint.id, Complaint.status, Complaint.deadline, Complaint.channel, Complaint.subject,
         Application.tracking_code, Complaint.payment_line_id, User.full_name, Complaint.created_at),
        status, overdue_only, today,
    ).join(Application, Application.id == Complaint.application_id, isouter=True).join(
        User, User.id == Complaint.owner_id, isouter=True
    )
    order = (case((_overdue(today), 0), else_=1), Complaint.deadline, Complaint.id)
    return [
        ComplaintRow(cid, state, state in WAITING and deadline < today, deadline, channel, subject, code, line, owner,
                     created)  # UTC already: the column type reads every timestamp as UTC
        for cid, state, deadline, channel, subject, code, line, owner, created
        in session.exec(query.order_by(*order).offset(max(int(offset), 0)).limit(limit)).all()
    ]


def count_complaints(
    session: Session, actor: Actor, *, status: str | None = None, today: date | None = None,
) -> tuple[int, int]:
    """(how many complaints :func:`list_complaints` has in all, how many of them are overdue)."""
    _require_read(actor)
    today = today or local_today()
    columns = (func.count(), func.coalesce(func.sum(case((_overdue(today), 1), else_=0)), 0))
    total, late = session.exec(_register_query(actor, columns, status, False, today).select_from(Complaint)).one()
    return int(total), int(late)


def get_complaint(session: Session, actor: Actor, complaint_id: int) -> tuple[Complaint, list[ComplaintEvent]]:
    """One complaint of the actor's area with its history, oldest first."""
    _require_read(actor)
    complaint = find(session, Complaint, complaint_id)
    if complaint is None:
        raise InvalidInput("شکایت پیدا نشد؛ آن را از فهرست انتخاب کنید.", field="complaint_id")
    _require_read(actor, Area(complaint.province_id, complaint.county_id))
    events = session.exec(select(ComplaintEvent).where(ComplaintEvent.complaint_id == complaint.id)
                          .order_by(ComplaintEvent.at, ComplaintEvent.id)).all()
    return complaint, list(events)


def owners_for(session: Session, actor: Actor) -> dict[int, str]:
    """Active users who handle complaints and whose area includes the actor's county/province."""
    _require_read(actor)
    users = session.exec(select(User).where(User.active == True).order_by(User.full_name)).all()  # noqa: E712
    return {
        u.id: u.full_name for u in users
        if can(u.role, Action.manage_complaints) and u.role != "admin"
        and (actor.county_id is None or u.county_id in (None, actor.county_id))
        and (actor.province_id is None or u.province_id == actor.province_id)
    }


def suggested_deadline(today: date | None = None) -> date:
    return (today or local_today()) + timedelta(days=SUGGESTED_DAYS)
