"""Committee sessions and their decisions (Form 2), the agenda, activation and corrections.

A session (``CommitteeSession``) belongs to one committee: the county employment committee
(level ``county``, area = a county) or the provincial committee (level ``province``, area = a
province), for one programme. Its members present (``SessionMember``) carry the roles of Form 2
(``lib.catalog.COMMITTEE_ROLES``). The agenda is computed, never stored:

* county, programme A — the county's cases in «scored», ranked with ``lib.scoring.rank``;
* province, programme A — the province's cases in «county_decision», same ranking, with what
  the county committee proposed;
* county, programme B — the county's cases in «received» whose documents are all in, by
  application date (B has no scoring table and no provincial committee).

Cases decided in the session stay on its agenda (with their decision) so the committee can
reconsider while the session is open: a new decision then supersedes the previous one
(``supersedes_id``; the latest counts). Decisions are append-only (database trigger); once the
session is closed, :func:`correct_decision` records a new decision in another open session citing
the old one. Every write checks role and area, validates, writes in one transaction, audits,
and (on a state change) records the case event and queues the SMS.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import ColumnElement, and_, func, or_
from sqlmodel import Session, select

from db.models import (
    Applicant,
    Application,
    CommitteeSession,
    County,
    Decision,
    Document,
    PaymentLine,
    PaymentRun,
    Program,
    Province,
    ScoreCardRecord,
    SessionMember,
    User,
    utcnow,
)
from lib import catalog
from lib.errors import InvalidInput
from lib.jalali import (
    MAX_INPUT_YEAR,
    MIN_INPUT_YEAR,
    YearMonth,
    format_year_month,
    jalali_year_of,
    parse_jalali_date,
    parse_year_month,
)
from lib.payments import MAX_MONTHS
from lib.permissions import Action, Area, can
from lib.scoring import RankItem, rank
from lib.text import (
    format_percent_bp,
    ltr,
    normalize_persian,
    parse_int,
    strip_bidi_controls,
    to_latin_digits,
    to_persian_digits,
)
from lib.workflow import STATE_LABELS, ProgramCode, State, transition
from services.applications import get_application, move_case, program_by_code
from services.base import Actor, area_conditions, audit, county_area, snapshot
from services.cases import latest_card
from services.documents import document_status
from services.eligibility import eligibility_status


# --------------------------------------------------------------------------- vocabulary
class Level(StrEnum):
    county = "county"
    province = "province"


class Outcome(StrEnum):
    approve = "approve"
    reject = "reject"
    defer = "defer"


LEVEL_LABELS: dict[Level, str] = {
    Level.county: "کمیته اشتغال و کارآفرینی شهرستان",
    Level.province: "کمیته اشتغال استان",
}
OUTCOME_LABELS: dict[Outcome, str] = {Outcome.approve: "تأیید", Outcome.reject: "رد", Outcome.defer: "تعویق"}
STATUS_LABELS: dict[str, str] = {"open": "باز", "closed": "بسته"}

GUEST = "guest"
HEAD = "head"
VOTING_ROLES: tuple[str, ...] = tuple(r for r in catalog.COMMITTEE_ROLES if r != GUEST)
EXPERT_ROLES: tuple[str, ...] = tuple(r for r in VOTING_ROLES if r != HEAD)

LEVEL_ACTIONS: dict[Level, Action] = {
    Level.county: Action.record_county_decision,
    Level.province: Action.record_province_decision,
}

REASON_MAX = 600
NAME_MAX = 120
NUMBER_MAX = 40


@dataclass(frozen=True)
class Stage:
    """Where a case waits for a committee, and where that committee's approval takes it."""

    ready: State
    approved: State

    def target(self, outcome: Outcome) -> State:
        return {Outcome.approve: self.approved, Outcome.reject: State.rejected, Outcome.defer: self.ready}[outcome]


STAGES: dict[tuple[ProgramCode, Level], Stage] = {
    (ProgramCode.A, Level.county): Stage(State.scored, State.county_decision),
    (ProgramCode.A, Level.province): Stage(State.county_decision, State.province_decision),
    (ProgramCode.B, Level.county): Stage(State.received, State.county_decision),
}
RUNNING_STATES = (State.active.value, State.suspended.value)


# --------------------------------------------------------------------------- plain data for pages
@dataclass(frozen=True)
class MemberInput:
    """One person present: a Form 2 role code and the name as typed."""

    role: str
    full_name: str


@dataclass(frozen=True)
class SessionSummary:
    id: int
    level: str
    program: str
    province_id: int
    county_id: int | None
    area_name: str
    held_on: date
    number: str
    status: str
    decided_cases: int
    closed_at: datetime | None

    @property
    def is_open(self) -> bool:
        return self.status == "open"


