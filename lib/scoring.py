"""The priority score of programme A (self-employed share) and the ranking of applicants.

Source: the scoring table of the 1392 draft instruction (seed 003, "جدول امتیازات", second and
consistent copy; see DOMAIN.md). Six criteria, maximum 50 points, higher total = higher priority:

    code              criterion                         rule (DEFAULT_POLICY, "1392-v1")          max
    ----------------  --------------------------------  ----------------------------------------  ---
    disabled_members  disabled members in the family    0 → 0, 1 → 1, 2 → 3, 3 or more → 5          5
    severity          the most severe member's degree   mild 1, moderate 2, severe 3, very sev. 4   4
    marital_status    marital status                    single 1; married, widowed, divorced 2      2
    dependants        dependants (تحت تکفل)             0 → 0, 1 → 1, 2 → 2, 3 → 3, 4 or more → 5   5
    insured_years     years of premium history          1 point per full year, at most 29          29
    need_grade        social worker's need grade        the grade itself, 1–5                       5

Decisions (where the seed is silent):

* Widowed and divorced applicants score as married (they head a household). This is data of the
  policy, not code: a revised policy may change it.
* The points are *data* in a versioned :class:`ScoringPolicy`. A saved :class:`ScoreCard` carries
  the version it was computed with, so an old card keeps its figures after the policy changes. The
  maximum of each criterion is derived from the policy, never typed twice.
* "No disabled member" scores 0 for severity, and then severity must be empty; with one or more
  disabled members severity is required (the most severe member's).
* ``need_grade`` (the expert's opinion) is required by default. ``score(...,
  require_need_grade=False)`` accepts a missing grade and returns a *provisional* card
  (``card.provisional``) in which that row scores 0 — for showing a partial figure while the
  social worker's visit is pending. A provisional card must not be used for ranking decisions;
  the caller decides that.
* Plausibility limits (not in the seed, they catch typing errors): at most 30 disabled members,
  30 dependants and 80 insured years. Years beyond the cap are accepted and score the cap.
* Enum fields accept the member, its English value (any case) or its Persian label.

Ranking (:func:`rank`, :func:`rank_frame`): committee overrides first (seed, note 1: the county or
provincial committee may set a priority by hand in special cases; it needs a reason), ordered by
the rank the committee gave, then by total; then everyone else by total descending; holders of a
government insurance discount in an identified job field after everyone else (condition 4: they
come "in the later priorities", not excluded), also by total descending. Ties: earlier
``applied_on`` first, then lower ``application_id``.

Pure code: no Streamlit, no SQL, no I/O.
"""
from __future__ import annotations

import dataclasses
import datetime
import json
import math
import numbers
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from lib.errors import InvalidInput

__all__ = [
    "Severity",
    "MaritalStatus",
    "SEVERITY_LABELS",
    "MARITAL_LABELS",
    "CRITERIA",
    "CRITERION_LABELS",
    "MAX_DISABLED_MEMBERS",
    "MAX_DEPENDANTS",
    "MAX_INSURED_YEARS",
    "ScoreInput",
    "Step",
    "ScoringPolicy",
    "DEFAULT_POLICY",
    "ScoreRow",
    "ScoreCard",
    "score",
    "validate_input",
    "score_many",
    "RankItem",
    "rank",
    "rank_frame",
]


# --------------------------------------------------------------------------- vocabulary
class Severity(StrEnum):
    """Severity of disability of the family's most severely disabled member."""

    mild = "mild"
    moderate = "moderate"
    severe = "severe"
    very_severe = "very_severe"


class MaritalStatus(StrEnum):
    single = "single"
    married = "married"
    widowed = "widowed"
    divorced = "divorced"


SEVERITY_LABELS: Mapping[Severity, str] = MappingProxyType(
    {
        Severity.mild: "خفیف",
        Severity.moderate: "متوسط",
        Severity.severe: "شدید",
        Severity.very_severe: "خیلی شدید",
    }
)

MARITAL_LABELS: Mapping[MaritalStatus, str] = MappingProxyType(
    {
        MaritalStatus.single: "مجرد",
        MaritalStatus.married: "متأهل",
        MaritalStatus.widowed: "همسر فوت‌شده",
        MaritalStatus.divorced: "مطلقه / جداشده",
    }
)

CRITERIA: tuple[str, ...] = (
    "disabled_members",
    "severity",
    "marital_status",
    "dependants",
    "insured_years",
    "need_grade",
)

CRITERION_LABELS: Mapping[str, str] = MappingProxyType(
    {
        "disabled_members": "تعداد معلول در خانواده",
        "severity": "شدت معلولیت",
        "marital_status": "وضعیت تأهل",
        "dependants": "تعداد افراد تحت تکفل",
        "insured_years": "سابقه پرداخت حق بیمه",
        "need_grade": "نظر مددکار / کارشناس",
    }
)

# Plausibility limits of the input (typing errors), not part of the policy.
MAX_DISABLED_MEMBERS = 30
MAX_DEPENDANTS = 30
MAX_INSURED_YEARS = 80

_COUNT_LIMITS: Mapping[str, int] = MappingProxyType(
    {
        "disabled_members": MAX_DISABLED_MEMBERS,
        "dependants": MAX_DEPENDANTS,
        "insured_years": MAX_INSURED_YEARS,
    }
)

