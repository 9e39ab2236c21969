"""What the meeting view (the projector) reads: the agenda strip once, then per step one case,
the session's decisions and the tally.

A step costs the same whatever the size of the area: the strip (ids, names, in the committee's
order) is read once when the meeting opens (and again on request); each step then reads the one
case shown (:func:`meeting_case`) and the decisions taken in this session (:func:`meeting_state`,
an indexed read of ``decision.session_id``), never the whole agenda's details.

Costs are estimates at today's minimum wage (``lib.payments.monthly_premium`` over a 30-day
month, the share and contract rate of the terms): what an approval of programme A would commit.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, select

from db.models import Application, CommitteeSession, Decision, MinimumWage
from lib.jalali import jalali_year_of, local_today
from lib.payments import monthly_premium
from lib.permissions import Action
from services.base import Actor
from services.committee.agenda import agenda_items, agenda_rows, agenda_scope, ranked
from services.committee.common import AgendaItem, Outcome, SessionSummary, Terms
from services.committee.sessions import _summaries, get_session

DAYS_PER_MONTH = 30  # the estimate's month; a payment run uses each Jalali month's own days
PENDING = "pending"


@dataclass(frozen=True)
class StripEntry:
    """One line of the agenda strip: position (1-based), case and name."""

    position: int
    application_id: int
    name: str


@dataclass(frozen=True)
class Cost:
    """An approval's estimated premium at ``wage_year``'s minimum daily wage (rials)."""

    monthly: int
    total: int
    months: int
    wage_year: int
    wage_confirmed: bool = True  # False: that year's wage is not confirmed yet (flag it)


@dataclass(frozen=True)
class Tally:
    approved: int
    rejected: int
    deferred: int
    months: int  # granted by today's approvals (programme A)
    cost: int | None  # their estimated premium in rials; None when no wage is known
    wage_year: int | None
    wage_confirmed: bool = True


@dataclass(frozen=True)
class MeetingState:
    """The session's heading, the outcome of each case decided in it, and the tally."""

    summary: SessionSummary
    outcomes: dict[int, str]  # application_id → latest outcome in this session
    tally: Tally


def agenda_strip(session: Session, actor: Actor, session_id: int) -> list[StripEntry]:
    """The agenda in the committee's order, as narrow lines (no documents, cap or proposals)."""
    order, names, _ = ranked(session, get_session(session, actor, session_id))
    return [StripEntry(position, i, names[i]) for position, i in enumerate(order, start=1)]


def meeting_case(session: Session, actor: Actor, session_id: int, application_id: int, position: int) -> AgendaItem | None:
    """The agenda line of one case at ``position`` of the strip; None when it left the agenda
    (another open session took it, or it moved on) since the strip was read."""
    cs = get_session(session, actor, session_id)
    program, level, scope = agenda_scope(session, cs)
    rows = agenda_rows(session, scope, Application.id == application_id)
    if not rows:
        return None
    return agenda_items(session, cs, program, level, rows, {application_id: position})[0]


def _wage(session: Session, today: date) -> tuple[int, int, bool] | None:
    """(Jalali year, minimum daily wage, confirmed) of today's year, else of the latest year before it."""
    row = session.exec(
        select(MinimumWage.jalali_year, MinimumWage.daily_wage_rial, MinimumWage.confirmed)
        .where(MinimumWage.jalali_year <= jalali_year_of(today))
        .order_by(MinimumWage.jalali_year.desc())
    ).first()
    return (row[0], row[1], bool(row[2])) if row else None


def _cost(wage: tuple[int, int, bool] | None, terms: Terms) -> Cost | None:
    if wage is None or not terms.months or terms.contract_rate_bp is None or terms.share_percent is None:
        return None
    monthly = monthly_premium(wage[1], DAYS_PER_MONTH, terms.contract_rate_bp, terms.share_percent)
    return Cost(monthly=monthly, total=monthly * terms.months, months=terms.months, wage_year=wage[0],
                wage_confirmed=wage[2])


def approval_cost(session: Session, actor: Actor, terms: Terms, today: date | None = None) -> Cost | None:
    """What approving ``terms`` (programme A) would cost per month and in total at today's
    minimum wage; None when a term is missing or no wage is recorded."""
    actor.require(Action.manage_session)
    return _cost(_wage(session, today or local_today()), terms)


def meeting_state(session: Session, actor: Actor, session_id: int, today: date | None = None) -> MeetingState:
    """The heading, each decided case's latest outcome in this session, and the running tally."""
    cs = get_session(session, actor, session_id)
    summary = _summaries(session, [CommitteeSession.id == cs.id])[0]
    rows = session.exec(
        select(Decision.application_id, Decision.outcome, Decision.months_granted, Decision.share_percent,
               Decision.contract_rate_bp)
        .where(Decision.session_id == cs.id)
        .order_by(Decision.id)
    ).all()
    latest = {r[0]: r for r in rows}  # ordered by id: the last one counts
    outcomes = {i: r[1] for i, r in latest.items()}
    counts = {o: 0 for o in Outcome}
    for outcome in outcomes.values():
        counts[Outcome(outcome)] += 1
    approvals = [Terms(r[2], r[3], r[4]) for r in latest.values() if r[1] == Outcome.approve.value and r[2]]
    wage = _wage(session, today or local_today()) if approvals else None
    costs = [_cost(wage, t) for t in approvals]
    tally = Tally(
        approved=counts[Outcome.approve], rejected=counts[Outcome.reject], deferred=counts[Outcome.defer],
        months=sum(t.months or 0 for t in approvals),
        cost=None if any(c is None for c in costs) else sum(c.total for c in costs),
        wage_year=wage[0] if wage else None, wage_confirmed=wage[2] if wage else True,
    )
    return MeetingState(summary=summary, outcomes=outcomes, tally=tally)
