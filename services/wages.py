"""The minimum wage table (Supreme Labour Council's daily wage per Jalali year), kept by an
administrator: a new year's wage can be entered before it is confirmed and is then flagged as
unconfirmed wherever it is used (payment runs ask for an explicit go-ahead, see
services/payments/runs.py); confirming it later is one more audited change."""
from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from db.models import MinimumWage
from lib import validate
from lib.errors import InvalidInput
from lib.permissions import Action
from services.base import Actor, audit, snapshot

__all__ = ["WageRow", "wage_table", "wage_of", "set_wage", "FIRST_YEAR", "LAST_YEAR", "MAX_DAILY_WAGE"]

FIRST_YEAR, LAST_YEAR = 1370, 1499
MAX_DAILY_WAGE = 100_000_000_000  # rials; a typo of several zeros beyond any plausible wage
MAX_NOTE = int(MinimumWage.__table__.c["note"].type.length)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class WageRow:
    jalali_year: int
    daily_wage_rial: int
    confirmed: bool
    note: str | None


def _row(w: MinimumWage) -> WageRow:
    return WageRow(int(w.jalali_year), int(w.daily_wage_rial), bool(w.confirmed), w.note)


def wage_table(session: Session, actor: Actor) -> list[WageRow]:
    """Every year's wage, the newest first."""
    actor.require(Action.manage_reference_data)
    return [_row(w) for w in session.exec(select(MinimumWage).order_by(MinimumWage.jalali_year.desc())).all()]


def wage_of(session: Session, jalali_year: int) -> WageRow | None:
    """One year's wage and whether it is confirmed (for any screen or letter that uses it)."""
    row = session.get(MinimumWage, jalali_year)
    return None if row is None else _row(row)


def set_wage(
    session: Session, actor: Actor, *, jalali_year: object, daily_wage_rial: object, confirmed: object,
    note: object = None,
) -> WageRow:
    """Enter a year's minimum daily wage or change it (amount, confirmed or not, note); audited."""
    actor.require(Action.manage_reference_data)
    year = validate.integer(jalali_year, field="jalali_year", label_fa="سال", minimum=FIRST_YEAR, maximum=LAST_YEAR)
    wage = validate.integer(daily_wage_rial, field="daily_wage_rial", label_fa="حداقل دستمزد روزانه (ریال)",
                            minimum=1, maximum=MAX_DAILY_WAGE)
    if not isinstance(confirmed, bool):
        raise InvalidInput("«قطعی بودن دستمزد» را با «بله» یا «خیر» مشخص کنید.", field="confirmed")
    text = validate.clean_text(note, field="note", label_fa="یادداشت", max_length=MAX_NOTE, multiline=True) or None
    row = session.get(MinimumWage, year)
    before = snapshot(row)
    if row is None:
        row = MinimumWage(jalali_year=year, daily_wage_rial=wage, confirmed=confirmed, note=text)
        session.add(row)
    else:
        row.daily_wage_rial, row.confirmed, row.note = wage, confirmed, text
    after = snapshot(row)
    if before != after:
        audit(session, actor, "wage.set", "minimum_wage", year, before=before, after=after)
    session.commit()
    return _row(row)
