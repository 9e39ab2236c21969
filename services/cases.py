"""Reading cases: the area-limited case list and everything the case page shows about one case.

Reads only; every function checks the role (``view_cases``) and the area: a county user never
sees another county's case (absent from the list, refused on the case page).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy import func, or_, union_all
from sqlmodel import Session, select

from db.models import (
    Applicant,
    Application,
    ApplicationEvent,
    County,
    Decision,
    Document,
    EligibilityConfirmation,
    Household,
    Notification,
    Program,
    Province,
    ScoreCardRecord,
    User,
)
from db import search as search_table
from db.search import containing_all, containing_all_between, indexed, newest_window
from lib import catalog, validate
from lib.errors import InvalidInput
from lib.jalali import format_jalali
from lib.permissions import Action, Area, Scope, scope_of
from lib.scoring import ScoreCard
from lib.text import strip_bidi_controls, to_latin_digits, to_persian_digits
from lib.workflow import state_label, to_program, to_state
from services.applications import get_application
from services.base import Actor, area_conditions, as_utc, county_area, find

# The columns of :func:`list_cases`, in order (the page renames them to Persian).
CASE_COLUMNS: tuple[str, ...] = (
    "id",
    "tracking_code",
    "program",
    "applicant",
    "national_code",
    "county",
    "state",
    "applied_on",
    "channel",
    "total",
    "discount_holder",
    "priority_override",
)

# Committee decisions as people read them (levels and outcomes are fixed by check constraints).
DECISION_LEVEL_LABELS: dict[str, str] = {"county": "کمیته شهرستان", "province": "کمیته استان"}
DECISION_OUTCOME_LABELS: dict[str, str] = {"approve": "تأیید", "reject": "رد", "defer": "تعویق"}
NOTIFICATION_STATUS_LABELS: dict[str, str] = {"queued": "در صف ارسال", "sent": "ارسال شده", "failed": "ناموفق"}

TEHRAN = ZoneInfo("Asia/Tehran")


def format_moment(value: datetime | None) -> str:
    """A stored UTC timestamp as people read it: Jalali date and Tehran time, Persian digits."""
    if value is None:
        return "—"
    local = as_utc(value).astimezone(TEHRAN)
    return f"{format_jalali(local.date())} ساعت {to_persian_digits(local.strftime('%H:%M'))}"


def latest_card(column: Any) -> Any:
    """``column`` of the case's newest (current) score card, as a subquery correlated on
    Application.id (NULL when unscored). Evaluated only for the rows a query returns, which
    keeps a filtered, limited list fast where a GROUP BY over every card would not be."""
    return (
        select(column)
        .where(ScoreCardRecord.application_id == Application.id)
        .order_by(ScoreCardRecord.id.desc())  # type: ignore[union-attr]
        .limit(1)
        .scalar_subquery()
    )


SEARCH_LIMIT = 200  # longest search text: more than a name, a national code and a tracking code
SEARCH_CAP = 500
"""A search lists at most this many cases: of its matches, the ones registered last (highest case
numbers), newest application first. Reading them costs the same in an area of any size, where
sorting every match by date did not (3,000 matches of a common surname at 300,000 cases);
:func:`count_cases` with ``at_most=SEARCH_CAP + 1`` tells whether there were more."""


def search_tokens(text: str | None, *, field: str = "text", label_fa: str = "متن جست‌وجو") -> list[str]:
    """Words of a search box: Persian/Arabic digits → Latin, ي/ك → ی/ک, direction marks dropped.
    Control characters and over-long text are refused (InvalidInput) before any query."""
    cleaned = validate.clean_text(text, field=field, label_fa=label_fa, max_length=SEARCH_LIMIT)
    return to_latin_digits(strip_bidi_controls(cleaned)).split()


def counties_in_area(session: Session, actor: Actor) -> list[tuple[int, str]]:
    """(id, Persian name) of the counties the actor may pick; the province is named when national."""
    actor.require(Action.view_cases)
    query = select(County.id, County.name, Province.name).join(Province, Province.id == County.province_id)
    scope = scope_of(actor.role, actor.area)
    if scope == Scope.county:
        query = query.where(County.id == actor.county_id)
    elif scope == Scope.province:
        query = query.where(County.province_id == actor.province_id)
    rows = session.exec(query.order_by(Province.name, County.name)).all()
    if scope == Scope.national:
        return [(cid, f"{name} ({province})") for cid, name, province in rows]
    return [(cid, name) for cid, name, _ in rows]


def provinces_in_area(session: Session, actor: Actor) -> list[tuple[int, str]]:
    """(id, Persian name) of the provinces the actor may filter by: all for a national user, else hers."""
    actor.require(Action.view_cases)
    query = select(Province.id, Province.name)
    if scope_of(actor.role, actor.area) != Scope.national:
        query = query.where(Province.id == actor.province_id)
    return [(pid, name) for pid, name in session.exec(query.order_by(Province.name)).all()]


def list_cases(
    session: Session,
    actor: Actor,
    *,
    program: str | None = None,
    province_id: int | None = None,
    county_id: int | None = None,
    state: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    text: str | None = None,
    limit: int = 500,
    offset: int = 0,
) -> pd.DataFrame:
    """The cases in the actor's area matching the filters, newest application first; ``limit``
    rows from row ``offset`` (a page of the list; :func:`count_cases` gives how many match).

    ``text`` matches every typed word against the applicant's name, national code or the
    tracking code. A province or county outside the actor's area is refused (Forbidden)."""
    filters = dict(program=program, province_id=province_id, county_id=county_id, state=state, date_from=date_from,
                   date_to=date_to, text=text)
    newest_first = (Application.applied_on.desc(), Application.id.desc())  # type: ignore[attr-defined]
    matching, last_registered_first = _matching(session, actor, filters)
    if last_registered_first is not None:  # a search: its SEARCH_CAP matches registered last
        newest = _registered_last(session, actor, filters, SEARCH_CAP)
        matching = select(Application.id).where(Application.id.in_(  # type: ignore[union-attr]
            matching.order_by(last_registered_first).limit(SEARCH_CAP) if newest is None else newest))
    # the page's ids first (one index walk, or the search's matches sorted by date), then their rows
    page = (
        matching
        .order_by(*newest_first)
        .offset(validate.integer(offset, field="offset", label_fa="ردیف آغاز", minimum=0, maximum=validate.INT32_MAX))
        .limit(validate.integer(limit, field="limit", label_fa="تعداد ردیف", minimum=1, maximum=100_000))
    )
    query = (
        select(
            Application.id,
            Application.tracking_code,
            Program.code,
            Applicant.first_name,
            Applicant.last_name,
            Applicant.national_code,
            County.name,
            Application.state,
            Application.applied_on,
            Application.channel,
            Application.score_total,
            Application.discount_holder,
            Application.priority_override,
        )
        .join(Program, Program.id == Application.program_id)
        .join(Applicant, Applicant.id == Application.applicant_id)
        .join(County, County.id == Application.county_id)
        .where(Application.id.in_(page))  # type: ignore[union-attr]
        .order_by(*newest_first)
    )
    rows = [
        (aid, code, prog, f"{first} {last}", nc, county, st, applied, channel, total, bool(holder), override)
        for aid, code, prog, first, last, nc, county, st, applied, channel, total, holder, override in session.exec(query).all()
    ]
    frame = pd.DataFrame(rows, columns=list(CASE_COLUMNS))
    frame["total"] = frame["total"].astype("Int64")
    frame["priority_override"] = frame["priority_override"].astype("Int64")
    return frame


