"""The life of an application (case): its states and the moves allowed in each programme.

Programme A — the self-employed share (State Welfare Organisation, seed 003). The county office
receives the request and checks the four documents, an expert fills the scoring sheet, the county
employment committee decides on a batch (Form 2), the provincial committee confirms and sets the
duration and share, then the premium is paid month by month::

    received ─┬─> documents_incomplete ─┬─> received (documents came in; re-check)
              │                         └─> scored
              └─> scored ─┬─> scored (re-score: a corrected sheet, the state stays)
                          ├─> documents_incomplete (a missing document found while scoring)
                          └─> county_decision (county committee approved)
    county_decision ─┬─> province_decision (province committee confirmed)
                     └─> scored (province sent it back, or deferred it to a later session)
    province_decision ─> active (payments run) ─┬─> suspended ─┬─> active
                                                │              └─> completed
                                                └─> completed (self-reliant, or 60 months reached)

Programme B — female heads of household (Imam Khomeini Relief Committee, seed 000). No scoring
table and no provincial confirmation: the county unit confirms eligibility and introduces the
person to an SSO branch within the quota announced to it; the branch accepts (active) or refuses::

    received ─┬─> documents_incomplete ─┬─> received
              │                         └─> county_decision
              └─> county_decision (eligibility confirmed) ─> introduced (to an SSO branch)
    introduced ─> active (SSO accepted) ─┬─> suspended ─┬─> active
                                         │              └─> completed
                                         └─> completed

In both programmes every open state before ``active`` may also go to ``rejected`` (refused: by
the county, the province, or — B — by the SSO branch) or ``withdrawn`` (the applicant gave up).
Decisions and readings of the seeds:

* ``completed``, ``rejected`` and ``withdrawn`` are terminal: no exits. Reopening a rejected case
  (after a complaint, say) is a new application, so the history of the old one stays intact.
* Once ``active`` the case ends as ``completed`` (the end of support, whatever the reason);
  ``rejected``/``withdrawn`` are for cases that never started.
* The only self-loop is A's ``scored → scored``: re-scoring keeps the state (the new card is the
  current one). Every other move changes the state.
* B never enters ``scored`` or ``province_decision``; A never enters ``introduced``.
  :func:`allowed_next` of a state a programme does not use is empty.
* Functions accept the enum members or their string values; an unknown value is an
  :class:`~lib.errors.InvalidInput`.

Pure code: no Streamlit, no SQL, no I/O. Who may make a move is :mod:`lib.permissions`' business.
"""
from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType

from lib.errors import InvalidInput

__all__ = [
    "State",
    "STATE_LABELS",
    "TERMINAL_STATES",
    "OPEN_STATES",
    "INITIAL_STATE",
    "ProgramCode",
    "PROGRAM_LABELS",
    "PROGRAM_SHORT_LABELS",
    "TRANSITIONS",
    "IllegalTransition",
    "to_state",
    "to_program",
    "states_of",
    "is_terminal",
    "allowed_next",
    "can_transition",
    "transition",
]


class State(StrEnum):
    received = "received"
    documents_incomplete = "documents_incomplete"
    scored = "scored"
    county_decision = "county_decision"
    province_decision = "province_decision"
    introduced = "introduced"
    active = "active"
    suspended = "suspended"
    completed = "completed"
    rejected = "rejected"
    withdrawn = "withdrawn"


STATE_LABELS: Mapping[State, str] = MappingProxyType(
    {
        State.received: "دریافت شده",
        State.documents_incomplete: "نقص مدارک",
        State.scored: "امتیازدهی شده",
        State.county_decision: "تصمیم کمیته شهرستان",
        State.province_decision: "تأیید کمیته استان",
        State.introduced: "معرفی به تأمین اجتماعی",
        State.active: "فعال",
        State.suspended: "معلق",
        State.completed: "پایان یافته",
        State.rejected: "رد شده",
        State.withdrawn: "انصراف",
    }
)

TERMINAL_STATES: frozenset[State] = frozenset({State.completed, State.rejected, State.withdrawn})
OPEN_STATES: frozenset[State] = frozenset(State) - TERMINAL_STATES
INITIAL_STATE = State.received


class ProgramCode(StrEnum):
    A = "A"  # self-employed share, State Welfare Organisation (بهزیستی)
    B = "B"  # needy female heads of household, Imam Khomeini Relief Committee (کمیته امداد)


PROGRAM_LABELS: Mapping[ProgramCode, str] = MappingProxyType(
    {
        ProgramCode.A: "سهم بیمه خویش‌فرما (بهزیستی)",
        ProgramCode.B: "بیمه زنان سرپرست خانوار (کمیته امداد)",
    }
)
# Short names for tight places (metric labels, chart legends, table cells).
PROGRAM_SHORT_LABELS: Mapping[ProgramCode, str] = MappingProxyType(
    {ProgramCode.A: "خویش‌فرما", ProgramCode.B: "زنان سرپرست"}
)

_S = State
_END = frozenset({_S.rejected, _S.withdrawn})  # how a case that never started ends
_RUNNING = {
    _S.active: frozenset({_S.suspended, _S.completed}),
    _S.suspended: frozenset({_S.active, _S.completed}),
}

