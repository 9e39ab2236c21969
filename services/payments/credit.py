"""A run never spends more than the province's credit (services.budgets) for each Jalali year.

A run's lines are grouped by the Jalali year of their month (a period across Nowruz draws on two
years' credit). Programme A's sources are one pool: the run's amount must fit what is left of it.
Programme B's two sources are checked on their own: the lines' agency shares (8 %) against the
relief committee's credit, their government shares (10 %) against the government's. Reversals
give back. Checked when the draft is created (early word) and again, with the budget rows locked,
inside the transaction that finalises the run (the word that counts).
"""
from __future__ import annotations

from sqlalchemy import case, func
from sqlmodel import Session, select

from db.models import PaymentRun
from lib.errors import InvalidInput
from lib.text import to_persian_digits
from services.budgets import B_SHARE_OF_SOURCE, budget_position
from services.payments.common import fa
from services.payments.lines import line_table

Spend = dict[int, tuple[int, int, int]]  # Jalali year → (amount, agency share, government share)


def run_spend(session: Session, run: PaymentRun) -> Spend:
    """What the run's lines (staged or paid) spend per Jalali year; reversals give back."""
    lines = line_table(run)
    sign = case((lines.line_kind == "reversal", -1), else_=1)
    rows = session.exec(
        select(
            lines.jalali_year,
            func.sum(sign * lines.amount_rial),
            func.sum(sign * lines.agency_rial),
            func.sum(sign * lines.government_rial),
        )
        .where(lines.run_id == run.id)
        .group_by(lines.jalali_year)
    ).all()
    return {int(y): (int(a), int(g), int(v)) for y, a, g, v in rows}


def check_credit(session: Session, *, program: str, province_id: int, spend: Spend, lock: bool) -> None:
    """InvalidInput (Persian) when the spend of any year is above what is left of its credit."""
    for year in sorted(spend):
        amount, agency, government = spend[year]
        if amount <= 0:
            continue
        position = budget_position(session, program=program, province_id=province_id, jalali_year=year, lock=lock)
        year_fa = to_persian_digits(year)
        if position.pooled:
            if amount > position.left_rial:
                raise InvalidInput(
                    f"اعتبار سال {year_fa} کافی نیست: از اعتبار {fa(position.credit_rial)} ریال، "
                    f"{fa(position.left_rial)} ریال مانده و این نوبت {fa(amount)} ریال برای ماه‌های همین سال "
                    "می‌خواهد. اعتبار را در صفحه اعتبارها افزایش دهید یا مبلغ نوبت را کم کنید.",
                    field="budget_rial",
                )
            continue
        for source in position.sources:
            need = agency if B_SHARE_OF_SOURCE.get(source.source) == "agency" else government
            if need > source.left_rial:
                raise InvalidInput(
                    f"اعتبار «{source.label}» سال {year_fa} کافی نیست: {fa(source.left_rial)} ریال مانده و سهم "
                    f"این منبع در این نوبت {fa(need)} ریال است. اعتبار این منبع را افزایش دهید یا مبلغ نوبت را کم کنید.",
                    field="budget_rial",
                )
