"""The priority score of programme A (self-employed share).

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

The ranking of scored applicants is :mod:`lib.ranking`; the input's vocabulary and its checks
are :mod:`lib.score_input`.

Pure code: no Streamlit, no SQL, no I/O.
"""
from __future__ import annotations

import dataclasses
import json
import numbers
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from lib.errors import InvalidInput
from lib.score_input import (  # the input's vocabulary and checks, re-exported as lib.scoring's
    COUNT_LIMITS, CRITERIA, CRITERION_LABELS, FIELD_NAMES, MARITAL_LABELS, MAX_DEPENDANTS,
    MAX_DISABLED_MEMBERS, MAX_INSURED_YEARS, SEVERITY_LABELS, MaritalStatus, ScoreInput, Severity, choices,
    coerce_enum, fa, ltr, need_grade_missing_error, range_error, row_prefix, severity_missing_error,
    severity_without_disabled_error, shown, to_marital, to_severity,
)

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
]


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
        raise _policy_error(key, f"مقدار «{shown(value)}» در «{ltr(key)}» باید عدد صحیح باشد.")
    if not low <= int(value) <= high:
        raise _policy_error(
            key, f"مقدار {fa(value)} در «{ltr(key)}» باید از {fa(low)} تا {fa(high)} باشد."
        )
    return int(value)


def _policy_steps(value: object, key: str, limit: int) -> tuple[Step, ...]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise _policy_error(key, f"«{ltr(key)}» باید فهرستی از پله‌ها (حداقل تعداد، امتیاز) باشد.")
    steps: list[Step] = []
    for item in value:
        if isinstance(item, Mapping):
            if "at_least" not in item or "points" not in item:
                raise _policy_error(key, f"هر پله در «{ltr(key)}» باید at_least و points داشته باشد.")
            pair = (item["at_least"], item["points"])
        elif isinstance(item, Iterable) and not isinstance(item, (str, bytes)):
            pair = tuple(item)
            if len(pair) != 2:
                raise _policy_error(key, f"هر پله در «{ltr(key)}» باید دو عدد داشته باشد.")
        else:
            raise _policy_error(key, f"پله «{shown(item)}» در «{ltr(key)}» معتبر نیست.")
        steps.append(
            Step(_policy_int(pair[0], key, high=limit), _policy_int(pair[1], key, high=1000))
        )
    if not steps or steps[0].at_least != 0:
        raise _policy_error(key, f"پله‌های «{ltr(key)}» باید از تعداد ۰ شروع شوند.")
    for before, after in zip(steps, steps[1:]):
        if after.at_least <= before.at_least:
            raise _policy_error(key, f"حداقل تعدادِ پله‌های «{ltr(key)}» باید صعودی و بدون تکرار باشد.")
    return tuple(steps)


def _policy_points(
    value: object, key: str, enum_cls: type[StrEnum], labels: Mapping[Any, str]
) -> Mapping[Any, int]:
    if not isinstance(value, Mapping):
        raise _policy_error(key, f"«{ltr(key)}» باید برای هر گزینه یک امتیاز داشته باشد.")
    points: dict[Any, int] = {}
    for raw, pts in value.items():
        try:
            member = coerce_enum(enum_cls, labels, raw)
        except KeyError:
            raise _policy_error(key, f"گزینه «{shown(raw)}» در «{ltr(key)}» شناخته نیست.") from None
        points[member] = _policy_int(pts, key)
    missing = [labels[m] for m in enum_cls if m not in points]
    if missing:
        raise _policy_error(key, f"امتیاز این گزینه‌ها در «{ltr(key)}» تعیین نشده است: {'، '.join(missing)}.")
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
                    f"{SEVERITY_LABELS[s]} {fa(p)} امتیاز" for s, p in self.severity_points.items()
                ),
                "marital_status": "، ".join(
                    f"{MARITAL_LABELS[m]} {fa(p)} امتیاز" for m, p in self.marital_points.items()
                ),
                "dependants": _steps_text(self.dependant_steps, "نفر"),
                "insured_years": (
                    f"هر سال کامل {fa(self.points_per_insured_year)} امتیاز، "
                    f"حداکثر {fa(self.maxima['insured_years'])} امتیاز"
                ),
                "need_grade": (
                    f"میزان نیازمندی خانواده، {fa(self.need_grade_min)} تا "
                    f"{fa(self.need_grade_max)} امتیاز"
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
                raise _policy_error(prefix + key, f"کلید «{ltr(prefix + key)}» در سیاست نیست.")
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
                f"سیاست بازنگری‌شده باید نسخه‌ای تازه داشته باشد (نسخه فعلی {ltr(self.version)} است).",
            )
        return dataclasses.replace(self, version=version, **changes)


