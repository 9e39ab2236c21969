"""Intake and the life of a case: submit, household data, scoring, state changes, priority."""
from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar

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
from lib import catalog, validate
from lib.errors import Forbidden, InvalidInput
from lib.identifiers import normalize_landline, normalize_mobile, normalize_national_code
from lib.jalali import jalali_year_of, local_today
from lib.memo import CheckMemo
from lib.permissions import Action, Area, Role, can
from lib.scoring import DEFAULT_POLICY, ScoreCard, ScoreInput, ScoringPolicy, score, validate_input
from lib.text import to_persian_digits
from lib.workflow import OPEN_STATES, STATE_LABELS, ProgramCode, State, transition
from services.base import Actor, audit, county_area, find, snapshot
from services.notify import queue_state_sms
from services.reference import refuse_retired

T = TypeVar("T")


@dataclass
class HouseholdData:
    disabled_members: int = 0
    severity: str | None = None
    marital_status: str = "single"
    dependants: int = 0
    insured_years: int = 0
    need_grade: int | None = None


@dataclass
class IntakeData:
    """Form 1 plus what intake records about the case; raw values as typed."""

    program: str
    county_id: int
    channel: str
    national_code: str
    first_name: str
    last_name: str
    gender: str = ""  # catalog.GENDERS: required (letters and minutes address the person by it)
    head_of_household: bool | None = None  # programme B: required, and must be True
    father_name: str = ""
    birth_certificate_no: str = ""
    birth_date: date | None = None
    mobile: str = ""
    landline: str = ""
    home_address: str = ""
    work_address: str = ""
    covering_domain: str = ""
    target_group: str = ""
    job_field: str = ""
    discount_holder: bool = False
    licence_no: str = ""
    licence_date: date | None = None
    applied_on: date | None = None
    household: HouseholdData = field(default_factory=HouseholdData)


def choice_of(value: str, vocabulary: dict, field_name: str, label_fa: str, *, optional: bool = False) -> str:
    if optional and not value:
        return ""
    if not isinstance(value, str) or value not in vocabulary:
        raise InvalidInput(f"«{label_fa}» را از فهرست انتخاب کنید.", field=field_name)
    return value


# --------------------------------------------------------------------------- Form 1 validation
def _max_length(model: Any, column: str) -> int:
    return int(model.__table__.c[column].type.length)


# (field, Persian label, longest text the database column takes): free text of Form 1.
_TEXT_LIMITS: tuple[tuple[str, str, int], ...] = tuple(
    (name, label_fa, _max_length(model, name))
    for name, label_fa, model in (
        ("birth_certificate_no", "شماره شناسنامه", Applicant),
        ("home_address", "نشانی منزل", Applicant),
        ("work_address", "نشانی محل کار", Applicant),
        ("job_field", "رشته شغلی", Application),
        ("licence_no", "شماره مجوز", Application),
    )
)


# People's names: letters, spaces, ZWNJ and hyphens only (lib.validate.person_name).
_NAME_FIELDS = (("first_name", "نام"), ("last_name", "نام خانوادگی"), ("father_name", "نام پدر"))
_NAME_LIMITS = {name: _max_length(Applicant, name) for name, _ in _NAME_FIELDS}


def typed_code(value: object, field_name: str, label_fa: str) -> str:
    """A code as typed (national code, phone number) before its own check: text, no control
    characters, not absurdly long."""
    return validate.clean_text(value, field=field_name, label_fa=label_fa, max_length=200)


def _national_code(value: object) -> str:
    return normalize_national_code(typed_code(value, "national_code", "کد ملی"))


@dataclass(frozen=True)
class CleanIntake:
    """A Form 1 that passed :func:`check_intake`: normalised, ready to store."""

    program: str
    national_code: str
    channel: str
    applied_on: date
    household: HouseholdData
    applicant: dict[str, Any]  # the Applicant columns (names, contacts, addresses, birth)
    case: dict[str, Any]  # the Application columns Form 1 fills (domain, job, licence…)