def count_cases(session: Session, actor: Actor, *, at_most: int | None = None, **filters: Any) -> int:
    """How many cases match the filters of :func:`list_cases` (all of them: a search's too, beyond
    the :data:`SEARCH_CAP` it lists).

    With ``at_most``, counting stops there and the result is ``min(count, at_most)``: a page that
    says «more than N» reads at most N rows of the index (a search: N matches), however large the area."""
    query, last_registered_first = _matching(session, actor, filters)
    if at_most is not None:
        at_most = validate.integer(at_most, field="at_most", label_fa="سقف شمارش", minimum=1, maximum=validate.INT32_MAX)
        newest = None if last_registered_first is None else _registered_last(session, actor, filters, at_most)
        if newest is not None:
            query = newest
        else:
            if last_registered_first is not None:
                query = query.order_by(last_registered_first)  # the order the search index serves
            query = query.limit(at_most)
    return int(session.exec(select(func.count()).select_from(query.subquery())).one())


def _registered_last(session: Session, actor: Actor, filters: dict[str, Any], wanted: int) -> Any | None:
    """PostgreSQL, a search with a word of three characters or more: ``SELECT id`` of the ``wanted``
    matching cases registered last, highest first, found in the newest windows of case numbers
    that hold them (``db.search.newest_window``, in the same statement), so a common word costs
    what a rare one does (a rarer word than :data:`db.search.COMMON` says reads the whole trigram
    bitmap after the first window, in the same statement). None elsewhere: SQLite's search table
    serves its matches in that order."""
    words = [token for token in search_tokens(filters.get("text")) if indexed(token)]
    if not words or session.get_bind().dialect.name != "postgresql":
        return None
    # the statement is the same for the same area, filters and window sizes (their checks ran in
    # the caller's _matching): built once, it spares the app some 10 ms of SQL construction a search
    key = (str(actor.role), actor.province_id, actor.county_id, tuple(sorted(filters.items())), wanted,
           search_table.FIRST_WINDOW, search_table.COMMON)
    built = _SEARCH_STATEMENTS.get(key)
    if built is None:
        built = _search_statement(session, actor, filters, wanted)
        if len(_SEARCH_STATEMENTS) >= 256:
            _SEARCH_STATEMENTS.clear()
        _SEARCH_STATEMENTS[key] = built
    return built


