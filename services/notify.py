"""SMS to applicants (programme B promises one at every stage): the outbox.

A message is written to the ``notification`` table inside the same transaction as the change
that causes it, rendered from the event's current template (``smstemplate``, edited by an
administrator: services/sms_templates.py; events and placeholders: lib/sms_templates.py).
`bimeyar send-sms` (services/sms_sender.py) delivers them.

- a case's move (:func:`queue_state_sms`, called by ``services.applications.move_case``): the
  event follows the move (lib.sms_templates.state_event); «نقص مدارک» names the documents still
  missing, «معرفی» the SSO branch and the letter's number;
- a finalised payment run (:func:`queue_payment_sms`): one message per person, with the sum of
  the person's payment and top-up lines, written by one INSERT … SELECT;
- any other event (:func:`queue_sms`): a complaint's answer, a committee's deferral.

No mobile, no message.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import String, case, func, insert, literal, select
from sqlmodel import Session

from db.models import Applicant, Application, Document, Introduction, Notification, PaymentLine, Program, SmsTemplate
from db.models.common import utcnow
from lib import catalog
from lib.sms_templates import EVENTS, PLACEHOLDERS, SIGNATURE, ELLIPSIS, fit, render, split_template, state_event
from lib.text import THOUSANDS_SEPARATOR, ltr, to_persian_digits
from lib.workflow import State, state_label

__all__ = [
    "SMS_SIGNATURE", "template_text", "case_fields", "state_message", "queue_sms", "queue_state_sms",
    "queue_case_sms", "queue_payment_sms",
]

SMS_SIGNATURE = SIGNATURE
PAYMENT_EVENT = "payment.paid"
PAID_KINDS = ("payment", "topup")  # a reversal takes money back: no «paid» message


def template_text(session: Session, event: str) -> str:
    """The event's template as an administrator last saved it (the shipped text if none)."""
    row = session.get(SmsTemplate, event)
    return row.body if row is not None else EVENTS[event].default


def case_fields(applicant: Any, application: Any, state: State | str, program_code: str | None) -> dict[str, object]:
    """The placeholders every message about a case may use: name, tracking code, stage."""
    return {
        "نام": f"{applicant.first_name} {applicant.last_name}",
        "کد_رهگیری": ltr(application.tracking_code),
        "وضعیت": state_label(program_code, state),
    }


def state_message(
    applicant: Any, application: Any, state: State | str, program_code: str | None = None, *,
    text: str | None = None, src: State | str | None = None, extra: Mapping[str, object] | None = None,
) -> str:
    """The SMS for a case reaching ``state`` (from ``src``): ``text`` is the template (the shipped
    one when None); ``extra`` the event's own placeholders (documents, branch)."""
    template = text if text is not None else EVENTS[state_event(src, state)].default
    return render(template, {**case_fields(applicant, application, state, program_code), **(extra or {})})


def queue_sms(
    session: Session, applicant: Applicant, application_id: int | None, event: str, fields: Mapping[str, object],
) -> Notification | None:
    """Queue ``event``'s message with these placeholder values; nothing without a mobile."""
    if not applicant.mobile:
        return None
    notice = Notification(
        applicant_id=applicant.id, application_id=application_id, channel="sms", mobile=applicant.mobile,
        event=event, body=render(template_text(session, event), fields),
    )
    session.add(notice)
    return notice


def _program_code(session: Session, application: Application) -> str | None:
    program = session.get(Program, application.program_id)
    return program.code if program else None


def _missing_documents(session: Session, application: Application, program_code: str | None) -> str:
    received = set(session.execute(
        select(Document.kind).where(Document.application_id == application.id, Document.received == True)  # noqa: E712
    ).scalars().all())
    return "، ".join(catalog.missing_documents(program_code, received)) if program_code else ""


def _introduction_fields(session: Session, application: Application) -> dict[str, object]:
    introduction = session.execute(
        select(Introduction).where(Introduction.application_id == application.id, Introduction.refused_on == None)  # noqa: E711
        .order_by(Introduction.id.desc()).limit(1)
    ).scalars().first()
    if introduction is None:
        return {}
    branch = introduction.branch if introduction.branch.startswith("شعبه") else f"شعبه {introduction.branch}"
    return {"شعبه": branch, "شماره_نامه": ltr(to_persian_digits(introduction.letter_no))}


