"""The one input boundary: pure checks every service runs on what a person typed, before any query.

Each check takes whatever arrived (a page widget, an Excel cell, a deep link, a script) and
returns the clean value or raises :class:`InvalidInput` with a Persian message that says what to
fix. Nothing here touches the database, so a refused input never reaches it:

- text: must be a string; NFC + Persian normalisation (:func:`lib.text.normalize_persian`);
  no NUL or other control characters (a line break only where the field is multi-line), no lone
  surrogates or non-characters; at most the column's length;
- names of people (:func:`person_name`): Persian/Arabic-script letters and their marks, spaces,
  ZWNJ and the hyphen — nothing else (no Latin letters, digits, brackets, ``!``, ``:`` or ``/``;
  the decorative kashida «ـ» is dropped). Persian names need no apostrophe (hamza «ء/ئ/أ» is a
  letter), so a name such as «آل‌احمد»، «عبدالله»، «سیدمحمد» or «نوری-زاده» passes and
  ``![x](http://host/p.png)`` does not;
- integers: a real ``int`` (not ``bool``, not float) within the domain's range, which never
  exceeds the column's (32-bit ``Integer``, 64-bit ``BigInteger``);
- dates: a ``date`` between the Jalali years 1300 and 1500 (the calendar library fails on year 1
  or 9999), optionally not in the future;
- record ids from deep links and widgets: 1 … 2**63−1, anything else is "not found".
"""
from __future__ import annotations

import datetime as dt
import numbers
import unicodedata

from lib.errors import InvalidInput
from lib.jalali import format_jalali
from lib.text import ZWNJ, ltr, normalize_persian, strip_bidi_controls, to_latin_digits, to_persian_digits

INT32_MAX = 2**31 - 1
INT64_MAX = 2**63 - 1

#: Jalali 1300/01/01 and 1500/12/29 (the last day of 1500) in the Gregorian calendar.
EARLIEST_DATE = dt.date(1921, 3, 21)
LATEST_DATE = dt.date(2122, 3, 20)

KASHIDA = "\u0640"  # ـ ARABIC TATWEEL: stretches a word, never part of a name
ZWJ = "\u200d"
_NAME_PUNCTUATION = frozenset(" -" + ZWNJ)
_ARABIC_BLOCKS = (
    (0x0600, 0x06FF),  # Arabic (Persian letters included)
    (0x0750, 0x077F),  # Arabic Supplement
    (0x08A0, 0x08FF),  # Arabic Extended-A
    (0xFB50, 0xFDFF),  # Arabic Presentation Forms-A
    (0xFE70, 0xFEFF),  # Arabic Presentation Forms-B
)


def _fa(n: int) -> str:
    return to_persian_digits(n)


def _is_arabic_script(ch: str) -> bool:
    code = ord(ch)
    return any(lo <= code <= hi for lo, hi in _ARABIC_BLOCKS)