# How a field is named in a message.
_FIELD_NAMES: Mapping[str, str] = MappingProxyType(
    {
        "disabled_members": "تعداد اعضای معلول خانواده",
        "severity": "شدت معلولیت",
        "marital_status": "وضعیت تأهل",
        "dependants": "تعداد افراد تحت تکفل",
        "insured_years": "سابقه پرداخت حق بیمه (سال)",
        "need_grade": "نمره نیازمندی خانواده (نظر مددکار / کارشناس)",
    }
)

_FA_DIGITS = str.maketrans("0123456789.", "۰۱۲۳۴۵۶۷۸۹٫")


def _fa(value: object) -> str:
    """Persian digits for a number shown to a person."""
    return str(value).translate(_FA_DIGITS)


def _ltr(text: str) -> str:
    """Wrap a code or a Latin value in a left-to-right isolate inside Persian text."""
    return f"\u2066{text}\u2069"


def _shown(value: object) -> str:
    """A raw input value as it is quoted back in a message."""
    if isinstance(value, numbers.Number) and not isinstance(value, bool):
        return _fa(value)
    return _ltr(str(value))


# --------------------------------------------------------------------------- coercion helpers
def _coerce_enum(enum_cls: type[StrEnum], labels: Mapping[Any, str], value: object) -> StrEnum:
    """Member, English value (any case, spaces → _) or Persian label → member; else KeyError."""
    if isinstance(value, enum_cls):
        return value
    if isinstance(value, str):
        text = value.strip()
        key = text.lower().replace(" ", "_").replace("-", "_")
        try:
            return enum_cls(key)
        except ValueError:
            pass
        normalised = text.replace("ي", "ی").replace("ك", "ک")
        for member, label in labels.items():
            if normalised == label:
                return member
    raise KeyError(value)


def _choices(labels: Mapping[Any, str]) -> str:
    return "، ".join(labels.values())


def _to_severity(value: object, *, field_name: str = "severity") -> Severity | None:
    if value is None or (isinstance(value, str) and not value.strip()) or _is_nan(value):
        return None
    try:
        return _coerce_enum(Severity, SEVERITY_LABELS, value)  # type: ignore[return-value]
    except KeyError:
        raise InvalidInput(
            f"شدت معلولیت «{_shown(value)}» شناخته نیست؛ یکی از این‌ها را انتخاب کنید: "
            f"{_choices(SEVERITY_LABELS)} (یا خالی، اگر عضو معلول ندارد).",
            field=field_name,
        ) from None


def _to_marital(value: object, *, field_name: str = "marital_status") -> MaritalStatus:
    try:
        return _coerce_enum(MaritalStatus, MARITAL_LABELS, value)  # type: ignore[return-value]
    except KeyError:
        raise InvalidInput(
            f"وضعیت تأهل «{_shown(value)}» شناخته نیست؛ یکی از این‌ها را انتخاب کنید: "
            f"{_choices(MARITAL_LABELS)}.",
            field=field_name,
        ) from None


def _is_nan(value: object) -> bool:
    return (isinstance(value, float) and math.isnan(value)) or value is pd.NA or value is pd.NaT


def _to_int(value: object, field_name: str, *, optional: bool = False) -> int | None:
    """An integer count from an int (or an integral float); bools and text are refused."""
    if optional and (value is None or _is_nan(value)):
        return None
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return int(value)
    if (
        isinstance(value, numbers.Real)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and float(value).is_integer()
    ):
        return int(value)
    raise InvalidInput(
        f"{_FIELD_NAMES[field_name]} باید عدد صحیح باشد؛ مقدار «{_shown(value)}» را با یک "
        "عدد صحیح مانند ۲ جایگزین کنید.",
        field=field_name,
    )


def _range_error(field_name: str, value: object, low: int, high: int, row: str = "") -> InvalidInput:
    return InvalidInput(
        f"{row}{_FIELD_NAMES[field_name]} باید عددی صحیح از {_fa(low)} تا {_fa(high)} باشد؛ "
        f"مقدار {_shown(value)} را اصلاح کنید.",
        field=field_name,
    )


def _severity_without_disabled(row: str = "") -> InvalidInput:
    return InvalidInput(
        f"{row}برای خانواده‌ای که عضو معلول ندارد شدت معلولیت ثبت شده است؛ شدت را خالی بگذارید "
        "یا تعداد اعضای معلول را اصلاح کنید.",
        field="severity",
    )


def _severity_missing(row: str = "") -> InvalidInput:
    return InvalidInput(
        f"{row}خانواده عضو معلول دارد ولی شدت معلولیت ثبت نشده است؛ شدت معلولیتِ شدیدترین عضو "
        f"معلول را انتخاب کنید ({_choices(SEVERITY_LABELS)}).",
        field="severity",
    )


def _need_grade_missing(policy: "ScoringPolicy", row: str = "") -> InvalidInput:
    return InvalidInput(
        f"{row}نمره نیازمندی خانواده (نظر مددکار / کارشناس) ثبت نشده است؛ نمره‌ای از "
        f"{_fa(policy.need_grade_min)} تا {_fa(policy.need_grade_max)} وارد کنید، یا برگه امتیاز "
        "را به صورت موقت (بدون این نمره) بسازید.",
        field="need_grade",
    )


