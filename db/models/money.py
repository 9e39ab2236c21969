"""Quotas, budgets (credit by funding source), payment runs and their lines."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, Column, Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from db.models.common import money, utcnow


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


def _application_county(context) -> int | None:
    """A line's county when the insert leaves it out: its application's county (one look-up per
    row, for lines added one at a time; bulk writers give ``county_id`` themselves)."""
    application_id = context.get_current_parameters().get("application_id")
    return context.connection.execute(
        text("SELECT county_id FROM application WHERE id = :id"), {"id": application_id}
    ).scalar()


class LineFigures(SQLModel):
    """What a payment line says, paid or staged: the month, its days, that year's minimum daily
    wage, the SSO contract rate, the run's cut (``percent``), the committee's share, the premium at
    100 % and what is paid, split into the agency's and the government's shares."""

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


class PaymentLine(LineFigures, table=True):
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
    county_id: int = Field(
        foreign_key="county.id", sa_column_kwargs={"default": _application_county}
    )
    live: bool = True
    line_kind: str = Field(default="payment", max_length=10)
    corrects_line_id: int | None = Field(default=None, foreign_key="paymentline.id")
    sso_status: str = Field(default="pending", max_length=10)
    sso_reason: str | None = Field(default=None, max_length=400)
    sso_checked_at: datetime | None = None


class PaymentDraftLine(LineFigures, table=True):
    """A line of a run that is not finalised (draft, approved or cancelled): the staging table.

    A run's lines are written here when it is prepared (or corrected); finalising moves them, with
    their ids, into ``paymentline`` with one INSERT … SELECT and deletes them here, in the
    transaction that marks the run finalised. So ``paymentline`` holds what was paid and its
    indexes (paid once, monitoring) are written once per line; this table has only its key and
    the run index, and checks only the run (the move into ``paymentline`` checks every
    reference). A line's id is drawn from ``paymentline``'s id space (services.payments.lines)
    and kept by the move, so a list exported from an approved run names the same line ids as the
    finalised run. The columns are ``paymentline``'s; ``live`` is always false here."""

    __table_args__ = (
        CheckConstraint("amount_rial >= 0 AND amount_rial <= full_amount_rial", name="draft_line_amount"),
        CheckConstraint("agency_rial + government_rial = amount_rial", name="draft_line_shares_add_up"),
        CheckConstraint("line_kind IN ('payment', 'topup', 'reversal')", name="draft_line_kind"),
    )
    id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    run_id: int = Field(foreign_key="paymentrun.id", index=True)
    application_id: int
    applicant_id: int
    program_id: int
    county_id: int
    live: bool = False
    line_kind: str = Field(default="payment", max_length=10)
    corrects_line_id: int | None = None
    sso_status: str = Field(default="pending", max_length=10)
    sso_reason: str | None = Field(default=None, max_length=400)
    sso_checked_at: datetime | None = None
