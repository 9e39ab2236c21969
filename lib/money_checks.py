"""Whole numbers for the money rules (lib.payments, lib.budget_fit): refused in Persian when they are not
integers or fall outside their range, and written inside messages with Persian digits. Pure."""
from __future__ import annotations

from typing import Any

import numpy as np

from lib.errors import InvalidInput
from lib.text import format_number

__all__ = ["fa_number", "whole", "whole_in_range"]


def fa_number(n: int, grouped: bool = True) -> str:
    """A number inside a Persian message: Persian digits, grouped by ٬ (years ungrouped)."""
    return format_number(int(n), grouping=grouped)


def whole(value: Any, field: str, label: str) -> int:
    """``value`` as a Python int; floats, bools, strings and the like are refused."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise InvalidInput(
            f"«{label}» باید عدد صحیح باشد (بدون اعشار)؛ مقدار {value!r} پذیرفته نیست.",
            field=field,
        )
    return int(value)


def whole_in_range(value: Any, field: str, label: str, low: int, high: int | None, unit: str = "") -> int:
    v = whole(value, field, label)
    if v < low or (high is not None and v > high):
        if high is None:
            bound = f"{fa_number(low)} یا بیشتر"
        else:
            bound = f"بین {fa_number(low)} و {fa_number(high)}"
        raise InvalidInput(
            f"«{label}» باید {bound}{unit} باشد؛ مقدار واردشده {fa_number(v)} است.", field=field
        )
    return v