@dataclass(frozen=True)
class Terms:
    """What an approval of programme A grants (or, at county level, proposes)."""

    months: int | None
    share_percent: int | None
    contract_rate_bp: int | None


@dataclass(frozen=True)
class DecisionRow:
    id: int
    session_id: int | None
    session_number: str
    held_on: date | None
    application_id: int
    tracking_code: str
    applicant_name: str
    level: str
    outcome: str
    reason: str
    terms: Terms
    supersedes_id: int | None
    superseded: bool
    decided_by: str
    decided_at: datetime


@dataclass(frozen=True)
class Grant:
    """A case the provincial committee confirmed, waiting for its first paid month."""

    application_id: int
    tracking_code: str
    applicant_name: str
    county_name: str
    terms: Terms


@dataclass(frozen=True)
class AgendaItem:
    position: int  # 1-based, in ranking order
    application_id: int
    tracking_code: str
    applicant_name: str
    national_code: str
    county_name: str
    program: str
    state: str
    target_group: str
    job_field: str
    applied_on: date
    total: int | None  # latest score card (programme A)
    discount_holder: bool
    override_rank: int | None
    override_reason: str | None
    remaining_months: int | None  # of the 60-month cap (programme A)
    contract_rate_bp: int | None  # recorded on the case, if any
    proposal: DecisionRow | None  # province level: the county committee's approval
    decision: DecisionRow | None  # the latest decision taken in this session


@dataclass(frozen=True)
class SessionView:
    summary: SessionSummary
    members: list[MemberInput]
    decisions: list[DecisionRow]


@dataclass(frozen=True)
class ScoreLine:
    label: str
    input: str
    points: int
    maximum: int


@dataclass(frozen=True)
class CheckLine:
    label: str
    ok: bool | None  # None: not recorded yet


@dataclass(frozen=True)
class CaseDetails:
    """What the meeting view shows beside the agenda line: score card, documents, eligibility."""

    application_id: int
    father_name: str
    covering_domain: str
    score_lines: list[ScoreLine]
    score_total: int | None
    score_maximum: int | None
    documents: list[CheckLine]
    eligibility: list[CheckLine]


# --------------------------------------------------------------------------- small helpers
def _fa(n: int) -> str:
    return to_persian_digits(n)


def _level(value: Level | str) -> Level:
    try:
        return Level(value)
    except ValueError:
        raise InvalidInput("سطح جلسه را انتخاب کنید: کمیته شهرستان یا کمیته استان.", field="level") from None


def _outcome(value: Outcome | str) -> Outcome:
    try:
        return Outcome(value)
    except ValueError:
        raise InvalidInput("نتیجه تصمیم را انتخاب کنید: تأیید، رد یا تعویق.", field="outcome") from None


def session_area(cs: CommitteeSession) -> Area:
    return Area(province_id=cs.province_id, county_id=cs.county_id)


def application_area(application: Application) -> Area:
    return Area(province_id=application.province_id, county_id=application.county_id)


def _program_code(session: Session, program_id: int) -> ProgramCode:
    return ProgramCode(session.get(Program, program_id).code)


def _stage(program: ProgramCode, level: Level) -> Stage:
    stage = STAGES.get((program, level))
    if stage is None:
        raise InvalidInput(
            "برنامه بیمه زنان سرپرست خانوار کمیته استان ندارد؛ جلسه این برنامه را در سطح شهرستان تشکیل دهید.",
            field="level",
        )
    return stage


def _session_label(cs: CommitteeSession) -> str:
    return f"جلسه شماره {ltr(cs.number)}"


# --------------------------------------------------------------------------- the 60-month cap
def remaining_months(session: Session, program_id: int, cases: dict[int, int]) -> dict[int, int]:
    """Months left of the cap for each case {application_id: applicant_id}.

    MAX_MONTHS minus the months already paid to the applicant in this programme (payment lines
    of runs not cancelled, whatever case they were paid on) minus what is granted and not yet
    paid on the applicant's other running (active/suspended) cases of the programme."""
    if not cases:
        return {}
    applicants = set(cases.values())
    live_run = PaymentRun.status != "cancelled"
    paid = dict(
        session.exec(
            select(PaymentLine.applicant_id, func.count(PaymentLine.id))
            .join(PaymentRun, PaymentRun.id == PaymentLine.run_id)
            .where(PaymentLine.program_id == program_id, PaymentLine.applicant_id.in_(applicants), live_run)
            .group_by(PaymentLine.applicant_id)
        ).all()
    )
    running = session.exec(
        select(Application.id, Application.applicant_id, Application.months_granted).where(
            Application.program_id == program_id,
            Application.applicant_id.in_(applicants),
            Application.state.in_(RUNNING_STATES),
        )
    ).all()
    paid_on_case = dict(
        session.exec(
            select(PaymentLine.application_id, func.count(PaymentLine.id))
            .join(PaymentRun, PaymentRun.id == PaymentLine.run_id)
            .where(PaymentLine.application_id.in_([r[0] for r in running]), live_run)
            .group_by(PaymentLine.application_id)
        ).all()
    ) if running else {}
    result = {}
    for application_id, applicant_id in cases.items():
        pending = sum(
            max(0, (granted or 0) - paid_on_case.get(case_id, 0))
            for case_id, owner, granted in running
            if owner == applicant_id and case_id != application_id
        )
        result[application_id] = max(0, MAX_MONTHS - paid.get(applicant_id, 0) - pending)
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
        f"سقف حمایت هر نفر {_fa(MAX_MONTHS)} ماه است و برای این متقاضی فقط {_fa(remaining)} ماه "
        f"باقی مانده، ولی {_fa(months)} ماه وارد شده است؛ {advice}",
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