def check_intake(
    program_code: str, data: IntakeData, *, today: date | None = None, memo: CheckMemo | None = None
) -> tuple[CleanIntake | None, list[InvalidInput]]:
    """Validate a Form 1 without the database; return (clean form or None, every problem).

    The checks are those of :func:`services.applications.submit_application` (national code,
    names, channel, vocabularies, mobile — required in programme B —, landline, application
    date not in the future, household through the scoring rules) plus the lengths the database
    allows and birth/licence dates not in the future. Each problem's ``field`` is the name of
    the :class:`IntakeData` (or :class:`HouseholdData`) attribute to fix.

    ``memo`` (a bulk import's) runs each field's check once per distinct value.
    """
    today = today or local_today()
    problems: list[InvalidInput] = []

    def take(site: Any, fn: Callable[..., T], value: Any, *args: Any, default: T, **kwargs: Any) -> T:
        """``fn(value, *args, **kwargs)``, or ``default`` and the problem noted; one ``site`` per call below."""
        if memo is not None:
            ok, out = memo.outcome(site, value, fn, *args, **kwargs)
            if ok:
                return out
            problems.append(out)
            return default
        try:
            return fn(value, *args, **kwargs)
        except InvalidInput as exc:
            problems.append(exc)
            return default

    national_code = take("national_code", _national_code, data.national_code, default="")
    names = {
        name: take(name, validate.person_name, getattr(data, name), field=name, label_fa=label_fa,
                   max_length=_NAME_LIMITS[name], required=name != "father_name", default="")
        for name, label_fa in _NAME_FIELDS
    }
    gender = take("gender", choice_of, data.gender, catalog.GENDERS, "gender", "جنسیت", default="")
    is_b = program_code == ProgramCode.B
    if is_b:
        problems.extend(programme_b_problems(gender, data.head_of_household))
    channel = take("channel", choice_of, data.channel, catalog.CHANNELS, "channel", "مسیر دریافت درخواست", default="")
    covering = take("covering_domain", choice_of, data.covering_domain, catalog.COVERING_DOMAINS, "covering_domain",
                    "حوزه تحت پوشش", default="", optional=True)
    target_group = take("target_group", choice_of, data.target_group, catalog.TARGET_GROUPS, "target_group", "جامعه هدف",
                        default="", optional=True)
    typed_mobile = take("typed_mobile", typed_code, data.mobile, "mobile", "شماره همراه", default="")
    mobile = take("mobile", normalize_mobile, typed_mobile, default="") if typed_mobile else ""
    if program_code == ProgramCode.B and not typed_mobile.strip():
        problems.append(
            InvalidInput("برای برنامه ب شماره همراه لازم است تا مراحل با پیامک اطلاع داده شود.", field="mobile")
        )
    typed_landline = take("typed_landline", typed_code, data.landline, "landline", "تلفن ثابت", default="")
    landline = take("landline", normalize_landline, typed_landline, default="")
    dates = {
        name: take((name, today), validate.optional_date, value, field=name, label_fa=label_fa, not_after=today, default=None)
        for name, label_fa, value in (
            ("applied_on", "تاریخ درخواست", data.applied_on or today),
            ("birth_date", "تاریخ تولد", data.birth_date),
            ("licence_date", "تاریخ مجوز", data.licence_date),
        )
    }
    applied_on = dates["applied_on"] or today
    text = {
        name: take(name, validate.clean_text, getattr(data, name), field=name, label_fa=label_fa, max_length=limit, default="")
        for name, label_fa, limit in _TEXT_LIMITS
    }
    household = data.household  # checked (by its values: a memo's key), not changed
    if isinstance(household, HouseholdData):
        take("household", _household_values, (program_code, *vars(household).values()), default=None)
    else:
        problems.append(InvalidInput(HOUSEHOLD_INCOMPLETE, field="household"))
    if problems:
        return None, problems
    applicant_fields = dict(
        first_name=names["first_name"],
        last_name=names["last_name"],
        gender=gender,
        father_name=names["father_name"],
        birth_certificate_no=text["birth_certificate_no"],
        birth_date=dates["birth_date"],
        mobile=mobile,
        landline=landline,
        home_address=text["home_address"],
        work_address=text["work_address"],
    )
    case_fields = dict(
        covering_domain=covering,
        target_group=target_group,
        job_field=text["job_field"],
        discount_holder=bool(data.discount_holder),
        licence_no=text["licence_no"],
        licence_date=dates["licence_date"],
        head_of_household=None,
    )
    if is_b:  # programme A's own fields (job, licence, discount, scoring household) do not apply
        case_fields.update(job_field="", discount_holder=False, licence_no="", licence_date=None, head_of_household=True)
        household = HouseholdData()
    clean = CleanIntake(
        program=program_code,
        national_code=national_code,
        channel=channel,
        applied_on=applied_on,
        household=household,
        applicant=applicant_fields,
        case=case_fields,
    )
    return clean, []


