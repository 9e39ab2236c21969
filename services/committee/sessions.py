"""Committee sessions: opening one (dated today or earlier, with the members present of its own
committee's roster), the members, closing (quorum of that roster; the agenda is released), the
list and one session with its decisions."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import func, update
from sqlmodel import Session, select

from db.models import (
    AgendaEntry,
    Applicant,
    Application,
    CommitteeSession,
    County,
    Decision,
    Program,
    Province,
    SessionMember,
    User,
    utcnow,
)
from lib.errors import InvalidInput
from lib.jalali import format_jalali, jalali_year_of, parse_jalali_date, local_today
from lib.permissions import Action, Area, can
from lib import validate
from lib.text import ltr, strip_bidi_controls, to_latin_digits
from lib.workflow import ProgramCode
from services.applications import program_by_code
from services.base import Actor, area_conditions, audit, county_area, find, snapshot
from services.committee.common import (
    LEVEL_ACTIONS,
    NUMBER_MAX,
    DecisionRow,
    Level,
    MemberInput,
    SessionSummary,
    SessionView,
    Terms,
    _fa,
    _level,
    _member_rows,
    _members,
    _members_snapshot,
    _quorum_problem,
    _session_label,
    _stage,
    _write_members,
    lock_session,
    session_area,
)


def today() -> date:
    """The date sessions may not be held after (the server's calendar day)."""
    return local_today()


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
    if province_id is None or find(session, Province, province_id) is None:
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
    if not isinstance(held_on, date):
        held_on = parse_jalali_date(validate.clean_text(held_on, field="held_on", label_fa="تاریخ جلسه", max_length=40),
                                    field="held_on")
    held_on = validate.a_date(held_on, field="held_on", label_fa="تاریخ جلسه")
    number = validate.clean_text(number, field="number", label_fa="شماره جلسه", max_length=NUMBER_MAX)
    lvl = _level(level) if level else _default_level(actor)
    if lvl is None:
        raise InvalidInput("سطح جلسه را انتخاب کنید: کمیته شهرستان یا کمیته استان.", field="level")
    area = _committee_area(session, actor, lvl, county_id, province_id)
    _require_committee(actor, lvl, area)
    prog = program_by_code(session, program)
    _stage(ProgramCode(prog.code), lvl)
    if held_on > today():
        raise InvalidInput(
            f"تاریخ جلسه ({format_jalali(held_on)}) از امروز ({format_jalali(today())}) گذشته است؛ جلسه را پس از "
            "تشکیل، با تاریخ روز برگزاری ثبت کنید.",
            field="held_on",
        )
    number = to_latin_digits(strip_bidi_controls(number))  # one form of digits
    if not number:
        raise InvalidInput("شماره جلسه را وارد کنید (مثلاً ۱۲/۱۴۰۳).", field="number")
    if len(number) > NUMBER_MAX:
        raise InvalidInput(f"شماره جلسه حداکثر {_fa(NUMBER_MAX)} نویسه است.", field="number")
    members = _members(members, lvl)
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
    cs = find(session, CommitteeSession, session_id, populate_existing=True)
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
    lock_session(session, session_id)
    cs = _session_for_write(session, actor, session_id)
    members = _members(members, cs.level)
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
    """Close the session: its decisions become final. Needs its chair, an expert, one decision."""
    lock_session(session, session_id)
    cs = _session_for_write(session, actor, session_id)
    problem = _quorum_problem((m.role for m in _member_rows(session, cs.id)), cs.level)
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
    # the undecided cases go back to wait for the committee's next session
    session.execute(update(AgendaEntry).where(AgendaEntry.session_id == cs.id).values(is_open=False))
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
    c = CommitteeSession
    stmt = (  # the columns shown, not the sessions as objects
        select(c.id, c.level, c.province_id, c.county_id, c.held_on, c.number, c.status, c.closed_at, Program.code,
               County.name, Province.name, decided)
        .join(Program, Program.id == c.program_id)
        .join(Province, Province.id == c.province_id)
        .outerjoin(County, County.id == c.county_id)
        .where(*where)
        .order_by(c.held_on.desc(), c.id.desc())
    )
    if limit:
        stmt = stmt.limit(limit)
    return [
        SessionSummary(
            id=session_id, level=level, program=code, province_id=province_id, county_id=county_id,
            area_name=f"شهرستان {county}" if county else f"استان {province}",
            held_on=held_on, number=number, status=status, decided_cases=n or 0, closed_at=closed_at,
        )
        for (session_id, level, province_id, county_id, held_on, number, status, closed_at, code, county, province,
             n) in session.exec(stmt).all()
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


def _decision_rows(session: Session, where: list, *, offset: int = 0, limit: int | None = None) -> list[DecisionRow]:
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
    if limit is not None:
        stmt = stmt.offset(offset).limit(limit)
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


def session_view(session: Session, actor: Actor, session_id: int, *, decisions: bool = True) -> SessionView:
    """A session with its members and every decision taken in it (superseded ones marked);
    without ``decisions`` (a page that shows them a page at a time: :func:`session_decisions`),
    its decisions list is empty."""
    cs = get_session(session, actor, session_id)
    summary = _summaries(session, [CommitteeSession.id == cs.id])[0]
    members = [MemberInput(m.role, m.full_name) for m in _member_rows(session, cs.id)]
    return SessionView(summary, members, _decision_rows(session, [Decision.session_id == cs.id]) if decisions else [])


def session_decisions(
    session: Session, actor: Actor, session_id: int, *, offset: int = 0, limit: int = 50
) -> tuple[list[DecisionRow], int]:
    """(the decisions of a session from ``offset``, at most ``limit``, in the order taken;
    how many it has): a page of them reads its own rows only."""
    cs = get_session(session, actor, session_id)
    offset = validate.integer(offset, field="offset", label_fa="ردیف آغاز", minimum=0, maximum=validate.INT32_MAX)
    limit = validate.integer(limit, field="limit", label_fa="تعداد ردیف", minimum=1, maximum=500)
    total = session.exec(select(func.count(Decision.id)).where(Decision.session_id == cs.id)).one()
    return _decision_rows(session, [Decision.session_id == cs.id], offset=offset, limit=limit), int(total)


