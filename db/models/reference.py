"""Areas and reference data: provinces, counties, programmes, minimum wages, scoring policies."""
from __future__ import annotations

from datetime import date

from sqlalchemy import JSON, CheckConstraint, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from db.models.common import money


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
