"""SMS and portal notices to applicants (programme B promises one at every stage).

Messages are queued in the ``notification`` table inside the same transaction as the
write that causes them; a separate sender (an SMS gateway adapter on the intranet)
delivers them and marks them sent.
"""
from __future__ import annotations

from sqlmodel import Session

from db.models import Applicant, Application, Notification
from lib.text import ltr
from lib.workflow import STATE_LABELS, State

SMS_SIGNATURE = "بیمه‌یار"


def state_message(applicant: Applicant, application: Application, state: State | str) -> str:
    label = STATE_LABELS[State(state)]
    return (
        f"{applicant.first_name} {applicant.last_name} گرامی، وضعیت پرونده بیمه شما "
        f"با کد رهگیری {ltr(application.tracking_code)}: {label}. {SMS_SIGNATURE}"
    )


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
        body=state_message(applicant, application, state),
    )
    session.add(notice)
    return notice
