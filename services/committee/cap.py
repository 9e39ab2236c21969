"""The 60-month cap of programme A and the validation of a decision's terms and reason.

A person is supported at most the programme's cap of months (``month_cap``: 60 unless an
administrator saved another version of the programme's parameters) in the programme, across all their cases and
years (seed 003; DOMAIN.md: months granted count, not only months paid). What is used of the cap:

* on every other case of the person in the programme that the provincial committee granted and
  that is in force or completed (``province_decision``, ``active``, ``suspended``, ``completed``):
  the months granted, or the months paid on it if more were paid;
* on any other case (rejected, withdrawn, or still before the provincial confirmation): the months
  paid on it;
* on the case being decided: the months already paid on it.

What counts as paid is the distinct Jalali months of live payment lines (finalised runs; top-ups
and reversals cite a month already counted), as the payment runs count them; drafts and cancelled
runs count for nothing. A case completed early keeps its grant counted
unless whoever completes it records the months actually used as its grant.
"""
from __future__ import annotations

from sqlalchemy import distinct, func, text
from sqlmodel import Session, select

from db.models import PAYMENT_LINE_PAID_ONCE_WHERE, Application, PaymentLine
from lib import catalog
from lib.errors import InvalidInput
from lib import validate
from lib.text import format_percent_bp, parse_int
from lib.workflow import ProgramCode, State
from services.program_parameters import month_cap
from services.committee.common import OUTCOME_LABELS, REASON_MAX, Outcome, Terms, _fa

GRANT_COUNTS_STATES = (
    State.province_decision.value, State.active.value, State.suspended.value, State.completed.value,
)


def remaining_months(session: Session, program_id: int, cases: dict[int, int]) -> dict[int, int]:
    """Months left of the cap for each case {application_id: applicant_id} (see the module)."""
    if not cases:
        return {}
    applicants = set(cases.values())
    cap = month_cap(session, program_id)  # the programme's parameters in force (services.program_parameters)
    others = session.exec(
        select(Application.id, Application.applicant_id, Application.state, Application.months_granted).where(
            Application.program_id == program_id, Application.applicant_id.in_(applicants),
        )
    ).all()
    paid_on_case = dict(
        session.exec(
            select(PaymentLine.application_id, func.count(distinct(PaymentLine.jalali_year * 100 + PaymentLine.jalali_month)))
            .where(PaymentLine.program_id == program_id, PaymentLine.applicant_id.in_(applicants),
                   text(PAYMENT_LINE_PAID_ONCE_WHERE))
            .group_by(PaymentLine.application_id)
        ).all()
    )
    result = {}
    for application_id, applicant_id in cases.items():
        used = paid_on_case.get(application_id, 0)
        for case_id, owner, state, granted in others:
            if owner != applicant_id or case_id == application_id:
                continue
            paid = paid_on_case.get(case_id, 0)
            used += max(granted or 0, paid) if state in GRANT_COUNTS_STATES else paid
        result[application_id] = max(0, cap - used)
    return result


def _remaining_for(session: Session, application: Application) -> int:
    return remaining_months(session, application.program_id, {application.id: application.applicant_id})[application.id]


def _check_cap(months: int, remaining: int) -> None:
    if months <= remaining:
        return
    if remaining == 0:
        advice = "از سقف چیزی باقی نمانده است؛ پرونده را رد کنید یا به تعویق بیندازید."
    else:
        advice = f"تعداد ماه‌ها را حداکثر {_fa(remaining)} وارد کنید."
    raise InvalidInput(
        "از سقف ماه‌های حمایت هر نفر (ماه‌های مصوب و پرداخت‌شده همه پرونده‌های او) برای "
        f"این متقاضی فقط {_fa(remaining)} ماه باقی مانده، ولی {_fa(months)} ماه وارد شده است؛ {advice}",
        field="months",
    )


def _terms(
    program: ProgramCode, outcome: Outcome, months: object, share_percent: object, contract_rate_bp: object, remaining: int
) -> Terms:
    """The validated terms of a decision: only an approval of programme A carries any."""
    if outcome != Outcome.approve or program != ProgramCode.A:
        return Terms(None, None, None)
    months_value = parse_int(months, field="months", label_fa="تعداد ماه‌های مصوب", minimum=1)
    _check_cap(months_value, remaining)
    share = parse_int(share_percent, field="share_percent", label_fa="درصد سهم پرداختی از حق بیمه", minimum=1, maximum=100)
    rate = None if contract_rate_bp in (None, "") else parse_int(contract_rate_bp, field="contract_rate_bp", label_fa="نرخ قرارداد")
    if rate not in catalog.CONTRACT_RATES:
        choices = "، ".join(format_percent_bp(bp) for bp in catalog.CONTRACT_RATES)
        raise InvalidInput(
            f"نرخ قرارداد بیمه خویش‌فرمای متقاضی نزد تأمین اجتماعی را انتخاب کنید ({choices}).",
            field="contract_rate_bp",
        )
    return Terms(months_value, share, rate)


def decision_reason(reason: object) -> str:
    """A decision's reason as typed: text (line breaks kept), no control characters; its length
    is checked by :func:`_reason` (whose message says how much was typed)."""
    return validate.clean_text(reason, field="reason", label_fa="دلیل تصمیم", max_length=50 * REASON_MAX,
                               multiline=True)


def _reason(outcome: Outcome, reason: str | None) -> str:
    text = decision_reason(reason)
    if outcome != Outcome.approve and not text:
        raise InvalidInput(
            f"برای «{OUTCOME_LABELS[outcome]}» دلیل تصمیم کمیته را بنویسید؛ این دلیل در صورت‌جلسه می‌آید.",
            field="reason",
        )
    if len(text) > REASON_MAX:
        raise InvalidInput(
            f"دلیل تصمیم حداکثر {_fa(REASON_MAX)} نویسه است ({_fa(len(text))} نویسه نوشته شده)؛ آن را کوتاه کنید.",
            field="reason",
        )
    return text