def _reason(outcome: Outcome, reason: str | None) -> str:
    text = normalize_persian(reason)
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


# --------------------------------------------------------------------------- members
def _members(members: Iterable[MemberInput]) -> list[MemberInput]:
    """Members with known roles and names; one person per voting role, any number of guests."""
    clean: list[MemberInput] = []
    seen: set[str] = set()
    for member in members:
        if member.role not in catalog.COMMITTEE_ROLES:
            raise InvalidInput("سمت هر عضو حاضر را از فهرست سمت‌های فرم شماره ۲ انتخاب کنید.", field="members")
        role_fa = catalog.COMMITTEE_ROLES[member.role]
        name = normalize_persian(member.full_name)
        if not name:
            raise InvalidInput(f"نام «{role_fa}» را وارد کنید یا آن ردیف را خالی بگذارید.", field="members")
        if len(name) > NAME_MAX:
            raise InvalidInput(f"نام «{role_fa}» حداکثر {_fa(NAME_MAX)} نویسه است؛ آن را کوتاه کنید.", field="members")
        if member.role != GUEST:
            if member.role in seen:
                raise InvalidInput(f"برای سمت «{role_fa}» فقط یک نفر را وارد کنید.", field="members")
            seen.add(member.role)
        clean.append(MemberInput(member.role, name))
    return clean


def _quorum_problem(roles: Iterable[str]) -> str | None:
    roles = set(roles)
    if HEAD in roles and roles & set(EXPERT_ROLES):
        return None
    experts = "، ".join(catalog.COMMITTEE_ROLES[r] for r in EXPERT_ROLES)
    return (
        f"برای بستن جلسه، «{catalog.COMMITTEE_ROLES[HEAD]}» و دست‌کم یکی از کارشناسان ({experts}) "
        "باید در فهرست حاضران باشند؛ فهرست حاضران را کامل کنید."
    )


def _write_members(session: Session, session_id: int, members: list[MemberInput]) -> None:
    for member in members:
        session.add(SessionMember(session_id=session_id, role=member.role, full_name=member.full_name))


def _member_rows(session: Session, session_id: int) -> list[SessionMember]:
    return list(session.exec(select(SessionMember).where(SessionMember.session_id == session_id).order_by(SessionMember.id)).all())


def _members_snapshot(rows: Iterable[SessionMember | MemberInput]) -> list[dict]:
    return [{"role": m.role, "full_name": m.full_name} for m in rows]


# --------------------------------------------------------------------------- sessions
def _default_level(actor: Actor) -> Level | None:
    county = can(actor.role, Action.record_county_decision)
    province = can(actor.role, Action.record_province_decision)
    if county and not province:
        return Level.county
    if province and not county:
        return Level.province
    return None


def default_level(actor: Actor) -> str | None:
    """The level of the committee the actor sits on (None: the actor may choose, e.g. admin)."""
    level = _default_level(actor)
    return None if level is None else level.value


def _committee_area(session: Session, actor: Actor, level: Level, county_id: int | None, province_id: int | None) -> Area:
    if level == Level.county:
        county_id = county_id or actor.county_id
        if county_id is None:
            raise InvalidInput("شهرستان جلسه را انتخاب کنید.", field="county_id")
        return county_area(session, county_id)
    province_id = province_id or actor.province_id
    if province_id is None or session.get(Province, province_id) is None:
        raise InvalidInput("استان جلسه را انتخاب کنید.", field="province_id")
    return Area(province_id=province_id)


def _require_committee(actor: Actor, level: Level, area: Area) -> None:
    actor.require(Action.manage_session, area)
    actor.require(LEVEL_ACTIONS[level], area)


