"""Next Jalali year's budget request: what today's beneficiaries (and the waiting list, if admitted)
will cost under an assumed minimum wage. Pure: no Streamlit, no SQL, no I/O.

Each person-month: ``lib.payments.monthly_premium`` at the month's calendar days of that year
(Esfand 29 or 30), the assumed wage, the contract rate and the committee's share; programme B's
line split 8 % / 10 % per line (``program_b_shares``). A person is costed only for the months of
the next year inside her grant and, under a cap (programme A: 60 months), only as many as are left
of it.
"""
from __future__ import annotations

from collections.abc import Mapping

from lib.errors import InvalidInput
from lib.jalali import month_days
from lib.monitoring import granted_months_in_year
from lib.payments import WAGE_CEILING_MULTIPLE, monthly_premium, program_b_shares, round_half_up_div, split_shares

__all__ = ["assumed_wage", "months_to_cost", "person_year_cost", "split_by_weights"]


def assumed_wage(current_daily_wage: int, *, rise_bp: int | None = None, entered: int | None = None) -> int:
    """Next year's minimum daily wage: ``entered`` when announced, else the current wage raised by
    ``rise_bp`` basis points (4500 = 45 %), rounded half up to the rial."""
    if entered is not None:
        if isinstance(entered, bool) or not isinstance(entered, int) or entered <= 0:
            raise InvalidInput("حداقل دستمزد روزانه سال آینده باید عددی مثبت به ریال باشد.", field="wage")
        return entered
    if rise_bp is None or isinstance(rise_bp, bool) or not isinstance(rise_bp, int) or not 0 <= rise_bp <= 50_000:
        raise InvalidInput("درصد افزایش دستمزد را بین ۰ و ۵۰۰ وارد کنید، مثلاً ۴۵.", field="wage_rise")
    return round_half_up_div(current_daily_wage * (10_000 + rise_bp), 10_000)


def months_to_cost(start_index: int | None, months_granted: int | None, year: int, *,
                   months_used_before: int, max_months: int | None) -> list[int]:
    """The months (1..12) of ``year`` to cost: inside the grant, and no more than are left of the cap
    (``max_months`` − ``months_used_before``, the months granted or paid before the year)."""
    months = granted_months_in_year(start_index, months_granted, year)
    if max_months is not None:
        months = months[: max(0, max_months - months_used_before)]
    return months


def person_year_cost(months: list[int], year: int, daily_wage: int, rate_bp: int, share_percent: int, program: str,
                     insured_daily_wage: int | None = None, b_shares: Mapping[str, int] | None = None) -> dict[str, int]:
    """Funding bucket → the premiums of ``months`` of ``year`` (A: "A"; B: "relief_committee" and
    "government"). The insured wage (default: the minimum) is held within SSO's 7× ceiling."""
    base = daily_wage if insured_daily_wage is None else min(max(insured_daily_wage, daily_wage),
                                                              WAGE_CEILING_MULTIPLE * daily_wage)
    out = {"A": 0} if program == "A" else {"relief_committee": 0, "government": 0}
    for m in months:
        amount = monthly_premium(base, month_days(year, m), rate_bp, share_percent)
        if program == "A":
            out["A"] += amount
        else:
            parts = program_b_shares(amount, b_shares)  # the split in force (default: the seeds' 8/10)
            out["relief_committee"] += parts["agency"]
            out["government"] += parts["government"]
    return out


def split_by_weights(amount: int, weights: Mapping[str, int], fallback: str) -> dict[str, int]:
    """``amount`` split over sources in proportion to ``weights`` (this year's credit), exactly
    (largest remainder); all to ``fallback`` when there is no weight."""
    if amount == 0 or not any(weights.values()):
        return {fallback: amount}
    return split_shares(amount, {k: v for k, v in weights.items() if v > 0})
