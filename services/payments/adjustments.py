"""Corrections: an adjustment run (top-ups or reversals) citing finalised lines; nothing is edited.

A finalised line is never changed. A mistake is corrected by a new run of kind ``adjustment``
whose lines cite the original (``corrects_line_id``):

* ``topup`` — pays more for the same person and month, up to the month's full premium
  (for example after a run paid 60 %);
* ``reversal`` — records money taken back, up to what is still paid on that line.

What is "still paid" on a line is its amount plus the top-ups minus the reversals of every
adjustment line citing it that is not cancelled (drafts and approved ones included, so that two
corrections cannot take back the same money). The adjustment run is approved and finalised like
any run (maker-checker); its lines do not count as months paid (the 60-month cap and the
paid-once rule count ``payment`` lines only). Budget use: payments + top-ups − reversals.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy import case, func
from sqlmodel import Session, select

from db.models import PaymentLine, PaymentRun, utcnow
from lib.errors import InvalidInput
from lib.payments import program_b_shares
from services.program_parameters import share_weights
from services.base import Actor, audit, snapshot
from services.payments.common import fa, load_run, require_preparer
from services.payments.lines import every_line
from services.payments.runs import _text, write_lines

ADJUSTMENT_KINDS = ("topup", "reversal")
_COLUMNS = (
    "run_id", "application_id", "applicant_id", "program_id", "jalali_year", "jalali_month", "days",
    "daily_wage_rial", "rate_bp", "percent", "share_percent", "full_amount_rial", "amount_rial", "agency_rial",
    "government_rial", "line_kind", "corrects_line_id", "county_id",
)


def net_paid(session: Session, line_ids: Sequence[int]) -> dict[int, int]:
    """What is still paid on each line: amount + top-ups − reversals (adjustments not cancelled)."""
    if not line_ids:
        return {}
    base = dict(session.exec(
        select(PaymentLine.id, PaymentLine.amount_rial).where(PaymentLine.id.in_(line_ids))  # type: ignore[union-attr]
    ).all())
    lines = every_line()  # corrections staged (draft, approved) or finalised
    signed = case((lines.c.line_kind == "reversal", -lines.c.amount_rial), else_=lines.c.amount_rial)
    corrections = dict(session.exec(
        select(lines.c.corrects_line_id, func.sum(signed))
        .join(PaymentRun, PaymentRun.id == lines.c.run_id)
        .where(lines.c.corrects_line_id.in_(line_ids), PaymentRun.status != "cancelled")
        .group_by(lines.c.corrects_line_id)
    ).all())
    return {line_id: int(amount) + int(corrections.get(line_id) or 0) for line_id, amount in base.items()}


def create_adjustment_run(
    session: Session,
    actor: Actor,
    run_id: int,
    line_ids: Sequence[int],
    *,
    kind: str,
    reason: str,
    amounts: Mapping[int, int] | None = None,
) -> PaymentRun:
    """A draft adjustment run citing lines of the finalised run ``run_id``; approved and finalised
    like any run. ``kind`` 'topup' pays up to each line's full premium, 'reversal' takes back up to
    what is still paid (``amounts`` per line id; default: all that can be)."""
    original = load_run(session, run_id)
    require_preparer(actor, original.province_id, original.county_id)
    if kind not in ADJUSTMENT_KINDS:
        raise InvalidInput("نوع اصلاح باید «پرداخت تکمیلی» (topup) یا «برگشت» (reversal) باشد.", field="kind")
    reason_text = _text(reason, "reason", "دلیل اصلاح", required=True)
    if original.status != "finalized":
        raise InvalidInput(
            "فقط نوبت قطعی‌شده با نوبت اصلاحی اصلاح می‌شود؛ نوبتی را که هنوز قطعی نشده لغو و دوباره تهیه کنید.",
            field="run_id",
        )
    ids = sorted({int(i) for i in line_ids}) if line_ids else []
    if not ids:
        raise InvalidInput("دست‌کم یک ردیف از نوبت را برای اصلاح انتخاب کنید.", field="line_ids")
    lines = {
        line.id: line
        for line in session.exec(
            select(PaymentLine).where(PaymentLine.id.in_(ids), PaymentLine.run_id == run_id,  # type: ignore[union-attr]
                                      PaymentLine.line_kind == "payment")
        ).all()
    }
    unknown = [i for i in ids if i not in lines]
    if unknown:
        raise InvalidInput(
            f"ردیف {fa(unknown[0], False)} از ردیف‌های پرداخت این نوبت نیست؛ فقط ردیف‌های همین نوبت را انتخاب کنید.",
            field="line_ids",
        )
    still = net_paid(session, ids)
    amounts = dict(amounts or {})
    stray = [i for i in amounts if i not in lines]
    if stray:
        raise InvalidInput(f"برای ردیف {fa(stray[0], False)} مبلغ داده شده اما آن ردیف انتخاب نشده است.", field="amounts")
    rows, total, agency_total, government_total = [], 0, 0, 0
    for line_id in ids:
        line = lines[line_id]
        room = line.full_amount_rial - still[line_id] if kind == "topup" else still[line_id]
        amount = amounts.get(line_id, room)
        if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
            raise InvalidInput(f"مبلغ اصلاح ردیف {fa(line_id, False)} باید عدد صحیح مثبت (ریال) باشد.", field="amounts")
        if amount > room:
            what = "تا سقف حق بیمه کامل آن ماه" if kind == "topup" else "از آنچه پرداخت شده"
            raise InvalidInput(
                f"مبلغ اصلاح ردیف {fa(line_id, False)} ({fa(amount)} ریال) بیش از حد مجاز است؛ {what} فقط "
                f"{fa(room)} ریال جا دارد.",
                field="amounts",
            )
        if line.government_rial:  # programme B: the split of the parameters in force (8/10 in the seeds)
            parts = program_b_shares(amount, share_weights(session, line.program_id))
            agency, government = parts["agency"], parts["government"]
        else:
            agency, government = amount, 0
        total += amount
        agency_total += agency
        government_total += government
        rows.append((
            None, line.application_id, line.applicant_id, line.program_id, line.jalali_year, line.jalali_month,
            line.days, line.daily_wage_rial, line.rate_bp, line.percent, line.share_percent, line.full_amount_rial,
            amount, agency, government, kind, line.id, line.county_id,
        ))
    run = PaymentRun(
        program_id=original.program_id, province_id=original.province_id, county_id=original.county_id,
        jalali_year=original.jalali_year, start_month=original.start_month, months=original.months,
        end_year=original.end_year, end_month=original.end_month, kind="adjustment", corrects_run_id=original.id,
        strategy=kind, percent=100, paid_months=None, budget_rial=total, total_rial=total, agency_rial=agency_total,
        government_rial=government_total, people=len({r[1] for r in rows}), line_count=len(rows), status="draft",
        created_by=actor.id, created_at=utcnow(), note=reason_text,
    )
    session.add(run)
    session.flush()
    write_lines(session, [(run.id, *row[1:]) for row in rows], _COLUMNS)
    audit(session, actor, f"payment_run.adjust.{kind}", "paymentrun", run.id,
          after={**(snapshot(run) or {}), "corrects_lines": ids})
    session.commit()
    session.refresh(run)
    return run