B_ONLY_WOMEN = (
    "برنامه بیمه زنان سرپرست خانوار (کمیته امداد) فقط زنان سرپرست خانوار را می‌پذیرد؛ "
    "برای این متقاضی برنامه دیگری را انتخاب کنید."
)


def programme_b_problems(gender: str, head_of_household: bool | None) -> list[InvalidInput]:
    """Seed 000: programme B covers women who head their household, and no one else."""
    problems = []
    if gender == "male":
        problems.append(InvalidInput(B_ONLY_WOMEN, field="gender"))
    if head_of_household is None:
        problems.append(
            InvalidInput("برای برنامه ب مشخص کنید که متقاضی سرپرست خانوار هست یا نه.", field="head_of_household")
        )
    elif not head_of_household:
        problems.append(InvalidInput(B_ONLY_WOMEN, field="head_of_household"))
    return problems


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


NEED_GRADE_LIMIT = 100  # the largest grade a scoring policy may allow (lib.scoring)
PRIORITY_RANK_LIMIT = 100_000


def checked_need_grade(value: object) -> int | None:
    """A need grade as typed, within what any scoring policy allows (the policy narrows it)."""
    return validate.optional_integer(value, field="need_grade", label_fa="نمره نیازمندی", minimum=0,
                                     maximum=NEED_GRADE_LIMIT)


HOUSEHOLD_INCOMPLETE = "اطلاعات خانوار ناقص است؛ برگه خانوار را دوباره پر کنید."


def validate_household(program_code: str, data: HouseholdData, *, require_need_grade: bool = False) -> HouseholdData:
    """Household data through the scoring rules; Persian message on bad input.

    Programme B has no scoring table, but its household counts still go through the same
    range checks (``ScoreInput`` validates itself on construction). The need grade, whose range
    the scoring policy sets, is first held within what any policy allows."""
    if not isinstance(data, HouseholdData):
        raise InvalidInput(HOUSEHOLD_INCOMPLETE, field="household")
    checked_need_grade(data.need_grade)
    inp = ScoreInput(
        disabled_members=data.disabled_members,
        severity=data.severity or None,
        marital_status=data.marital_status,
        dependants=data.dependants,
        insured_years=data.insured_years,
        need_grade=data.need_grade,
    )
    if program_code == ProgramCode.A:  # what scoring would refuse (the card itself is not needed)
        validate_input(inp, DEFAULT_POLICY, require_need_grade=require_need_grade)
    return data


def _household_values(values: tuple) -> None:
    """:func:`validate_household` of (programme code, the HouseholdData values in order)."""
    validate_household(values[0], HouseholdData(*values[1:]))


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
    card = score(
        ScoreInput(
            disabled_members=household.disabled_members,
            severity=household.severity or None,
            marital_status=household.marital_status,
            dependants=household.dependants,
            insured_years=household.insured_years,
            need_grade=household.need_grade,
        ),
        policy,
    )
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
                                 max_length=_max_length(Application, "priority_reason"))
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
