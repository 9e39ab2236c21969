"""Iranian identifiers: national code (کد ملی), mobile and landline numbers. Pure.

Each ``normalize_*`` function accepts what people type (Persian, Arabic-Indic or
Latin digits, spaces, dashes) and returns the canonical Latin-digit form, or raises
:class:`InvalidInput` with a Persian message that says what to fix.
"""
from __future__ import annotations

import random
import re

from lib.errors import InvalidInput
from lib.text import ltr, strip_bidi_controls, to_latin_digits, to_persian_digits

_NATIONAL_CODE_LENGTH = 10
_NATIONAL_CODE_MIN_INPUT = 8
_CHECK_WEIGHTS = tuple(range(10, 1, -1))  # 10, 9, …, 2 for digits d0 … d8

_MOBILE_EXAMPLE = ltr(to_persian_digits("09123456789"))
_LANDLINE_EXAMPLE = ltr(to_persian_digits("02188776655"))

# Whitespace, dashes and (for phones) brackets that people put between digit groups.
_SEPARATORS = re.compile(r"[\s\-‐‑‒–—−_]+")
_PHONE_SEPARATORS = re.compile(r"[\s\-‐‑‒–—−_().]+")
_DIGITS = re.compile(r"[0-9]+", re.ASCII)


def _compact(text: object, separators: re.Pattern[str] = _SEPARATORS) -> str:
    """Latin digits with separators and invisible direction marks removed (None → '')."""
    raw = "" if text is None else str(text)
    return separators.sub("", to_latin_digits(strip_bidi_controls(raw)))


def check_digit(first_nine: str) -> int:
    """The national-code check digit for the first nine digits."""
    r = sum(int(d) * w for d, w in zip(first_nine, _CHECK_WEIGHTS)) % 11
    return r if r < 2 else 11 - r


def normalize_national_code(text: str | None) -> str:
    """A valid 10-digit national code: '۰۴۹۹-۳۷۰۸۹۹ ' → '0499370899'; 8–9 digits are zero-padded."""
    code = _compact(text)
    field = "national_code"
    if not code:
        raise InvalidInput("کد ملی را وارد کنید؛ ۱۰ رقم روی کارت ملی.", field=field)
    if not _DIGITS.fullmatch(code):
        raise InvalidInput(
            "کد ملی فقط از رقم تشکیل می‌شود؛ حروف و نشانه‌ها را پاک کنید و ۱۰ رقم کارت ملی را "
            "وارد کنید.",
            field=field,
        )
    if not _NATIONAL_CODE_MIN_INPUT <= len(code) <= _NATIONAL_CODE_LENGTH:
        raise InvalidInput(
            f"کد ملی باید ۱۰ رقم باشد؛ {to_persian_digits(len(code))} رقم وارد شده است. "
            "آن را از روی کارت ملی دوباره وارد کنید.",
            field=field,
        )
    code = code.zfill(_NATIONAL_CODE_LENGTH)
    if len(set(code)) == 1:
        raise InvalidInput(
            "کد ملی نمی‌تواند ده رقم یکسان باشد؛ کد درست را از روی کارت ملی وارد کنید.",
            field=field,
        )
    if int(code[9]) != check_digit(code[:9]):
        raise InvalidInput(
            f"کد ملی {ltr(to_persian_digits(code))} معتبر نیست (رقم کنترل آن نمی‌خواند)؛ "
            "رقم‌ها را یکی‌یکی با کارت ملی مقایسه کنید.",
            field=field,
        )
    return code


def is_valid_national_code(text: object) -> bool:
    """True when :func:`normalize_national_code` would accept ``text``; never raises."""
    try:
        normalize_national_code(text)  # type: ignore[arg-type]
    except InvalidInput:
        return False
    return True


def generate_national_code(rng: random.Random) -> str:
    """A random valid national code (for demo data); deterministic for a seeded ``rng``."""
    while True:
        first_nine = f"{rng.randrange(10**9):09d}"
        code = first_nine + str(check_digit(first_nine))
        if len(set(code)) > 1:
            return code


def _national_number(digits: str) -> str:
    """Replace a leading Iranian country code (0098 or 98 + trunk) by the trunk prefix 0."""
    for prefix in ("0098", "+98"):
        if digits.startswith(prefix):
            rest = digits[len(prefix):]
            return rest if rest.startswith("0") else "0" + rest
    return digits


def normalize_mobile(text: str | None) -> str:
    """An Iranian mobile number as '09xxxxxxxxx'.

    Accepts the prefixes +98, 0098 and 98, a bare '9xxxxxxxxx', any digits, spaces and dashes.
    """
    field = "mobile"
    number = _compact(text, _PHONE_SEPARATORS)
    if not number:
        raise InvalidInput(f"شماره همراه را وارد کنید؛ مثلاً {_MOBILE_EXAMPLE}.", field=field)
    if number.startswith("+") and not number.startswith("+98"):
        raise InvalidInput(
            f"فقط شماره همراه ایران پذیرفته می‌شود؛ شماره را به شکل {_MOBILE_EXAMPLE} وارد کنید.",
            field=field,
        )
    number = _national_number(number)
    if not _DIGITS.fullmatch(number):
        raise InvalidInput(
            f"شماره همراه فقط از رقم تشکیل می‌شود؛ آن را به شکل {_MOBILE_EXAMPLE} وارد کنید.",
            field=field,
        )
    if len(number) == 12 and number.startswith("989"):
        number = "0" + number[2:]
    elif len(number) == 10 and number.startswith("9"):
        number = "0" + number
    if len(number) != 11 or not number.startswith("09"):
        raise InvalidInput(
            "شماره همراه باید ۱۱ رقم باشد و با ۰۹ شروع شود؛ "
            f"آن را به شکل {_MOBILE_EXAMPLE} وارد کنید.",
            field=field,
        )
    return number


def normalize_landline(text: str | None) -> str:
    """A landline number as digits only (8–11; 11 digits must start with the trunk 0).

    Empty input is allowed (the field is optional) and gives ''.
    """
    field = "landline"
    number = _compact(text, _PHONE_SEPARATORS)
    if not number:
        return ""
    number = _national_number(number)
    if not _DIGITS.fullmatch(number):
        raise InvalidInput(
            f"شماره تلفن ثابت فقط از رقم تشکیل می‌شود؛ آن را به شکل {_LANDLINE_EXAMPLE} وارد کنید.",
            field=field,
        )
    if not 8 <= len(number) <= 11 or (len(number) == 11 and not number.startswith("0")):
        raise InvalidInput(
            "شماره تلفن ثابت باید ۸ تا ۱۱ رقم باشد و اگر ۱۱ رقمی است با پیش‌شماره شهر "
            "(۰ در آغاز) شروع شود؛ "
            f"مثلاً {_LANDLINE_EXAMPLE}.",
            field=field,
        )
    return number
