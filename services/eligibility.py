"""Programme A's eligibility conditions (seed 003): each recorded per case with who confirmed it
and when — registered in the client database, job readiness confirmed by the specialised
deputy, the job confirmed by the county employment committee. The third is not ticked by anyone:
the county committee's own decision records it (``services.committee.requirements.record_minutes``).
The fourth condition (a
government insurance discount in an identified job field) is not a bar but a lower priority;
it is the case's ``discount_holder`` flag, set at intake.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from db.models import EligibilityConfirmation, Program, User, utcnow
from lib import catalog, validate
from lib.errors import InvalidInput
from lib.permissions import Action
from lib.workflow import ProgramCode
from services.applications import get_application
from services.base import Actor, audit, find, snapshot
from services.documents import require_open

__all__ = ["COMMITTEE_CONDITIONS", "EligibilityRow", "confirm_condition", "eligibility_status", "is_eligible"]

# Conditions only a committee decision records (condition 3: the job confirmed by the county committee).
COMMITTEE_CONDITIONS = frozenset({"job_confirmed"})

_NOTE_LIMIT = int(EligibilityConfirmation.__table__.c["note"].type.length)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class EligibilityRow:
    """One condition of a case: None in ``satisfied`` means nobody has recorded it yet."""

    condition: str
    label: str
    satisfied: bool | None
    confirmed_by: str | None  # full name
    confirmed_at: datetime | None
    note: str | None


def _programme_a(session: Session, program_id: int) -> None:
    program = find(session, Program, program_id)
    if program is None or program.code != ProgramCode.A:
        raise InvalidInput("شرایط پذیرش (تأیید معاونت و کمیته) فقط برای برنامه سهم بیمه خویش‌فرما ثبت می‌شود.")


def confirm_condition(
    session: Session, actor: Actor, application_id: int, condition: str, satisfied: bool, note: str | None = None
) -> EligibilityConfirmation:
    """Record (or correct) one condition of a programme-A case; audited with before and after."""
    application = get_application(session, actor, application_id, Action.confirm_eligibility)
    _programme_a(session, application.program_id)
    require_open(application)
    if not isinstance(condition, str) or condition not in catalog.ELIGIBILITY_CONDITIONS:
        raise InvalidInput("این شرط در فهرست شرایط برنامه نیست؛ شرط را از فهرست انتخاب کنید.", field="condition")
    if condition in COMMITTEE_CONDITIONS:
        raise InvalidInput(
            f"«{catalog.ELIGIBILITY_CONDITIONS[condition]}» را خود کمیته با تصمیم «تأیید» در جلسه ثبت می‌کند، نه کارشناس؛ "
            "پرونده را به جلسه کمیته اشتغال شهرستان ببرید.",
            field="condition",
        )
    note = validate.clean_text(note, field="note", label_fa="توضیح", max_length=_NOTE_LIMIT, multiline=True) or None
    row = session.exec(
        select(EligibilityConfirmation).where(
            EligibilityConfirmation.application_id == application_id, EligibilityConfirmation.condition == condition
        )
    ).first()
    if row is not None and row.satisfied == satisfied and row.note == note:
        return row
    before = snapshot(row)
    row = row or EligibilityConfirmation(application_id=application_id, condition=condition, satisfied=satisfied)
    row.satisfied = satisfied
    row.note = note
    row.confirmed_by = actor.id
    row.confirmed_at = utcnow()
    session.add(row)
    session.flush()
    audit(session, actor, "eligibility.confirm", "eligibility", row.id, before=before, after=snapshot(row))
    session.commit()
    return row


def eligibility_status(session: Session, actor: Actor, application_id: int) -> list[EligibilityRow]:
    """Every condition of a programme-A case, in the seed's order, with who confirmed it and when."""
    application = get_application(session, actor, application_id)
    _programme_a(session, application.program_id)
    recorded = {
        row.condition: (row, name)
        for row, name in session.exec(
            select(EligibilityConfirmation, User.full_name)
            .join(User, User.id == EligibilityConfirmation.confirmed_by, isouter=True)
            .where(EligibilityConfirmation.application_id == application_id)
        ).all()
    }
    rows = []
    for condition, label in catalog.ELIGIBILITY_CONDITIONS.items():
        row, name = recorded.get(condition, (None, None))
        rows.append(
            EligibilityRow(
                condition=condition,
                label=label,
                satisfied=row.satisfied if row else None,
                confirmed_by=name,
                confirmed_at=row.confirmed_at if row else None,
                note=row.note if row else None,
            )
        )
    return rows


def is_eligible(rows: list[EligibilityRow]) -> bool:
    """Whether every condition is recorded as satisfied."""
    return all(row.satisfied is True for row in rows)