# --------------------------------------------------------------------------- input
@dataclass(frozen=True)
class ScoreInput:
    """What the scoring sheet asks about one household.

    Construction coerces enum fields from their string value (or Persian label) and checks what
    does not depend on the policy: integer counts within their plausibility limits, severity
    present exactly when there is a disabled member. The need grade's range depends on the policy
    and is checked by :func:`score`.
    """

    disabled_members: int
    severity: Severity | None
    marital_status: MaritalStatus
    dependants: int
    insured_years: int
    need_grade: int | None

    def __post_init__(self) -> None:
        put = object.__setattr__
        for name, limit in _COUNT_LIMITS.items():
            count = _to_int(getattr(self, name), name)
            assert count is not None
            if not 0 <= count <= limit:
                raise _range_error(name, count, 0, limit)
            put(self, name, count)
        put(self, "severity", _to_severity(self.severity))
        put(self, "marital_status", _to_marital(self.marital_status))
        put(self, "need_grade", _to_int(self.need_grade, "need_grade", optional=True))
        if self.disabled_members == 0 and self.severity is not None:
            raise _severity_without_disabled()
        if self.disabled_members > 0 and self.severity is None:
            raise _severity_missing()

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> "ScoreInput":
        """Build from a dict (a form, a database row); a missing key is an InvalidInput."""
        values = {}
        for name in CRITERIA:
            if name not in data:
                raise InvalidInput(
                    f"{_FIELD_NAMES[name]} وارد نشده است؛ آن را در برگه امتیاز پر کنید.",
                    field=name,
                )
            values[name] = data[name]
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        return {
            "disabled_members": self.disabled_members,
            "severity": None if self.severity is None else str(self.severity),
            "marital_status": str(self.marital_status),
            "dependants": self.dependants,
            "insured_years": self.insured_years,
            "need_grade": self.need_grade,
        }


# --------------------------------------------------------------------------- policy
class Step(NamedTuple):
    """``points`` for a count of ``at_least`` or more (up to the next step)."""

    at_least: int
    points: int


def _policy_error(key: str, problem: str) -> InvalidInput:
    return InvalidInput(
        f"سیاست امتیازدهی معتبر نیست: {problem} جدول امتیازات را اصلاح و دوباره ذخیره کنید.",
        field=f"policy.{key}",
    )


def _policy_int(value: object, key: str, *, low: int = 0, high: int = 1000) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise _policy_error(key, f"مقدار «{_shown(value)}» در «{_ltr(key)}» باید عدد صحیح باشد.")
    if not low <= int(value) <= high:
        raise _policy_error(
            key, f"مقدار {_fa(value)} در «{_ltr(key)}» باید از {_fa(low)} تا {_fa(high)} باشد."
        )
    return int(value)


def _policy_steps(value: object, key: str, limit: int) -> tuple[Step, ...]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise _policy_error(key, f"«{_ltr(key)}» باید فهرستی از پله‌ها (حداقل تعداد، امتیاز) باشد.")
    steps: list[Step] = []
    for item in value:
        if isinstance(item, Mapping):
            if "at_least" not in item or "points" not in item:
                raise _policy_error(key, f"هر پله در «{_ltr(key)}» باید at_least و points داشته باشد.")
            pair = (item["at_least"], item["points"])
        elif isinstance(item, Iterable) and not isinstance(item, (str, bytes)):
            pair = tuple(item)
            if len(pair) != 2:
                raise _policy_error(key, f"هر پله در «{_ltr(key)}» باید دو عدد داشته باشد.")
        else:
            raise _policy_error(key, f"پله «{_shown(item)}» در «{_ltr(key)}» معتبر نیست.")
        steps.append(
            Step(_policy_int(pair[0], key, high=limit), _policy_int(pair[1], key, high=1000))
        )
    if not steps or steps[0].at_least != 0:
        raise _policy_error(key, f"پله‌های «{_ltr(key)}» باید از تعداد ۰ شروع شوند.")
    for before, after in zip(steps, steps[1:]):
        if after.at_least <= before.at_least:
            raise _policy_error(key, f"حداقل تعدادِ پله‌های «{_ltr(key)}» باید صعودی و بدون تکرار باشد.")
    return tuple(steps)


def _policy_points(
    value: object, key: str, enum_cls: type[StrEnum], labels: Mapping[Any, str]
) -> Mapping[Any, int]:
    if not isinstance(value, Mapping):
        raise _policy_error(key, f"«{_ltr(key)}» باید برای هر گزینه یک امتیاز داشته باشد.")
    points: dict[Any, int] = {}
    for raw, pts in value.items():
        try:
            member = _coerce_enum(enum_cls, labels, raw)
        except KeyError:
            raise _policy_error(key, f"گزینه «{_shown(raw)}» در «{_ltr(key)}» شناخته نیست.") from None
        points[member] = _policy_int(pts, key)
    missing = [labels[m] for m in enum_cls if m not in points]
    if missing:
        raise _policy_error(key, f"امتیاز این گزینه‌ها در «{_ltr(key)}» تعیین نشده است: {'، '.join(missing)}.")
    return MappingProxyType({m: points[m] for m in enum_cls})


