"""SMS and portal notices to applicants (programme B promises one at every stage).

Messages are queued in the ``notification`` table inside the same transaction as the
write that causes them; a separate sender (an SMS gateway adapter on the intranet)
delivers them and marks them sent.
"""
from __future__ import annotations

from sqlmodel import Session

from db.models import Applicant, Application, Notification, Program
from lib.text import ltr
from lib.workflow import State, state_label

SMS_SIGNATURE = "بیمه‌یار"


def state_message(applicant: Applicant, application: Application, state: State | str, program_code: str | None = None) -> str:
    """The SMS for a state change, naming the state as the applicant's programme calls it."""
    label = state_label(program_code, state)
    return (
        f"{applicant.first_name} {applicant.last_name} گرامی، وضعیت پرونده بیمه شما "
        f"با کد رهگیری {ltr(application.tracking_code)}: {label}. {SMS_SIGNATURE}"
    )


def _program_code(session: Session, application: Application) -> str | None:
    program = session.get(Program, application.program_id)
    return program.code if program else None


def queue_state_sms(session: Session, applicant: Applicant, application: Application, state: State | str) -> Notification | None:
    """Queue the SMS for a state change; nothing when the applicant has no mobile."""
    if not applicant.mobile:
        return None
    notice = Notification(
        applicant_id=applicant.id,
        application_id=application.id,
        channel="sms",
        mobile=applicant.mobile,
        event=f"state.{State(state).value}",
        body=state_message(applicant, application, state, _program_code(session, application)),
    )
    session.add(notice)
    return notice