# The whole rule, as data: programme → state → the states it may move to.
TRANSITIONS: Mapping[ProgramCode, Mapping[State, frozenset[State]]] = MappingProxyType(
    {
        ProgramCode.A: MappingProxyType(
            {
                _S.received: frozenset({_S.documents_incomplete, _S.scored}) | _END,
                _S.documents_incomplete: frozenset({_S.received, _S.scored}) | _END,
                _S.scored: frozenset({_S.scored, _S.documents_incomplete, _S.county_decision}) | _END,
                _S.county_decision: frozenset({_S.province_decision, _S.scored}) | _END,
                _S.province_decision: frozenset({_S.active}) | _END,
                **_RUNNING,
            }
        ),
        ProgramCode.B: MappingProxyType(
            {
                _S.received: frozenset({_S.documents_incomplete, _S.county_decision}) | _END,
                _S.documents_incomplete: frozenset({_S.received, _S.county_decision}) | _END,
                _S.county_decision: frozenset({_S.introduced}) | _END,
                _S.introduced: frozenset({_S.active}) | _END,  # rejected: the SSO branch refused
                **_RUNNING,
            }
        ),
    }
)

_NOWHERE: frozenset[State] = frozenset()


class IllegalTransition(InvalidInput):
    """A move the programme's table does not allow. The message names both states in Persian."""

    def __init__(self, message: str, *, program: ProgramCode, src: State, dst: State) -> None:
        super().__init__(message, field="state")
        self.program = program
        self.src = src
        self.dst = dst


def _choices(labels: Mapping[object, str]) -> str:
    return "، ".join(labels.values())


def to_state(value: State | str, *, field: str = "state") -> State:
    """A member from a member or its string value; else InvalidInput."""
    if isinstance(value, State):
        return value
    if isinstance(value, str):
        try:
            return State(value.strip())
        except ValueError:
            pass
    raise InvalidInput(
        f"وضعیت پرونده «\u2066{value}\u2069» شناخته نیست؛ یکی از این وضعیت‌ها باید باشد: "
        f"{_choices(STATE_LABELS)}.",
        field=field,
    )


def to_program(value: ProgramCode | str) -> ProgramCode:
    """A member from a member or its string value (``"A"``/``"B"``, any case); else InvalidInput."""
    if isinstance(value, ProgramCode):
        return value
    if isinstance(value, str):
        try:
            return ProgramCode(value.strip().upper())
        except ValueError:
            pass
    raise InvalidInput(
        f"برنامه «\u2066{value}\u2069» شناخته نیست؛ یکی از این برنامه‌ها را انتخاب کنید: "
        f"{_choices(PROGRAM_LABELS)}.",
        field="program",
    )


def states_of(program: ProgramCode | str) -> frozenset[State]:
    """Every state a case of this programme can be in."""
    table = TRANSITIONS[to_program(program)]
    return frozenset(table).union(*table.values())


def is_terminal(state: State | str) -> bool:
    return to_state(state) in TERMINAL_STATES


def allowed_next(program: ProgramCode | str, state: State | str) -> frozenset[State]:
    """The states a case of ``program`` may move to from ``state`` (empty for terminal ones)."""
    return TRANSITIONS[to_program(program)].get(to_state(state), _NOWHERE)


def can_transition(program: ProgramCode | str, src: State | str, dst: State | str) -> bool:
    return to_state(dst, field="to_state") in allowed_next(program, src)


def transition(program: ProgramCode | str, src: State | str, dst: State | str) -> State:
    """``dst`` as a member if the move is allowed; otherwise :class:`IllegalTransition`."""
    program = to_program(program)
    src = to_state(src)
    dst = to_state(dst, field="to_state")
    allowed = allowed_next(program, src)
    if dst in allowed:
        return dst
    src_fa, dst_fa, program_fa = STATE_LABELS[src], STATE_LABELS[dst], PROGRAM_LABELS[program]
    if src in TERMINAL_STATES:
        message = (
            f"پرونده در وضعیت «{src_fa}» بسته شده است و نمی‌توان آن را به «{dst_fa}» برد؛ "
            "برای بررسی دوباره، درخواست تازه‌ای ثبت کنید."
        )
    elif src not in states_of(program) or dst not in states_of(program):
        missing = src_fa if src not in states_of(program) else dst_fa
        message = (
            f"انتقال از «{src_fa}» به «{dst_fa}» ممکن نیست: برنامه «{program_fa}» وضعیت "
            f"«{missing}» ندارد. وضعیت مقصد را از میان این‌ها انتخاب کنید: "
            f"{_list(allowed)}."
        )
    else:
        message = (
            f"انتقال پرونده از «{src_fa}» به «{dst_fa}» در برنامه «{program_fa}» مجاز نیست؛ "
            f"از «{src_fa}» فقط می‌توان به این وضعیت‌ها رفت: {_list(allowed)}."
        )
    raise IllegalTransition(message, program=program, src=src, dst=dst)


def _list(states: frozenset[State]) -> str:
    if not states:
        return "هیچ وضعیتی"
    ordered = [s for s in State if s in states]  # the declaration order reads as the process
    return "، ".join(f"«{STATE_LABELS[s]}»" for s in ordered)


# Programme B reads one state differently: its county unit confirms eligibility itself (seed 000),
# no county committee decides.
_B_STATE_LABELS: Mapping[State, str] = MappingProxyType({State.county_decision: "تأیید واجد شرایط بودن"})


def state_label(program: ProgramCode | str | None, state: State | str) -> str:
    """The Persian name of a state as the programme's users call it (``STATE_LABELS`` otherwise)."""
    state = to_state(state)
    if program is not None and str(program).strip().upper() == ProgramCode.B.value and state in _B_STATE_LABELS:
        return _B_STATE_LABELS[state]
    return STATE_LABELS[state]