_SEARCH_STATEMENTS: dict[tuple, Any] = {}


def _search_statement(session: Session, actor: Actor, filters: dict[str, Any], wanted: int) -> Any:
    conditions = _case_conditions(session, actor, **filters)

    def count_between(low: Any, high: Any) -> Any:
        query, _ = _matching(session, actor, filters, window=(low, high), conditions=conditions)
        return query.with_only_columns(func.count()).scalar_subquery()

    low, high, first = newest_window(count_between, wanted)
    windowed, by_window = _matching(session, actor, filters, window=(low, high), conditions=conditions)
    whole, by_bitmap = _matching(session, actor, filters, conditions=conditions)
    # one of the two runs: PostgreSQL tests an uncorrelated condition once, before a branch starts
    either = union_all(windowed.where(first >= search_table.COMMON).order_by(by_window).limit(wanted).subquery().select(),
                       whole.where(first < search_table.COMMON).order_by(by_bitmap).limit(wanted).subquery().select()).subquery()
    return select(either.c.id).order_by(either.c.id.desc()).limit(wanted)


def _matching(session: Session, actor: Actor, filters: dict[str, Any], *, window: tuple[Any, Any] | None = None,
              conditions: list | None = None) -> tuple[Any, Any]:
    """``SELECT application.id`` of the cases matching the filters (joining only what they name:
    every case has its programme and applicant, so an unfiltered query reads one narrow index),
    and, for a search, the order in which the search reads its matches cheaply (highest case
    number first; None when nothing is searched).

    A search of words of three characters or more starts from the search table's index (all
    words in one query) and joins the cases to it; shorter words are matched column by column.
    ``window`` (PostgreSQL): only the case numbers ``low ≤ id < high`` (see :func:`_registered_last`);
    ``conditions``: those of :func:`_case_conditions`, when read already."""
    actor.require(Action.view_cases)
    tokens = search_tokens(filters.get("text"))
    words = [token for token in tokens if indexed(token)]
    query, order = select(Application.id), None
    if words:
        matches = (containing_all(session.get_bind().dialect.name, words) if window is None
                   else containing_all_between(words, *window))
        query = (select(Application.id).select_from(matches.table)
                 .join(Application, Application.id == matches.case_id).where(matches.condition))
        order = matches.last_registered_first
    elif tokens:
        order = Application.id.desc()  # type: ignore[union-attr]
    if filters.get("program"):
        query = query.join(Program, Program.id == Application.program_id)
    if len(words) < len(tokens):
        query = query.join(Applicant, Applicant.id == Application.applicant_id)
    if conditions is None:
        conditions = _case_conditions(session, actor, **filters)
    return query.where(*conditions), order