def create_session(
    session: Session,
    actor: Actor,
    *,
    program: str,
    held_on: date | str | None,
    number: str,
    members: Sequence[MemberInput] = (),
    level: str | None = None,
    county_id: int | None = None,
    province_id: int | None = None,
) -> CommitteeSession:
    """Open a committee session; its level follows the actor's committee (admin chooses).

    ``held_on`` is a date or the Jalali date as typed (any digits)."""
    actor.require(Action.manage_session)
    lvl = _level(level) if level else _default_level(actor)
    if lvl is None:
        raise InvalidInput("سطح جلسه را انتخاب کنید: کمیته شهرستان یا کمیته استان.", field="level")
    area = _committee_area(session, actor, lvl, county_id, province_id)
    _require_committee(actor, lvl, area)
    prog = program_by_code(session, program)
    _stage(ProgramCode(prog.code), lvl)
    if not isinstance(held_on, date):
        held_on = parse_jalali_date(held_on, field="held_on")
    number = to_latin_digits(normalize_persian(strip_bidi_controls(number or "")))  # one form of digits
    if not number:
        raise InvalidInput("شماره جلسه را وارد کنید (مثلاً ۱۲/۱۴۰۳).", field="number")
    if len(number) > NUMBER_MAX:
        raise InvalidInput(f"شماره جلسه حداکثر {_fa(NUMBER_MAX)} نویسه است.", field="number")
    members = _members(members)
    same_number = session.exec(
        select(CommitteeSession.held_on).where(
            CommitteeSession.level == lvl.value,
            CommitteeSession.program_id == prog.id,
            CommitteeSession.province_id == area.province_id,
            CommitteeSession.county_id == area.county_id
            if lvl == Level.county
            else CommitteeSession.county_id.is_(None),
            CommitteeSession.number == number,
        )
    ).all()
    year = jalali_year_of(held_on)
    if any(jalali_year_of(other) == year for other in same_number):
        raise InvalidInput(
            f"جلسه‌ای با شماره {ltr(number)} در سال {_fa(year)} برای همین کمیته و برنامه ثبت شده است؛ شماره دیگری وارد کنید.",
            field="number",
        )
    cs = CommitteeSession(
        level=lvl.value,
        program_id=prog.id,
        province_id=area.province_id,
        county_id=area.county_id if lvl == Level.county else None,
        held_on=held_on,
        number=number,
        created_by=actor.id,
    )
    session.add(cs)
    session.flush()
    _write_members(session, cs.id, members)
    audit(session, actor, "session.create", "committee_session", cs.id,
          after={**snapshot(cs), "members": _members_snapshot(members)})
    session.commit()
    return cs


def get_session(session: Session, actor: Actor, session_id: int, action: Action = Action.view_cases) -> CommitteeSession:
    """A session the actor may see (``action`` in its area); another area's session is refused."""
    cs = session.get(CommitteeSession, session_id) if session_id is not None else None
    if cs is None:
        raise InvalidInput("جلسه‌ای با این شماره پیدا نشد؛ جلسه را از فهرست جلسات انتخاب کنید.", field="session_id")
    actor.require(action, session_area(cs))
    return cs


def _session_for_write(session: Session, actor: Actor, session_id: int) -> CommitteeSession:
    """An open session the actor's committee runs."""
    cs = get_session(session, actor, session_id, Action.manage_session)
    _require_committee(actor, Level(cs.level), session_area(cs))
    if cs.status != "open":
        raise InvalidInput(
            f"{_session_label(cs)} بسته شده و تصمیم‌هایش قطعی است؛ برای تغییر، در یک جلسه باز تصمیم اصلاحی ثبت کنید.",
            field="session_id",
        )
    return cs


def set_members(session: Session, actor: Actor, session_id: int, members: Sequence[MemberInput]) -> list[SessionMember]:
    """Replace the list of members present while the session is open."""
    cs = _session_for_write(session, actor, session_id)
    members = _members(members)
    old = _member_rows(session, cs.id)
    before = _members_snapshot(old)
    for row in old:
        session.delete(row)
    session.flush()
    _write_members(session, cs.id, members)
    audit(session, actor, "session.members", "committee_session", cs.id,
          before={"members": before}, after={"members": _members_snapshot(members)})
    session.commit()
    return _member_rows(session, cs.id)


def close_session(session: Session, actor: Actor, session_id: int) -> CommitteeSession:
    """Close the session: its decisions become final. Needs the head, an expert, one decision."""
    cs = _session_for_write(session, actor, session_id)
    problem = _quorum_problem(m.role for m in _member_rows(session, cs.id))
    if problem:
        raise InvalidInput(problem, field="members")
    decided = session.exec(select(func.count(Decision.id)).where(Decision.session_id == cs.id)).one()
    if not decided:
        raise InvalidInput(
            "هنوز هیچ تصمیمی در این جلسه ثبت نشده است؛ دست‌کم برای یک پرونده تصمیم بگیرید "
            "(پرونده‌های بررسی‌نشده در دستور کار جلسه بعد می‌مانند).",
            field="session_id",
        )
    before = snapshot(cs)
    cs.status = "closed"
    cs.closed_at = utcnow()
    session.add(cs)
    audit(session, actor, "session.close", "committee_session", cs.id, before=before, after=snapshot(cs))
    session.commit()
    return cs


