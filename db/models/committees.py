"""Committee sessions, members, decisions, agendas, deputy confirmations; programme B introductions and SSO branches."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from db.models.cases import Application
from db.models.common import utcnow


# --------------------------------------------------------------------------- committees
class CommitteeSession(SQLModel, table=True):
    __table_args__ = (
        CheckConstraint("level IN ('county', 'province')", name="session_level"),
        CheckConstraint("status IN ('open', 'closed')", name="session_status"),
    )
    id: int | None = Field(default=None, primary_key=True)
    level: str = Field(max_length=10)
    program_id: int = Field(foreign_key="program.id")
    province_id: int = Field(foreign_key="province.id", index=True)
    county_id: int | None = Field(default=None, foreign_key="county.id")
    held_on: date
    number: str = Field(default="", max_length=40)
    status: str = Field(default="open", max_length=10)
    created_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)
    closed_at: datetime | None = None
    is_demo: bool = False


class SessionMember(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="committeesession.id", index=True)
    role: str = Field(max_length=60)
    full_name: str = Field(max_length=120)


class Decision(SQLModel, table=True):
    """A committee decision. Immutable (trigger); a correction is a new row citing the old."""

    __table_args__ = (
        CheckConstraint("outcome IN ('approve', 'reject', 'defer')", name="decision_outcome"),
        CheckConstraint("level IN ('county', 'province')", name="decision_level"),
        CheckConstraint(
            "months_granted IS NULL OR (months_granted > 0 AND months_granted <= 60)",
            name="decision_months",
        ),
        CheckConstraint(
            "share_percent IS NULL OR (share_percent > 0 AND share_percent <= 100)",
            name="decision_share",
        ),
        # a session's decided cases, counted from the index alone (the sessions list)
        Index("ix_decision_session_case", "session_id", "application_id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    session_id: int | None = Field(default=None, foreign_key="committeesession.id", index=True)
    application_id: int = Field(foreign_key="application.id", index=True)
    level: str = Field(max_length=10)
    outcome: str = Field(max_length=10)
    reason: str = Field(default="", max_length=600)
    months_granted: int | None = None
    share_percent: int | None = None
    contract_rate_bp: int | None = None
    supersedes_id: int | None = Field(default=None, foreign_key="decision.id", index=True)  # "superseded?" lookups
    decided_by: int | None = Field(default=None, foreign_key="user.id")
    decided_at: datetime = Field(default_factory=utcnow)


# The committee pages' list of confirmed cases awaiting their first paid month, oldest first: a page
# of it reads its own rows (migration 0019). Declared here, beside the committees that use it.
Index("ix_application_awaiting", Application.state, Application.province_id, Application.updated_at, Application.id)


class AgendaEntry(SQLModel, table=True):
    """A case on the agenda of a committee session: a case sits on the agenda of at most one open
    session per level (partial unique index); closing the session releases it (``is_open``)."""

    __table_args__ = (
        UniqueConstraint("session_id", "application_id", name="uq_agenda_session_case"),
        Index(
            "uq_agenda_open_case",
            "application_id",
            "level",
            unique=True,
            sqlite_where=text("is_open"),
            postgresql_where=text("is_open"),
        ),
        CheckConstraint("level IN ('county', 'province')", name="agenda_level"),
    )
    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="committeesession.id", index=True)
    application_id: int = Field(foreign_key="application.id", index=True)
    level: str = Field(max_length=10)
    is_open: bool = True
    placed_by: int | None = Field(default=None, foreign_key="user.id")
    placed_at: datetime = Field(default_factory=utcnow)


class DeputyConfirmation(SQLModel, table=True):
    """Programme A: the specialised deputy (rehabilitation, social or prevention) confirms the
    applicant's job readiness and the duration of support (seed 003); one per case, audited."""

    __table_args__ = (
        UniqueConstraint("application_id", name="uq_deputy_confirmation"),
        CheckConstraint("deputy IN ('rehabilitation', 'social', 'prevention')", name="deputy_kind"),
        CheckConstraint("months > 0 AND months <= 60", name="deputy_months"),
    )
    id: int | None = Field(default=None, primary_key=True)
    application_id: int = Field(foreign_key="application.id")
    deputy: str = Field(max_length=20)
    job_ready: bool
    months: int
    confirmed_by: int | None = Field(default=None, foreign_key="user.id")
    confirmed_at: datetime = Field(default_factory=utcnow)
    note: str | None = Field(default=None, max_length=400)


class Introduction(SQLModel, table=True):
    """Programme B: a woman introduced to an SSO branch, counted against her county's quota."""

    __table_args__ = (
        UniqueConstraint("application_id", name="uq_introduction_application"),
        UniqueConstraint("letter_no", name="uq_introduction_letter"),
    )
    id: int | None = Field(default=None, primary_key=True)
    application_id: int = Field(foreign_key="application.id")
    county_id: int = Field(foreign_key="county.id")
    jalali_year: int = Field(index=True)
    branch_id: int | None = Field(default=None, foreign_key="ssobranch.id")
    branch: str = Field(max_length=120)  # the branch's name when the letter was written
    letter_no: str = Field(max_length=40)
    introduced_on: date
    introduced_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)
    # SSO refused her: the introduction no longer counts against the quota (the seat returns).
    refused_on: date | None = None
    refusal_reason: str | None = Field(default=None, max_length=400)
    refused_by: int | None = Field(default=None, foreign_key="user.id")


class SsoBranch(SQLModel, table=True):
    """An SSO branch a county's unit introduces women to (reference data kept by administrators)."""

    __table_args__ = (UniqueConstraint("county_id", "name", name="uq_ssobranch_name"),)
    id: int | None = Field(default=None, primary_key=True)
    county_id: int = Field(foreign_key="county.id", index=True)
    name: str = Field(max_length=120)
    code: str = Field(default="", max_length=20)
    active: bool = True
    is_demo: bool = False
