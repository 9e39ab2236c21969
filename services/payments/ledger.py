"""A beneficiary's ledger (for the case page): months granted, what each run paid, what SSO confirmed,
and what is left of the cap.

Months paid count the live ``payment`` lines of the person in the programme (any of their cases),
as the 60-month cap does (services.payments.runs); amounts are net of top-ups and reversals.
Runs not finalised yet (draft, approved) are listed as in progress and count nothing; cancelled
runs are left out.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from sqlalchemy import case, func
from sqlmodel import Session, select

from db.models import Applicant, Application, PaymentRun, Program
from lib.jalali import YearMonth, format_year_month
from lib.payments import MAX_MONTHS
from services.applications import get_application
from services.base import Actor
from services.payments.common import RUN_KIND_LABELS, RUN_STATUS_LABELS
from services.payments.lines import every_line

LEDGER_COLUMNS = [
    "run_id", "kind_label", "status", "status_label", "period", "months", "amount_rial",
    "confirmed", "rejected", "pending", "finalized_at",
]


@dataclass(frozen=True)
class Ledger:
    application_id: int
    program: str
    months_granted: int | None
    first_month: str | None  # the first month granted, as people read it
    cap: int | None  # months a person may be paid in this programme (A: 60)
    months_paid: int  # live payment lines of the person in the programme
    months_confirmed: int  # of those, confirmed by SSO
    months_rejected: int
    amount_paid_rial: int  # net of top-ups and reversals, finalised runs only
    runs: pd.DataFrame  # one row per run (LEDGER_COLUMNS)
    insurance_no: str | None = None  # the person's SSO insurance number, once SSO has sent it

    @property
    def months_left(self) -> int | None:
        return None if self.cap is None else max(0, self.cap - self.months_paid)

    @property
    def granted_left(self) -> int | None:
        """Months of this case's grant not paid yet (None when nothing is granted)."""
        return None if self.months_granted is None else max(0, self.months_granted - self.months_paid)


def beneficiary_ledger(session: Session, actor: Actor, application_id: int) -> Ledger:
    """The ledger of the person of case ``application_id`` in its programme (area-checked like the case)."""
    application: Application = get_application(session, actor, application_id)
    program = session.get(Program, application.program_id)
    lines = every_line()  # runs not finalised included (their lines are staged)
    signed = case((lines.c.line_kind == "reversal", -lines.c.amount_rial), else_=lines.c.amount_rial)
    is_payment = lines.c.line_kind == "payment"
    rows = session.exec(
        select(
            PaymentRun.id, PaymentRun.kind, PaymentRun.status, PaymentRun.finalized_at,
            func.min(lines.c.jalali_year * 12 + lines.c.jalali_month - 1),
            func.max(lines.c.jalali_year * 12 + lines.c.jalali_month - 1),
            func.sum(case((is_payment, 1), else_=0)),
            func.sum(signed),
            func.sum(case((is_payment & (lines.c.sso_status == "confirmed"), 1), else_=0)),
            func.sum(case((is_payment & (lines.c.sso_status == "rejected"), 1), else_=0)),
            func.sum(case((is_payment & (lines.c.sso_status == "pending"), 1), else_=0)),
        )
        .join(PaymentRun, PaymentRun.id == lines.c.run_id)
        .where(
            lines.c.applicant_id == application.applicant_id,
            lines.c.program_id == application.program_id,
            PaymentRun.status != "cancelled",
        )
        .group_by(PaymentRun.id, PaymentRun.kind, PaymentRun.status, PaymentRun.finalized_at)
        .order_by(PaymentRun.id)
    ).all()
    records = []
    for run_id, kind, status, finalized_at, first, last, months, amount, confirmed, rejected, pending in rows:
        first_ym, last_ym = YearMonth.from_index(int(first)), YearMonth.from_index(int(last))
        period = format_year_month(first_ym) if first == last else f"{format_year_month(first_ym)} تا {format_year_month(last_ym)}"
        records.append([
            run_id, RUN_KIND_LABELS.get(kind, kind), status, RUN_STATUS_LABELS.get(status, status), period,
            int(months or 0), int(amount or 0), int(confirmed or 0), int(rejected or 0), int(pending or 0), finalized_at,
        ])
    runs = pd.DataFrame(records, columns=LEDGER_COLUMNS)
    final = runs[runs["status"] == "finalized"]
    cap = program.max_months if program.max_months is not None else (MAX_MONTHS if program.code == "A" else None)
    first_month = (
        format_year_month((application.start_year, application.start_month))
        if application.start_year and application.start_month else None
    )
    return Ledger(
        application_id=application.id, program=program.code, months_granted=application.months_granted,
        first_month=first_month, cap=cap, months_paid=int(final["months"].sum()),
        months_confirmed=int(final["confirmed"].sum()), months_rejected=int(final["rejected"].sum()),
        amount_paid_rial=int(final["amount_rial"].sum()), runs=runs,
        insurance_no=session.exec(select(Applicant.sso_insurance_no).where(Applicant.id == application.applicant_id)).one(),
    )
