"""The schema. SQLModel tables; Alembic (db/migrations) owns their creation.

What must never happen is a database constraint, not only code:
- one national code, one applicant; one open application per applicant and programme
  (partial unique index);
- a person is never paid twice for the same month, by either programme
  (partial unique index over the live payment lines per applicant, year, month);
- decisions and the audit log are append-only (triggers created by the migration);
- money columns are 64-bit integers of rials and never negative (check constraints).

Dates are Gregorian ``date``; timestamps are timezone-aware ``datetime`` in UTC; payment periods are Jalali (year, month).
"""
from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Column,
    Index,
    String,
    UniqueConstraint,
    text,
)
from sqlmodel import Field, SQLModel

OPEN_APPLICATION_WHERE = "state NOT IN ('completed', 'rejected', 'withdrawn')"


def utcnow() -> datetime:
    """Now, timezone-aware in UTC (SQLModel stores aware datetimes; SQLite keeps them as UTC)."""
    return datetime.now(timezone.utc)


def utc_midnight(day: date) -> datetime:
    """The start of a (Gregorian) day in UTC, for comparing dates with timestamps."""
    return datetime(day.year, day.month, day.day, tzinfo=timezone.utc)


def money(**kw: Any) -> Any:
    """A non-negative integer rial column (64-bit)."""
    return Field(sa_type=BigInteger, **kw)


# --------------------------------------------------------------------------- areas
class Province(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=4, unique=True)
    name: str = Field(max_length=80, unique=True)


class County(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("province_id", "name"),)
    id: int | None = Field(default=None, primary_key=True)
    province_id: int = Field(foreign_key="province.id", index=True)
    name: str = Field(max_length=80)


# --------------------------------------------------------------------------- reference
class Program(SQLModel, table=True):
    """A programme and its parameters (A: self-employed share, B: female heads)."""

    __table_args__ = (
        CheckConstraint("rate_bp >= 0 AND rate_bp <= 10000", name="program_rate_range"),
        CheckConstraint("max_months IS NULL OR max_months > 0", name="program_max_months"),
    )
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=2, unique=True)
    name: str = Field(max_length=200)
    agency: str = Field(max_length=120)
    rate_bp: int = Field(description="default premium rate in basis points")
    max_months: int | None = Field(default=None)
    agency_share_bp: int | None = Field(default=None)
    government_share_bp: int | None = Field(default=None)
    service_code: str | None = Field(default=None, max_length=20)
    sla_valid_until: date | None = None
    sla_delivery_days: int | None = None
    sla_in_person_visits: int | None = None
    active: bool = True


class MinimumWage(SQLModel, table=True):
    """Supreme Labour Council minimum daily wage per Jalali year (editable)."""

    __table_args__ = (CheckConstraint("daily_wage_rial > 0", name="wage_positive"),)
    jalali_year: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    daily_wage_rial: int = money()
    confirmed: bool = True
    note: str | None = Field(default=None, max_length=300)


class ScoringPolicyVersion(SQLModel, table=True):
    """A scoring table as data; cards keep the version they were scored with."""

    version: str = Field(primary_key=True, max_length=40)
    rules: dict = Field(sa_column=Column(JSON, nullable=False))
    adopted_on: date
    note: str | None = Field(default=None, max_length=300)


# --------------------------------------------------------------------------- users
class User(SQLModel, table=True):
    __table_args__ = (
        CheckConstraint("failed_logins >= 0", name="user_failed_logins"),
    )
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=60, unique=True)
    full_name: str = Field(max_length=120)
    password_hash: str = Field(max_length=200)
    role: str = Field(max_length=30)
    province_id: int | None = Field(default=None, foreign_key="province.id")
    county_id: int | None = Field(default=None, foreign_key="county.id")
    active: bool = True
    is_demo: bool = False
    # No longer written (sign-in failures are throttled in SignInThrottle, issue 9); kept because
    # dropping them would rebuild ``user`` on SQLite, which every other table references.
    failed_logins: int = 0
    locked_until: datetime | None = None
    last_login_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)


