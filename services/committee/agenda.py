"""The agenda of a session and what the meeting view shows of one case.

A case sits on the agenda of at most one open session per level: the first decision on it in a
session places it there (``AgendaEntry``, a partial unique index on the open entries), and a
session of the same level that tries to decide it meanwhile is refused, naming the first one.
Closing a session releases its entries. The agenda of a session lists:

* county, programme A — the county's cases in «scored», ranked with ``lib.ranking.rank``;
* province, programme A — the province's cases in «county_decision», same ranking, with what
  the county committee proposed and what a confirmation still lacks;
* county, programme B — the county's cases in «received» whose documents are all in, by
  application date (B has no scoring table and no provincial committee);

less the cases on another open session's agenda, plus the cases decided in this session (with
their decision, so the committee can reconsider while the session is open).
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import ColumnElement, Integer, String, and_, func, or_, text, type_coerce
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from db.models import (
    AgendaEntry,
    Applicant,
    Application,
    CommitteeSession,
    County,
    Decision,
    Document,
    ScoreCardRecord,
)
from lib import catalog, validate
from lib.errors import InvalidInput
from lib.ranking import RankItem, rank
from lib.text import ltr
from lib.workflow import ProgramCode
from services.applications import get_application
from services.base import Actor, audit, snapshot
from services.cases import latest_card
from services.committee.cap import remaining_months
from services.committee.common import (
    AgendaIndex,
    AgendaItem,
    CaseDetails,
    CheckLine,
    DecisionRow,
    Level,
    Outcome,
    ScoreLine,
    _fa,
    _program_code,
    _session_label_dated,
    _stage,
)
from services.committee.requirements import confirmation_gaps, deputy_confirmation
from services.committee.sessions import _decision_rows, get_session
from services.documents import document_status
from services.eligibility import eligibility_status

PAGE_MAX = 500  # most agenda lines one page may ask for


def claim(session: Session, actor: Actor, cs: CommitteeSession, application: Application) -> None:
    """Place ``application`` on the agenda of ``cs`` (inside the caller's transaction, the case
    locked): refused, naming the session, when another open session of the level holds it."""
    entries = session.exec(
        select(AgendaEntry).where(AgendaEntry.application_id == application.id, AgendaEntry.level == cs.level,
                                  AgendaEntry.is_open.is_(True))
    ).all()
    for entry in entries:
        if entry.session_id != cs.id:
            other = session.get(CommitteeSession, entry.session_id)
            raise InvalidInput(
                f"پرونده {ltr(application.tracking_code)} در دستور کار {_session_label_dated(other)} است که هنوز باز "
                "است؛ تصمیم را در همان جلسه بگیرید، یا پس از بستن آن در این جلسه «تصمیم اصلاحی» ثبت کنید.",
                field="application_id",
            )
    if entries:
        return
    mine = session.exec(
        select(AgendaEntry).where(AgendaEntry.application_id == application.id, AgendaEntry.session_id == cs.id)
    ).first()
    if mine is not None:  # placed here earlier, released when the session closed: not re-opened
        return
    entry = AgendaEntry(session_id=cs.id, application_id=application.id, level=cs.level, placed_by=actor.id)
    session.add(entry)
    try:
        session.flush()
    except IntegrityError:  # the database's own guard (uq_agenda_open_case)
        raise InvalidInput(
            f"پرونده {ltr(application.tracking_code)} هم‌زمان در دستور کار جلسه دیگری قرار گرفت؛ صفحه را تازه کنید.",
            field="application_id",
        ) from None
    audit(session, actor, "agenda.place", "agenda_entry", entry.id, after=snapshot(entry))


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


def _scope_parts(session: Session, cs: CommitteeSession, *, probe: bool = True):
    """(programme, level, conditions on Application of the committee's programme and area, of a
    case ready for it, of a case on this session's agenda or decided in it). Without ``probe``, the
    condition that no other open session holds a ready case is left to the caller
    (:func:`_taken_elsewhere`)."""
    level, program = Level(cs.level), _program_code(session, cs.program_id)
    stage = _stage(program, level)
    ready = [Application.state == stage.ready.value]
    if program == ProgramCode.B:
        ready.append(_documents_complete(program))
    area = Application.county_id == cs.county_id if level == Level.county else Application.province_id == cs.province_id
    here = select(AgendaEntry.application_id).where(AgendaEntry.session_id == cs.id).union(
        select(Decision.application_id).where(Decision.session_id == cs.id)
    )
    # probed per case through its own agenda entries (an index), not a list of every open entry; the
    # bare column (not «IS true»), so that PostgreSQL may use the partial index of the open entries
    elsewhere = select(AgendaEntry.id).where(
        AgendaEntry.application_id == Application.id, AgendaEntry.level == cs.level, col(AgendaEntry.is_open),
        AgendaEntry.session_id != cs.id,
    ).correlate(Application)
    if probe:
        ready.append(~elsewhere.exists())
    # the area and programme repeated in each branch (same rows): the database then finds the ready
    # cases through an index on (state, area) — the waiting cases, not every case of the area
    mine = [Application.program_id == cs.program_id, area]
    return program, level, mine, ready, [Application.id.in_(here)]


def agenda_scope(session: Session, cs: CommitteeSession) -> tuple[ProgramCode, Level, ColumnElement[bool]]:
    """(programme, level, SQL condition on Application selecting the agenda of ``cs``): see the
    module docstring. Used by :func:`agenda` and by the meeting view's narrow reads."""
    program, level, mine, ready, here = _scope_parts(session, cs)
    return program, level, or_(and_(*mine, *ready), and_(*mine, *here))


def agenda_order(program: ProgramCode, cases: Iterable[RankItem]) -> list[int]:
    """Application ids in the order the committee takes them: A ranked, B by application date."""
    if program == ProgramCode.A:
        return [item.application_id for item in rank(cases)]
    return [item.application_id for item in sorted(cases, key=lambda c: (c.applied_on, c.application_id))]


def agenda_items(
    session: Session, cs: CommitteeSession, program: ProgramCode, level: Level, rows: list, positions: dict[int, int]
) -> list[AgendaItem]:
    """The agenda lines of ``rows`` ((Application, Applicant, county name, latest total) of the
    agenda of ``cs``), placed at ``positions`` {application_id: 1-based position}, in that order."""
    ids = [a.id for a, *_ in rows]
    totals = {a.id: total for a, _, _, total in rows if total is not None}
    remaining: dict[int, int] = {}
    proposals: dict[int, DecisionRow] = {}
    gaps: dict[int, list[str]] = {}
    province_a = program == ProgramCode.A and level == Level.province
    if program == ProgramCode.A:
        remaining = remaining_months(session, cs.program_id, {a.id: a.applicant_id for a, *_ in rows})
    # this session's decisions and (a provincial agenda of A) the county committee's, in one read
    here = Decision.session_id == cs.id
    decided = _decision_rows(session, [
        Decision.application_id.in_(ids), or_(here, Decision.level == Level.county.value) if province_a else here,
    ])
    decisions = _latest_by_application(row for row in decided if row.session_id == cs.id)
    if province_a:
        proposals = _latest_by_application(row for row in decided if row.level == Level.county.value)
        gaps = confirmation_gaps(
            session, {a.id: proposals[a.id].terms.months if a.id in proposals else None for a, *_ in rows},
            county_approved={i for i, row in proposals.items() if row.outcome == Outcome.approve.value},
        )
    by_id = {a.id: (a, person, county) for a, person, county, _ in rows}
    items = []
    for application_id in sorted(by_id, key=positions.__getitem__):
        a, person, county = by_id[application_id]
        items.append(AgendaItem(
            position=positions[a.id], application_id=a.id, tracking_code=a.tracking_code,
            applicant_name=f"{person.first_name} {person.last_name}", national_code=person.national_code,
            county_name=county, program=program.value, state=a.state, target_group=a.target_group,
            job_field=a.job_field, applied_on=a.applied_on, total=totals.get(a.id),
            discount_holder=a.discount_holder, override_rank=a.priority_override, override_reason=a.priority_reason,
            remaining_months=remaining.get(a.id), contract_rate_bp=a.contract_rate_bp,
            proposal=proposals.get(a.id), decision=decisions.get(a.id), missing=tuple(gaps.get(a.id, ())),
        ))
    return items


def _taken_elsewhere(session: Session, cs: CommitteeSession, mine: list, stage_ready: str) -> set[int]:
    """Ids of the committee's cases ready for it that sit on the agenda of another open session of
    its level. The open entries are tested with the bare column, as the partial index of the open
    entries is written (SQLite would render ``is_open = 1`` and probe every entry of each case)."""
    return set(session.connection().execute(
        select(AgendaEntry.application_id)
        .join(Application, Application.id == AgendaEntry.application_id)
        .where(AgendaEntry.level == cs.level, text(f"{AgendaEntry.__tablename__}.is_open"),
               AgendaEntry.session_id != cs.id, Application.state == stage_ready, *mine)
    ).scalars())


def rank_keys(program: ProgramCode, rows: Iterable[tuple]) -> dict[int, tuple]:
    """{application id: sort key} of agenda cases given as (id, application date, discount holder,
    manual rank, its reason, total) — the date as the database gives it (a date, or SQLite's ISO
    text, which sorts the same). Programme A: :meth:`lib.ranking.RankItem.sort_key` (a case without
    a score ranks with 0; a manual rank is checked as ``RankItem`` checks it); programme B: the
    application date, then the id."""
    if program != ProgramCode.A:
        return {r[0]: (r[1], r[0]) for r in rows}
    keys = {}
    for i, applied_on, holder, override, reason, total in rows:  # one tuple each: thousands of cases
        if override is None:
            keys[i] = (2 if holder else 1, 0, -(total or 0), applied_on, i)
        else:  # few: checked as lib.ranking does (a whole number ≥ 1, with its reason)
            day = applied_on if isinstance(applied_on, date) else date.fromisoformat(applied_on)
            RankItem(i, total or 0, bool(holder), day, override, reason)
            keys[i] = (0, override, -(total or 0), applied_on, i)
    return keys


def ranked(session: Session, cs: CommitteeSession) -> tuple[list[int], bool]:
    """(application ids of the agenda of ``cs`` in the committee's order, whether any case has a
    manual rank or is a discount holder): narrow reads, no details. The total is the case's current
    one (``application.score_total``, kept by the database with every score card).

    The waiting cases come through the index of their state and area, their sort keys only, as
    plain rows (no union to deduplicate, no per-case probe of the agenda entries: the few cases
    another open session holds are read at once and left out), then this session's own cases;
    Python sorts the keys (``lib.ranking``'s rules: the order of :func:`agenda_order`)."""
    program, level, mine, ready, here = _scope_parts(session, cs, probe=False)
    # as the driver gives them (SQLite: the date as ISO text, the flag as 0/1): for thousands of rows
    # SQLAlchemy's conversions cost more than the sort
    columns = (Application.id, type_coerce(Application.applied_on, String), type_coerce(Application.discount_holder, Integer),
               Application.priority_override, Application.priority_reason, Application.score_total)
    taken = _taken_elsewhere(session, cs, mine, _stage(program, level).ready.value)
    connection = session.connection()
    waiting = [*mine, *ready]
    if connection.dialect.name == "sqlite" and level == Level.province:
        # the ids from the covering index of state and province first, then the rows in id order
        # (neighbours in the table): about a quarter less work than in that index's order. A county's
        # index (county, state) gives them in id order already; PostgreSQL's bitmap scan reads them in
        # table order (and would hash-join this form against every case)
        waiting = [Application.id.in_(select(Application.id).where(*waiting))]
    rows = [row for row in connection.execute(select(*columns).where(*waiting)).all() if row[0] not in taken]
    listed = {row[0] for row in rows}
    rows += [row for row in connection.execute(select(*columns).where(*mine, *here)).all() if row[0] not in listed]
    keys = rank_keys(program, rows)
    return sorted(keys, key=keys.__getitem__), any(row[3] is not None or row[2] for row in rows)


def agenda_index(session: Session, actor: Actor, session_id: int) -> AgendaIndex:
    """The agenda of a session as ids in the committee's order (see :func:`agenda`), for a page
    that shows it a page at a time (:func:`agenda_page`)."""
    cs = get_session(session, actor, session_id)
    order, any_priority = ranked(session, cs)
    return AgendaIndex(ids=tuple(order), any_priority=any_priority)


def agenda_page(session: Session, actor: Actor, session_id: int, index: AgendaIndex, start: int, size: int) -> list[AgendaItem]:
    """The agenda lines at positions ``start + 1`` … ``start + size`` of ``index``, with what
    :func:`agenda` gives for each; a case that left the agenda since ``index`` was read is left out.
    Reads only those cases: the cost of a page does not grow with the agenda."""
    cs = get_session(session, actor, session_id)
    start = validate.integer(start, field="start", label_fa="ردیف آغاز", minimum=0, maximum=validate.INT32_MAX)
    size = validate.integer(size, field="size", label_fa="تعداد ردیف", minimum=1, maximum=PAGE_MAX)
    ids = index.ids[start:start + size]
    if not ids:
        return []
    program, level, scope = agenda_scope(session, cs)
    rows = agenda_rows(session, scope, Application.id.in_(ids))
    return agenda_items(session, cs, program, level, rows, {i: start + k for k, i in enumerate(ids, start=1)})


def agenda_rows(session: Session, *where: ColumnElement[bool]) -> list:
    """(Application, Applicant, county name, latest score total) of the cases matching ``where``."""
    return list(session.exec(
        select(Application, Applicant, County.name, latest_card(ScoreCardRecord.total))
        .join(Applicant, Applicant.id == Application.applicant_id)
        .join(County, County.id == Application.county_id)
        .where(*where)
    ).all())


def agenda(session: Session, actor: Actor, session_id: int) -> list[AgendaItem]:
    """The session's cases in the order the committee takes them (see the module docstring)."""
    cs = get_session(session, actor, session_id)
    program, level, scope = agenda_scope(session, cs)
    rows = agenda_rows(session, scope)
    if not rows:
        return []
    order = agenda_order(program, (
        RankItem(a.id, total or 0, a.discount_holder, a.applied_on, a.priority_override, a.priority_reason)
        for a, _, _, total in rows
    ))
    return agenda_items(session, cs, program, level, rows, {i: p for p, i in enumerate(order, start=1)})


def case_details(session: Session, actor: Actor, application_id: int) -> CaseDetails:
    """The score card, documents and eligibility of one case, as the meeting view shows them."""
    application = get_application(session, actor, application_id)
    program = _program_code(session, application.program_id)
    applicant = session.get(Applicant, application.applicant_id)
    card = session.exec(
        select(ScoreCardRecord).where(ScoreCardRecord.application_id == application.id).order_by(ScoreCardRecord.id.desc())
    ).first()
    lines = [ScoreLine(r["label"], str(r["input"]), int(r["points"]), int(r["maximum"])) for r in card.rows] if card else []
    eligibility: list[CheckLine] = []
    if program == ProgramCode.A:
        eligibility = [CheckLine(row.label, row.satisfied) for row in eligibility_status(session, actor, application.id)]
        deputy = deputy_confirmation(session, actor, application.id)
        eligibility.append(CheckLine(
            f"تأیید آمادگی شغلی و مدت ({deputy.deputy_label}، {_fa(deputy.months)} ماه)" if deputy
            else "تأیید آمادگی شغلی و مدت توسط معاونت تخصصی",
            deputy.job_ready if deputy else None,
        ))
    return CaseDetails(
        application_id=application.id,
        father_name=applicant.father_name,
        covering_domain=application.covering_domain,
        score_lines=lines,
        score_total=card.total if card else None,
        score_maximum=sum(line.maximum for line in lines) if card else None,
        documents=[CheckLine(row.label, row.received) for row in document_status(session, actor, application.id)],
        eligibility=eligibility,
    )