def _summaries(session: Session, where: list, limit: int | None = None) -> list[SessionSummary]:
    decided = (
        select(func.count(func.distinct(Decision.application_id)))
        .where(Decision.session_id == CommitteeSession.id)
        .correlate(CommitteeSession)
        .scalar_subquery()
    )
    stmt = (
        select(CommitteeSession, Program.code, County.name, Province.name, decided)
        .join(Program, Program.id == CommitteeSession.program_id)
        .join(Province, Province.id == CommitteeSession.province_id)
        .outerjoin(County, County.id == CommitteeSession.county_id)
        .where(*where)
        .order_by(CommitteeSession.held_on.desc(), CommitteeSession.id.desc())
    )
    if limit:
        stmt = stmt.limit(limit)
    return [
        SessionSummary(
            id=cs.id, level=cs.level, program=code, province_id=cs.province_id, county_id=cs.county_id,
            area_name=f"شهرستان {county}" if county else f"استان {province}",
            held_on=cs.held_on, number=cs.number, status=cs.status, decided_cases=n or 0, closed_at=cs.closed_at,
        )
        for cs, code, county, province, n in session.exec(stmt).all()
    ]


def list_sessions(
    session: Session, actor: Actor, *, level: str | None = None, program: str | None = None, limit: int = 200
) -> list[SessionSummary]:
    """The sessions in the actor's area, newest first (at most ``limit``)."""
    actor.require(Action.view_cases)
    where = area_conditions(actor, CommitteeSession)
    if level:
        where.append(CommitteeSession.level == _level(level).value)
    if program:
        where.append(Program.code == program)
    return _summaries(session, where, limit)


def _decision_rows(session: Session, where: list) -> list[DecisionRow]:
    stmt = (
        select(Decision, Application.tracking_code, Applicant.first_name, Applicant.last_name,
               CommitteeSession.number, CommitteeSession.held_on, User.full_name)
        .join(Application, Application.id == Decision.application_id)
        .join(Applicant, Applicant.id == Application.applicant_id)
        .outerjoin(CommitteeSession, CommitteeSession.id == Decision.session_id)
        .outerjoin(User, User.id == Decision.decided_by)
        .where(*where)
        .order_by(Decision.id)
    )
    rows = session.exec(stmt).all()
    if not rows:
        return []
    ids = [d.id for d, *_ in rows]
    superseded = set(session.exec(select(Decision.supersedes_id).where(Decision.supersedes_id.in_(ids))).all())
    return [
        DecisionRow(
            id=d.id, session_id=d.session_id, session_number=number or "", held_on=held_on,
            application_id=d.application_id, tracking_code=code, applicant_name=f"{first} {last}",
            level=d.level, outcome=d.outcome, reason=d.reason,
            terms=Terms(d.months_granted, d.share_percent, d.contract_rate_bp),
            supersedes_id=d.supersedes_id, superseded=d.id in superseded,
            decided_by=by or "", decided_at=d.decided_at,
        )
        for d, code, first, last, number, held_on, by in rows
    ]


def session_view(session: Session, actor: Actor, session_id: int) -> SessionView:
    """A session with its members and every decision taken in it (superseded ones marked)."""
    cs = get_session(session, actor, session_id)
    summary = _summaries(session, [CommitteeSession.id == cs.id])[0]
    members = [MemberInput(m.role, m.full_name) for m in _member_rows(session, cs.id)]
    return SessionView(summary, members, _decision_rows(session, [Decision.session_id == cs.id]))


# --------------------------------------------------------------------------- agenda
def _documents_complete(program: ProgramCode) -> ColumnElement[bool]:
    """SQL condition: every document the programme requires has been received."""
    required = list(catalog.DOCUMENTS[program.value])
    received = (
        select(func.count(Document.id))
        .where(Document.application_id == Application.id, Document.received.is_(True), Document.kind.in_(required))
        .correlate(Application)
        .scalar_subquery()
    )
    return received == len(required)


def _latest_by_application(rows: Iterable[DecisionRow]) -> dict[int, DecisionRow]:
    latest: dict[int, DecisionRow] = {}
    for row in rows:  # ordered by id: the last one counts
        latest[row.application_id] = row
    return latest


