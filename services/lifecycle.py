"""How a case pauses and ends: suspend, resume, complete, withdraw — and a person's other cases.

The moves are those of :mod:`lib.workflow`; this module adds who may make them, the reason each
needs, and what they mean for the 60-month cap of programme A:

* **suspend** (active → suspended): payments stop until the case is resumed; the months granted
  stay reserved (they still count against the person's 60 months).
* **resume** (suspended → active).
* **complete** (active or suspended → completed; the end of support: self-reliance, the months
  granted reached…). What a completed case uses of the cap is the months **actually paid** on it
  (the live payment lines of finalised runs, each Jalali month once): the grant is cut down to them, so the
  months granted but never paid return to the person (the committee may grant them on a new
  case). The original grant stays in the provincial decision, the audit record and the timeline.
* **withdraw** (an open state before active → withdrawn): the applicant gave up. A withdrawn case
  uses nothing of the cap but what was paid on it (nothing: it never started), and leaves the
  agenda of any open committee session it was placed on.
* programme B's SSO refusal of an introduced woman is ``services.introductions.record_sso_refusal``
  (it also returns the quota seat); :func:`available_actions` offers it so the case page can.

Who may: the move's destination decides the permission (``services.applications.action_for_state``:
programme A's provincial committee suspends, resumes and completes; programme B's county unit —
the committee secretary — does, as it activated the cover; whoever may take an application
(``intake``) records a withdrawal), always inside the user's area. Every move needs a written
reason; it goes on the timeline, in the SMS-backed state change and in the audit record.

Two users ending the same case at the same moment: the application row is locked
(``SELECT … FOR UPDATE``) before its state is read, so the second sees the first's result and is
refused with a Persian message instead of recording the move twice.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from types import MappingProxyType

from sqlalchemy import distinct, func, update
from sqlmodel import Session, select

from db.models import AgendaEntry, Application, ApplicationEvent, PaymentLine, Program
from lib import validate
from lib.errors import Forbidden, InvalidInput
from lib.permissions import Action, Area
from lib.text import ltr, to_persian_digits
from lib.workflow import (
    PROGRAM_SHORT_LABELS,
    STATE_LABELS,
    TERMINAL_STATES,
    ProgramCode,
    State,
    allowed_next,
    to_state,
)
from services.applications import action_for_state, move_case
from services.base import Actor, audit, find

__all__ = [
    "Lifecycle",
    "LIFECYCLE_LABELS",
    "REASON_MAX",
    "LifecycleOption",
    "LifecycleResult",
    "HistoryEntry",
    "available_actions",
    "suspend_case",
    "resume_case",
    "complete_case",
    "withdraw_case",
    "end_or_pause",
    "apply_lifecycle",
    "months_paid",
    "CaseMonths",
    "case_months",
    "applicant_history",
]

REASON_MAX = 250  # with the months note it fits the timeline event (400)


class Lifecycle(StrEnum):
    suspend = "suspend"
    resume = "resume"
    complete = "complete"
    withdraw = "withdraw"
    sso_refusal = "sso_refusal"  # programme B; recorded by services.introductions.record_sso_refusal


LIFECYCLE_LABELS: Mapping[Lifecycle, str] = MappingProxyType(
    {
        Lifecycle.suspend: "تعلیق حمایت",
        Lifecycle.resume: "ادامه حمایت (رفع تعلیق)",
        Lifecycle.complete: "پایان حمایت",
        Lifecycle.withdraw: "ثبت انصراف متقاضی",
        Lifecycle.sso_refusal: "ثبت عدم پذیرش تأمین اجتماعی",
    }
)

_RUNNING = frozenset({State.active, State.suspended})


@dataclass(frozen=True)
class _Rule:
    target: State
    sources: frozenset[State] | None  # None: every open state before «active» the programme allows
    irreversible: bool
    effect: str  # what the move means, shown before confirming
    programs: frozenset[ProgramCode] = frozenset(ProgramCode)


_RULES: Mapping[Lifecycle, _Rule] = MappingProxyType(
    {
        Lifecycle.suspend: _Rule(
            State.suspended, frozenset({State.active}), False,
            "پرداخت حق بیمه تا رفع تعلیق متوقف می‌شود؛ ماه‌های مصوب همچنان در سقف ۶۰ ماه حساب می‌شوند.",
        ),
        Lifecycle.resume: _Rule(
            State.active, frozenset({State.suspended}), False,
            "پرونده دوباره فعال می‌شود و در نوبت‌های پرداخت بعدی می‌آید.",
        ),
        Lifecycle.complete: _Rule(
            State.completed, _RUNNING, True,
            "حمایت تمام می‌شود و پرونده بسته می‌شود. از سقف ۶۰ ماه فقط ماه‌های پرداخت‌شده حساب می‌شود و ماه‌های "
            "مصوبی که پرداخت نشده به متقاضی برمی‌گردد. این کار برگشت‌پذیر نیست؛ برای حمایت دوباره، درخواست تازه ثبت شود.",
        ),
        Lifecycle.withdraw: _Rule(
            State.withdrawn, None, True,
            "متقاضی از درخواست انصراف داده است؛ پرونده بسته می‌شود و چیزی از سقف ۶۰ ماه مصرف نمی‌کند. "
            "این کار برگشت‌پذیر نیست؛ متقاضی می‌تواند بعداً درخواست تازه بدهد.",
        ),
        Lifecycle.sso_refusal: _Rule(
            State.rejected, frozenset({State.introduced}), True,
            "شعبه تأمین اجتماعی بیمه متقاضی را نپذیرفته است؛ پرونده رد می‌شود و جای او در سهمیه شهرستان آزاد می‌شود. "
            "این کار برگشت‌پذیر نیست.",
            frozenset({ProgramCode.B}),
        ),
    }
)


@dataclass(frozen=True)
class LifecycleOption:
    """A move the acting user may make on the case now (what the case page offers)."""

    action: Lifecycle
    label: str
    target_label: str
    irreversible: bool
    effect: str


@dataclass(frozen=True)
class LifecycleResult:
    application_id: int
    tracking_code: str
    state: State
    state_label: str
    months_granted_before: int | None
    months_granted: int | None
    months_paid: int

    @property
    def months_released(self) -> int:
        if self.months_granted_before is None or self.months_granted is None:
            return 0
        return self.months_granted_before - self.months_granted


@dataclass(frozen=True)
class HistoryEntry:
    """One other case of the same person, as the case page lists it."""

    application_id: int
    tracking_code: str
    program_code: str
    program_label: str
    state: str
    state_label: str
    applied_on: date
    ended_at: datetime | None  # when the case reached a terminal state
    months_granted: int | None
    months_paid: int
    in_area: bool  # the acting user may open it


def _fa(n: int) -> str:
    return to_persian_digits(n)


def _sources(rule: _Rule, program: ProgramCode) -> frozenset[State]:
    if rule.sources is not None:
        return rule.sources
    return frozenset(
        s for s in State
        if s not in TERMINAL_STATES and s not in _RUNNING and rule.target in allowed_next(program, s)
    )


def _permission(rule_action: Lifecycle, program: ProgramCode, actor: Actor) -> Action:
    if rule_action is Lifecycle.sso_refusal:
        return Action.introduce_to_insurer
    return action_for_state(program, _RULES[rule_action].target, actor.role)


def _area(application: Application) -> Area:
    return Area(province_id=application.province_id, county_id=application.county_id)


def _program(session: Session, application: Application) -> ProgramCode:
    return ProgramCode(find(session, Program, application.program_id).code)


def available_actions(session: Session, actor: Actor, application_id: int) -> tuple[LifecycleOption, ...]:
    """The moves the actor may make on this case in its current state (none on a closed case)."""
    application = find(session, Application, application_id)
    if application is None:
        raise InvalidInput("پرونده‌ای با این شماره پیدا نشد.", field="application_id")
    actor.require(Action.view_cases, _area(application))
    program = _program(session, application)
    state = to_state(application.state)
    options = []
    for kind, rule in _RULES.items():
        if program not in rule.programs or state not in _sources(rule, program):
            continue
        try:
            actor.require(_permission(kind, program, actor), _area(application))
        except Forbidden:
            continue
        options.append(
            LifecycleOption(kind, LIFECYCLE_LABELS[kind], STATE_LABELS[rule.target], rule.irreversible, rule.effect)
        )
    return tuple(options)


def months_paid(session: Session, application_ids: Iterable[int]) -> dict[int, int]:
    """Months actually paid on each case: the Jalali months of its live ``payment`` lines (those of
    finalised runs; top-ups and reversals cite a month already counted), as ``services.payments``
    counts paid months."""
    ids = list(application_ids)
    if not ids:
        return {}
    month = PaymentLine.jalali_year * 100 + PaymentLine.jalali_month
    rows = session.exec(
        select(PaymentLine.application_id, func.count(distinct(month)))
        .where(PaymentLine.application_id.in_(ids), PaymentLine.live, PaymentLine.line_kind == "payment")  # type: ignore[attr-defined]
        .group_by(PaymentLine.application_id)
    ).all()
    found = {int(a): int(n) for a, n in rows}
    return {i: found.get(i, 0) for i in ids}


def _reason(kind: Lifecycle, reason: str | None) -> str:
    text = validate.clean_text(reason, field="reason", label_fa="دلیل", max_length=50 * REASON_MAX, multiline=True)
    if not text:
        raise InvalidInput(
            f"برای «{LIFECYCLE_LABELS[kind]}» دلیل را بنویسید؛ دلیل در گردش کار پرونده ثبت می‌شود.", field="reason"
        )
    if len(text) > REASON_MAX:
        raise InvalidInput(
            f"دلیل حداکثر {_fa(REASON_MAX)} نویسه است ({_fa(len(text))} نویسه نوشته شده)؛ آن را کوتاه‌تر بنویسید.",
            field="reason",
        )
    return text


def _locked(session: Session, application_id: int) -> Application:
    """The case row, locked for the rest of the transaction and read afresh (not from the cache).

    PostgreSQL: ``SELECT … FOR UPDATE``. SQLite has no row locks: a no-op ``UPDATE`` first takes
    the database's single write lock, which serialises the writers the same way (as
    ``services.quotas.lock_quota`` does)."""
    if isinstance(application_id, bool) or validate.record_id(application_id, maximum=validate.INT32_MAX) != application_id:
        raise InvalidInput("پرونده‌ای با این شماره پیدا نشد.", field="application_id")
    if session.get_bind().dialect.name == "sqlite":
        session.execute(update(Application).where(Application.id == application_id).values(state=Application.state))
    application = session.exec(
        select(Application)
        .where(Application.id == application_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    if application is None:
        raise InvalidInput("پرونده‌ای با این شماره پیدا نشد.", field="application_id")
    return application


def _state_refusal(kind: Lifecycle, application: Application, sources: frozenset[State]) -> InvalidInput:
    state = to_state(application.state)
    allowed = "، ".join(f"«{STATE_LABELS[s]}»" for s in State if s in sources)
    return InvalidInput(
        f"پرونده {ltr(application.tracking_code)} اکنون در وضعیت «{STATE_LABELS[state]}» است؛ "
        f"«{LIFECYCLE_LABELS[kind]}» فقط برای پرونده‌ای در وضعیت {allowed} ممکن است. "
        "اگر کاربر دیگری هم‌زمان وضعیت را تغییر داده، صفحه را تازه کنید.",
        field="state",
    )


def _leave_open_agendas(session: Session, application_id: int) -> list[int]:
    """A closed case leaves the agenda of every open committee session it waits on (the
    committee has nothing left to decide); returns those sessions' ids for the audit record."""
    entries = session.exec(
        select(AgendaEntry).where(AgendaEntry.application_id == application_id, AgendaEntry.is_open.is_(True))  # type: ignore[attr-defined]
    ).all()
    for entry in entries:
        session.delete(entry)
    return sorted(e.session_id for e in entries)


