"""Deciding: a decision of an open session on a case of its agenda, deciding again while the
session is open, corrections of a closed session's decision.

Every decision is serialised per case: the application row is locked first (see
:func:`~services.committee.common.lock_case`), then everything is read again. A decision names
the decision of this session the user saw (``seen``; None: none yet): if another was recorded
meanwhile — two users deciding the same case at the same moment — the later one is refused and
writes nothing. Decisions are append-only (database trigger); the latest counts.
"""
from __future__ import annotations

from sqlmodel import Session, select

from db.models import Application, CommitteeSession, Decision, utcnow
from lib.errors import InvalidInput
from lib import validate
from lib.permissions import Action
from lib.text import ltr
from lib.workflow import STATE_LABELS, ProgramCode, State, transition
from services.applications import get_application, move_case
from services.base import Actor, audit, find, snapshot
from services.committee.agenda import claim
from services.committee.cap import _reason, _remaining_for, _terms, decision_reason
from services.committee.common import (
    LEVEL_ACTIONS,
    LEVEL_LABELS,
    OUTCOME_LABELS,
    DecisionRow,
    Level,
    Outcome,
    _fa,
    _latest_at_level,
    _outcome,
    _program_code,
    _session_label,
    _session_label_dated,
    _stage,
    application_area,
    lock_case,
    lock_session,
)
from services.committee.requirements import record_minutes, require_confirmation_ready
from services.committee.sessions import _decision_rows, _session_for_write, get_session, today
from services.documents import document_status
from services.notify import queue_case_sms


def _locked(session: Session, application_id: int) -> Application:
    application = lock_case(session, application_id)
    if application is None:
        raise InvalidInput("پرونده‌ای با این شماره پیدا نشد.", field="application_id")
    return application


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
    if today() < cs.held_on:
        raise InvalidInput(
            f"{_session_label_dated(cs)} هنوز برگزار نشده است؛ تصمیم‌ها از روز جلسه به بعد ثبت می‌شوند.",
            field="session_id",
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
    if program == ProgramCode.A and level == Level.province and outcome == Outcome.approve:
        require_confirmation_ready(session, application, terms.months, what="تأیید کمیته استان برای")
    target = stage.target(outcome)
    moves = application.state != target.value  # deciding again may leave the state as it is
    if moves:
        transition(program, application.state, target)  # refuse an impossible move before writing

    claim(session, actor, cs, application)
    decision = Decision(
        session_id=cs.id, application_id=application.id, level=level.value, outcome=outcome.value, reason=reason,
        months_granted=terms.months, share_percent=terms.share_percent, contract_rate_bp=terms.contract_rate_bp,
        supersedes_id=supersedes.id if supersedes else None, decided_by=actor.id,
    )
    session.add(decision)
    session.flush()
    audit(session, actor, "decision.record", "decision", decision.id, after=snapshot(decision))
    note = f"{LEVEL_LABELS[level]}: {OUTCOME_LABELS[outcome]} ({_session_label(cs)})"
    if moves:
        move_case(session, actor, application, program, target, note=note)
    elif outcome == Outcome.defer and (supersedes is None or supersedes.outcome != Outcome.defer.value):
        queue_case_sms(session, application, "decision.deferred")  # the state stays, the applicant is told
    if program == ProgramCode.A and level == Level.county:
        record_minutes(session, actor, application, outcome, f"{note}، تصمیم شماره {_fa(decision.id)}")
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
    seen: int | None = None,
) -> Decision:
    """The committee's decision on one case of the agenda; deciding again while the session is
    open records a new decision superseding the previous one.

    ``seen`` is the id of this session's decision on the case the user had in front of them
    (None: no decision yet). When another one was recorded meanwhile, the decision is refused."""
    decision_reason(reason)  # typed text is checked before any query
    _locked(session, application_id)
    lock_session(session, session_id, shared=True)
    cs = _session_for_write(session, actor, session_id)
    level = Level(cs.level)
    application = get_application(session, actor, application_id, LEVEL_ACTIONS[level])
    latest = _latest_at_level(session, application.id, level)
    here = latest if latest is not None and latest.session_id == cs.id else None
    if (here.id if here else None) != seen:
        if here is None:
            raise InvalidInput(
                "تصمیمی که روی صفحه بود دیگر آخرین تصمیم این جلسه نیست؛ صفحه را تازه کنید و دوباره تصمیم بگیرید.",
                field="seen",
            )
        raise InvalidInput(
            f"در همین فاصله برای پرونده {ltr(application.tracking_code)} تصمیم «{OUTCOME_LABELS[Outcome(here.outcome)]}» "
            f"(تصمیم شماره {_fa(here.id)}) در این جلسه ثبت شد و تصمیم شما ثبت نشد؛ صفحه را تازه کنید و اگر تصمیم "
            "دیگری لازم است، آن را به‌جای تصمیم ثبت‌شده (اصلاحیه) ثبت کنید.",
            field="seen",
        )
    stage = _stage(_program_code(session, application.program_id), level)
    if latest is not None and latest.session_id != cs.id and application.state != stage.ready.value:
        earlier = session.get(CommitteeSession, latest.session_id) if latest.session_id else None
        where = _session_label(earlier) if earlier else "پیش‌تر"
        raise InvalidInput(
            f"برای پرونده {ltr(application.tracking_code)} در {where} تصمیم گرفته شده است؛ "
            "برای تغییر آن، «تصمیم اصلاحی» ثبت کنید.",
            field="application_id",
        )
    return _decide(session, actor, cs, application, outcome, reason, months, share_percent, contract_rate_bp,
                   supersedes=here)


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
    decision_reason(reason)  # typed text is checked before any query
    old = find(session, Decision, decision_id)
    if old is None:
        raise InvalidInput("تصمیمی با این شماره پیدا نشد.", field="decision_id")
    _locked(session, old.application_id)
    lock_session(session, new_session_id, shared=True)
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
            f"این تصمیم (در همین فاصله یا پیش‌تر) با تصمیم شماره {_fa(latest.id)} جایگزین شده است؛ "
            "آخرین تصمیم را اصلاح کنید.",
            field="decision_id",
        )
    application = get_application(session, actor, old.application_id, LEVEL_ACTIONS[Level(cs.level)])
    return _decide(session, actor, cs, application, outcome, reason, months, share_percent, contract_rate_bp,
                   supersedes=old)


def closed_decision_for(session: Session, actor: Actor, session_id: int, tracking_code: str) -> DecisionRow:
    """The latest decision of this session's committee on a case, taken in a closed session:
    what a correction in session ``session_id`` would cite."""
    code = validate.short_code(tracking_code, field="tracking_code", label_fa="کد رهگیری", max_length=20)
    cs = get_session(session, actor, session_id)
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