def agenda(session: Session, actor: Actor, session_id: int) -> list[AgendaItem]:
    """The session's cases in the order the committee takes them (see the module docstring)."""
    cs = get_session(session, actor, session_id)
    level, program = Level(cs.level), _program_code(session, cs.program_id)
    stage = _stage(program, level)
    ready = [Application.state == stage.ready.value]
    if program == ProgramCode.B:
        ready.append(_documents_complete(program))
    area = Application.county_id == cs.county_id if level == Level.county else Application.province_id == cs.province_id
    decided_here = select(Decision.application_id).where(Decision.session_id == cs.id)
    rows = session.exec(
        select(Application, Applicant, County.name, latest_card(ScoreCardRecord.total))
        .join(Applicant, Applicant.id == Application.applicant_id)
        .join(County, County.id == Application.county_id)
        .where(Application.program_id == cs.program_id, area, or_(and_(*ready), Application.id.in_(decided_here)))
    ).all()
    if not rows:
        return []
    ids = [a.id for a, *_ in rows]
    totals = {a.id: total for a, _, _, total in rows if total is not None}
    remaining: dict[int, int] = {}
    proposals: dict[int, DecisionRow] = {}
    if program == ProgramCode.A:
        remaining = remaining_months(session, cs.program_id, {a.id: a.applicant_id for a, *_ in rows})
        if level == Level.province:
            proposals = _latest_by_application(_decision_rows(
                session, [Decision.application_id.in_(ids), Decision.level == Level.county.value]
            ))
    decisions = _latest_by_application(_decision_rows(session, [Decision.session_id == cs.id]))
    by_id = {a.id: (a, person, county) for a, person, county, _ in rows}
    if program == ProgramCode.A:
        order = [
            item.application_id
            for item in rank(
                RankItem(a.id, totals.get(a.id, 0), a.discount_holder, a.applied_on, a.priority_override, a.priority_reason)
                for a, *_ in rows
            )
        ]
    else:
        order = sorted(ids, key=lambda i: (by_id[i][0].applied_on, i))
    items = []
    for position, application_id in enumerate(order, start=1):
        a, person, county = by_id[application_id]
        items.append(AgendaItem(
            position=position, application_id=a.id, tracking_code=a.tracking_code,
            applicant_name=f"{person.first_name} {person.last_name}", national_code=person.national_code,
            county_name=county, program=program.value, state=a.state, target_group=a.target_group,
            job_field=a.job_field, applied_on=a.applied_on, total=totals.get(a.id),
            discount_holder=a.discount_holder, override_rank=a.priority_override, override_reason=a.priority_reason,
            remaining_months=remaining.get(a.id), contract_rate_bp=a.contract_rate_bp,
            proposal=proposals.get(a.id), decision=decisions.get(a.id),
        ))
    return items


def case_details(session: Session, actor: Actor, application_id: int) -> CaseDetails:
    """The score card, documents and eligibility of one case, as the meeting view shows them."""
    application = get_application(session, actor, application_id)
    program = _program_code(session, application.program_id)
    applicant = session.get(Applicant, application.applicant_id)
    card = session.exec(
        select(ScoreCardRecord).where(ScoreCardRecord.application_id == application.id).order_by(ScoreCardRecord.id.desc())
    ).first()
    lines = [ScoreLine(r["label"], str(r["input"]), int(r["points"]), int(r["maximum"])) for r in card.rows] if card else []
    conditions = eligibility_status(session, actor, application.id) if program == ProgramCode.A else []
    return CaseDetails(
        application_id=application.id,
        father_name=applicant.father_name,
        covering_domain=application.covering_domain,
        score_lines=lines,
        score_total=card.total if card else None,
        score_maximum=sum(line.maximum for line in lines) if card else None,
        documents=[CheckLine(row.label, row.received) for row in document_status(session, actor, application.id)],
        eligibility=[CheckLine(row.label, row.satisfied) for row in conditions],
    )


# --------------------------------------------------------------------------- deciding
def _latest_at_level(session: Session, application_id: int, level: Level) -> Decision | None:
    return session.exec(
        select(Decision).where(Decision.application_id == application_id, Decision.level == level.value).order_by(Decision.id.desc())
    ).first()


