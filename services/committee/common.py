"""The vocabulary of the committees, the plain data handed to pages, and small shared helpers
(levels, outcomes, stages, the rosters of the two committees and their quorum)."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import update
from sqlmodel import Session, select

from db.models import Application, CommitteeSession, Decision, Program, SessionMember
from lib import catalog, validate
from lib.errors import InvalidInput
from lib.jalali import format_jalali
from lib.permissions import Action, Area
from lib.text import ltr, normalize_persian, to_persian_digits
from lib.workflow import ProgramCode, State


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
    Level.province: "کمیته اشتغال و کارآفرینی استان",
}
COMMITTEE_NAME = "کمیته اشتغال و کارآفرینی"  # followed by the area: «شهرستان تهران», «استان تهران»
OUTCOME_LABELS: dict[Outcome, str] = {Outcome.approve: "تأیید", Outcome.reject: "رد", Outcome.defer: "تعویق"}
STATUS_LABELS: dict[str, str] = {"open": "باز", "closed": "بسته"}

GUEST = "guest"
HEAD = "head"  # chairs the county committee
DEPUTY = "deputy"  # chairs the provincial committee

# The roster of each committee (seed 003): role code → Persian label.
ROSTERS: dict[Level, dict[str, str]] = {
    Level.county: catalog.COMMITTEE_ROLES,
    Level.province: catalog.PROVINCE_COMMITTEE_ROLES,
}
CHAIRS: dict[Level, str] = {Level.county: HEAD, Level.province: DEPUTY}
# Roles more than one person may hold in one session (the provincial employment experts).
REPEATABLE: dict[Level, frozenset[str]] = {
    Level.county: frozenset({GUEST}),
    Level.province: frozenset({GUEST, "employment_expert"}),
}


def voting_roles(level: Level | str) -> tuple[str, ...]:
    return tuple(r for r in ROSTERS[Level(level)] if r != GUEST)


def expert_roles(level: Level | str) -> tuple[str, ...]:
    return tuple(r for r in voting_roles(level) if r != CHAIRS[Level(level)])


VOTING_ROLES: tuple[str, ...] = voting_roles(Level.county)
EXPERT_ROLES: tuple[str, ...] = expert_roles(Level.county)

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
}
RUNNING_STATES = (State.active.value, State.suspended.value)


# --------------------------------------------------------------------------- plain data for pages
@dataclass(frozen=True)
class MemberInput:
    """One person present: a role code of the committee's roster and the name as typed."""

    role: str
    full_name: str


@dataclass(frozen=True)
class SessionSummary:
    id: int
    level: str
    program: str
    province_id: int
    county_id: int | None
    area_name: str  # «شهرستان تهران» / «استان تهران»
    held_on: date
    number: str
    status: str
    decided_cases: int
    closed_at: datetime | None

    @property
    def is_open(self) -> bool:
        return self.status == "open"

    @property
    def committee_title(self) -> str:
        """«کمیته اشتغال و کارآفرینی شهرستان تهران» — the area's word said once."""
        return f"{COMMITTEE_NAME} {self.area_name}"


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
    confirmed_on: date | None = None  # the date of the provincial session that confirmed it


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
    missing: tuple[str, ...] = ()  # province level, programme A: what a confirmation still lacks


@dataclass(frozen=True)
class AgendaIndex:
    """A session's agenda as application ids in the committee's order (position = index + 1)."""

    ids: tuple[int, ...]
    any_priority: bool  # some case has a manual rank or is a discount holder (the column is shown)

    def __len__(self) -> int:
        return len(self.ids)


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
    except (ValueError, TypeError):
        raise InvalidInput("سطح جلسه را انتخاب کنید: کمیته شهرستان یا کمیته استان.", field="level") from None


def _outcome(value: Outcome | str) -> Outcome:
    try:
        return Outcome(value)
    except (ValueError, TypeError):
        raise InvalidInput("نتیجه تصمیم را انتخاب کنید: تأیید، رد یا تعویق.", field="outcome") from None


def session_area(cs: CommitteeSession) -> Area:
    return Area(province_id=cs.province_id, county_id=cs.county_id)


def application_area(application: Application) -> Area:
    return Area(province_id=application.province_id, county_id=application.county_id)


def _program_code(session: Session, program_id: int) -> ProgramCode:
    return ProgramCode(session.get(Program, program_id).code)


def _stage(program: ProgramCode, level: Level) -> Stage:
    stage = STAGES.get((program, level))
    if stage is None:  # programme B: its county unit confirms eligibility itself (seed 000), no committee
        raise InvalidInput(
            "برنامه بیمه زنان سرپرست خانوار جلسه کمیته ندارد (نه در شهرستان و نه در استان)؛ واحد شهرستان کمیته امداد "
            "واجد شرایط بودن را در صفحه «مدارک و شرایط پذیرش» تأیید می‌کند.",
            field="program",
        )
    return stage