def _case_conditions(
    session: Session, actor: Actor, *, program: str | None = None, province_id: int | None = None,
    county_id: int | None = None, state: str | None = None, date_from: date | None = None,
    date_to: date | None = None, text: str | None = None,
) -> list:
    actor.require(Action.view_cases)
    conditions = list(area_conditions(actor, Application))
    date_from = validate.optional_date(date_from, field="date_from", label_fa="تاریخ «از»")
    date_to = validate.optional_date(date_to, field="date_to", label_fa="تاریخ «تا»")
    tokens = search_tokens(text)
    if province_id is not None:
        if find(session, Province, province_id) is None:
            raise InvalidInput("استان انتخاب‌شده در فهرست نیست؛ استان را از فهرست انتخاب کنید.", field="province_id")
        actor.require(Action.view_cases, Area(province_id=province_id))
        conditions.append(Application.province_id == province_id)
    if county_id is not None:
        actor.require(Action.view_cases, county_area(session, county_id))
        conditions.append(Application.county_id == county_id)
    if program:
        conditions.append(Program.code == to_program(program).value)
    if state:
        conditions.append(Application.state == to_state(state).value)
    if date_from and date_to and date_from > date_to:
        raise InvalidInput("تاریخ «از» بعد از تاریخ «تا» است؛ بازه تاریخ را اصلاح کنید.", field="date_from")
    if date_from:
        conditions.append(Application.applied_on >= date_from)
    if date_to:
        conditions.append(Application.applied_on <= date_to)
    for token in tokens:
        if indexed(token):  # through the search table's index: see _matching
            continue
        matches = [
            Applicant.first_name.contains(token, autoescape=True),  # type: ignore[attr-defined]
            Applicant.last_name.contains(token, autoescape=True),  # type: ignore[attr-defined]
            Application.tracking_code.contains(token.upper(), autoescape=True),  # type: ignore[attr-defined]
        ]
        if token.isdigit():
            matches.append(Applicant.national_code.contains(token, autoescape=True))  # type: ignore[attr-defined]
        conditions.append(or_(*matches))
    return conditions


def parse_case_id(raw: str) -> int:
    """The case number of a deep link (``?id=N``, any digits); InvalidInput when it is not one."""
    number = validate.record_id(raw)
    if number is None or number > validate.INT32_MAX:  # case numbers are 32-bit
        raise InvalidInput("شماره پرونده در نشانی صفحه درست نیست؛ پرونده را از فهرست پرونده‌ها باز کنید.", field="id")
    return number


def case_id_by_tracking_code(session: Session, actor: Actor, tracking_code: str) -> int:
    """The id of the case with this tracking code, if it is in the actor's area."""
    code = "".join(search_tokens(tracking_code, field="tracking_code", label_fa="کد رهگیری")).upper()
    found = session.exec(select(Application.id).where(Application.tracking_code == code)).first()
    if found is None:
        raise InvalidInput("پرونده‌ای با این کد رهگیری پیدا نشد؛ کد را دوباره بررسی کنید.", field="tracking_code")
    get_application(session, actor, found)  # the area check
    return found