def end_or_pause(session: Session, actor: Actor, application_id: int, kind: Lifecycle | str, reason: str) -> LifecycleResult:
    """Suspend, resume, complete or withdraw a case (see the module), with the reason; one commit.

    Programme B's SSO refusal is ``services.introductions.record_sso_refusal``."""
    try:
        kind = Lifecycle(kind)
    except (ValueError, TypeError):
        raise InvalidInput("کار خواسته‌شده را از فهرست انتخاب کنید.", field="action") from None
    if kind is Lifecycle.sso_refusal:
        raise InvalidInput("عدم پذیرش تأمین اجتماعی از بخش معرفی‌ها ثبت می‌شود.", field="action")
    text = _reason(kind, reason)
    application = _locked(session, application_id)
    actor.require(Action.view_cases, _area(application))
    program = _program(session, application)
    rule = _RULES[kind]
    actor.require(_permission(kind, program, actor), _area(application))
    sources = _sources(rule, program)
    if to_state(application.state) not in sources:
        raise _state_refusal(kind, application, sources)

    state_before = application.state
    granted_before = application.months_granted
    paid = months_paid(session, [application.id])[application.id]
    note = text
    if kind is Lifecycle.complete and granted_before is not None:
        used = min(granted_before, paid)
        application.months_granted = used
        note = (
            f"{text} — مدت مصوب {_fa(granted_before)} ماه، پرداخت‌شده {_fa(paid)} ماه؛ "
            f"{_fa(granted_before - used)} ماه به سقف متقاضی برگشت."
        )
    left_agenda = _leave_open_agendas(session, application.id) if rule.target in TERMINAL_STATES else []
    move_case(session, actor, application, program, rule.target, note=note)
    audit(
        session, actor, f"application.{kind.value}", "application", application.id,
        before={"state": state_before, "months_granted": granted_before, "open_agenda_sessions": left_agenda},
        after={"state": rule.target.value, "months_granted": application.months_granted, "months_paid": paid,
               "reason": text},
    )
    session.commit()
    return LifecycleResult(
        application_id=application.id,
        tracking_code=application.tracking_code,
        state=rule.target,
        state_label=STATE_LABELS[rule.target],
        months_granted_before=granted_before,
        months_granted=application.months_granted,
        months_paid=paid,
    )


