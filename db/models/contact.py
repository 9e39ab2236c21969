"""Notifications (SMS outbox) and complaints."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Index
from sqlmodel import Field, SQLModel

from db.models.common import utcnow


# --------------------------------------------------------------------------- contact
class Notification(SQLModel, table=True):
    """The SMS outbox: written in the transaction of the change it tells of; `bimeyar send-sms`
    claims due messages, delivers them through the gateway and records each attempt's outcome."""

    __table_args__ = (
        CheckConstraint("status IN ('queued', 'sending', 'sent', 'failed', 'cancelled')", name="notification_status"),
        CheckConstraint("attempts >= 0", name="notification_attempts"),
        Index("ix_notification_due", "status", "next_attempt_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    applicant_id: int = Field(foreign_key="applicant.id", index=True)
    application_id: int | None = Field(default=None, foreign_key="application.id")
    channel: str = Field(default="sms", max_length=10)
    mobile: str = Field(default="", max_length=11)
    event: str = Field(max_length=40)
    body: str = Field(max_length=500)
    status: str = Field(default="queued", max_length=10)
    created_at: datetime = Field(default_factory=utcnow)
    sent_at: datetime | None = None
    # delivery (migration 0012)
    attempts: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    next_attempt_at: datetime | None = None          # NULL: due now
    claimed_by: str | None = Field(default=None, max_length=80)
    claimed_until: datetime | None = None            # a claim past this time was lost with its sender
    outcome_unknown: bool = Field(default=False, sa_column_kwargs={"server_default": "0"})
    last_error_kind: str | None = Field(default=None, max_length=20)
    last_error: str | None = Field(default=None, max_length=300)
    provider_id: str | None = Field(default=None, max_length=80)


class SmsTemplate(SQLModel, table=True):
    """The text of one SMS event (lib.sms_templates.EVENTS), as an administrator last saved it;
    migration 0020 seeds the shipped texts. Messages are rendered from it when they are queued."""

    event: str = Field(primary_key=True, max_length=40)
    body: str = Field(max_length=500)
    updated_by: int | None = Field(default=None, foreign_key="user.id")
    updated_at: datetime | None = None


class WorkerHeartbeat(SQLModel, table=True):
    """The last round of a background process (the SMS sender), for `bimeyar check` and the admin."""

    name: str = Field(primary_key=True, max_length=80)
    beat_at: datetime = Field(default_factory=utcnow)
    detail: str = Field(default="", max_length=300)


COMPLAINT_STATUSES = ("open", "in_progress", "answered", "resolved", "rejected")


class Complaint(SQLModel, table=True):
    """A complaint received by any channel about an applicant, a case or a payment line; county
    and province are those of the applicant's case (or the applicant) for area checks. Its status
    changes are kept in ``complaintevent`` (migration 0014)."""

    __table_args__ = (
        CheckConstraint(
            "status IN ('open', 'in_progress', 'answered', 'resolved', 'rejected')", name="complaint_status"
        ),
        Index("ix_complaint_area_status", "province_id", "county_id", "status"),
    )
    id: int | None = Field(default=None, primary_key=True)
    application_id: int | None = Field(default=None, foreign_key="application.id")
    applicant_id: int = Field(foreign_key="applicant.id", index=True)
    payment_line_id: int | None = Field(default=None, foreign_key="paymentline.id")
    county_id: int = Field(foreign_key="county.id")
    province_id: int = Field(foreign_key="province.id")
    channel: str = Field(max_length=20)
    subject: str = Field(max_length=200)
    body: str = Field(max_length=2000)
    status: str = Field(default="open", max_length=12)
    deadline: date
    owner_id: int | None = Field(default=None, foreign_key="user.id")
    resolution: str | None = Field(default=None, max_length=2000)
    compensation: str | None = Field(default=None, max_length=400)
    created_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)
    answered_at: datetime | None = None
    resolved_at: datetime | None = None


class ComplaintEvent(SQLModel, table=True):
    """One status change (or hand-over) of a complaint: who, when, from what to what, and why."""

    id: int | None = Field(default=None, primary_key=True)
    complaint_id: int = Field(foreign_key="complaint.id", index=True)
    from_status: str | None = Field(default=None, max_length=12)
    to_status: str = Field(max_length=12)
    at: datetime = Field(default_factory=utcnow)
    user_id: int | None = Field(default=None, foreign_key="user.id")
    note: str | None = Field(default=None, max_length=400)
