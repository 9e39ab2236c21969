"""What programme A's provincial confirmation and activation require (seed 003), and the
specialised deputy's confirmation.

Before the provincial committee confirms a case, and again before its payments start:

* the four documents: Form 1, the SSO payment proof and the SSO discount inquiry received at the
  desk; Form 2 (document 3, the committee's opinion) is the county committee's approval itself —
  its minutes — so it is there exactly when the county committee's latest decision approves;
* eligibility conditions 1 and 2 recorded as met (by the county expert); condition 3, the job
  confirmed by the county employment committee, is the county committee's approval decision;
* the specialised deputy's confirmation (معاونت تخصصی: rehabilitation, social or prevention) of
  the applicant's job readiness and of the duration, at least the months granted.

What is missing is named in the refusal.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from db.models import Application, Decision, DeputyConfirmation, Document, EligibilityConfirmation, Program, User, utcnow
from lib import catalog
from lib.errors import InvalidInput
from lib.permissions import Action
from lib import validate
from lib.text import ltr, parse_int
from lib.workflow import ProgramCode
from services.applications import get_application
from services.base import Actor, audit, snapshot
from services.committee.common import Level, Outcome, _fa, lock_case
from services.documents import require_open
from services.program_parameters import month_cap

FORM2 = "committee_approval"  # document 3: made by the committee, not brought to the desk
JOB_CONFIRMED = "job_confirmed"  # eligibility condition 3: recorded by the county committee's decision
NOTE_MAX = 400


@dataclass(frozen=True)
class DeputyRow:
    deputy: str
    deputy_label: str
    job_ready: bool
    months: int
    confirmed_by: str | None
    confirmed_at: datetime
    note: str | None


def _county_approved(session: Session, ids: list[int]) -> set[int]:
    """The cases whose county committee's latest decision is an approval."""
    latest: dict[int, str] = {}
    for application_id, outcome in session.exec(
        select(Decision.application_id, Decision.outcome)
        .where(Decision.application_id.in_(ids), Decision.level == Level.county.value)
        .order_by(Decision.id)
    ).all():
        latest[application_id] = outcome
    return {a for a, outcome in latest.items() if outcome == Outcome.approve.value}


def confirmation_gaps(
    session: Session, months: dict[int, int | None], *, county_approved: set[int] | None = None
) -> dict[int, list[str]]:
    """For each programme A case {application_id: months to grant}, what the provincial
    confirmation still lacks, by Persian name (empty: nothing). ``county_approved``: the cases whose
    county committee's latest decision is an approval, when the caller has read those decisions."""
    ids = list(months)
    if not ids:
        return {}
    received: dict[int, set[str]] = {}
    for application_id, kind in session.exec(
        select(Document.application_id, Document.kind).where(Document.application_id.in_(ids), Document.received.is_(True))
    ).all():
        received.setdefault(application_id, set()).add(kind)
    met: dict[int, set[str]] = {}
    for application_id, condition in session.exec(
        select(EligibilityConfirmation.application_id, EligibilityConfirmation.condition).where(
            EligibilityConfirmation.application_id.in_(ids), EligibilityConfirmation.satisfied.is_(True)
        )
    ).all():
        met.setdefault(application_id, set()).add(condition)
    deputies = {
        row.application_id: row
        for row in session.exec(select(DeputyConfirmation).where(DeputyConfirmation.application_id.in_(ids))).all()
    }
    approved = _county_approved(session, ids) if county_approved is None else county_approved
    gaps: dict[int, list[str]] = {}
    for application_id, wanted in months.items():
        missing = []
        for kind, label in catalog.DOCUMENTS[ProgramCode.A.value].items():
            ok = application_id in approved if kind == FORM2 else kind in received.get(application_id, set())
            if not ok:
                missing.append(f"مدرک «{label}»")
        for condition, label in catalog.ELIGIBILITY_CONDITIONS.items():
            ok = application_id in approved if condition == JOB_CONFIRMED else condition in met.get(application_id, set())
            if not ok:
                missing.append(f"شرط «{label}»")
        deputy = deputies.get(application_id)
        if deputy is None or not deputy.job_ready:
            missing.append("تأیید آمادگی شغلی و مدت حمایت توسط معاونت تخصصی")
        elif wanted and deputy.months < wanted:
            missing.append(
                f"تأیید معاونت تخصصی برای {_fa(wanted)} ماه (معاونت {_fa(deputy.months)} ماه را تأیید کرده است)"
            )
        gaps[application_id] = missing
    return gaps


def require_confirmation_ready(session: Session, application: Application, months: int | None, *, what: str) -> None:
    """InvalidInput listing what the provincial confirmation (or activation: ``what``) lacks."""
    missing = confirmation_gaps(session, {application.id: months})[application.id]
    if missing:
        raise InvalidInput(
            f"{what} پرونده {ltr(application.tracking_code)} ممکن نیست؛ این موارد کامل نیست: "
            f"{'، '.join(missing)}. پس از تکمیل آن‌ها دوباره اقدام کنید.",
            field="requirements",
        )


