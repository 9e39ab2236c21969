"""The SMS templates, kept by an administrator (``manage_reference_data``): one Persian text per
event (lib.sms_templates.EVENTS), checked when saved — only the event's placeholders, the
required ones present, within the SMS parts allowed even with the longest values — and audited
with the text before and after. Messages queued afterwards use the new text (services.notify);
messages already queued keep theirs. No Streamlit here.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from db.models import SmsTemplate, User, utcnow
from lib import validate
from lib.errors import InvalidInput
from lib.permissions import Action
from lib.sms_templates import EVENTS, PLACEHOLDERS, check_template, render, segments, worst_case_length
from services.base import Actor, audit, snapshot

__all__ = ["TemplateRow", "template_rows", "save_template", "preview", "SAMPLE_VALUES"]

MAX_BODY = int(SmsTemplate.__table__.c["body"].type.length)  # type: ignore[attr-defined]

# What the screen's preview fills in: plausible values of typical length, not anyone's data.
SAMPLE_VALUES: dict[str, str] = {
    "نام": "مریم احمدی", "کد_رهگیری": "\u2066B14050812345\u2069", "وضعیت": "دریافت شده",
    "مدارک": "فرم درخواست بیمه، مدرک سرپرستی خانوار", "شعبه": "شعبه ۵ تهران", "شماره_نامه": "\u2066۱۲-۱۴۰۵-۳\u2069",
    "مبلغ": "۱۳٬۳۲۹٬۱۰۲", "دوره": "مهر ۱۴۰۵", "شماره_شکایت": "۴۲", "وضعیت_شکایت": "حل شده",
    "نتیجه": "مبلغ ماه مهر در نوبت تکمیلی پرداخت شد.",
}
assert set(SAMPLE_VALUES) == set(PLACEHOLDERS)


@dataclass(frozen=True)
class TemplateRow:
    event: str
    label: str
    body: str
    allowed: tuple[str, ...]
    required: tuple[str, ...]
    longest: int            # characters with every placeholder at its longest value
    parts: int              # SMS parts of that longest message
    is_default: bool        # the shipped text
    updated_by: str | None  # who last saved it (None: never changed)
    updated_at: datetime | None


def template_rows(session: Session, actor: Actor) -> list[TemplateRow]:
    """Every event's template, in the order of the case's life."""
    actor.require(Action.manage_reference_data)
    stored = {row.event: row for row in session.exec(select(SmsTemplate)).all()}
    editors = {row.updated_by for row in stored.values() if row.updated_by is not None}
    names = dict(session.exec(select(User.id, User.full_name).where(User.id.in_(editors))).all()) if editors else {}  # type: ignore[attr-defined]
    rows = []
    for spec in EVENTS.values():
        row = stored.get(spec.key)
        body = row.body if row is not None else spec.default
        longest = worst_case_length(body)
        rows.append(TemplateRow(
            spec.key, spec.label, body, spec.allowed, spec.required, longest, segments(longest),
            body == spec.default, names.get(row.updated_by) if row is not None and row.updated_by else None,
            row.updated_at if row is not None else None,
        ))
    return rows


def _clean(event: object, body: object) -> tuple[str, str]:
    if not isinstance(event, str) or event not in EVENTS:
        raise InvalidInput("این رویداد پیامک ندارد؛ رویداد را از فهرست انتخاب کنید.", field="event")
    text = validate.clean_text(body, field="body", label_fa=f"متن پیامک «{EVENTS[event].label}»",
                               max_length=MAX_BODY, multiline=True)
    check_template(event, text)
    return event, text


def preview(event: object, body: object) -> str:
    """The message as an applicant would read it, with sample values (InvalidInput if unusable)."""
    event, text = _clean(event, body)
    return render(text, SAMPLE_VALUES)


def save_template(session: Session, actor: Actor, event: object, body: object) -> TemplateRow:
    """Save an event's text after checking it; audited with the text before and after. Saving
    the same text again changes nothing."""
    actor.require(Action.manage_reference_data)
    event, text = _clean(event, body)
    row = session.get(SmsTemplate, event)
    before = snapshot(row) if row is not None else {"event": event, "body": EVENTS[event].default}
    if row is None:  # a database set up without migration 0020's seed
        row = SmsTemplate(event=event, body=EVENTS[event].default)
    if before["body"] != text:
        row.body, row.updated_by, row.updated_at = text, actor.id, utcnow()
        session.add(row)
        session.flush()
        audit(session, actor, "sms_template.update", "sms_template", event, before=before, after=snapshot(row))
        session.commit()
    else:
        session.rollback()
    return next(r for r in template_rows(session, actor) if r.event == event)