def _decide(
    session: Session,
    actor: Actor,
    cs: CommitteeSession,
    application: Application,
    outcome: Outcome | str,
    reason: str | None,
    months: object,
    share_percent: object,
    contract_rate_bp: object,
    *,
    supersedes: Decision | None,
) -> Decision:
    """Validate and write one decision of session ``cs`` (open, the actor's committee) on
    ``application`` (loaded with the committee's decision right)."""
    level = Level(cs.level)
    program = _program_code(session, application.program_id)
    stage = _stage(program, level)
    in_area = application.county_id == cs.county_id if level == Level.county else application.province_id == cs.province_id
    if application.program_id != cs.program_id or not in_area:
        raise InvalidInput(
            f"پرونده {ltr(application.tracking_code)} در حوزه یا برنامه این جلسه نیست؛ آن را در جلسه کمیته خودش بررسی کنید.",
            field="application_id",
        )
    state = State(application.state)
    if state not in (stage.ready, stage.approved):
        raise InvalidInput(
            f"پرونده {ltr(application.tracking_code)} در وضعیت «{STATE_LABELS[state]}» است و در دستور کار "
            f"{LEVEL_LABELS[level]} نیست.",
            field="application_id",
        )
    outcome = _outcome(outcome)
    reason = _reason(outcome, reason)
    if program == ProgramCode.B and outcome == Outcome.approve:
        missing = [row.label for row in document_status(session, actor, application.id) if not row.received]
        if missing:
            raise InvalidInput(
                f"مدارک این پرونده کامل نیست ({'، '.join(missing)})؛ پس از دریافت مدارک، واجد شرایط بودن را تأیید کنید.",
                field="outcome",
            )
    remaining = _remaining_for(session, application) if program == ProgramCode.A else 0
    terms = _terms(program, outcome, months, share_percent, contract_rate_bp, remaining)
    target = stage.target(outcome)
    moves = application.state != target.value  # deciding again may leave the state as it is
    if moves:
        transition(program, application.state, target)  # refuse an impossible move before writing

    decision = Decision(
        session_id=cs.id, application_id=application.id, level=level.value, outcome=outcome.value, reason=reason,
        months_granted=terms.months, share_percent=terms.share_percent, contract_rate_bp=terms.contract_rate_bp,
        supersedes_id=supersedes.id if supersedes else None, decided_by=actor.id,
    )
    session.add(decision)
    session.flush()
    audit(session, actor, "decision.record", "decision", decision.id, after=snapshot(decision))
    if moves:
        note = f"{LEVEL_LABELS[level]}: {OUTCOME_LABELS[outcome]} ({_session_label(cs)})"
        move_case(session, actor, application, program, target, note=note)
    granted = (application.months_granted, application.share_percent, application.contract_rate_bp)
    if level == Level.province and granted != (terms.months, terms.share_percent, terms.contract_rate_bp):
        before = snapshot(application)
        application.months_granted = terms.months
        application.share_percent = terms.share_percent
        application.contract_rate_bp = terms.contract_rate_bp
        application.updated_at = utcnow()
        session.add(application)
        audit(session, actor, "application.grant", "application", application.id, before=before, after=snapshot(application))
    session.commit()
    return decision


def record_decision(
    session: Session,
    actor: Actor,
    session_id: int,
    application_id: int,
    outcome: Outcome | str,
    reason: str | None = "",
    *,
    months: int | None = None,
    share_percent: int | None = None,
    contract_rate_bp: int | None = None,
) -> Decision:
    """The committee's decision on one case of the agenda; deciding again while the session is
    open records a new decision superseding the previous one."""
    cs = _session_for_write(session, actor, session_id)
    level = Level(cs.level)
    application = get_application(session, actor, application_id, LEVEL_ACTIONS[level])
    latest = _latest_at_level(session, application.id, level)
    stage = _stage(_program_code(session, application.program_id), level)
    if latest is not None and latest.session_id != cs.id and application.state != stage.ready.value:
        earlier = session.get(CommitteeSession, latest.session_id) if latest.session_id else None
        where = _session_label(earlier) if earlier else "پیش‌تر"
        raise InvalidInput(
            f"برای پرونده {ltr(application.tracking_code)} در {where} تصمیم گرفته شده است؛ "
            "برای تغییر آن، «تصمیم اصلاحی» ثبت کنید.",
            field="application_id",
        )
    supersedes = latest if latest is not None and latest.session_id == cs.id else None
    return _decide(session, actor, cs, application, outcome, reason, months, share_percent, contract_rate_bp,
                   supersedes=supersedes)


def correct_decision(
    session: Session,
    actor: Actor,
    decision_id: int,
    new_session_id: int,
    outcome: Outcome | str,
    reason: str | None = "",
    *,
    months: int | None = None,
    share_percent: int | None = None,
    contract_rate_bp: int | None = None,
) -> Decision:
    """A correction of a decision of a closed session: a new decision in an open session of the
    same committee, citing the old one (which is never touched)."""
    old = session.get(Decision, decision_id) if decision_id is not None else None
    if old is None:
        raise InvalidInput("تصمیمی با این شماره پیدا نشد.", field="decision_id")
    cs = _session_for_write(session, actor, new_session_id)
    old_cs = session.get(CommitteeSession, old.session_id) if old.session_id else None
    if old_cs is not None and old_cs.status == "open":
        raise InvalidInput(
            f"{_session_label(old_cs)} هنوز باز است؛ به‌جای اصلاحیه، در همان جلسه دوباره تصمیم بگیرید.",
            field="decision_id",
        )
    if old.level != cs.level or (old_cs is not None and old_cs.program_id != cs.program_id):
        raise InvalidInput(
            "تصمیم اصلاحی باید در جلسه همان کمیته و همان برنامه‌ای ثبت شود که تصمیم نخست را گرفته است.",
            field="new_session_id",
        )
    latest = _latest_at_level(session, old.application_id, Level(old.level))
    if latest is not None and latest.id != old.id:
        raise InvalidInput(
            f"این تصمیم پیش‌تر با تصمیم شماره {_fa(latest.id)} جایگزین شده است؛ آخرین تصمیم را اصلاح کنید.",
            field="decision_id",
        )
    application = get_application(session, actor, old.application_id, LEVEL_ACTIONS[Level(cs.level)])
    return _decide(session, actor, cs, application, outcome, reason, months, share_percent, contract_rate_bp,
                   supersedes=old)


