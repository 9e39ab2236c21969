"""The home page's figures for the signed-in user's area. Aggregates run in SQL."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func
from sqlmodel import Session, select

from db.models import (
    Application,
    Budget,
    County,
    Introduction,
    PaymentLine,
    PaymentRun,
    Program,
    Province,
    Quota,
)
from lib.jalali import jalali_year_of
from lib.permissions import Scope, scope_of
from lib.workflow import State
from services.base import Actor, area_conditions


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
    today = today or date.today()
    year = jalali_year_of(today)
    where = area_conditions(actor, Application)

    rows = session.exec(
        select(Program.code, Application.state, func.count(Application.id))
        .join(Program, Program.id == Application.program_id)
        .where(*where)
        .group_by(Program.code, Application.state)
    ).all()
    by_state = {(code, state): int(n) for code, state, n in rows}
    closed = {State.completed.value, State.rejected.value, State.withdrawn.value}
    open_cases = sum(n for (_, state), n in by_state.items() if state not in closed)

    scope = scope_of(actor.role, actor.area)
    use = []
    for program in session.exec(select(Program).order_by(Program.code)).all():
        # Quotas are announced to counties; a province's or the country's quota is their sum.
        quota_q = select(func.sum(Quota.slots)).where(
            Quota.program_id == program.id, Quota.jalali_year == year, Quota.county_id.is_not(None)  # type: ignore[union-attr]
        )
        if scope == Scope.county:
            quota_q = quota_q.where(Quota.county_id == actor.county_id)
        elif scope == Scope.province:
            quota_q = quota_q.where(Quota.province_id == actor.province_id)
        slots = session.exec(quota_q).one()
        introduced_q = (
            select(func.count(Introduction.id))
            .join(County, County.id == Introduction.county_id)
            .join(Application, Application.id == Introduction.application_id)
            .where(
                Application.program_id == program.id,
                Introduction.jalali_year == year,
                Introduction.refused_on.is_(None),  # type: ignore[union-attr]  # SSO refused: the seat returned
            )
        )
        if scope == Scope.county:
            introduced_q = introduced_q.where(Introduction.county_id == actor.county_id)
        elif scope == Scope.province:
            introduced_q = introduced_q.where(County.province_id == actor.province_id)
        introduced = session.exec(introduced_q).one()
        budget_q = select(func.sum(Budget.amount_rial)).where(Budget.program_id == program.id, Budget.jalali_year == year)
        paid_q = (
            select(func.sum(PaymentLine.amount_rial))
            .join(PaymentRun, PaymentRun.id == PaymentLine.run_id)
            .join(Application, Application.id == PaymentLine.application_id)
            .where(PaymentRun.status == "finalized", PaymentLine.program_id == program.id, PaymentLine.jalali_year == year)
        )
        if scope in (Scope.county, Scope.province):  # budgets are allotted to provinces
            budget_q = budget_q.where(Budget.province_id == actor.province_id)
            paid_q = paid_q.where(Application.province_id == actor.province_id)
        use.append(
            ProgramUse(
                program=program.code,
                quota_slots=int(slots) if slots is not None else None,
                quota_used=int(introduced or 0),
                budget_rial=int(session.exec(budget_q).one() or 0),
                paid_rial=int(session.exec(paid_q).one() or 0),
            )
        )
    return AreaSummary(area_label(session, actor), year, by_state, open_cases, use)
