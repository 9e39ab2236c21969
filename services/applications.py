"""Intake and the life of a case: submit, household data, scoring, state changes, priority.
Form 1's fields and the checks that need no database are services.intake_form (re-exported here)."""
from __future__ import annotations

import secrets
from datetime import date

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from db.models import (
    Applicant,
    Application,
    ApplicationEvent,
    County,
    Household,
    Program,
    ScoreCardRecord,
    ScoringPolicyVersion,
    utcnow,
)
from lib import validate
from lib.errors import Forbidden, InvalidInput
from lib.identifiers import normalize_national_code
from lib.jalali import jalali_year_of
from lib.permissions import Action, Area, Role, can
from lib.scoring import DEFAULT_POLICY, ScoreCard, ScoringPolicy, score
from lib.text import to_persian_digits
from lib.workflow import OPEN_STATES, STATE_LABELS, ProgramCode, State, transition
from services.base import Actor, audit, county_area, find, snapshot
from services.intake_form import (  # Form 1 and its checks; importable from here as before
    B_ONLY_WOMEN,
    HOUSEHOLD_INCOMPLETE,
    NEED_GRADE_LIMIT,
    CleanIntake,
    HouseholdData,
    IntakeData,
    check_intake,
    checked_need_grade,
    choice_of,
    max_length_of,
    programme_b_problems,
    score_input,
    typed_code,
    validate_household,
)
from services.notify import queue_state_sms
from services.reference import refuse_retired

__all__ = [
    "B_ONLY_WOMEN", "HOUSEHOLD_INCOMPLETE", "NEED_GRADE_LIMIT", "PRIORITY_RANK_LIMIT", "SAME_MOMENT", "SCORABLE_STATES",
    "STATE_ACTIONS", "CleanIntake", "HouseholdData", "IntakeData", "action_for_state", "change_state", "check_intake",
    "checked_need_grade", "choice_of", "current_policy", "find_applicant", "get_application", "move_case",
    "new_tracking_code", "program_by_code", "programme_b_problems", "save_household", "score_application",
    "set_priority", "store_score_card", "submit_application", "tracking_code_candidate", "typed_code",
    "validate_household",
]


def tracking_code_candidate(program_code: str, on: date) -> str:
    """A tracking code as :func:`services.applications.new_tracking_code` makes them
    (programme, two digits of the Jalali year, seven random digits); uniqueness is the caller's."""
    return f"{program_code}{jalali_year_of(on) % 100:02d}{secrets.randbelow(10**7):07d}"


def program_by_code(session: Session, code: str) -> Program:
    known = isinstance(code, str) and code in {p.value for p in ProgramCode}
    program = session.exec(select(Program).where(Program.code == code)).first() if known else None
    if program is None:
        raise InvalidInput("برنامه انتخاب‌شده تعریف نشده است؛ برنامه الف یا ب را انتخاب کنید.", field="program")
    return program


def new_tracking_code(session: Session, program_code: str, on: date) -> str:
    """``A04`` + seven random digits: short enough to read aloud, unique by check."""
    for _ in range(20):
        code = tracking_code_candidate(program_code, on)
        if session.exec(select(Application.id).where(Application.tracking_code == code)).first() is None:
            return code
    raise RuntimeError("could not find a free tracking code")  # pragma: no cover


# Which permission moves a case into each state (the workflow says which moves exist).
STATE_ACTIONS: dict[State, Action | tuple[Action, ...]] = {
    State.received: Action.manage_documents,
    State.documents_incomplete: Action.manage_documents,
    State.scored: Action.score,
    State.county_decision: Action.record_county_decision,
    State.province_decision: Action.record_province_decision,
    State.introduced: Action.introduce_to_insurer,
    State.active: Action.record_province_decision,
    State.suspended: Action.record_province_decision,
    State.completed: Action.record_province_decision,
    State.rejected: (Action.record_county_decision, Action.record_province_decision),
    State.withdrawn: Action.intake,
}
# Programme B has no provincial committee: its county unit activates and ends cover.
B_STATE_ACTIONS: dict[State, Action | tuple[Action, ...]] = {
    State.active: Action.introduce_to_insurer,
    State.suspended: Action.introduce_to_insurer,
    State.completed: Action.introduce_to_insurer,
}
# A case can be (re)scored only before the committees have looked at it.
SCORABLE_STATES = frozenset({State.received, State.documents_incomplete, State.scored})


def action_for_state(program_code: str, state: State | str, role: Role | None = None) -> Action:
    """The permission that moves a case of this programme into ``state``; where either of two
    committees may (a rejection), the one the role holds."""
    state = State(state)
    if program_code == ProgramCode.B and state in B_STATE_ACTIONS:
        return B_STATE_ACTIONS[state]
    actions = STATE_ACTIONS[state]
    if isinstance(actions, Action):
        return actions
    return next((a for a in actions if role is not None and can(role, a)), actions[0])


