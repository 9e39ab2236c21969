"""Persian text, digits and number display. Pure: standard library only.

Everything a person reads uses Persian digits; everything a person types may use
Persian (۰-۹), Arabic-Indic (٠-٩) or Latin (0-9) digits.
"""
from __future__ import annotations

import numbers
import re

from lib.errors import InvalidInput

PERSIAN_DIGITS = "۰۱۲۳۴۵۶۷۸۹"
ARABIC_INDIC_DIGITS = "٠١٢٣٤٥٦٧٨٩"
LATIN_DIGITS = "0123456789"

THOUSANDS_SEPARATOR = "\u066c"  # ٬ ARABIC THOUSANDS SEPARATOR
DECIMAL_SEPARATOR = "\u066b"  # ٫ ARABIC DECIMAL SEPARATOR
PERCENT_SIGN = "\u066a"  # ٪ ARABIC PERCENT SIGN
MINUS_SIGN = "\u2212"  # − MINUS SIGN
ZWNJ = "\u200c"
LRI = "\u2066"  # LEFT-TO-RIGHT ISOLATE
PDI = "\u2069"  # POP DIRECTIONAL ISOLATE
RIAL = "ریال"

_TO_LATIN = str.maketrans(PERSIAN_DIGITS + ARABIC_INDIC_DIGITS, LATIN_DIGITS * 2)
_TO_PERSIAN = str.maketrans(LATIN_DIGITS + ARABIC_INDIC_DIGITS, PERSIAN_DIGITS * 2)
_ARABIC_LETTERS = str.maketrans({"ي": "ی", "ى": "ی", "ك": "ک"})

#: Invisible direction marks that copy-paste brings along (LRM, RLM, ALM, embeddings, isolates).
BIDI_CONTROLS = "\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_STRIP_BIDI = str.maketrans("", "", BIDI_CONTROLS)

_HORIZONTAL_SPACE = re.compile(r"[^\S\n]+")
_SPACE_AROUND_NEWLINE = re.compile(r" ?\n ?")
_INT_SEPARATORS = str.maketrans("", "", ",٬،_ \u00a0\u202f\u2009")
_SIGNED_DIGITS = re.compile(r"([-−+]?)([0-9]+)", re.ASCII)
_MAX_INT_DIGITS = 30


def to_latin_digits(s: str) -> str:
    """Replace Persian and Arabic-Indic digits with 0-9; leave everything else."""
    return s.translate(_TO_LATIN)


def to_persian_digits(s: str | int) -> str:
    """Replace Latin and Arabic-Indic digits with Persian ۰-۹ (ints are converted first)."""
    return str(s).translate(_TO_PERSIAN)


def strip_bidi_controls(s: str) -> str:
    """Remove invisible direction marks (such as those :func:`ltr` adds)."""
    return s.translate(_STRIP_BIDI)


def normalize_persian(text: str | None) -> str:
    """Normalise typed Persian: Arabic ي/ى → ی and ك → ک, tidy spaces, keep ZWNJ.

    Runs of spaces and tabs become one space and the ends are stripped; line
    breaks are kept (minutes and complaints are multi-line).
    """
    if not text:
        return ""
    text = text.translate(_ARABIC_LETTERS).replace("\r\n", "\n").replace("\r", "\n")
    text = _HORIZONTAL_SPACE.sub(" ", text)
    return _SPACE_AROUND_NEWLINE.sub("\n", text).strip()


def ltr(s: object) -> str:
    """Wrap ``s`` in a left-to-right isolate so codes and numbers keep their order in RTL text."""
    return f"{LRI}{s}{PDI}"


def _require_int(n: object) -> int:
    """Return ``n`` as an int; refuse floats, bools and anything that is not an integer."""
    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        raise TypeError(f"expected an integer, got {type(n).__name__}: {n!r}")
    return int(n)


def _signed(negative: bool, body: str) -> str:
    """Prefix a minus that stays on the left in RTL text (inside an LTR isolate)."""
    return ltr(MINUS_SIGN + body) if negative else body


def format_number(n: int, *, grouping: bool = True) -> str:
    """An integer in Persian digits, grouped by ٬ : 13329102 → '۱۳٬۳۲۹٬۱۰۲'.

    A negative number is '−' + digits inside an LTR isolate, so the sign shows on the left.
    """
    n = _require_int(n)
    body = f"{abs(n):,}".replace(",", THOUSANDS_SEPARATOR) if grouping else str(abs(n))
    return _signed(n < 0, to_persian_digits(body))


def format_rial(n: int) -> str:
    """An amount of money with its unit: 13329102 → '۱۳٬۳۲۹٬۱۰۲ ریال'. Integer rials only."""
    return f"{format_number(n)} {RIAL}"


def format_percent_bp(bp: int) -> str:
    """A rate in basis points as a Persian percentage: 1800 → '۱۸٪', 1250 → '۱۲٫۵٪'."""
    bp = _require_int(bp)
    whole, hundredths = divmod(abs(bp), 100)
    body = format_number(whole)
    if hundredths:
        body += DECIMAL_SEPARATOR + to_persian_digits(f"{hundredths:02d}".rstrip("0"))
    return _signed(bp < 0, body + PERCENT_SIGN)


def _format_bound(n: int) -> str:
    """A range bound inside a message: years stay ungrouped (۱۴۰۳), big amounts are grouped."""
    return format_number(n, grouping=abs(n) >= 10_000)


def _range_message(label_fa: str, minimum: int | None, maximum: int | None) -> str:
    if minimum is not None and maximum is not None:
        return (
            f"{label_fa} باید بین {_format_bound(minimum)} و {_format_bound(maximum)} باشد؛ "
            "عددی در این بازه وارد کنید."
        )
    if minimum is not None:
        return f"{label_fa} باید دست‌کم {_format_bound(minimum)} باشد؛ عدد بزرگ‌تری وارد کنید."
    return f"{label_fa} باید حداکثر {_format_bound(maximum)} باشد؛ عدد کوچک‌تری وارد کنید."


def parse_int(
    text: str | int | None,
    *,
    field: str,
    label_fa: str,
    minimum: int | None = None,
    maximum: int | None = None,
) -> int:
    """Read an integer typed in any digits, with optional thousands separators (, ٬ ،).

    Raises :class:`InvalidInput` (Persian, naming ``label_fa`` and the allowed range)
    when the text is empty, not a whole number, or outside ``minimum``..``maximum``.
    """
    if isinstance(text, numbers.Integral) and not isinstance(text, bool):
        value = int(text)
    else:
        raw = "" if text is None else str(text)
        compact = to_latin_digits(strip_bidi_controls(raw).strip()).translate(_INT_SEPARATORS)
        if not compact:
            raise InvalidInput(f"{label_fa} را وارد کنید.", field=field)
        match = _SIGNED_DIGITS.fullmatch(compact)
        if match is None:
            raise InvalidInput(
                f"{label_fa} باید یک عدد صحیح باشد؛ فقط رقم وارد کنید (بدون اعشار و حروف)، "
                "مثلاً ۱۲۰۰.",
                field=field,
            )
        sign, digits = match.groups()
        if len(digits.lstrip("0")) > _MAX_INT_DIGITS:
            raise InvalidInput(
                f"{label_fa} بیش از حد بزرگ است؛ عدد را دوباره بررسی کنید.", field=field
            )
        value = -int(digits) if sign in ("-", MINUS_SIGN) else int(digits)
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise InvalidInput(_range_message(label_fa, minimum, maximum), field=field)
    return value