#: Direction embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069): invisible, they
#: reorder what follows them on the screen and in the PDFs (a name or amount read backwards). Copy
#: and paste brings them along (the app's own codes carry isolates), so they are dropped, not refused.
#: The marks LRM/RLM/ALM and ZWNJ stay: they order nothing beyond themselves.
_DROP_REORDERING = str.maketrans("", "", "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _bad_character(text: str, *, multiline: bool) -> str | None:
    """The first character no text field may hold, or None."""
    for ch in text:
        if ch == "\n" and multiline:
            continue
        category = unicodedata.category(ch)
        if category in ("Cc", "Cs") or ch in ("\ufffe", "\uffff"):
            return ch
    return None


def clean_text(
    value: object,
    *,
    field: str,
    label_fa: str,
    max_length: int,
    required: bool = False,
    multiline: bool = False,
) -> str:
    """``value`` as stored text: normalised, free of control characters, within ``max_length``.

    ``None`` is empty text. Tabs and line ends are spacing: ``multiline`` keeps line breaks
    (reasons, notes), elsewhere they become a space. Every other control character is refused."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise InvalidInput(f"«{label_fa}» باید متن باشد؛ آن را دوباره بنویسید.", field=field)
    # typed line ends and tabs are spacing, not characters to refuse; a one-line field joins lines
    value = value.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ").translate(_DROP_REORDERING)
    if not multiline:
        value = value.replace("\n", " ")
    bad = _bad_character(value, multiline=multiline)
    if bad is not None:
        code = ltr("U+%04X" % ord(bad))
        raise InvalidInput(
            f"«{label_fa}» نویسه‌ای نامعتبر یا نامرئی (کد {code}) دارد؛ "
            "متن را دوباره تایپ کنید، نه رونوشت از جای دیگر.",
            field=field,
        )
    text = normalize_persian(unicodedata.normalize("NFC", value))
    if required and not text:
        raise InvalidInput(f"«{label_fa}» را وارد کنید.", field=field)
    if len(text) > max_length:
        raise InvalidInput(
            f"«{label_fa}» بیش از {_fa(max_length)} نویسه است؛ آن را کوتاه‌تر بنویسید.", field=field
        )
    return text


def person_name(value: object, *, field: str, label_fa: str, max_length: int, required: bool = True) -> str:
    """A first, last or father's name: Persian letters, spaces, ZWNJ and hyphens only."""
    text = clean_text(value, field=field, label_fa=label_fa, max_length=max_length, required=required)
    text = strip_bidi_controls(text).replace(KASHIDA, "").replace(ZWJ, "")
    text = " ".join(text.split())
    for ch in text:
        if ch in _NAME_PUNCTUATION:
            continue
        if _is_arabic_script(ch) and unicodedata.category(ch) in ("Lo", "Lm", "Mn"):
            continue
        raise InvalidInput(
            f"«{label_fa}» فقط حروف فارسی، فاصله، نیم‌فاصله و خط تیره می‌پذیرد؛ "
            "عدد، حروف لاتین و نشانه‌هایی مانند ! [ ] ( ) / : را پاک کنید.",
            field=field,
        )
    if required and not any(unicodedata.category(ch) in ("Lo", "Lm") for ch in text):
        raise InvalidInput(f"«{label_fa}» را با حروف فارسی وارد کنید.", field=field)
    return text


def integer(
    value: object,
    *,
    field: str,
    label_fa: str,
    minimum: int,
    maximum: int,
) -> int:
    """A whole number within ``minimum``..``maximum`` (a bool or a float is refused)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise InvalidInput(f"«{label_fa}» باید یک عدد صحیح باشد؛ فقط رقم وارد کنید.", field=field)
    number = int(value)
    if not minimum <= number <= maximum:
        raise InvalidInput(
            f"«{label_fa}» باید بین {_fa(minimum)} و {_fa(maximum)} باشد؛ عددی در این بازه وارد کنید.",
            field=field,
        )
    return number


def optional_integer(value: object, *, field: str, label_fa: str, minimum: int, maximum: int) -> int | None:
    return None if value is None else integer(value, field=field, label_fa=label_fa, minimum=minimum, maximum=maximum)


def a_date(
    value: object,
    *,
    field: str,
    label_fa: str,
    not_after: dt.date | None = None,
    not_before: dt.date | None = None,
) -> dt.date:
    """A calendar day between Jalali 1300 and 1500 (and within the given bounds)."""
    if isinstance(value, dt.datetime):
        value = value.date()
    if not isinstance(value, dt.date):
        raise InvalidInput(f"«{label_fa}» باید یک تاریخ باشد؛ آن را به شکل سال/ماه/روز وارد کنید.", field=field)
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        raise InvalidInput(
            f"«{label_fa}» باید میان سال‌های ۱۳۰۰ و ۱۵۰۰ خورشیدی باشد؛ سال را بررسی کنید.", field=field
        )
    if not_after is not None and value > not_after:
        raise InvalidInput(
            f"{label_fa} ({ltr(format_jalali(value))}) نمی‌تواند در آینده باشد؛ تاریخ را اصلاح کنید.", field=field
        )
    if not_before is not None and value < not_before:
        raise InvalidInput(
            f"{label_fa} ({ltr(format_jalali(value))}) نمی‌تواند پیش از {format_jalali(not_before)} باشد؛ "
            "تاریخ را اصلاح کنید.",
            field=field,
        )
    return value


def optional_date(value: object, **kwargs) -> dt.date | None:
    return None if value is None else a_date(value, **kwargs)


def record_id(value: object, *, maximum: int = INT64_MAX) -> int | None:
    """A database id from a deep link, widget or script: 1 … 2**63−1 → int; anything else → None
    (the caller says "not found")."""
    if isinstance(value, bool):
        return None
    if isinstance(value, numbers.Integral):
        number = int(value)
    elif isinstance(value, str):
        text = to_latin_digits(strip_bidi_controls(value)).strip()
        if not text.isascii() or not text.isdigit() or len(text) > 19:
            return None
        number = int(text)
    else:
        return None
    return number if 1 <= number <= maximum else None


def short_code(value: object, *, field: str, label_fa: str, max_length: int) -> str:
    """A code typed to look something up (tracking code, session number): Latin digits, no
    spaces or direction marks, upper case; control characters refused."""
    text = clean_text(value, field=field, label_fa=label_fa, max_length=10 * max_length)
    return "".join(to_latin_digits(strip_bidi_controls(text)).split()).upper()