# --------------------------------------------------------------------------- the case page
@dataclass(frozen=True)
class CardView:
    """The current score card as it was saved (figures are not recomputed)."""

    card: ScoreCard
    scored_by: str
    scored_at: datetime


@dataclass(frozen=True)
class DocumentStatus:
    kind: str
    label: str
    received: bool
    original_name: str | None
    uploaded_by: str | None
    uploaded_at: datetime | None


@dataclass(frozen=True)
class EligibilityStatus:
    condition: str
    label: str
    satisfied: bool | None  # None: not confirmed yet
    confirmed_by: str | None
    confirmed_at: datetime | None
    note: str | None


@dataclass(frozen=True)
class DecisionView:
    id: int
    level: str
    level_label: str
    outcome: str
    outcome_label: str
    reason: str
    months_granted: int | None
    share_percent: int | None
    contract_rate_bp: int | None
    supersedes_id: int | None
    session_id: int | None
    decided_by: str
    decided_at: datetime


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    from_state: str | None
    to_state: str
    from_label: str | None
    to_label: str
    by: str
    note: str | None


@dataclass(frozen=True)
class SmsView:
    created_at: datetime
    mobile: str
    event: str
    body: str
    status: str
    status_label: str
    sent_at: datetime | None


@dataclass(frozen=True)
class CaseDetail:
    """Everything the case page shows, as plain data (safe to cache)."""

    application: dict[str, Any]
    applicant: dict[str, Any]
    program_code: str
    program_name: str
    county_name: str
    province_name: str
    state_label: str
    created_by: str
    priority_set_by: str | None
    household: dict[str, Any] | None
    score: CardView | None
    documents: tuple[DocumentStatus, ...]
    eligibility: tuple[EligibilityStatus, ...]
    decisions: tuple[DecisionView, ...]
    timeline: tuple[TimelineEntry, ...]
    sms: tuple[SmsView, ...]

    @property
    def documents_complete(self) -> bool:
        return all(d.received for d in self.documents)


UNKNOWN_USER = "سامانه"


def _names(session: Session, ids: set[int | None]) -> dict[int | None, str]:
    wanted = {i for i in ids if i is not None}
    names: dict[int | None, str] = {None: UNKNOWN_USER}
    if wanted:
        names.update(session.exec(select(User.id, User.full_name).where(User.id.in_(wanted))).all())  # type: ignore[union-attr]
    return names


def _dump(row: Any) -> dict[str, Any]:
    return row.model_dump()


def _document_status(kind: str, label: str, doc: Document | None, names: dict[int | None, str]) -> DocumentStatus:
    if doc is None:
        return DocumentStatus(kind, label, False, None, None, None)
    by = names.get(doc.uploaded_by) if doc.uploaded_by else None
    return DocumentStatus(kind, label, bool(doc.received), doc.original_name, by, doc.uploaded_at)


def _eligibility_status(
    code: str, label: str, row: EligibilityConfirmation | None, names: dict[int | None, str]
) -> EligibilityStatus:
    if row is None:
        return EligibilityStatus(code, label, None, None, None, None)
    return EligibilityStatus(
        code, label, bool(row.satisfied), names.get(row.confirmed_by, UNKNOWN_USER), row.confirmed_at, row.note
    )


