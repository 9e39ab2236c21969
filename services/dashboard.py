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

    codes = dict(session.exec(select(Program.id, Program.code)).all())
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
    paid: dict[int, int] = {}
    # budgets are allotted to provinces: a county user sees her province's credit and payments
    for program_id, _, _, kind, agency, government in tallies.spend(session, year, by=None, province_id=province_id):
        sign = -1 if kind == "reversal" else 1
        paid[program_id] = paid.get(program_id, 0) + sign * (int(agency or 0) + int(government or 0))
    use = []
    for program in session.exec(select(Program).order_by(Program.code)).all():
        # Quotas are announced to counties; a province's or the country's quota is their sum.
        quota_q = select(func.sum(Quota.slots)).where(
            Quota.program_id == program.id, Quota.jalali_year == year, Quota.county_id.is_not(None)  # type: ignore[union-attr]
        )
        if county_id is not None:
            quota_q = quota_q.where(Quota.county_id == county_id)
        elif province_id is not None:
            quota_q = quota_q.where(Quota.province_id == province_id)
        slots = session.exec(quota_q).one()
        budget_q = select(func.sum(Budget.amount_rial)).where(Budget.program_id == program.id, Budget.jalali_year == year)
        if province_id is not None:
            budget_q = budget_q.where(Budget.province_id == province_id)
        use.append(
            ProgramUse(
                program=program.code,
                quota_slots=int(slots) if slots is not None else None,
                quota_used=introduced if program.code == ProgramCode.B.value else 0,
                budget_rial=int(session.exec(budget_q).one() or 0),
                paid_rial=paid.get(program.id, 0),
            )
        )
    return AreaSummary(area_label(session, actor), year, by_state, open_cases, use)