def closed_decision_for(session: Session, actor: Actor, session_id: int, tracking_code: str) -> DecisionRow:
    """The latest decision of this session's committee on a case, taken in a closed session:
    what a correction in session ``session_id`` would cite."""
    cs = get_session(session, actor, session_id)
    code = to_latin_digits(strip_bidi_controls(tracking_code or "")).strip().upper()
    application = session.exec(select(Application).where(Application.tracking_code == code)).first()
    if application is None:
        raise InvalidInput("پرونده‌ای با این کد رهگیری پیدا نشد؛ کد را دوباره بررسی کنید.", field="tracking_code")
    actor.require(Action.view_cases, application_area(application))
    latest = _latest_at_level(session, application.id, Level(cs.level))
    latest_cs = session.get(CommitteeSession, latest.session_id) if latest and latest.session_id else None
    if latest is None or latest_cs is None or latest_cs.status != "closed":
        raise InvalidInput(
            f"برای پرونده {ltr(code)} تصمیمی از جلسات بسته {LEVEL_LABELS[Level(cs.level)]} نیست؛ "
            "تصمیم‌های جلسه باز را در همان جلسه تغییر دهید.",
            field="tracking_code",
        )
    return _decision_rows(session, [Decision.id == latest.id])[0]


def activate(session: Session, actor: Actor, application_id: int, start: YearMonth | str) -> Application:
    """After the provincial confirmation: the case becomes active from ``start`` (a Jalali month,
    or as typed: '1403/7', 'مهر ۱۴۰۳')."""
    application = get_application(session, actor, application_id, Action.record_province_decision)
    program = _program_code(session, application.program_id)
    if program != ProgramCode.A:
        raise InvalidInput("فعال‌سازی با تصمیم کمیته استان فقط برای برنامه سهم بیمه خویش‌فرماست.", field="application_id")
    if application.state != State.province_decision.value:
        raise InvalidInput(
            f"پرونده در وضعیت «{STATE_LABELS[State(application.state)]}» است؛ فقط پرونده‌ای که کمیته استان "
            "تأیید کرده فعال می‌شود.",
            field="application_id",
        )
    if isinstance(start, str) or start is None:
        start = parse_year_month(start, field="start")
    start = YearMonth(*start)
    if not (MIN_INPUT_YEAR <= start.year <= MAX_INPUT_YEAR and 1 <= start.month <= 12):
        raise InvalidInput("ماه شروع پرداخت درست نیست؛ سال شمسی چهاررقمی و ماه ۱ تا ۱۲، مثلاً ۱۴۰۳/۰۷.", field="start")
    if not application.months_granted:
        raise InvalidInput("تعداد ماه‌های مصوب کمیته استان ثبت نشده است؛ ابتدا تصمیم کمیته استان را ثبت کنید.", field="months")
    _check_cap(application.months_granted, _remaining_for(session, application))
    move_case(session, actor, application, program, State.active, note=f"شروع پرداخت از {format_year_month(start)}")
    before = snapshot(application)
    application.start_year, application.start_month = start
    session.add(application)
    audit(session, actor, "application.activate", "application", application.id, before=before, after=snapshot(application))
    session.commit()
    return application


def awaiting_activation(session: Session, actor: Actor) -> list[Grant]:
    """Programme A cases in «province_decision» in the actor's area, oldest decision first."""
    actor.require(Action.record_province_decision)
    rows = session.exec(
        select(Application, Applicant.first_name, Applicant.last_name, County.name)
        .join(Applicant, Applicant.id == Application.applicant_id)
        .join(County, County.id == Application.county_id)
        .join(Program, Program.id == Application.program_id)
        .where(Program.code == ProgramCode.A.value, Application.state == State.province_decision.value,
               *area_conditions(actor, Application))
        .order_by(Application.updated_at, Application.id)
    ).all()
    return [
        Grant(a.id, a.tracking_code, f"{first} {last}", county, Terms(a.months_granted, a.share_percent, a.contract_rate_bp))
        for a, first, last, county in rows
    ]