def case_detail(session: Session, actor: Actor, application_id: int) -> CaseDetail:
    """One case with its applicant, household, score card, documents, eligibility, decisions,
    timeline and SMS. Another area's case is refused (Forbidden)."""
    application = get_application(session, actor, application_id)
    applicant = session.get(Applicant, application.applicant_id)
    program = session.get(Program, application.program_id)
    county = session.get(County, application.county_id)
    province = session.get(Province, application.province_id)
    household = session.get(Household, application_id)
    card = session.exec(
        select(ScoreCardRecord)
        .where(ScoreCardRecord.application_id == application_id)
        .order_by(ScoreCardRecord.id.desc())  # type: ignore[union-attr]
    ).first()
    documents = {d.kind: d for d in session.exec(select(Document).where(Document.application_id == application_id)).all()}
    confirmations = {
        e.condition: e
        for e in session.exec(
            select(EligibilityConfirmation).where(EligibilityConfirmation.application_id == application_id)
        ).all()
    }
    decisions = session.exec(
        select(Decision).where(Decision.application_id == application_id).order_by(Decision.decided_at, Decision.id)  # type: ignore[arg-type]
    ).all()
    events = session.exec(
        select(ApplicationEvent)
        .where(ApplicationEvent.application_id == application_id)
        .order_by(ApplicationEvent.at, ApplicationEvent.id)  # type: ignore[arg-type]
    ).all()
    notices = session.exec(
        select(Notification)
        # the applicant's index finds the case's few messages (a message about a case names its
        # applicant: services.notify.queue_sms); application_id alone has no index and scanned them all
        .where(Notification.applicant_id == application.applicant_id, Notification.application_id == application_id)
        .order_by(Notification.created_at, Notification.id)  # type: ignore[arg-type]
    ).all()
    names = _names(
        session,
        {application.created_by, application.priority_set_by, card.scored_by if card else None}
        | {d.uploaded_by for d in documents.values()}
        | {e.confirmed_by for e in confirmations.values()}
        | {d.decided_by for d in decisions}
        | {e.user_id for e in events},
    )

    doc_labels = dict(catalog.DOCUMENTS.get(program.code, {}))
    doc_labels.update({kind: kind for kind in documents if kind not in doc_labels})
    condition_labels = dict(catalog.ELIGIBILITY_CONDITIONS) if program.code == "A" else {}
    condition_labels.update({c: c for c in confirmations if c not in condition_labels})

    return CaseDetail(
        application=_dump(application),
        applicant=_dump(applicant),
        program_code=program.code,
        program_name=program.name,
        county_name=county.name,
        province_name=province.name,
        state_label=state_label(program.code, application.state),
        created_by=names.get(application.created_by, UNKNOWN_USER),
        priority_set_by=names.get(application.priority_set_by) if application.priority_set_by else None,
        household=_dump(household) if household else None,
        score=None
        if card is None
        else CardView(
            card=ScoreCard.from_dict({"total": card.total, "rows": card.rows, "policy_version": card.policy_version}),
            scored_by=names.get(card.scored_by, UNKNOWN_USER),
            scored_at=card.scored_at,
        ),
        documents=tuple(_document_status(kind, label, documents.get(kind), names) for kind, label in doc_labels.items()),
        eligibility=tuple(
            _eligibility_status(code, label, confirmations.get(code), names) for code, label in condition_labels.items()
        ),
        decisions=tuple(
            DecisionView(
                id=d.id,
                level=d.level,
                level_label=DECISION_LEVEL_LABELS.get(d.level, d.level),
                outcome=d.outcome,
                outcome_label=DECISION_OUTCOME_LABELS.get(d.outcome, d.outcome),
                reason=d.reason,
                months_granted=d.months_granted,
                share_percent=d.share_percent,
                contract_rate_bp=d.contract_rate_bp,
                supersedes_id=d.supersedes_id,
                session_id=d.session_id,
                decided_by=names.get(d.decided_by, UNKNOWN_USER),
                decided_at=d.decided_at,
            )
            for d in decisions
        ),
        timeline=tuple(
            TimelineEntry(
                at=e.at,
                from_state=e.from_state,
                to_state=e.to_state,
                from_label=state_label(program.code, e.from_state) if e.from_state else None,
                to_label=state_label(program.code, e.to_state),
                by=names.get(e.user_id, UNKNOWN_USER),
                note=e.note,
            )
            for e in events
        ),
        sms=tuple(
            SmsView(
                created_at=n.created_at,
                mobile=n.mobile,
                event=n.event,
                body=n.body,
                status=n.status,
                status_label=NOTIFICATION_STATUS_LABELS.get(n.status, n.status),
                sent_at=n.sent_at,
            )
            for n in notices
        ),
    )
