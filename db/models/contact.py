"""Notifications (SMS outbox) and complaints."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint
from sqlmodel import Field, SQLModel

from db.models.common import utcnow


# --------------------------------------------------------------------------- contact
class Notification(SQLModel, table=True):
    __table_args__ = (
        CheckConstraint("status IN ('queued', 'sent', 'failed')", name="notification_status"),
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


class Complaint(SQLModel, table=True):
    __table_args__ = (
        CheckConstraint("status IN ('open', 'resolved', 'rejected')", name="complaint_status"),
    )
    id: int | None = Field(default=None, primary_key=True)
    application_id: int | None = Field(default=None, foreign_key="application.id")
    applicant_id: int = Field(foreign_key="applicant.id", index=True)
    channel: str = Field(max_length=20)
    subject: str = Field(max_length=200)
    body: str = Field(max_length=2000)
    status: str = Field(default="open", max_length=10)
    resolution: str | None = Field(default=None, max_length=2000)
    compensation: str | None = Field(default=None, max_length=400)
    created_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)
    resolved_at: datetime | None = None