def _step_points(steps: tuple[Step, ...], count: int) -> int:
    points = steps[0].points
    for step in steps:
        if count >= step.at_least:
            points = step.points
        else:
            break
    return points


@dataclass(frozen=True)
class ScoringPolicy:
    """The scoring table as versioned data. Validated on construction (InvalidInput).

    Steps are ``(at_least, points)`` pairs starting at 0; a count scores the points of the last
    step it reaches, so the last step reads "n or more". Insured years score
    ``points_per_insured_year`` per full year, capped at ``insured_years_max_points``. The need
    grade scores itself, within ``need_grade_min``..``need_grade_max``.
    """

    version: str
    disabled_member_steps: tuple[Step, ...]
    severity_points: Mapping[Severity, int]
    marital_points: Mapping[MaritalStatus, int]
    dependant_steps: tuple[Step, ...]
    points_per_insured_year: int
    insured_years_max_points: int
    need_grade_min: int
    need_grade_max: int

    def __post_init__(self) -> None:
        put = object.__setattr__
        version = self.version.strip() if isinstance(self.version, str) else ""
        if not version or len(version) > 40:
            raise _policy_error("version", "نسخه سیاست باید متنی ناخالی تا ۴۰ نویسه باشد (مثلاً 1404-v2).")
        put(self, "version", version)
        put(
            self,
            "disabled_member_steps",
            _policy_steps(self.disabled_member_steps, "disabled_members", MAX_DISABLED_MEMBERS),
        )
        put(self, "dependant_steps", _policy_steps(self.dependant_steps, "dependants", MAX_DEPENDANTS))
        put(self, "severity_points", _policy_points(self.severity_points, "severity", Severity, SEVERITY_LABELS))
        put(
            self,
            "marital_points",
            _policy_points(self.marital_points, "marital_status", MaritalStatus, MARITAL_LABELS),
        )
        put(self, "points_per_insured_year", _policy_int(self.points_per_insured_year, "insured_years.points_per_year"))
        put(self, "insured_years_max_points", _policy_int(self.insured_years_max_points, "insured_years.max_points"))
        put(self, "need_grade_min", _policy_int(self.need_grade_min, "need_grade.min", high=100))
        put(self, "need_grade_max", _policy_int(self.need_grade_max, "need_grade.max", high=100))
        if self.need_grade_min > self.need_grade_max:
            raise _policy_error("need_grade", "کمینه نمره نیازمندی از بیشینه آن بزرگ‌تر است.")

    def __hash__(self) -> int:
        return hash(json.dumps(self.to_dict(), sort_keys=True))

    # -- derived maxima
    @property
    def maxima(self) -> Mapping[str, int]:
        """The maximum of each criterion, derived from the points."""
        return MappingProxyType(
            {
                "disabled_members": max(s.points for s in self.disabled_member_steps),
                "severity": max(self.severity_points.values()),
                "marital_status": max(self.marital_points.values()),
                "dependants": max(s.points for s in self.dependant_steps),
                "insured_years": min(
                    self.insured_years_max_points, self.points_per_insured_year * MAX_INSURED_YEARS
                ),
                "need_grade": self.need_grade_max,
            }
        )

    @property
    def maximum_total(self) -> int:
        return sum(self.maxima.values())

    # -- points per criterion
    def disabled_points(self, count: int) -> int:
        return _step_points(self.disabled_member_steps, count)

    def dependant_points(self, count: int) -> int:
        return _step_points(self.dependant_steps, count)

    def insured_points(self, years: int) -> int:
        return min(years * self.points_per_insured_year, self.insured_years_max_points)

    # -- rule text, as on the paper form
    def rules(self) -> Mapping[str, str]:
        """Persian rule text of each criterion, written from the policy's figures."""
        return MappingProxyType(
            {
                "disabled_members": _steps_text(self.disabled_member_steps, "معلول"),
                "severity": "، ".join(
                    f"{SEVERITY_LABELS[s]} {_fa(p)} امتیاز" for s, p in self.severity_points.items()
                ),
                "marital_status": "، ".join(
                    f"{MARITAL_LABELS[m]} {_fa(p)} امتیاز" for m, p in self.marital_points.items()
                ),
                "dependants": _steps_text(self.dependant_steps, "نفر"),
                "insured_years": (
                    f"هر سال کامل {_fa(self.points_per_insured_year)} امتیاز، "
                    f"حداکثر {_fa(self.maxima['insured_years'])} امتیاز"
                ),
                "need_grade": (
                    f"میزان نیازمندی خانواده، {_fa(self.need_grade_min)} تا "
                    f"{_fa(self.need_grade_max)} امتیاز"
                ),
            }
        )

    # -- persistence
    def to_dict(self) -> dict[str, Any]:
        """JSON-safe; ``ScoringPolicy.from_dict(p.to_dict()) == p``."""
        return {
            "version": self.version,
            "disabled_members": [
                {"at_least": s.at_least, "points": s.points} for s in self.disabled_member_steps
            ],
            "severity": {str(k): v for k, v in self.severity_points.items()},
            "marital_status": {str(k): v for k, v in self.marital_points.items()},
            "dependants": [{"at_least": s.at_least, "points": s.points} for s in self.dependant_steps],
            "insured_years": {
                "points_per_year": self.points_per_insured_year,
                "max_points": self.insured_years_max_points,
            },
            "need_grade": {"min": self.need_grade_min, "max": self.need_grade_max},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "ScoringPolicy":
        """Inverse of :meth:`to_dict`; a broken policy raises InvalidInput naming the key."""
        if not isinstance(data, Mapping):
            raise _policy_error("", "سیاست باید یک شیء (کلید و مقدار) باشد.")

        def need(key: str, container: Mapping[str, Any] = data, prefix: str = "") -> Any:
            if not isinstance(container, Mapping) or key not in container:
                raise _policy_error(prefix + key, f"کلید «{_ltr(prefix + key)}» در سیاست نیست.")
            return container[key]

        insured = need("insured_years")
        grade = need("need_grade")
        return cls(
            version=need("version"),
            disabled_member_steps=need("disabled_members"),
            severity_points=need("severity"),
            marital_points=need("marital_status"),
            dependant_steps=need("dependants"),
            points_per_insured_year=need("points_per_year", insured, "insured_years."),
            insured_years_max_points=need("max_points", insured, "insured_years."),
            need_grade_min=need("min", grade, "need_grade."),
            need_grade_max=need("max", grade, "need_grade."),
        )

    def revise(self, version: str, **changes: Any) -> "ScoringPolicy":
        """A new policy with a new version; the version must differ from this one."""
        if not isinstance(version, str) or version.strip() == self.version:
            raise _policy_error(
                "version",
                f"سیاست بازنگری‌شده باید نسخه‌ای تازه داشته باشد (نسخه فعلی {_ltr(self.version)} است).",
            )
        return dataclasses.replace(self, version=version, **changes)


def step_range(steps: tuple[Step, ...], i: int, unit: str) -> str:
    """What step ``i`` covers, as the form words it: «۳ نفر و بیشتر», «۱ نفر», «۱ تا ۲ نفر»."""
    step = steps[i]
    upper = None if i == len(steps) - 1 else steps[i + 1].at_least - 1
    if upper is None:
        return f"{_fa(step.at_least)} {unit} و بیشتر"
    if upper == step.at_least:
        return f"{_fa(step.at_least)} {unit}"
    return f"{_fa(step.at_least)} تا {_fa(upper)} {unit}"


def _steps_text(steps: tuple[Step, ...], unit: str) -> str:
    return "، ".join(
        f"{step_range(steps, i, unit)} {_fa(step.points)} امتیاز"
        for i, step in enumerate(steps)
        if not (step.at_least == 0 and step.points == 0)  # the form does not print "none → 0"
    )


DEFAULT_POLICY = ScoringPolicy(
    version="1392-v1",
    disabled_member_steps=(Step(0, 0), Step(1, 1), Step(2, 3), Step(3, 5)),
    severity_points={
        Severity.mild: 1,
        Severity.moderate: 2,
        Severity.severe: 3,
        Severity.very_severe: 4,
    },
    marital_points={
        MaritalStatus.single: 1,
        MaritalStatus.married: 2,
        MaritalStatus.widowed: 2,  # assumption (DOMAIN.md): heads a household, as married
        MaritalStatus.divorced: 2,  # idem
    },
    dependant_steps=(Step(0, 0), Step(1, 1), Step(2, 2), Step(3, 3), Step(4, 5)),
    points_per_insured_year=1,
    insured_years_max_points=29,
    need_grade_min=1,
    need_grade_max=5,
)


# --------------------------------------------------------------------------- the card
@dataclass(frozen=True)
class ScoreRow:
    criterion: str  # a code of CRITERIA
    label: str  # Persian criterion name
    rule: str  # Persian rule text, as on the paper form
    input: str  # the input as a person reads it
    points: int
    maximum: int

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class ScoreCard:
    total: int
    rows: tuple[ScoreRow, ...]
    policy_version: str
    provisional: bool = False  # need grade missing, scored 0 (see module docstring)

    @property
    def maximum(self) -> int:
        return sum(row.maximum for row in self.rows)

    def row(self, criterion: str) -> ScoreRow:
        for row in self.rows:
            if row.criterion == criterion:
                return row
        raise KeyError(criterion)

    def points(self) -> dict[str, int]:
        return {row.criterion: row.points for row in self.rows}

    def to_dict(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "maximum": self.maximum,
            "policy_version": self.policy_version,
            "provisional": self.provisional,
            "rows": [row.to_dict() for row in self.rows],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "ScoreCard":
        """A saved card, as it was: figures are not recomputed."""
        return cls(
            total=int(data["total"]),
            rows=tuple(
                ScoreRow(**{f.name: row[f.name] for f in dataclasses.fields(ScoreRow)})
                for row in data["rows"]
            ),
            policy_version=str(data["policy_version"]),
            provisional=bool(data.get("provisional", False)),
        )


def validate_input(
    inp: ScoreInput, policy: ScoringPolicy = DEFAULT_POLICY, *, require_need_grade: bool = True
) -> None:
    """The checks that depend on the policy (the need grade's range); InvalidInput if broken."""
    if not isinstance(inp, ScoreInput):
        raise TypeError(f"expected ScoreInput, got {type(inp).__name__}")
    grade = inp.need_grade
    if grade is None:
        if require_need_grade:
            raise _need_grade_missing(policy)
    elif not policy.need_grade_min <= grade <= policy.need_grade_max:
        raise _range_error("need_grade", grade, policy.need_grade_min, policy.need_grade_max)


def score(
    inp: ScoreInput, policy: ScoringPolicy = DEFAULT_POLICY, *, require_need_grade: bool = True
) -> ScoreCard:
    """Score one household with ``policy``; the card carries the policy's version."""
    validate_input(inp, policy, require_need_grade=require_need_grade)
    maxima = policy.maxima
    rules = policy.rules()
    severity_points = 0 if inp.severity is None else policy.severity_points[inp.severity]
    need_points = 0 if inp.need_grade is None else inp.need_grade
    figures = {
        "disabled_members": (f"{_fa(inp.disabled_members)} نفر", policy.disabled_points(inp.disabled_members)),
        "severity": (
            "ندارد" if inp.severity is None else SEVERITY_LABELS[inp.severity],
            severity_points,
        ),
        "marital_status": (MARITAL_LABELS[inp.marital_status], policy.marital_points[inp.marital_status]),
        "dependants": (f"{_fa(inp.dependants)} نفر", policy.dependant_points(inp.dependants)),
        "insured_years": (f"{_fa(inp.insured_years)} سال", policy.insured_points(inp.insured_years)),
        "need_grade": (
            "ثبت نشده (موقت)" if inp.need_grade is None else _fa(inp.need_grade),
            need_points,
        ),
    }
    rows = tuple(
        ScoreRow(
            criterion=code,
            label=CRITERION_LABELS[code],
            rule=rules[code],
            input=figures[code][0],
            points=figures[code][1],
            maximum=maxima[code],
        )
        for code in CRITERIA
    )
    return ScoreCard(
        total=sum(row.points for row in rows),
        rows=rows,
        policy_version=policy.version,
        provisional=inp.need_grade is None,
    )


# --------------------------------------------------------------------------- many at once
def _row_prefix(index: pd.Index, position: int) -> str:
    return f"ردیف {_shown(index[position])}: "


def _int_column(
    frame: pd.DataFrame, name: str, *, optional: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """(values as int64 with missing → 0, missing mask). Non-integers raise InvalidInput."""
    column = frame[name]
    values = column.to_numpy()
    if values.dtype.kind in "iu":
        return values.astype(np.int64, copy=False), np.zeros(len(values), dtype=bool)
    if values.dtype.kind == "b":
        bad = 0
    else:
        numeric = pd.to_numeric(column, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
        missing = np.isnan(numeric)
        # a non-missing input that did not parse as a number is a type error, not a gap
        raw_missing = column.isna().to_numpy()
        not_number = missing & ~raw_missing
        not_integral = ~missing & (np.floor(numeric) != numeric)
        bad_mask = not_number | not_integral | (raw_missing if not optional else False)
        if not bad_mask.any():
            filled = np.where(missing, 0.0, numeric)
            return filled.astype(np.int64), missing
        bad = int(np.flatnonzero(bad_mask)[0])
        if raw_missing[bad] and not optional:
            raise InvalidInput(
                f"{_row_prefix(frame.index, bad)}{_FIELD_NAMES[name]} خالی است؛ آن را وارد کنید.",
                field=name,
            )
    raise InvalidInput(
        f"{_row_prefix(frame.index, bad)}{_FIELD_NAMES[name]} باید عدد صحیح باشد؛ مقدار "
        f"«{_shown(column.iloc[bad])}» را اصلاح کنید.",
        field=name,
    )


def _enum_column(frame: pd.DataFrame, name: str, convert, points: Mapping[Any, int]):
    """(points per row, missing mask) via factorize: each distinct value is checked once."""
    codes, uniques = pd.factorize(frame[name], use_na_sentinel=True)
    lookup = np.zeros(len(uniques) + 1, dtype=np.int64)  # last slot: missing (code -1)
    empty = np.zeros(len(uniques) + 1, dtype=bool)
    empty[-1] = True
    for i, raw in enumerate(uniques):
        try:
            member = convert(raw, field_name=name)
        except InvalidInput as error:
            bad = int(np.flatnonzero(codes == i)[0])
            raise InvalidInput(_row_prefix(frame.index, bad) + error.message, field=name) from None
        if member is None:
            empty[i] = True
        else:
            lookup[i] = points[member]
    return lookup[codes], empty[codes]


def score_many(
    frame_like: Any, policy: ScoringPolicy = DEFAULT_POLICY, *, require_need_grade: bool = True
) -> pd.DataFrame:
    """Score many households at once; the same figures as :func:`score`, vectorised.

    ``frame_like`` is a DataFrame (or anything ``pd.DataFrame`` accepts) with the columns of
    :class:`ScoreInput`. Returns a DataFrame on the same index with one int64 column of points per
    criterion (``CRITERIA``) and ``total``. The first bad row raises InvalidInput naming the
    column (``field``) and the row's index label.
    """
    frame = frame_like if isinstance(frame_like, pd.DataFrame) else pd.DataFrame(frame_like)
    for name in CRITERIA:
        if name not in frame.columns:
            raise InvalidInput(
                f"ستون «{_ltr(name)}» ({_FIELD_NAMES[name]}) در جدول نیست؛ آن را اضافه کنید.",
                field=name,
            )
    index = frame.index
    counts = {}
    for name, limit in _COUNT_LIMITS.items():
        values, _ = _int_column(frame, name)
        out = (values < 0) | (values > limit)
        if out.any():
            bad = int(np.flatnonzero(out)[0])
            raise _range_error(name, int(values[bad]), 0, limit, _row_prefix(index, bad))
        counts[name] = values
    severity_pts, severity_missing = _enum_column(frame, "severity", _to_severity, policy.severity_points)
    disabled = counts["disabled_members"]
    wrong = (disabled == 0) & ~severity_missing
    if wrong.any():
        raise _severity_without_disabled(_row_prefix(index, int(np.flatnonzero(wrong)[0])))
    wrong = (disabled > 0) & severity_missing
    if wrong.any():
        raise _severity_missing(_row_prefix(index, int(np.flatnonzero(wrong)[0])))
    marital_pts, marital_missing = _enum_column(frame, "marital_status", _to_marital, policy.marital_points)
    if marital_missing.any():
        bad = int(np.flatnonzero(marital_missing)[0])
        raise InvalidInput(
            f"{_row_prefix(index, bad)}وضعیت تأهل خالی است؛ یکی از این‌ها را انتخاب کنید: "
            f"{_choices(MARITAL_LABELS)}.",
            field="marital_status",
        )
    grade, grade_missing = _int_column(frame, "need_grade", optional=True)
    if require_need_grade and grade_missing.any():
        raise _need_grade_missing(policy, _row_prefix(index, int(np.flatnonzero(grade_missing)[0])))
    out = ~grade_missing & ((grade < policy.need_grade_min) | (grade > policy.need_grade_max))
    if out.any():
        bad = int(np.flatnonzero(out)[0])
        raise _range_error(
            "need_grade", int(grade[bad]), policy.need_grade_min, policy.need_grade_max,
            _row_prefix(index, bad),
        )

    def steps(steps_: tuple[Step, ...], values: np.ndarray) -> np.ndarray:
        thresholds = np.array([s.at_least for s in steps_], dtype=np.int64)
        points = np.array([s.points for s in steps_], dtype=np.int64)
        return points[np.searchsorted(thresholds, values, side="right") - 1]

    result = {
        "disabled_members": steps(policy.disabled_member_steps, disabled),
        "severity": np.where(severity_missing, 0, severity_pts),
        "marital_status": marital_pts,
        "dependants": steps(policy.dependant_steps, counts["dependants"]),
        "insured_years": np.minimum(
            counts["insured_years"] * policy.points_per_insured_year, policy.insured_years_max_points
        ),
        "need_grade": np.where(grade_missing, 0, grade),
    }
    total = np.zeros(len(frame), dtype=np.int64)
    for values in result.values():
        total += values
    result["total"] = total
    return pd.DataFrame(result, index=index)


# --------------------------------------------------------------------------- ranking
@dataclass(frozen=True)
class RankItem:
    """One application to rank. An override (``override_rank``) needs a non-empty reason."""

    application_id: int
    total: int
    discount_holder: bool
    applied_on: datetime.date
    override_rank: int | None = None
    override_reason: str | None = None

    def __post_init__(self) -> None:
        if self.override_rank is not None:
            if (
                isinstance(self.override_rank, bool)
                or not isinstance(self.override_rank, numbers.Integral)
                or self.override_rank < 1
            ):
                raise InvalidInput(
                    f"اولویت تعیین‌شده توسط کمیته باید عدد صحیح ۱ یا بیشتر باشد؛ مقدار "
                    f"«{_shown(self.override_rank)}» را اصلاح کنید.",
                    field="override_rank",
                )
            if not isinstance(self.override_reason, str) or not self.override_reason.strip():
                raise _override_reason_missing(self.application_id)
        if not isinstance(self.applied_on, datetime.date):
            raise InvalidInput(
                f"تاریخ درخواست پرونده {_shown(self.application_id)} ثبت نشده است؛ آن را وارد کنید.",
                field="applied_on",
            )

    @property
    def group(self) -> int:
        """0: committee override, 1: everyone else, 2: discount holders."""
        if self.override_rank is not None:
            return 0
        return 2 if self.discount_holder else 1

    def sort_key(self) -> tuple:
        return (
            self.group,
            self.override_rank or 0,
            -self.total,
            self.applied_on,
            self.application_id,
        )


def _override_reason_missing(application_id: object, row: str = "") -> InvalidInput:
    return InvalidInput(
        f"{row}برای پرونده {_shown(application_id)} اولویت دستی تعیین شده ولی دلیل آن ثبت نشده "
        "است؛ دلیل تصمیم کمیته را بنویسید یا اولویت دستی را بردارید.",
        field="override_reason",
    )


def _duplicate_id(application_id: object) -> InvalidInput:
    return InvalidInput(
        f"پرونده {_shown(application_id)} بیش از یک بار در فهرست رتبه‌بندی آمده است؛ "
        "هر پرونده را یک بار وارد کنید.",
        field="application_id",
    )


def rank(items: Iterable[RankItem]) -> list[RankItem]:
    """Priority order (first = highest priority); see the module docstring for the rules."""
    items = list(items)
    seen: set[int] = set()
    for item in items:
        if item.application_id in seen:
            raise _duplicate_id(item.application_id)
        seen.add(item.application_id)
    return sorted(items, key=RankItem.sort_key)


def _date_keys(frame: pd.DataFrame, name: str) -> np.ndarray:
    """Sortable int64 keys for a date column (datetime64, or date objects via factorize)."""
    column = frame[name]
    if pd.api.types.is_datetime64_any_dtype(column.dtype):
        keys = column.to_numpy(dtype="datetime64[ns]").view(np.int64)
        missing = column.isna().to_numpy()
    else:
        codes, uniques = pd.factorize(column, use_na_sentinel=True)
        try:
            order = np.argsort(np.asarray(uniques, dtype=object), kind="stable")
        except TypeError:
            raise InvalidInput(
                "ستون تاریخ درخواست (applied_on) باید فقط تاریخ داشته باشد؛ مقادیر دیگر را اصلاح کنید.",
                field=name,
            ) from None
        position = np.empty(len(uniques), dtype=np.int64)
        position[order] = np.arange(len(uniques))
        keys = np.where(codes >= 0, position[codes], 0)
        missing = codes < 0
    if missing.any():
        bad = int(np.flatnonzero(missing)[0])
        raise InvalidInput(
            f"{_row_prefix(frame.index, bad)}تاریخ درخواست ثبت نشده است؛ آن را وارد کنید.",
            field=name,
        )
    return keys


def rank_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """:func:`rank` for a DataFrame, vectorised; returns a sorted copy with a 1-based ``rank``.

    Columns: ``application_id``, ``total``, ``discount_holder``, ``applied_on`` (dates or
    datetime64) and optionally ``override_rank`` (nullable) and ``override_reason``. The original
    index labels are kept.
    """
    required = ("application_id", "total", "discount_holder", "applied_on")
    for name in required:
        if name not in frame.columns:
            raise InvalidInput(f"ستون «{_ltr(name)}» در جدول رتبه‌بندی نیست؛ آن را اضافه کنید.", field=name)
    ids = frame["application_id"].to_numpy()
    if pd.Index(ids).has_duplicates:
        duplicated = pd.Index(ids).duplicated()
        raise _duplicate_id(ids[int(np.flatnonzero(duplicated)[0])])
    totals = frame["total"].to_numpy()
    if totals.dtype.kind not in "iu":
        numeric = pd.to_numeric(frame["total"], errors="coerce").to_numpy(
            dtype=np.float64, na_value=np.nan
        )
        bad = np.isnan(numeric) | (np.floor(numeric) != numeric)
        if bad.any():
            position = int(np.flatnonzero(bad)[0])
            raise InvalidInput(
                f"{_row_prefix(frame.index, position)}امتیاز کل عدد صحیح نیست یا خالی است؛ "
                "ابتدا پرونده را امتیازدهی کنید.",
                field="total",
            )
        totals = numeric
    totals = totals.astype(np.int64)
    holders = frame["discount_holder"].to_numpy(dtype=bool, na_value=False)
    dates = _date_keys(frame, "applied_on")
    n = len(frame)
    if "override_rank" in frame.columns:
        overrides = pd.to_numeric(frame["override_rank"], errors="coerce").to_numpy(
            dtype=np.float64, na_value=np.nan
        )
        has_override = ~np.isnan(overrides)
        bad = has_override & ((overrides < 1) | (np.floor(overrides) != overrides))
        bad |= np.isnan(overrides) & frame["override_rank"].notna().to_numpy()
        if bad.any():
            position = int(np.flatnonzero(bad)[0])
            raise InvalidInput(
                f"{_row_prefix(frame.index, position)}اولویت تعیین‌شده توسط کمیته باید عدد صحیح ۱ "
                "یا بیشتر باشد؛ آن را اصلاح کنید.",
                field="override_rank",
            )
        if has_override.any():
            if "override_reason" in frame.columns:
                reasons = frame["override_reason"].to_numpy()[has_override]
                empty = np.fromiter(
                    (not isinstance(r, str) or not r.strip() for r in reasons), dtype=bool, count=len(reasons)
                )
            else:
                empty = np.ones(int(has_override.sum()), dtype=bool)
            if empty.any():
                position = int(np.flatnonzero(has_override)[np.flatnonzero(empty)[0]])
                raise _override_reason_missing(ids[position], _row_prefix(frame.index, position))
        override_key = np.where(has_override, overrides, 0).astype(np.int64)
    else:
        has_override = np.zeros(n, dtype=bool)
        override_key = np.zeros(n, dtype=np.int64)
    group = np.where(has_override, 0, np.where(holders, 2, 1))
    order = np.lexsort((ids, dates, -totals, override_key, group))
    result = frame.iloc[order].copy()
    result["rank"] = np.arange(1, n + 1, dtype=np.int64)
    return result