def step_range(steps: tuple[Step, ...], i: int, unit: str) -> str:
    """What step ``i`` covers, as the form words it: «۳ نفر و بیشتر», «۱ نفر», «۱ تا ۲ نفر»."""
    step = steps[i]
    upper = None if i == len(steps) - 1 else steps[i + 1].at_least - 1
    if upper is None:
        return f"{fa(step.at_least)} {unit} و بیشتر"
    if upper == step.at_least:
        return f"{fa(step.at_least)} {unit}"
    return f"{fa(step.at_least)} تا {fa(upper)} {unit}"


def _steps_text(steps: tuple[Step, ...], unit: str) -> str:
    return "، ".join(
        f"{step_range(steps, i, unit)} {fa(step.points)} امتیاز"
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
            raise need_grade_missing_error(policy)
    elif not policy.need_grade_min <= grade <= policy.need_grade_max:
        raise range_error("need_grade", grade, policy.need_grade_min, policy.need_grade_max)


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
        "disabled_members": (f"{fa(inp.disabled_members)} نفر", policy.disabled_points(inp.disabled_members)),
        "severity": (
            "ندارد" if inp.severity is None else SEVERITY_LABELS[inp.severity],
            severity_points,
        ),
        "marital_status": (MARITAL_LABELS[inp.marital_status], policy.marital_points[inp.marital_status]),
        "dependants": (f"{fa(inp.dependants)} نفر", policy.dependant_points(inp.dependants)),
        "insured_years": (f"{fa(inp.insured_years)} سال", policy.insured_points(inp.insured_years)),
        "need_grade": (
            "ثبت نشده (موقت)" if inp.need_grade is None else fa(inp.need_grade),
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
                f"{row_prefix(frame.index, bad)}{FIELD_NAMES[name]} خالی است؛ آن را وارد کنید.",
                field=name,
            )
    raise InvalidInput(
        f"{row_prefix(frame.index, bad)}{FIELD_NAMES[name]} باید عدد صحیح باشد؛ مقدار "
        f"«{shown(column.iloc[bad])}» را اصلاح کنید.",
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
            raise InvalidInput(row_prefix(frame.index, bad) + error.message, field=name) from None
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
                f"ستون «{ltr(name)}» ({FIELD_NAMES[name]}) در جدول نیست؛ آن را اضافه کنید.",
                field=name,
            )
    index = frame.index
    counts = {}
    for name, limit in COUNT_LIMITS.items():
        values, _ = _int_column(frame, name)
        out = (values < 0) | (values > limit)
        if out.any():
            bad = int(np.flatnonzero(out)[0])
            raise range_error(name, int(values[bad]), 0, limit, row_prefix(index, bad))
        counts[name] = values
    severity_pts, severity_missing = _enum_column(frame, "severity", to_severity, policy.severity_points)
    disabled = counts["disabled_members"]
    wrong = (disabled == 0) & ~severity_missing
    if wrong.any():
        raise severity_without_disabled_error(row_prefix(index, int(np.flatnonzero(wrong)[0])))
    wrong = (disabled > 0) & severity_missing
    if wrong.any():
        raise severity_missing_error(row_prefix(index, int(np.flatnonzero(wrong)[0])))
    marital_pts, marital_missing = _enum_column(frame, "marital_status", to_marital, policy.marital_points)
    if marital_missing.any():
        bad = int(np.flatnonzero(marital_missing)[0])
        raise InvalidInput(
            f"{row_prefix(index, bad)}وضعیت تأهل خالی است؛ یکی از این‌ها را انتخاب کنید: "
            f"{choices(MARITAL_LABELS)}.",
            field="marital_status",
        )
    grade, grade_missing = _int_column(frame, "need_grade", optional=True)
    if require_need_grade and grade_missing.any():
        raise need_grade_missing_error(policy, row_prefix(index, int(np.flatnonzero(grade_missing)[0])))
    out = ~grade_missing & ((grade < policy.need_grade_min) | (grade > policy.need_grade_max))
    if out.any():
        bad = int(np.flatnonzero(out)[0])
        raise range_error(
            "need_grade", int(grade[bad]), policy.need_grade_min, policy.need_grade_max,
            row_prefix(index, bad),
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
