"""Areas and reference data: provinces, counties, programmes, minimum wages, scoring policies,
the service agreement (validity period, stage targets)."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, Column, UniqueConstraint, true as sa_true
from sqlmodel import Field, SQLModel

from db.models.common import money, utcnow


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
    # a county an administrator retired (merged, split): no longer offered for new cases or users;
    # its cases, users and history keep it (issue 12)
    active: bool = Field(default=True, sa_column_kwargs={"server_default": sa_true()})


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


# --------------------------------------------------------------------------- service agreement
class ServiceAgreement(SQLModel, table=True):
    """A programme's service agreement: its validity period, as an administrator recorded it."""

    __table_args__ = (
        CheckConstraint("valid_from IS NULL OR valid_until IS NULL OR valid_from <= valid_until",
                        name="agreement_period_order"),
    )
    program_id: int = Field(foreign_key="program.id", primary_key=True, sa_column_kwargs={"autoincrement": False})
    valid_from: date | None = None
    valid_until: date | None = None
    set_by: int | None = Field(default=None, foreign_key="user.id")
    set_by_name: str = Field(max_length=120)
    set_at: datetime = Field(default_factory=utcnow)


class StageTarget(SQLModel, table=True):
    """How long one stage of a programme may take (working days) and how many in-person visits it
    asks of the applicant; set by an administrator (the seeds give no figure), who and when kept."""

    __table_args__ = (
        UniqueConstraint("program_id", "stage"),
        CheckConstraint("target_days > 0", name="stage_target_days_positive"),
        CheckConstraint("visits >= 0", name="stage_target_visits"),
    )
    id: int | None = Field(default=None, primary_key=True)
    program_id: int = Field(foreign_key="program.id", index=True)
    stage: str = Field(max_length=40)
    target_days: int
    visits: int = 0
    set_by: int | None = Field(default=None, foreign_key="user.id")
    set_by_name: str = Field(max_length=120)
    set_at: datetime = Field(default_factory=utcnow)


# --------------------------------------------------------------------------- programme parameters
class ProgramParameterVersion(SQLModel, table=True):
    """One version of a programme's parameters as an administrator saved it (issue 12): the premium
    rate, the funding shares (programme B: agency + government = the rate) and the cap of months per
    person. Versions are only added, never changed; the newest is in force and copied onto the
    programme row that the calculation services read."""

    __table_args__ = (
        UniqueConstraint("program_id", "version"),
        CheckConstraint("version > 0", name="parameter_version_positive"),
        CheckConstraint("rate_bp > 0 AND rate_bp <= 10000", name="parameter_rate_range"),
        CheckConstraint("max_months IS NULL OR (max_months > 0 AND max_months <= 600)", name="parameter_max_months"),
        CheckConstraint(
            "(agency_share_bp IS NULL AND government_share_bp IS NULL) OR (agency_share_bp >= 0 AND "
            "government_share_bp >= 0 AND agency_share_bp + government_share_bp = rate_bp)",
            name="parameter_shares_add_up",
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    program_id: int = Field(foreign_key="program.id", index=True)
    version: int
    rate_bp: int
    max_months: int | None = None
    agency_share_bp: int | None = None
    government_share_bp: int | None = None
    note: str | None = Field(default=None, max_length=300)
    set_by: int | None = Field(default=None, foreign_key="user.id")
    set_by_name: str = Field(max_length=120)
    set_at: datetime = Field(default_factory=utcnow)