def suspend_case(session: Session, actor: Actor, application_id: int, reason: str) -> LifecycleResult:
    return end_or_pause(session, actor, application_id, Lifecycle.suspend, reason)


def resume_case(session: Session, actor: Actor, application_id: int, reason: str) -> LifecycleResult:
    return end_or_pause(session, actor, application_id, Lifecycle.resume, reason)


def complete_case(session: Session, actor: Actor, application_id: int, reason: str) -> LifecycleResult:
    return end_or_pause(session, actor, application_id, Lifecycle.complete, reason)


def withdraw_case(session: Session, actor: Actor, application_id: int, reason: str) -> LifecycleResult:
    return end_or_pause(session, actor, application_id, Lifecycle.withdraw, reason)


# --------------------------------------------------------------------------- a person's history
def applicant_history(session: Session, actor: Actor, application_id: int) -> tuple[HistoryEntry, ...]:
    """The person's other cases (any programme, any county), newest first.

    Every case of the person is listed — the 60-month cap and the one-case-per-programme rule
    span counties — but only those in the actor's area are openable (``in_area``)."""
    application = find(session, Application, application_id)
    if application is None:
        raise InvalidInput("پرونده‌ای با این شماره پیدا نشد.", field="application_id")
    actor.require(Action.view_cases, _area(application))
    rows = session.exec(
        select(Application, Program.code)
        .join(Program, Program.id == Application.program_id)
        .where(Application.applicant_id == application.applicant_id, Application.id != application.id)
        .order_by(Application.applied_on.desc(), Application.id.desc())  # type: ignore[attr-defined]
    ).all()
    if not rows:
        return ()
    ids = [case.id for case, _ in rows]
    paid = months_paid(session, ids)
    terminal = [s.value for s in TERMINAL_STATES]
    ended = dict(
        session.exec(
            select(ApplicationEvent.application_id, func.max(ApplicationEvent.at))
            .where(ApplicationEvent.application_id.in_(ids), ApplicationEvent.to_state.in_(terminal))  # type: ignore[attr-defined]
            .group_by(ApplicationEvent.application_id)
        ).all()
    )
    entries = []
    for case, code in rows:
        state = to_state(case.state)
        try:
            actor.require(Action.view_cases, _area(case))
            in_area = True
        except Forbidden:
            in_area = False
        entries.append(
            HistoryEntry(
                application_id=case.id,
                tracking_code=case.tracking_code,
                program_code=code,
                program_label=PROGRAM_SHORT_LABELS[ProgramCode(code)],
                state=state.value,
                state_label=STATE_LABELS[state],
                applied_on=case.applied_on,
                ended_at=ended.get(case.id) if state in TERMINAL_STATES else None,
                months_granted=case.months_granted,
                months_paid=paid[case.id],
                in_area=in_area,
            )
        )
    return tuple(entries)



