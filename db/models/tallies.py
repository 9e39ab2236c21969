"""Running tallies the monitoring screen and the home page read instead of the cases and lines.

Kept by database triggers (migrations 0017, 0022) in the transaction of every write to the tables they
count, whatever writes them (services, bulk writers, the demo): SQLite has row triggers; PostgreSQL
has statement triggers over the statement's changed rows (transition tables), one grouped upsert a
statement. A row whose count fell to zero stays (it counts nothing). ``-1`` stands for "none" in a
key column (key columns cannot be NULL). No CHECK keeps the sums from going below zero: both
databases check a row before an upsert finds it is a conflict, and taking a row off is an upsert of
minus its figures.

* ``CaseTally``: cases per county, programme and state; for the running states (active,
  suspended) also per what their premiums depend on (contract rate, share, grant start and
  length), the other states with those columns at -1.
* ``CaseStateTally``: cases per county, programme and state only — at most counties × programmes
  × states rows at any number of cases: what the home page and the monitoring screen count.
* ``SpendTally``: the live payment lines (finalised runs) per Jalali year, county, programme,
  month, SSO status and kind: how many, and the agency's and the government's rials.
* ``SeatTally``: programme B introductions SSO has not refused, per Jalali year and county.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Column, Index
from sqlmodel import Field, SQLModel

TALLY_RUNNING_STATES = ("active", "suspended")
"""States whose cases the case tally keeps with what their premiums depend on."""

NONE_KEY = -1
"""A key column's "none" (no contract rate, share, start or grant length; or not a running state)."""


class CaseTally(SQLModel, table=True):
    county_id: int = Field(foreign_key="county.id", primary_key=True)
    program_id: int = Field(foreign_key="program.id", primary_key=True)
    state: str = Field(max_length=30, primary_key=True)
    contract_rate_bp: int = Field(primary_key=True)
    share_percent: int = Field(primary_key=True)
    start_year: int = Field(primary_key=True)
    start_month: int = Field(primary_key=True)
    months_granted: int = Field(primary_key=True)
    cases: int = 0


class CaseStateTally(SQLModel, table=True):
    __table_args__ = (Index("ix_casestatetally_program_state", "program_id", "state", "cases"),)  # covers a national count

    county_id: int = Field(foreign_key="county.id", primary_key=True)
    program_id: int = Field(foreign_key="program.id", primary_key=True)
    state: str = Field(max_length=30, primary_key=True)
    cases: int = 0


class SpendTally(SQLModel, table=True):
    jalali_year: int = Field(primary_key=True)
    county_id: int = Field(foreign_key="county.id", primary_key=True)
    program_id: int = Field(foreign_key="program.id", primary_key=True)
    jalali_month: int = Field(primary_key=True)
    sso_status: str = Field(max_length=10, primary_key=True)
    line_kind: str = Field(max_length=10, primary_key=True)
    lines: int = 0
    agency_rial: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    government_rial: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))


class SeatTally(SQLModel, table=True):
    jalali_year: int = Field(primary_key=True)
    county_id: int = Field(foreign_key="county.id", primary_key=True)
    introduced: int = 0


class StageReach(SQLModel, table=True):
    """Each case's first reaching of each stage's state and the stage's time in days (migration 0025;
    NULL days: the state that starts the stage was never reached, or the state is no stage of the
    case's programme), with the case's programme and area copied: what the SLA dashboard reads."""

    __table_args__ = (
        Index("ix_stagereach_county", "program_id", "state", "province_id", "county_id", "days", "day"),
        Index("ix_stagereach_area", "program_id", "state", "days", "day", "province_id", "county_id"),
        Index("ix_stagereach_day", "program_id", "state", "day", "days", "province_id", "county_id"),
    )

    application_id: int = Field(foreign_key="application.id", primary_key=True, sa_column_kwargs={"autoincrement": False})
    state: str = Field(max_length=30, primary_key=True)
    program_id: int = Field(foreign_key="program.id")
    province_id: int = Field(foreign_key="province.id")
    county_id: int = Field(foreign_key="county.id")
    reached_at: datetime
    day: date
    days: float | None = None


class PersonCaseTally(SQLModel, table=True):
    """Cases per person (migration 0026): the people with more than one case, through the index by count."""

    __table_args__ = (Index("ix_personcasetally_cases", "cases", "applicant_id"),)

    # a derived row goes with its person (ON DELETE CASCADE): its count may stay at 0 after her cases went
    applicant_id: int = Field(foreign_key="applicant.id", ondelete="CASCADE", primary_key=True,
                              sa_column_kwargs={"autoincrement": False})
    cases: int = 0


class PaidTally(SQLModel, table=True):
    """Live payment lines of kind payment (a month paid) per person and case (migration 0026)."""

    # derived rows go with their person and case (ON DELETE CASCADE): a count may stay at 0
    applicant_id: int = Field(foreign_key="applicant.id", ondelete="CASCADE", primary_key=True,
                              sa_column_kwargs={"autoincrement": False})
    application_id: int = Field(foreign_key="application.id", ondelete="CASCADE", primary_key=True,
                                sa_column_kwargs={"autoincrement": False})
    lines: int = 0


class ProvinceCostTally(SQLModel, table=True):
    """Running cases per their county's province and what their premiums depend on (migration 0026):
    the case tally's running rows with a province's counties added together, -1 for "none"."""

    province_id: int = Field(foreign_key="province.id", primary_key=True, sa_column_kwargs={"autoincrement": False})
    program_id: int = Field(foreign_key="program.id", primary_key=True)
    contract_rate_bp: int = Field(primary_key=True)
    share_percent: int = Field(primary_key=True)
    start_year: int = Field(primary_key=True)
    start_month: int = Field(primary_key=True)
    months_granted: int = Field(primary_key=True)
    cases: int = 0


class JalaliMonth(SQLModel, table=True):
    """Every Jalali month of the years 1300–1599 with its first and last Gregorian day (migration 0029):
    how the database tells which month a day falls in."""

    first_day: date = Field(primary_key=True)
    last_day: date
    jalali_year: int
    jalali_month: int


class StageMonthTally(SQLModel, table=True):
    """Finished stages per programme, stage, Jalali month (its first day), province and county (migration
    0029), from the stage times kept in ``stagereach``: how many, the sum of their days, and how many took
    longer than the stage's target now (recounted when a target is set)."""

    __table_args__ = (Index("ix_stagemonthtally_county", "program_id", "state", "province_id", "county_id", "month",
                            "done", "days_sum", "late"),)  # a period's counties summed in order

    program_id: int = Field(foreign_key="program.id", primary_key=True)
    state: str = Field(max_length=30, primary_key=True)
    month: date = Field(primary_key=True)
    province_id: int = Field(foreign_key="province.id", primary_key=True)
    county_id: int = Field(foreign_key="county.id", primary_key=True)
    done: int = 0
    days_sum: float = 0.0
    late: int = 0