def _record_event(session: Session, actor: Actor, application: Application, src: str | None, dst: str, note: str | None = None) -> None:
    session.add(
        ApplicationEvent(application_id=application.id, from_state=src, to_state=dst, user_id=actor.id, note=note)
    )


def get_application(session: Session, actor: Actor, application_id: int, action: Action = Action.view_cases) -> Application:
    """Load a case the actor may act on; another area's case is refused, not hidden."""
    application = find(session, Application, application_id)
    if application is None:
        raise InvalidInput("پرونده‌ای با این شماره پیدا نشد؛ پرونده را از فهرست پرونده‌ها باز کنید.")
    actor.require(action, Area(province_id=application.province_id, county_id=application.county_id))
    return application


def find_applicant(session: Session, actor: Actor, national_code: str) -> Applicant | None:
    """The applicant already on file with this national code, if the actor may see them."""
    code = normalize_national_code(national_code)
    applicant = session.exec(select(Applicant).where(Applicant.national_code == code)).first()
    if applicant is None:
        return None
    county = session.get(County, applicant.county_id)
    target = Area(province_id=county.province_id if county else None, county_id=applicant.county_id)
    try:
        actor.require(Action.view_cases, target)
    except Forbidden:
        raise Forbidden(
            "این کد ملی در شهرستان دیگری پرونده دارد؛ برای انتقال پرونده با کارشناس استان هماهنگ کنید."
        ) from None
    return applicant


PRIORITY_RANK_LIMIT = 100_000


SAME_MOMENT = (
    "همکار دیگری هم‌زمان درخواستی با همین کد ملی ثبت کرد؛ کد ملی را دوباره جست‌وجو کنید و "
    "پرونده‌ای را که ثبت شده باز کنید."
)


def submit_application(session: Session, actor: Actor, data: IntakeData) -> Application:
    """Form 1: create (or reuse) the applicant and open a case in state «received».

    Every problem of the form is checked first (``check_intake``); the first one is raised."""
    target = county_area(session, data.county_id)
    actor.require(Action.intake, target)
    county = session.get(County, target.county_id)
    if not county.active:
        raise InvalidInput(f"شهرستان «{county.name}» بازنشسته شده است و پرونده تازه نمی‌پذیرد؛ شهرستانی را که اکنون "
                           "محل سکونت متقاضی در آن است انتخاب کنید.", field="county_id")
    program = program_by_code(session, data.program)
    clean, problems = check_intake(program.code, data)
    if problems:
        raise problems[0]
    assert clean is not None
    refuse_retired(session, [target.county_id])  # held until commit: a retire waits, or was first

    applicant = session.exec(select(Applicant).where(Applicant.national_code == clean.national_code)).first()
    if applicant is None:
        applicant = Applicant(national_code=clean.national_code, county_id=data.county_id, **clean.applicant)
        session.add(applicant)
        try:
            session.flush()
        except IntegrityError:  # a colleague registered the same national code at the same moment
            session.rollback()
            raise InvalidInput(SAME_MOMENT, field="national_code") from None
        audit(session, actor, "applicant.create", "applicant", applicant.id, after=snapshot(applicant))
    else:
        find_applicant(session, actor, clean.national_code)  # area check with its own message
        before = snapshot(applicant)
        for key, value in clean.applicant.items():
            if value not in ("", None):
                setattr(applicant, key, value)
        session.add(applicant)
        if snapshot(applicant) != before:
            audit(session, actor, "applicant.update", "applicant", applicant.id, before=before, after=snapshot(applicant))
    open_case = session.exec(
        select(Application).where(
            Application.applicant_id == applicant.id,
            Application.program_id == program.id,
            Application.state.in_([s.value for s in OPEN_STATES]),  # type: ignore[attr-defined]
        )
    ).first()
    if open_case is not None:
        session.rollback()
        raise InvalidInput(
            f"این متقاضی در همین برنامه پرونده باز با کد رهگیری {open_case.tracking_code} دارد؛ همان پرونده را باز کنید.",
            field="national_code",
        )
    application = Application(
        tracking_code=new_tracking_code(session, program.code, clean.applied_on),
        applicant_id=applicant.id,
        program_id=program.id,
        county_id=target.county_id,
        province_id=target.province_id,
        channel=clean.channel,
        state=State.received.value,
        applied_on=clean.applied_on,
        created_by=actor.id,
        **clean.case,
    )
    session.add(application)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise InvalidInput(SAME_MOMENT, field="national_code") from None
    session.add(Household(application_id=application.id, **clean.household.__dict__))
    _record_event(session, actor, application, None, State.received.value, "ثبت درخواست")
    queue_state_sms(session, applicant, application, State.received)
    audit(session, actor, "application.submit", "application", application.id, after=snapshot(application))
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise InvalidInput(SAME_MOMENT, field="national_code") from None
    return application