def _session_label(cs: CommitteeSession) -> str:
    return f"جلسه شماره {ltr(cs.number)}"


def _session_label_dated(cs: CommitteeSession) -> str:
    return f"جلسه شماره {ltr(to_persian_digits(cs.number))} مورخ {format_jalali(cs.held_on)}"


def _latest_at_level(session: Session, application_id: int, level: Level) -> Decision | None:
    return session.exec(
        select(Decision).where(Decision.application_id == application_id, Decision.level == level.value).order_by(Decision.id.desc())
    ).first()


def lock_case(session: Session, application_id: int) -> Application | None:
    """Serialise every write on one case: the application row is locked until the transaction
    ends, and returned as it is now (None if there is no such case).

    PostgreSQL: ``SELECT … FOR UPDATE``. SQLite has no row locks: a (no-op) UPDATE of the row is
    the first write of the transaction, which takes the database's write lock, so a concurrent
    writer waits and then reads what the first one committed."""
    if validate.record_id(application_id, maximum=validate.INT32_MAX) != application_id or isinstance(application_id, bool):
        return None
    if session.get_bind().dialect.name == "sqlite":
        session.execute(update(Application).where(Application.id == application_id).values(updated_at=Application.updated_at))
        stmt = select(Application).where(Application.id == application_id)
    else:
        stmt = select(Application).where(Application.id == application_id).with_for_update()
    return session.exec(stmt.execution_options(populate_existing=True)).first()


def lock_session(session: Session, session_id: int, *, shared: bool = False) -> CommitteeSession | None:
    """Lock a committee session's row, as :func:`lock_case` does a case's: closing takes it
    exclusively, a decision shares it (PostgreSQL), so no decision lands in a session being
    closed. On SQLite the first write of the transaction takes the database's write lock."""
    if validate.record_id(session_id, maximum=validate.INT32_MAX) != session_id or isinstance(session_id, bool):
        return None
    stmt = select(CommitteeSession).where(CommitteeSession.id == session_id)
    if session.get_bind().dialect.name == "sqlite":
        if not shared:
            session.execute(update(CommitteeSession).where(CommitteeSession.id == session_id)
                            .values(status=CommitteeSession.status))
    else:
        stmt = stmt.with_for_update(read=shared)
    return session.exec(stmt.execution_options(populate_existing=True)).first()


# --------------------------------------------------------------------------- members
def _members(members: Iterable[MemberInput], level: Level | str = Level.county) -> list[MemberInput]:
    """Members with roles of the committee's roster and names; one person per voting role (the
    provincial employment experts and the guests may be several)."""
    level = Level(level)
    roster, repeatable = ROSTERS[level], REPEATABLE[level]
    clean: list[MemberInput] = []
    seen: set[str] = set()
    for member in members:
        if not isinstance(member.role, str) or member.role not in roster:
            raise InvalidInput(
                f"سمت هر عضو حاضر را از فهرست سمت‌های {LEVEL_LABELS[level]} انتخاب کنید "
                f"({'، '.join(roster.values())}).",
                field="members",
            )
        role_fa = roster[member.role]
        name = validate.clean_text(member.full_name, field="members", label_fa=f"نام {role_fa}", max_length=NAME_MAX)
        if not name:
            raise InvalidInput(f"نام «{role_fa}» را وارد کنید یا آن ردیف را خالی بگذارید.", field="members")
        if member.role not in repeatable:
            if member.role in seen:
                raise InvalidInput(f"برای سمت «{role_fa}» فقط یک نفر را وارد کنید.", field="members")
            seen.add(member.role)
        clean.append(MemberInput(member.role, name))
    return clean


def _quorum_problem(roles: Iterable[str], level: Level | str = Level.county) -> str | None:
    level = Level(level)
    roles, chair, roster = set(roles), CHAIRS[level], ROSTERS[level]
    if chair in roles and roles & set(expert_roles(level)):
        return None
    experts = "، ".join(roster[r] for r in expert_roles(level))
    return (
        f"برای بستن جلسه، «{roster[chair]}» و دست‌کم یکی از کارشناسان ({experts}) "
        "باید در فهرست حاضران باشند؛ فهرست حاضران را کامل کنید."
    )


def _write_members(session: Session, session_id: int, members: list[MemberInput]) -> None:
    for member in members:
        session.add(SessionMember(session_id=session_id, role=member.role, full_name=member.full_name))


def _member_rows(session: Session, session_id: int) -> list[SessionMember]:
    return list(session.exec(select(SessionMember).where(SessionMember.session_id == session_id).order_by(SessionMember.id)).all())


def _members_snapshot(rows: Iterable[SessionMember | MemberInput]) -> list[dict]:
    return [{"role": m.role, "full_name": m.full_name} for m in rows]
