"""What the meeting view (the projector) reads: the agenda's order once, then per step one case,
the names of the strip's cases in view, the session's decisions and the tally.

A step costs the same whatever the size of the area: the strip's order (application ids, the
committee's order) is the agenda's index (:func:`services.committee.agenda.agenda_index`, which
the sessions page reads too, once per data version), kept for the meeting; each step then reads,
in one session (:func:`meeting_step`), the one case shown with its details and the names of the
few strip cases in view, and the decisions taken in this session (:func:`meeting_state`, an
indexed read of ``decision.session_id``), never the whole agenda's details.

Costs are estimates at today's minimum wage (``lib.payments.monthly_premium`` over a 30-day
month, the share and contract rate of the terms): what an approval of programme A would commit.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, select

from db.models import Applicant, Application, CommitteeSession, Decision, MinimumWage, Program
from lib.jalali import jalali_year_of, local_today
from lib.payments import monthly_premium
from lib.permissions import Action
from services.base import Actor
from services.committee.agenda import _scope_parts, agenda_items, agenda_rows, agenda_scope, case_details
from services.committee.common import AgendaItem, CaseDetails, Outcome, SessionSummary, Terms
from services.committee.sessions import _summaries, get_session

DAYS_PER_MONTH = 30  # the estimate's month; a payment run uses each Jalali month's own days
PENDING = "pending"


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


def meeting_case(session: Session, actor: Actor, session_id: int, application_id: int, position: int) -> AgendaItem | None:
    """The agenda line of one case at ``position`` of the strip; None when it left the agenda
    (another open session took it, or it moved on) since the strip was read."""
    cs = get_session(session, actor, session_id)
    program, level, scope = agenda_scope(session, cs)
    rows = agenda_rows(session, scope, Application.id == application_id)
    if not rows:
        return None
    return agenda_items(session, cs, program, level, rows, {application_id: position})[0]


@dataclass(frozen=True)
class MeetingStep:
    """What one step of the meeting view shows."""

    item: AgendaItem | None  # the case's agenda line; None when it left the agenda since the strip was read
    details: CaseDetails | None  # its score card, documents and eligibility (None with ``item``)
    names: dict[int, str]  # applicant name of each case of ``shown`` (of the committee's programme and area)


MAX_SHOWN = 50  # strip cases whose names one step may ask for


def meeting_step(session: Session, actor: Actor, session_id: int, application_id: int, position: int,
                 shown: tuple[int, ...] = ()) -> MeetingStep:
    """One step of the meeting view in one session (one round of the database connection): the
    agenda line of the case at ``position`` (:func:`meeting_case`), its details
    (:func:`services.committee.agenda.case_details`) and the names of the strip's cases ``shown``."""
    cs = get_session(session, actor, session_id)
    # held while the step reads: the session finds them again in its identity map, not in the database
    held = [session.get(Program, cs.program_id)]
    program, level, mine, _, _ = _scope_parts(session, cs)
    names: dict[int, str] = {}
    wanted = sorted({i for i in shown if isinstance(i, int) and not isinstance(i, bool)})[:MAX_SHOWN]
    if wanted:
        names = {i: f"{first} {last}" for i, first, last in session.exec(
            select(Application.id, Applicant.first_name, Applicant.last_name)
            .join(Applicant, Applicant.id == Application.applicant_id)
            .where(Application.id.in_(wanted), *mine)
        ).all()}
    rows = agenda_rows(session, agenda_scope(session, cs)[2], Application.id == application_id)
    if not rows:
        return MeetingStep(None, None, names)
    held.append(rows)  # the case and its applicant, for case_details
    item = agenda_items(session, cs, program, level, rows, {application_id: position})[0]
    return MeetingStep(item, case_details(session, actor, application_id), names)


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
    return cost_at(approval_wage(session, actor, today), terms)


def approval_wage(session: Session, actor: Actor, today: date | None = None) -> tuple[int, int, bool] | None:
    """(Jalali year, minimum daily wage, confirmed) that approvals are costed at today (see
    :func:`approval_cost`); the meeting view reads it once and costs each change of the terms
    typed with :func:`cost_at`, without the database."""
    actor.require(Action.manage_session)
    return _wage(session, today or local_today())


def cost_at(wage: tuple[int, int, bool] | None, terms: Terms) -> Cost | None:
    """:func:`approval_cost` at ``wage`` (from :func:`approval_wage`)."""
    return _cost(wage, terms)


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