class SignInSession(SQLModel, table=True):
    """A signed-in browser. Its cookie holds a random token; the database holds only the token's
    SHA-256, so a copy of the database signs no one in. Deleting the row signs that browser out
    on every tab and every app server; ``password_stamp`` (a digest of the password hash at
    sign-in) ends the session when the password changes by any route."""

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    password_stamp: str = Field(max_length=64)
    client: str = Field(default="", max_length=64)
    created_at: datetime = Field(default_factory=utcnow)
    last_seen_at: datetime = Field(default_factory=utcnow)


class SignInThrottle(SQLModel, table=True):
    """Failed sign-ins counted per account name (existing or not) and per client address.
    After a few free failures each further one waits longer; nothing is ever locked."""

    __table_args__ = (CheckConstraint("failures >= 0", name="signin_throttle_failures"),)
    kind: str = Field(primary_key=True, max_length=10)  # "account" or "client"
    subject: str = Field(primary_key=True, max_length=64)  # the user name as typed, or the address
    failures: int = 0
    last_failure_at: datetime = Field(default_factory=utcnow)
    blocked_until: datetime = Field(default_factory=utcnow)


# --------------------------------------------------------------------------- cases
class Applicant(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    national_code: str = Field(max_length=10, unique=True)
    first_name: str = Field(max_length=80)
    last_name: str = Field(max_length=80)
    father_name: str = Field(default="", max_length=80)
    birth_certificate_no: str = Field(default="", max_length=20)
    birth_date: date | None = None
    gender: str = Field(default="female", max_length=10)
    mobile: str = Field(default="", max_length=11)
    landline: str = Field(default="", max_length=11)
    home_address: str = Field(default="", max_length=400)
    work_address: str = Field(default="", max_length=400)
    county_id: int = Field(foreign_key="county.id", index=True)
    is_demo: bool = False
    created_at: datetime = Field(default_factory=utcnow)


class Application(SQLModel, table=True):
    """A case: one applicant's request under one programme."""

    __table_args__ = (
        Index(
            "uq_application_open_per_program",
            "applicant_id",
            "program_id",
            unique=True,
            sqlite_where=text(OPEN_APPLICATION_WHERE),
            postgresql_where=text(OPEN_APPLICATION_WHERE),
        ),
        Index("ix_application_area_state", "county_id", "state"),
        CheckConstraint(
            "months_granted IS NULL OR months_granted >= 0", name="application_months"
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    tracking_code: str = Field(max_length=20, unique=True)
    applicant_id: int = Field(foreign_key="applicant.id", index=True)
    program_id: int = Field(foreign_key="program.id")
    county_id: int = Field(foreign_key="county.id")
    province_id: int = Field(foreign_key="province.id", index=True)
    channel: str = Field(max_length=20)
    state: str = Field(max_length=30)
    covering_domain: str = Field(default="", max_length=80)
    target_group: str = Field(default="", max_length=80)
    job_field: str = Field(default="", max_length=120)
    discount_holder: bool = False
    head_of_household: bool | None = None  # programme B: the applicant heads her household
    licence_no: str = Field(default="", max_length=40)
    licence_date: date | None = None
    applied_on: date
    contract_rate_bp: int | None = None
    months_granted: int | None = None
    share_percent: int | None = None
    start_year: int | None = None
    start_month: int | None = None
    priority_override: int | None = None
    priority_reason: str | None = Field(default=None, max_length=400)
    priority_set_by: int | None = Field(default=None, foreign_key="user.id")
    is_demo: bool = False
    created_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class ApplicationEvent(SQLModel, table=True):
    """The case timeline: every state change, who and when."""

    id: int | None = Field(default=None, primary_key=True)
    application_id: int = Field(foreign_key="application.id", index=True)
    from_state: str | None = Field(default=None, max_length=30)
    to_state: str = Field(max_length=30)
    at: datetime = Field(default_factory=utcnow)
    user_id: int | None = Field(default=None, foreign_key="user.id")
    note: str | None = Field(default=None, max_length=400)


class Household(SQLModel, table=True):
    """What the scoring table needs, one row per application."""

    __table_args__ = (
        CheckConstraint(
            "disabled_members >= 0 AND dependants >= 0 AND insured_years >= 0",
            name="household_counts",
        ),
    )
    application_id: int = Field(
        foreign_key="application.id", primary_key=True, sa_column_kwargs={"autoincrement": False}
    )
    disabled_members: int = 0
    severity: str | None = Field(default=None, max_length=20)
    marital_status: str = Field(default="single", max_length=20)
    dependants: int = 0
    insured_years: int = 0
    need_grade: int | None = None


class ScoreCardRecord(SQLModel, table=True):
    """A saved score card; the newest per application is current."""

    __tablename__ = "score_card"
    __table_args__ = (CheckConstraint("total >= 0", name="score_total"),)
    id: int | None = Field(default=None, primary_key=True)
    application_id: int = Field(foreign_key="application.id", index=True)
    policy_version: str = Field(foreign_key="scoringpolicyversion.version", max_length=40)
    total: int
    rows: list = Field(sa_column=Column(JSON, nullable=False))
    scored_by: int | None = Field(default=None, foreign_key="user.id")
    scored_at: datetime = Field(default_factory=utcnow)


class Document(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("application_id", "kind", name="uq_document_kind"),
        CheckConstraint("size_bytes IS NULL OR size_bytes >= 0", name="document_size"),
    )
    id: int | None = Field(default=None, primary_key=True)
    application_id: int = Field(foreign_key="application.id", index=True)
    kind: str = Field(max_length=40)
    received: bool = False
    stored_name: str | None = Field(default=None, max_length=100)
    original_name: str | None = Field(default=None, max_length=200)
    mime_type: str | None = Field(default=None, max_length=60)
    size_bytes: int | None = None
    sha256: str | None = Field(default=None, max_length=64)
    uploaded_by: int | None = Field(default=None, foreign_key="user.id")
    uploaded_at: datetime | None = None


class EligibilityConfirmation(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("application_id", "condition", name="uq_eligibility"),)
    id: int | None = Field(default=None, primary_key=True)
    application_id: int = Field(foreign_key="application.id", index=True)
    condition: str = Field(max_length=40)
    satisfied: bool
    confirmed_by: int | None = Field(default=None, foreign_key="user.id")
    confirmed_at: datetime = Field(default_factory=utcnow)
    note: str | None = Field(default=None, max_length=400)


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
    supersedes_id: int | None = Field(default=None, foreign_key="decision.id")
    decided_by: int | None = Field(default=None, foreign_key="user.id")
    decided_at: datetime = Field(default_factory=utcnow)


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


# --------------------------------------------------------------------------- money
class Quota(SQLModel, table=True):
    """Slots announced to an area for a Jalali year (programme B introductions)."""

    __table_args__ = (
        UniqueConstraint("program_id", "province_id", "county_id", "jalali_year", name="uq_quota"),
        CheckConstraint("slots >= 0", name="quota_slots"),
    )
    id: int | None = Field(default=None, primary_key=True)
    program_id: int = Field(foreign_key="program.id")
    province_id: int = Field(foreign_key="province.id")
    county_id: int | None = Field(default=None, foreign_key="county.id")
    jalali_year: int
    slots: int


BUDGET_SOURCE_CODES = ("program_30435", "public_participation", "other", "relief_committee", "government")
"""Funding sources (labels in lib.catalog.FUNDING_SOURCES; which programme uses which: BUDGET_SOURCES)."""


class Budget(SQLModel, table=True):
    """Credit allotted to a province for a programme and Jalali year, by funding source.

    Changed only through services.budgets (audited; never below what finalised runs used)."""

    __table_args__ = (
        UniqueConstraint("program_id", "province_id", "jalali_year", "source", name="uq_budget"),
        CheckConstraint("amount_rial >= 0", name="budget_amount"),
        CheckConstraint(
            "source IN (" + ", ".join(f"'{c}'" for c in BUDGET_SOURCE_CODES) + ")", name="budget_source"
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    program_id: int = Field(foreign_key="program.id")
    province_id: int = Field(foreign_key="province.id")
    jalali_year: int
    source: str = Field(max_length=40)
    amount_rial: int = money()
    updated_by: int | None = Field(default=None, foreign_key="user.id")
    updated_at: datetime | None = None


PAYMENT_LINE_PAID_ONCE_WHERE = "live AND line_kind = 'payment'"
"""The payment lines that count as paid: finalised (``live``) payments (not top-ups or reversals)."""


class PaymentRun(SQLModel, table=True):
    """A payment run (نوبت پرداخت): draft → approved → finalized, or cancelled before finalising.

    The period is ``months`` Jalali months from (``jalali_year``, ``start_month``); it may cross
    Nowruz (``end_year``/``end_month`` name its last month). ``kind`` 'adjustment' is a correction
    (top-ups or reversals) citing the lines of ``corrects_run_id``. A finalised run is read-only
    (triggers created by migration 0005)."""

    __table_args__ = (
        CheckConstraint(
            "status IN ('draft', 'approved', 'finalized', 'cancelled')", name="run_status"
        ),
        CheckConstraint("total_rial >= 0 AND total_rial <= budget_rial", name="run_within_budget"),
        CheckConstraint("percent >= 0 AND percent <= 100", name="run_percent"),
        CheckConstraint("kind IN ('regular', 'adjustment')", name="run_kind"),
    )
    id: int | None = Field(default=None, primary_key=True)
    program_id: int = Field(foreign_key="program.id")
    province_id: int = Field(foreign_key="province.id", index=True)
    county_id: int | None = Field(default=None, foreign_key="county.id")
    jalali_year: int
    start_month: int
    months: int
    end_year: int | None = None
    end_month: int | None = None
    kind: str = Field(default="regular", max_length=12)
    corrects_run_id: int | None = Field(default=None, foreign_key="paymentrun.id")
    strategy: str = Field(max_length=20)
    percent: int = 100
    paid_months: int | None = None
    budget_rial: int = money()
    total_rial: int = money(default=0)
    agency_rial: int = money(default=0)
    government_rial: int = money(default=0)
    people: int = 0
    line_count: int = 0
    held_back: dict | None = Field(default=None, sa_column=Column(JSON))
    status: str = Field(default="draft", max_length=12)
    created_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)
    wage_confirmed_by: int | None = Field(default=None, foreign_key="user.id")
    approved_by: int | None = Field(default=None, foreign_key="user.id")
    approved_at: datetime | None = None
    finalized_by: int | None = Field(default=None, foreign_key="user.id")
    finalized_at: datetime | None = None
    cancelled_by: int | None = Field(default=None, foreign_key="user.id")
    cancelled_at: datetime | None = None
    cancel_reason: str | None = Field(default=None, max_length=400)
    note: str | None = Field(default=None, max_length=400)
    is_demo: bool = False


class PaymentLine(SQLModel, table=True):
    """One person's premium for one Jalali month in a run.

    ``live`` is true once the run is finalised (never for a draft or cancelled run): a person is
    paid at most once per month across both programmes — a partial unique index over the live
    ``payment`` lines (top-ups and reversals cite the line they correct). ``share_percent`` is the
    committee's share; ``percent`` the run's cut; ``full_amount_rial`` the premium at 100 %."""

    __table_args__ = (
        Index(
            "uq_paid_once_live",
            "applicant_id",
            "jalali_year",
            "jalali_month",
            unique=True,
            sqlite_where=text(PAYMENT_LINE_PAID_ONCE_WHERE),
            postgresql_where=text(PAYMENT_LINE_PAID_ONCE_WHERE),
        ),
        Index("ix_paymentline_applicant_program", "applicant_id", "program_id"),
        CheckConstraint("amount_rial >= 0 AND amount_rial <= full_amount_rial", name="line_amount"),
        CheckConstraint(
            "agency_rial + government_rial = amount_rial", name="line_shares_add_up"
        ),
        CheckConstraint("jalali_month BETWEEN 1 AND 12", name="line_month"),
        CheckConstraint("line_kind IN ('payment', 'topup', 'reversal')", name="line_kind"),
        CheckConstraint("sso_status IN ('pending', 'confirmed', 'rejected')", name="line_sso_status"),
        CheckConstraint("share_percent >= 0 AND share_percent <= 100", name="line_share_percent"),
    )
    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="paymentrun.id", index=True)
    application_id: int = Field(foreign_key="application.id", index=True)
    applicant_id: int = Field(foreign_key="applicant.id")
    program_id: int = Field(foreign_key="program.id")
    jalali_year: int
    jalali_month: int
    days: int
    daily_wage_rial: int = money()
    rate_bp: int
    percent: int
    share_percent: int = 100
    full_amount_rial: int = money()
    amount_rial: int = money()
    agency_rial: int = money()
    government_rial: int = money(default=0)
    live: bool = True
    line_kind: str = Field(default="payment", max_length=10)
    corrects_line_id: int | None = Field(default=None, foreign_key="paymentline.id")
    sso_status: str = Field(default="pending", max_length=10)
    sso_reason: str | None = Field(default=None, max_length=400)
    sso_checked_at: datetime | None = None


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


# --------------------------------------------------------------------------- audit
class AuditLog(SQLModel, table=True):
    """Append-only (trigger): who, when, what, before, after."""

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    user_id: int | None = Field(default=None, foreign_key="user.id")
    username: str = Field(default="system", max_length=60)
    action: str = Field(max_length=60)
    entity: str = Field(max_length=40)
    entity_id: str | None = Field(default=None, max_length=40, sa_type=String(40))
    before: dict | None = Field(default=None, sa_column=Column(JSON))
    after: dict | None = Field(default=None, sa_column=Column(JSON))


APPEND_ONLY_TABLES = ("decision", "auditlog")


# --------------------------------------------------------------------------- monitoring (issue 8)
# Covering indexes for services.monitoring's grouped reads (migration 0007): the running cases by
# area and what their premiums depend on; the year's live payment lines summed per run in index
# order; the year's introductions per county.
Index(
    "ix_application_monitoring",
    Application.__table__.c.state, Application.__table__.c.province_id, Application.__table__.c.county_id,
    Application.__table__.c.program_id, Application.__table__.c.contract_rate_bp, Application.__table__.c.share_percent,
    Application.__table__.c.start_year, Application.__table__.c.start_month, Application.__table__.c.months_granted,
)
Index(
    "ix_paymentline_monitoring",
    PaymentLine.__table__.c.jalali_year, PaymentLine.__table__.c.live, PaymentLine.__table__.c.run_id,
    PaymentLine.__table__.c.program_id, PaymentLine.__table__.c.jalali_month, PaymentLine.__table__.c.sso_status,
    PaymentLine.__table__.c.line_kind, PaymentLine.__table__.c.application_id, PaymentLine.__table__.c.amount_rial,
    PaymentLine.__table__.c.agency_rial, PaymentLine.__table__.c.government_rial,
)
Index(
    "ix_introduction_monitoring",
    Introduction.__table__.c.jalali_year, Introduction.__table__.c.county_id, Introduction.__table__.c.refused_on,
)