def queue_state_sms(
    session: Session, applicant: Applicant, application: Application, state: State | str, *,
    src: State | str | None = None,
) -> Notification | None:
    """Queue the SMS for a case's move from ``src`` to ``state`` (inside the caller's transaction)."""
    if not applicant.mobile:
        return None
    event = state_event(src, state)
    program_code = _program_code(session, application)
    fields = case_fields(applicant, application, state, program_code)
    if event == "state.documents_incomplete":
        fields["مدارک"] = _missing_documents(session, application, program_code)
    elif event == "state.introduced":
        fields.update(_introduction_fields(session, application))
    return queue_sms(session, applicant, application.id, event, fields)


def queue_case_sms(session: Session, application: Application, event: str) -> Notification | None:
    """Queue a message about a case that did not move (a committee's deferral of a waiting case)."""
    applicant = session.get(Applicant, application.applicant_id)
    fields = case_fields(applicant, application, application.state, _program_code(session, application))
    return queue_sms(session, applicant, application.id, event, fields)


# --------------------------------------------------------------------------- payments, set-based
def _text(value: Any) -> Any:
    return literal(value, String)


def _cut(expr: Any, key: str) -> Any:
    """SQL for :func:`lib.sms_templates.fit`: the value cut to the placeholder's longest length."""
    limit = PLACEHOLDERS[key].longest
    return case(
        (func.length(expr) > limit, func.substr(expr, 1, limit - 1, type_=String).concat(_text(ELLIPSIS))),
        else_=expr,
    )


def _persian_amount(amount: Any, dialect: str) -> Any:
    """SQL for :func:`lib.text.format_number` of a non-negative integer: grouped, Persian digits."""
    if dialect == "postgresql":
        grouped = func.to_char(amount, "FM999,999,999,999,999,999,990", type_=String)
    else:
        grouped = func.printf("%,d", amount, type_=String)
    out = func.replace(grouped, ",", THOUSANDS_SEPARATOR, type_=String)
    for latin, persian in zip("0123456789", to_persian_digits("0123456789")):
        out = func.replace(out, latin, persian, type_=String)
    return out


def queue_payment_sms(session: Session, run_id: int, period: str) -> None:
    """Queue one «paid» message per person of a finalised run (the sum of the person's payment
    and top-up lines; ``period`` is the run's months as people read them), inside the caller's
    transaction, with one INSERT … SELECT."""
    dialect = session.get_bind().dialect.name
    per_person = (
        select(
            PaymentLine.applicant_id.label("applicant_id"),
            func.min(PaymentLine.application_id).label("application_id"),
            func.sum(PaymentLine.amount_rial).label("amount"),
        )
        .where(PaymentLine.run_id == run_id, PaymentLine.line_kind.in_(PAID_KINDS))  # type: ignore[attr-defined]
        .group_by(PaymentLine.applicant_id)
        .having(func.sum(PaymentLine.amount_rial) > 0)
        .subquery()
    )
    values = {
        "نام": _cut(Applicant.first_name.concat(_text(" ")).concat(Applicant.last_name), "نام"),  # type: ignore[attr-defined]
        "مبلغ": _persian_amount(per_person.c.amount, dialect),
        "دوره": _text(fit("دوره", period)),
    }
    body: Any = _text("")
    for literal_text, key in split_template(template_text(session, PAYMENT_EVENT)):
        for piece in (_text(literal_text) if literal_text else None, values[key] if key else None):
            if piece is not None:
                body = body.concat(piece)
    table = Notification.__table__  # type: ignore[attr-defined]
    constants = {"channel": "sms", "event": PAYMENT_EVENT, "status": "queued", "created_at": utcnow(), "attempts": 0,
                 "outcome_unknown": False}
    chosen = select(
        per_person.c.applicant_id, per_person.c.application_id, Applicant.mobile, body,
        *(literal(value, table.c[name].type) for name, value in constants.items()),
    ).join(Applicant, Applicant.id == per_person.c.applicant_id).where(Applicant.mobile.is_not(None), Applicant.mobile != "")  # type: ignore[union-attr]
    columns = ["applicant_id", "application_id", "mobile", "body", *constants]
    session.execute(insert(Notification).from_select(columns, chosen))