@dataclass(frozen=True)
class CaseMonths:
    """The months of one case and what the person has left of the programme's cap."""

    months_granted: int | None
    months_paid: int
    months_left: int | None  # of the 60-month cap (programme A); None for programme B


def case_months(session: Session, actor: Actor, application_id: int) -> CaseMonths:
    """Months granted and paid on the case and, in programme A, what the person has left of the
    cap (``services.committee.remaining_months``: the one rule the committees also apply)."""
    from services.committee import remaining_months

    application = find(session, Application, application_id)
    if application is None:
        raise InvalidInput("پرونده‌ای با این شماره پیدا نشد.", field="application_id")
    actor.require(Action.view_cases, _area(application))
    paid = months_paid(session, [application.id])[application.id]
    left = None
    if _program(session, application) is ProgramCode.A:
        # the person's whole use: this case counted like any other (a case id no row has)
        left = remaining_months(session, application.program_id, {0: application.applicant_id})[0]
    return CaseMonths(application.months_granted, paid, left)


def apply_lifecycle(
    session: Session, actor: Actor, application_id: int, kind: Lifecycle | str, reason: str
) -> LifecycleResult:
    """What the case page calls: :func:`end_or_pause`, or for programme B's SSO refusal
    ``services.introductions.record_sso_refusal`` (which also returns the quota seat)."""
    kind = Lifecycle(kind)
    if kind is not Lifecycle.sso_refusal:
        return end_or_pause(session, actor, application_id, kind, reason)
    from services.introductions import record_sso_refusal

    _reason(kind, reason)  # the same Persian message for a missing reason
    application = record_sso_refusal(session, actor, application_id, reason)
    state = to_state(application.state)
    paid = months_paid(session, [application.id])[application.id]
    return LifecycleResult(application.id, application.tracking_code, state, STATE_LABELS[state],
                           application.months_granted, application.months_granted, paid)
