"""Applicants, their applications (cases), households, score cards, documents, eligibility."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, Column, Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from db.models.common import OPEN_APPLICATION_WHERE, utcnow


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
    sso_insurance_no: str | None = Field(default=None, max_length=12)  # assigned by SSO (reconciliation)
    is_demo: bool = False
    created_at: datetime = Field(default_factory=utcnow)


# The scored cases awaiting a committee, as the ranking indexes of migration 0018 are written (a
# literal: a partial index serves a query only when the query repeats its condition; with
# ``priority_override IS NULL`` or ``IS NOT NULL``, which the indexes also name).
RANKED_STATES = ("scored", "county_decision", "province_decision")
RANKED_WHERE = (f"application.state IN ({', '.join(repr(s) for s in RANKED_STATES)}) "
                "AND application.score_total IS NOT NULL")

# Programme B's requests not on the waiting list yet (documents being gathered), as the partial index
# of migration 0027 is written: the introductions page lists a county's, oldest request first.
BEFORE_LIST_STATES = ("received", "documents_incomplete")
BEFORE_LIST_WHERE = f"state IN ({', '.join(repr(s) for s in BEFORE_LIST_STATES)})"

# The states a case can wait in for a stage of some programme (lib.service_agreement.waiting_for), as the
# partial index of migration 0028 is written: the SLA dashboard reads the waiting cases from it alone.
WAITING_STATES = ("received", "documents_incomplete", "scored", "county_decision", "province_decision", "introduced")
WAITING_WHERE = f"state IN ({', '.join(repr(s) for s in WAITING_STATES)})"


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
        # the case list's order (newest application first): its first page reads only its rows
        Index("ix_application_applied_on_id", "applied_on", "id"),
        # migration 0027: a county's requests of a programme before the waiting list, in request order
        # (PostgreSQL walked the whole request-order index for them: 80,000 rows at 100,000 applicants)
        Index("ix_application_before_list", "county_id", "program_id", "applied_on", "id",
              sqlite_where=text(BEFORE_LIST_WHERE), postgresql_where=text(BEFORE_LIST_WHERE)),
        # migration 0028: the cases waiting for a stage, by when that stage began (the SLA dashboard)
        Index("ix_application_waiting", "program_id", "state", "stage_since", "province_id", "county_id",
              sqlite_where=text(WAITING_WHERE), postgresql_where=text(WAITING_WHERE)),
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
    # the total of the newest score card (NULL: not scored), kept by triggers on score_card (migration 0018)
    score_total: int | None = None
    # when the stage the case waits for began (the first reaching of the state that started it; NULL: it
    # waits for none), kept by triggers on its state and on stagereach (migration 0028)
    stage_since: datetime | None = None
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
    __table_args__ = (
        CheckConstraint("total >= 0", name="score_total"),
        # a case's current (newest) card and its total straight from the index (lists and ranking)
        Index("ix_score_card_latest", "application_id", "id", "total"),
    )
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