def change_state(session: Session, actor: Actor, application_id: int, to_state: State | str, *, note: str | None = None) -> Application:
    """Move a case along the programme's workflow; illegal moves raise with a Persian message.

    The permission needed depends on the destination (``action_for_state``)."""
    application = get_application(session, actor, application_id)
    program = session.get(Program, application.program_id)
    dst = State(to_state)
    actor.require(action_for_state(program.code, dst, actor.role), Area(province_id=application.province_id, county_id=application.county_id))
    move_case(session, actor, application, program.code, dst, note=note)
    session.commit()
    return application


def move_case(
    session: Session,
    actor: Actor,
    application: Application,
    program_code: str,
    to_state: State | str,
    *,
    note: str | None = None,
) -> State:
    """Move a case inside the caller's transaction (no commit): workflow check, timeline
    event, SMS to the applicant and the audit record. Permission checks are the caller's."""
    src = application.state
    dst = transition(program_code, src, to_state)
    before = snapshot(application)
    application.state = dst.value
    application.updated_at = utcnow()
    session.add(application)
    _record_event(session, actor, application, src, dst.value, note)
    if dst.value != src:
        queue_state_sms(session, session.get(Applicant, application.applicant_id), application, dst, src=src)
    audit(session, actor, "application.state", "application", application.id, before=before, after=snapshot(application))
    return dst


def current_policy(session: Session) -> ScoringPolicy:
    """The scoring table adopted most recently (the seed's table when none is stored)."""
    row = session.exec(
        select(ScoringPolicyVersion).order_by(ScoringPolicyVersion.adopted_on.desc())  # type: ignore[attr-defined]
    ).first()
    return ScoringPolicy.from_dict(row.rules) if row is not None else DEFAULT_POLICY


def save_household(session: Session, actor: Actor, application_id: int, data: HouseholdData) -> Household:
    application = get_application(session, actor, application_id, Action.edit_household)
    program = session.get(Program, application.program_id)
    validate_household(program.code, data)
    household = session.get(Household, application_id) or Household(application_id=application_id)
    before = snapshot(household)
    for key, value in data.__dict__.items():
        setattr(household, key, value)
    session.add(household)
    audit(session, actor, "household.save", "household", application_id, before=before, after=snapshot(household))
    session.commit()
    return household


def score_application(session: Session, actor: Actor, application_id: int, *, need_grade: int | None = None) -> ScoreCardRecord:
    """Fill the scoring sheet (programme A) with the current policy; the card keeps its version."""
    application = get_application(session, actor, application_id, Action.score)
    program = session.get(Program, application.program_id)
    if program.code != ProgramCode.A:
        raise InvalidInput("جدول امتیازات فقط برای برنامه سهم بیمه خویش‌فرما است.")
    if State(application.state) not in SCORABLE_STATES:
        raise InvalidInput(
            f"پرونده در وضعیت «{STATE_LABELS[State(application.state)]}» است و کمیته آن را بررسی کرده؛ "
            "امتیاز را پیش از تصمیم کمیته ثبت کنید یا تصمیم اصلاحی بگیرید."
        )
    grade = checked_need_grade(need_grade)
    household = session.get(Household, application_id) or Household(application_id=application_id)
    if grade is not None:
        household.need_grade = grade
    policy = current_policy(session)
    card = score(score_input(household), policy)
    session.add(household)
    record = store_score_card(session, actor, application, card)
    session.commit()
    return record


def store_score_card(session: Session, actor: Actor, application: Application, card: ScoreCard) -> ScoreCardRecord:
    """Keep a computed card (with its policy version) and move the case to «scored», inside the
    caller's transaction (no commit)."""
    record = ScoreCardRecord(
        application_id=application.id,
        policy_version=card.policy_version,
        total=card.total,
        rows=card.to_dict()["rows"],
        scored_by=actor.id,
    )
    session.add(record)
    session.flush()
    audit(session, actor, "score.save", "score_card", record.id, after=snapshot(record))
    if application.state != State.scored.value:
        move_case(session, actor, application, ProgramCode.A, State.scored, note=f"امتیاز {to_persian_digits(card.total)}")
    return record


def set_priority(session: Session, actor: Actor, application_id: int, rank: int | None, reason: str | None) -> Application:
    """Note 1 of the seed: a committee may set a case's priority by hand, with a reason."""
    rank = validate.optional_integer(rank, field="rank", label_fa="رتبه دستی", minimum=1, maximum=PRIORITY_RANK_LIMIT)
    reason = validate.clean_text(reason, field="reason", label_fa="دلیل اولویت", multiline=True,
                                 max_length=max_length_of(Application, "priority_reason"))
    application = get_application(session, actor, application_id, Action.set_priority)
    if rank is not None:
        if not reason:
            raise InvalidInput("برای اولویت دستی، دلیل تصمیم کمیته را بنویسید.", field="reason")
    before = snapshot(application)
    application.priority_override = rank
    application.priority_reason = reason or None
    application.priority_set_by = actor.id if rank is not None else None
    application.updated_at = utcnow()
    session.add(application)
    audit(session, actor, "application.priority", "application", application.id, before=before, after=snapshot(application))
    session.commit()
    return application
