"""The home page's figures for the signed-in user's area, read from the monitoring tallies."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func
from sqlmodel import Session, select

from db.models import Budget, County, Program, Province, Quota
from lib.jalali import jalali_year_of, local_today
from lib.permissions import Scope, scope_of
from lib.workflow import ProgramCode, State
from services import tallies
from services.base import Actor

ALL_STATES = tuple(s.value for s in State)


@dataclass(frozen=True)
class ProgramUse:
    program: str
    quota_slots: int | None
    quota_used: int
    budget_rial: int
    paid_rial: int


@dataclass(frozen=True)
class AreaSummary:
    area_label: str
    jalali_year: int
    cases_by_state: dict[tuple[str, str], int]  # (program code, state) → count
    open_cases: int
    use: list[ProgramUse] = field(default_factory=list)


def area_label(session: Session, actor: Actor) -> str:
    scope = scope_of(actor.role, actor.area)
    if scope == Scope.county:
        county = session.get(County, actor.county_id)
        province = session.get(Province, county.province_id)
        return f"شهرستان {county.name}، استان {province.name}"
    if scope == Scope.province:
        return f"استان {session.get(Province, actor.province_id).name}"
    return "کل کشور"


def area_summary(session: Session, actor: Actor, *, today: date | None = None) -> AreaSummary:
    """Cases by programme and state, and per programme the year's seats and credit against what was
    used and paid, for the actor's area — read from the tallies the database keeps with every
    write (services.tallies), not by grouping every case and payment line."""
    today = today or local_today()
    year = jalali_year_of(today)
    scope = scope_of(actor.role, actor.area)
    county_id = actor.county_id if scope == Scope.county else None
    province_id = actor.province_id if scope in (Scope.county, Scope.province) else None

    programs = session.exec(select(Program.id, Program.code).order_by(Program.code)).all()
    codes = dict(programs)
    counts = tallies.case_counts(
        session, ALL_STATES, by=None, province_id=None if county_id else province_id, county_id=county_id
    )
    by_state = {(codes[program_id], state): n for (program_id, state), n in counts.items()}
    closed = {State.completed.value, State.rejected.value, State.withdrawn.value}
    open_cases = sum(n for (_, state), n in by_state.items() if state not in closed)

    # programme B's introductions use its seats (programme A introduces nobody)
    introduced = tallies.seats_used(
        session, year, by=None, province_id=None if county_id else province_id, county_id=county_id
    )[None]
    # budgets are allotted to provinces: a county user sees her province's credit and payments
    paid = tallies.paid(session, year, province_id=province_id)
    # Quotas are announced to counties; a province's or the country's quota is their sum.
    quota_q = select(Quota.program_id, func.sum(Quota.slots)).where(
        Quota.jalali_year == year, Quota.county_id.is_not(None)  # type: ignore[union-attr]
    )
    if county_id is not None:
        quota_q = quota_q.where(Quota.county_id == county_id)
    elif province_id is not None:
        quota_q = quota_q.where(Quota.province_id == province_id)
    slots = dict(session.exec(quota_q.group_by(Quota.program_id)).all())
    budget_q = select(Budget.program_id, func.sum(Budget.amount_rial)).where(Budget.jalali_year == year)
    if province_id is not None:
        budget_q = budget_q.where(Budget.province_id == province_id)
    budgets = dict(session.exec(budget_q.group_by(Budget.program_id)).all())
    use = [
        ProgramUse(
            program=code,
            quota_slots=int(slots[program_id]) if slots.get(program_id) is not None else None,
            quota_used=introduced if code == ProgramCode.B.value else 0,
            budget_rial=int(budgets.get(program_id) or 0),
            paid_rial=paid.get(program_id, 0),
        )
        for program_id, code in programs
    ]
    return AreaSummary(area_label(session, actor), year, by_state, open_cases, use)
