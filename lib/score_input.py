"""What programme A's scoring sheet asks about a household, and how each answer is checked.

The vocabulary (severity, marital status, the six criteria and their Persian names), the
plausibility limits of the input, the coercion of a typed or imported value (member, English value
or Persian label) and :class:`ScoreInput`, which refuses what no policy could score. The points
themselves are :mod:`lib.scoring`'s; the messages here are shared with it and with
:mod:`lib.ranking` (``fa``, ``shown``, ``row_prefix``).

Pure code: no Streamlit, no SQL, no I/O.
"""
from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import pandas as pd

from lib.errors import InvalidInput

if TYPE_CHECKING:
    from lib.scoring import ScoringPolicy


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

COUNT_LIMITS: Mapping[str, int] = MappingProxyType(
    {
        "disabled_members": MAX_DISABLED_MEMBERS,
        "dependants": MAX_DEPENDANTS,
        "insured_years": MAX_INSURED_YEARS,
    }
)

# How a field is named in a message.
FIELD_NAMES: Mapping[str, str] = MappingProxyType(
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


def fa(value: object) -> str:
    """Persian digits for a number shown to a person."""
    return str(value).translate(_FA_DIGITS)


def ltr(text: str) -> str:
    """Wrap a code or a Latin value in a left-to-right isolate inside Persian text."""
    return f"\u2066{text}\u2069"


def shown(value: object) -> str:
    """A raw input value as it is quoted back in a message."""
    if isinstance(value, numbers.Number) and not isinstance(value, bool):
        return fa(value)
    return ltr(str(value))


# --------------------------------------------------------------------------- coercion helpers
def coerce_enum(enum_cls: type[StrEnum], labels: Mapping[Any, str], value: object) -> StrEnum:
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


def choices(labels: Mapping[Any, str]) -> str:
    return "، ".join(labels.values())


def to_severity(value: object, *, field_name: str = "severity") -> Severity | None:
    if value is None or (isinstance(value, str) and not value.strip()) or is_missing(value):
        return None
    try:
        return coerce_enum(Severity, SEVERITY_LABELS, value)  # type: ignore[return-value]
    except KeyError:
        raise InvalidInput(
            f"شدت معلولیت «{shown(value)}» شناخته نیست؛ یکی از این‌ها را انتخاب کنید: "
            f"{choices(SEVERITY_LABELS)} (یا خالی، اگر عضو معلول ندارد).",
            field=field_name,
        ) from None


def to_marital(value: object, *, field_name: str = "marital_status") -> MaritalStatus:
    try:
        return coerce_enum(MaritalStatus, MARITAL_LABELS, value)  # type: ignore[return-value]
    except KeyError:
        raise InvalidInput(
            f"وضعیت تأهل «{shown(value)}» شناخته نیست؛ یکی از این‌ها را انتخاب کنید: "
            f"{choices(MARITAL_LABELS)}.",
            field=field_name,
        ) from None


def is_missing(value: object) -> bool:
    return (isinstance(value, float) and math.isnan(value)) or value is pd.NA or value is pd.NaT


def to_int(value: object, field_name: str, *, optional: bool = False) -> int | None:
    """An integer count from an int (or an integral float); bools and text are refused."""
    if optional and (value is None or is_missing(value)):
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
        f"{FIELD_NAMES[field_name]} باید عدد صحیح باشد؛ مقدار «{shown(value)}» را با یک "
        "عدد صحیح مانند ۲ جایگزین کنید.",
        field=field_name,
    )


def range_error(field_name: str, value: object, low: int, high: int, row: str = "") -> InvalidInput:
    return InvalidInput(
        f"{row}{FIELD_NAMES[field_name]} باید عددی صحیح از {fa(low)} تا {fa(high)} باشد؛ "
        f"مقدار {shown(value)} را اصلاح کنید.",
        field=field_name,
    )


def severity_without_disabled_error(row: str = "") -> InvalidInput:
    return InvalidInput(
        f"{row}برای خانواده‌ای که عضو معلول ندارد شدت معلولیت ثبت شده است؛ شدت را خالی بگذارید "
        "یا تعداد اعضای معلول را اصلاح کنید.",
        field="severity",
    )


def severity_missing_error(row: str = "") -> InvalidInput:
    return InvalidInput(
        f"{row}خانواده عضو معلول دارد ولی شدت معلولیت ثبت نشده است؛ شدت معلولیتِ شدیدترین عضو "
        f"معلول را انتخاب کنید ({choices(SEVERITY_LABELS)}).",
        field="severity",
    )


def need_grade_missing_error(policy: "ScoringPolicy", row: str = "") -> InvalidInput:
    return InvalidInput(
        f"{row}نمره نیازمندی خانواده (نظر مددکار / کارشناس) ثبت نشده است؛ نمره‌ای از "
        f"{fa(policy.need_grade_min)} تا {fa(policy.need_grade_max)} وارد کنید، یا برگه امتیاز "
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
        for name, limit in COUNT_LIMITS.items():
            count = to_int(getattr(self, name), name)
            assert count is not None
            if not 0 <= count <= limit:
                raise range_error(name, count, 0, limit)
            put(self, name, count)
        put(self, "severity", to_severity(self.severity))
        put(self, "marital_status", to_marital(self.marital_status))
        put(self, "need_grade", to_int(self.need_grade, "need_grade", optional=True))
        if self.disabled_members == 0 and self.severity is not None:
            raise severity_without_disabled_error()
        if self.disabled_members > 0 and self.severity is None:
            raise severity_missing_error()

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> "ScoreInput":
        """Build from a dict (a form, a database row); a missing key is an InvalidInput."""
        values = {}
        for name in CRITERIA:
            if name not in data:
                raise InvalidInput(
                    f"{FIELD_NAMES[name]} وارد نشده است؛ آن را در برگه امتیاز پر کنید.",
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


def row_prefix(index: pd.Index, position: int) -> str:
    return f"ردیف {shown(index[position])}: "