# --------------------------------------------------------------------------- the deputy's confirmation
def _deputy_code(value: str | None) -> str:
    if value not in catalog.SPECIALISED_DEPUTIES:
        raise InvalidInput(
            f"معاونت تخصصی را انتخاب کنید: {'، '.join(catalog.SPECIALISED_DEPUTIES.values())}.", field="deputy"
        )
    return value


def confirm_deputy(
    session: Session,
    actor: Actor,
    application_id: int,
    *,
    deputy: str,
    job_ready: bool,
    months: object,
    note: str | None = None,
) -> DeputyConfirmation:
    """Record (or correct) the specialised deputy's confirmation of a programme A case: which
    deputy, job readiness, the months of support it confirms; who and when. Audited."""
    application = lock_case(session, application_id)
    if application is None:
        raise InvalidInput("پرونده‌ای با این شماره پیدا نشد.", field="application_id")
    application = get_application(session, actor, application_id, Action.record_province_decision)
    if session.get(Program, application.program_id).code != ProgramCode.A.value:
        raise InvalidInput("تأیید معاونت تخصصی فقط برای برنامه سهم بیمه خویش‌فرما ثبت می‌شود.", field="application_id")
    require_open(application)
    code = _deputy_code(deputy)
    referring = application.covering_domain
    if referring in catalog.SPECIALISED_DEPUTIES and referring != code:
        raise InvalidInput(
            f"این متقاضی را {catalog.SPECIALISED_DEPUTIES[referring]} معرفی کرده است؛ تأیید را همان معاونت ثبت می‌کند.",
            field="deputy",
        )
    months_value = parse_int(months, field="months", label_fa="مدت حمایت تأییدشده (ماه)", minimum=1,
                             maximum=month_cap(session, application.program_id))
    note = validate.clean_text(note, field="note", label_fa="توضیح", max_length=NOTE_MAX, multiline=True) or None
    row = session.exec(select(DeputyConfirmation).where(DeputyConfirmation.application_id == application.id)).first()
    before = snapshot(row)
    row = row or DeputyConfirmation(application_id=application.id, deputy=code, job_ready=bool(job_ready), months=months_value)
    row.deputy, row.job_ready, row.months, row.note = code, bool(job_ready), months_value, note
    row.confirmed_by = actor.id
    row.confirmed_at = utcnow()
    session.add(row)
    session.flush()
    audit(session, actor, "deputy.confirm", "deputy_confirmation", row.id, before=before, after=snapshot(row))
    session.commit()
    return row


def deputy_confirmation(session: Session, actor: Actor, application_id: int) -> DeputyRow | None:
    """The deputy's confirmation of a case, if recorded."""
    get_application(session, actor, application_id)
    found = session.exec(
        select(DeputyConfirmation, User.full_name)
        .join(User, User.id == DeputyConfirmation.confirmed_by, isouter=True)
        .where(DeputyConfirmation.application_id == application_id)
    ).first()
    if found is None:
        return None
    row, name = found
    return DeputyRow(row.deputy, catalog.SPECIALISED_DEPUTIES[row.deputy], row.job_ready, row.months, name,
                     row.confirmed_at, row.note)


def record_minutes(session: Session, actor: Actor, application: Application, outcome: Outcome, note: str) -> None:
    """The county committee's decision on a programme A case fills in what only it can: Form 2
    (document 3) and eligibility condition 3 (the job confirmed). Inside the caller's transaction."""
    approved = outcome == Outcome.approve
    now = utcnow()
    doc = session.exec(select(Document).where(Document.application_id == application.id, Document.kind == FORM2)).first()
    if doc is None or doc.received != approved:
        before = snapshot(doc)
        doc = doc or Document(application_id=application.id, kind=FORM2)
        doc.received = approved
        if doc.stored_name is None:
            doc.uploaded_by, doc.uploaded_at = actor.id, now
        session.add(doc)
        session.flush()
        audit(session, actor, "document.minutes", "document", doc.id, before=before, after=snapshot(doc))
    row = session.exec(select(EligibilityConfirmation).where(
        EligibilityConfirmation.application_id == application.id, EligibilityConfirmation.condition == JOB_CONFIRMED
    )).first()
    before = snapshot(row)
    row = row or EligibilityConfirmation(application_id=application.id, condition=JOB_CONFIRMED, satisfied=approved)
    row.satisfied, row.note, row.confirmed_by, row.confirmed_at = approved, note[:NOTE_MAX], actor.id, now
    session.add(row)
    session.flush()
    audit(session, actor, "eligibility.confirm", "eligibility", row.id, before=before, after=snapshot(row))


def gaps_for(session: Session, applications: Iterable[Application], months: dict[int, int | None] | None = None) -> dict[int, list[str]]:
    """:func:`confirmation_gaps` for loaded cases (months: what would be granted, default the grant)."""
    months = months or {}
    return confirmation_gaps(session, {a.id: months.get(a.id, a.months_granted) for a in applications})
