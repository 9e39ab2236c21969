"""Form 1 as typed (:class:`IntakeData`, :class:`HouseholdData`) and the checks that need no
database: :func:`check_intake` (every problem of a form at once, shared by the intake form and the
Excel import), programme B's who-may-apply rule and the household through the scoring rules.
``services.applications`` re-exports these names."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar

from db.models import Applicant, Application
from lib import catalog, validate
from lib.errors import InvalidInput
from lib.identifiers import normalize_landline, normalize_mobile, normalize_national_code
from lib.jalali import local_today
from lib.memo import CheckMemo
from lib.scoring import DEFAULT_POLICY, ScoreInput, validate_input
from lib.workflow import ProgramCode

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
def max_length_of(model: Any, column: str) -> int:
    return int(model.__table__.c[column].type.length)


# (field, Persian label, longest text the database column takes): free text of Form 1.
_TEXT_LIMITS: tuple[tuple[str, str, int], ...] = tuple(
    (name, label_fa, max_length_of(model, name))
    for name, label_fa, model in (
        ("birth_certificate_no", "شماره شناسنامه", Applicant),
        ("home_address", "نشانی منزل", Applicant),
        ("work_address", "نشانی محل کار", Applicant),
        ("job_field", "رشته شغلی", Application),
        ("licence_no", "شماره مجوز", Application),
    )
)


# (field, Persian label) of Form 1's dates, in the order checked.
DATE_FIELDS: tuple[tuple[str, str], ...] = (("applied_on", "تاریخ درخواست"), ("birth_date", "تاریخ تولد"), ("licence_date", "تاریخ مجوز"))


# People's names: letters, spaces, ZWNJ and hyphens only (lib.validate.person_name).
_NAME_FIELDS = (("first_name", "نام"), ("last_name", "نام خانوادگی"), ("father_name", "نام پدر"))
_NAME_LIMITS = {name: max_length_of(Applicant, name) for name, _ in _NAME_FIELDS}


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
            found = memo.known(site, value)  # most rows repeat a value seen before
            ok, out = found if found is not None else memo.outcome(site, value, fn, *args, **kwargs)
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
        for (name, label_fa), value in zip(DATE_FIELDS, (data.applied_on or today, data.birth_date, data.licence_date))
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
    return clean_intake(program_code, national_code, names, gender, channel, covering, target_group, mobile, landline,
                        applied_on, dates, text, bool(data.discount_holder), household), []


def clean_intake(
    program_code: str,
    national_code: str,
    names: dict[str, str],
    gender: str,
    channel: str,
    covering: str,
    target_group: str,
    mobile: str,
    landline: str,
    applied_on: date,
    dates: dict[str, date | None],
    text: dict[str, str],
    discount_holder: bool,
    household: HouseholdData,
) -> CleanIntake:
    """The :class:`CleanIntake` of a Form 1 whose fields each passed their check (the values
    :func:`check_intake` worked out; the import's column-wise checks give the same)."""
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
        discount_holder=discount_holder,
        licence_no=text["licence_no"],
        licence_date=dates["licence_date"],
        head_of_household=None,
    )
    if program_code == ProgramCode.B:  # programme A's own fields (job, licence, discount, scoring household) do not apply
        case_fields.update(job_field="", discount_holder=False, licence_no="", licence_date=None, head_of_household=True)
        household = HouseholdData()
    return CleanIntake(
        program=program_code,
        national_code=national_code,
        channel=channel,
        applied_on=applied_on,
        household=household,
        applicant=applicant_fields,
        case=case_fields,
    )


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


NEED_GRADE_LIMIT = 100  # the largest grade a scoring policy may allow (lib.scoring)


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
    inp = score_input(data)
    if program_code == ProgramCode.A:  # what scoring would refuse (the card itself is not needed)
        validate_input(inp, DEFAULT_POLICY, require_need_grade=require_need_grade)
    return data


def _household_values(values: tuple) -> None:
    """:func:`validate_household` of (programme code, the HouseholdData values in order)."""
    validate_household(values[0], HouseholdData(*values[1:]))


def score_input(household: Any) -> ScoreInput:
    """The scoring rules' input from a household: the form's (:class:`HouseholdData`) or the stored row."""
    return ScoreInput(
        disabled_members=household.disabled_members,
        severity=household.severity or None,
        marital_status=household.marital_status,
        dependants=household.dependants,
        insured_years=household.insured_years,
        need_grade=household.need_grade,
    )
