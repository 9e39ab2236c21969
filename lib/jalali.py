"""Jalali (Solar Hijri) calendar: month lengths, parsing and display. Pure: jdatetime only."""
from __future__ import annotations

import datetime
import re
from functools import lru_cache
from typing import NamedTuple
from zoneinfo import ZoneInfo

import jdatetime

from lib.errors import InvalidInput
from lib.text import normalize_persian, strip_bidi_controls, to_latin_digits, to_persian_digits


def is_leap(year: int) -> bool:
    return jdatetime.date(year, 1, 1).isleap()


def month_days(year: int, month: int) -> int:
    """Calendar days of a Jalali month: 1-6 → 31, 7-11 → 30, 12 → 29 or 30 (leap)."""
    if not 1 <= month <= 12:
        raise ValueError(f"month out of range: {month}")
    if month <= 6:
        return 31
    if month <= 11:
        return 30
    return 30 if is_leap(year) else 29


class YearMonth(NamedTuple):
    """A Jalali month, the unit of payment periods."""

    year: int
    month: int

    @property
    def index(self) -> int:
        return self.year * 12 + (self.month - 1)

    @classmethod
    def from_index(cls, index: int) -> "YearMonth":
        return cls(index // 12, index % 12 + 1)

    def add(self, months: int) -> "YearMonth":
        return YearMonth.from_index(self.index + months)

    @property
    def days(self) -> int:
        return month_days(self.year, self.month)


# --- names, parsing and display ------------------------------------------------------------

MONTH_NAMES: tuple[str, ...] = (
    "فروردین",
    "اردیبهشت",
    "خرداد",
    "تیر",
    "مرداد",
    "شهریور",
    "مهر",
    "آبان",
    "آذر",
    "دی",
    "بهمن",
    "اسفند",
)

#: Years accepted from people: wide enough for birth dates and planning, narrow enough to catch
#: a Gregorian year (2024/08/02) or a dropped digit (140/5/12).
MIN_INPUT_YEAR = 1200
MAX_INPUT_YEAR = 1599

_DATE_EXAMPLE = "مثلاً ۱۴۰۳/۰۵/۱۲"
_YEAR_MONTH_EXAMPLE = "مثلاً ۱۴۰۳/۰۵ یا مرداد ۱۴۰۳"
_SEP = r"\s*[/\-.]\s*"
_NUMERIC_DATE = re.compile(rf"(\d{{4}}){_SEP}(\d{{1,2}}){_SEP}(\d{{1,2}})", re.ASCII)
_NUMERIC_YEAR_MONTH = re.compile(rf"(\d{{4}}){_SEP}(\d{{1,2}})", re.ASCII)
_MONTH_ALTERNATIVES = "|".join(sorted(MONTH_NAMES, key=len, reverse=True))
_LONG_DATE = re.compile(rf"(\d{{1,2}})\s+({_MONTH_ALTERNATIVES})\s+(\d{{4}})", re.ASCII)
_NAMED_YEAR_MONTH = re.compile(rf"({_MONTH_ALTERNATIVES})\s+(\d{{4}})", re.ASCII)


def month_name(month: int) -> str:
    """The Persian name of a Jalali month: 5 → 'مرداد'."""
    if not 1 <= month <= 12:
        raise ValueError(f"month out of range: {month}")
    return MONTH_NAMES[month - 1]


def _clean(text: str | None) -> str:
    """Latin digits, Persian letters, no direction marks, single spaces."""
    return to_latin_digits(normalize_persian(strip_bidi_controls(text or "")))


def _month_number(name_or_digits: str) -> int:
    if name_or_digits in MONTH_NAMES:
        return MONTH_NAMES.index(name_or_digits) + 1
    return int(name_or_digits)


def _checked_year_month(year: int, month: int, *, field: str, example: str) -> YearMonth:
    """A YearMonth for a plausible Jalali year and a month 1–12, else InvalidInput."""
    if not MIN_INPUT_YEAR <= year <= MAX_INPUT_YEAR:
        if 1900 <= year <= 2200:
            raise InvalidInput(
                f"سال {to_persian_digits(year)} میلادی است؛ تاریخ را شمسی وارد کنید، {example}.",
                field=field,
            )
        raise InvalidInput(
            f"سال {to_persian_digits(year)} درست نیست؛ "
            f"سال را شمسی و چهاررقمی وارد کنید، {example}.",
            field=field,
        )
    if not 1 <= month <= 12:
        raise InvalidInput(
            f"ماه باید بین ۱ و ۱۲ باشد، نه {to_persian_digits(month)}؛ {example}.", field=field
        )
    return YearMonth(year, month)


def _checked_date(year: int, month: int, day: int, *, field: str) -> jdatetime.date:
    """A jdatetime.date, or InvalidInput saying how many days the month has."""
    ym = _checked_year_month(year, month, field=field, example=_DATE_EXAMPLE)
    if not 1 <= day <= ym.days:
        leap_note = ""
        if month == 12:
            verb = "است" if is_leap(year) else "نیست"
            leap_note = f" (سال {to_persian_digits(year)} کبیسه {verb})"
        raise InvalidInput(
            f"{format_year_month(ym)} فقط {to_persian_digits(ym.days)} روز دارد{leap_note} و "
            f"روز {to_persian_digits(day)} ندارد؛ تاریخ درست را وارد کنید، {_DATE_EXAMPLE}.",
            field=field,
        )
    return jdatetime.date(year, month, day)


def parse_jalali(text: str | None, *, field: str = "date") -> jdatetime.date:
    """Read a Jalali date typed as '1403/5/12', '۱۴۰۳-۰۵-۱۲' or '۱۲ مرداد ۱۴۰۳' (any digits).

    Raises :class:`InvalidInput` for empty, unreadable or impossible dates (1404/12/30).
    """
    cleaned = _clean(text)
    if not cleaned:
        raise InvalidInput(f"تاریخ را وارد کنید؛ به شکل سال/ماه/روز، {_DATE_EXAMPLE}.", field=field)
    if match := _NUMERIC_DATE.fullmatch(cleaned):
        year, month, day = match.groups()
    elif match := _LONG_DATE.fullmatch(cleaned):
        day, month, year = match.groups()
    else:
        raise InvalidInput(
            f"تاریخ «{to_persian_digits(cleaned)}» خوانا نیست؛ آن را به شکل سال/ماه/روز وارد کنید، "
            f"{_DATE_EXAMPLE}.",
            field=field,
        )
    return _checked_date(int(year), _month_number(month), int(day), field=field)


def parse_jalali_date(text: str | None, *, field: str = "date") -> datetime.date:
    """Like :func:`parse_jalali`, returned as a Gregorian date for storage."""
    return parse_jalali(text, field=field).togregorian()


def to_jalali(d: datetime.date) -> jdatetime.date:
    """The Jalali date of a Gregorian date (a datetime counts by its date)."""
    return jdatetime.date.fromgregorian(year=d.year, month=d.month, day=d.day)


def to_gregorian(year: int, month: int, day: int) -> datetime.date:
    """The Gregorian date of a Jalali day; InvalidInput if the day does not exist."""
    return _checked_date(year, month, day, field="date").togregorian()


def format_jalali(d: datetime.date | jdatetime.date | None, *, long: bool = False) -> str:
    """A date as people read it: '۱۴۰۳/۰۵/۱۲', or with ``long`` '۱۲ مرداد ۱۴۰۳'; None → '—'."""
    if d is None:
        return "—"
    if not long and not isinstance(d, jdatetime.date):
        return _short_jalali(d.year, d.month, d.day)
    j = d if isinstance(d, jdatetime.date) else to_jalali(d)
    if long:
        return f"{to_persian_digits(j.day)} {month_name(j.month)} {to_persian_digits(j.year)}"
    return to_persian_digits(f"{j.year:04d}/{j.month:02d}/{j.day:02d}")


@lru_cache(maxsize=8192)
def _short_jalali(year: int, month: int, day: int) -> str:
    """'۱۴۰۳/۰۵/۱۲' of a Gregorian day, remembered: jdatetime takes about 20 µs a date (it checks
    the locale each time), and a table of 500 cases shows hundreds of dates on every run."""
    j = jdatetime.date.fromgregorian(year=year, month=month, day=day)
    return to_persian_digits(f"{j.year:04d}/{j.month:02d}/{j.day:02d}")


def format_year_month(ym: YearMonth | tuple[int, int]) -> str:
    """A payment month as people read it: YearMonth(1403, 5) → 'مرداد ۱۴۰۳'."""
    year, month = ym
    return f"{month_name(month)} {to_persian_digits(year)}"


def parse_year_month(text: str | None, *, field: str = "year_month") -> YearMonth:
    """Read a Jalali month typed as '1403/5', '۱۴۰۳/۰۵' or 'مرداد ۱۴۰۳'."""
    cleaned = _clean(text)
    if not cleaned:
        raise InvalidInput(f"ماه را وارد کنید؛ {_YEAR_MONTH_EXAMPLE}.", field=field)
    if match := _NUMERIC_YEAR_MONTH.fullmatch(cleaned):
        year, month = match.groups()
    elif match := _NAMED_YEAR_MONTH.fullmatch(cleaned):
        month, year = match.groups()
    else:
        raise InvalidInput(
            f"ماه «{to_persian_digits(cleaned)}» خوانا نیست؛ آن را به شکل سال/ماه وارد کنید، "
            f"{_YEAR_MONTH_EXAMPLE}.",
            field=field,
        )
    return _checked_year_month(
        int(year), _month_number(month), field=field, example=_YEAR_MONTH_EXAMPLE
    )


def months_range(start: YearMonth, count: int) -> list[YearMonth]:
    """``count`` consecutive months from ``start``: (1403, 11), 3 → 1403/11, 1403/12, 1404/1."""
    if count < 0:
        raise ValueError(f"count must not be negative: {count}")
    start = YearMonth(*start)
    return [start.add(i) for i in range(count)]


def months_between(a: YearMonth, b: YearMonth) -> int:
    """``b − a`` in months (negative when b is earlier)."""
    return YearMonth(*b).index - YearMonth(*a).index


def current_year_month(today: datetime.date | None = None) -> YearMonth:
    """The Jalali month containing ``today`` (default: the system date)."""
    j = to_jalali(today or local_today())
    return YearMonth(j.year, j.month)


@lru_cache(maxsize=4096)  # bulk writers (imports, demo data) ask for the same few hundred days
def jalali_year_of(d: datetime.date) -> int:
    """The Jalali year a Gregorian date falls in (1 Farvardin starts it)."""
    return to_jalali(d).year


#: Timestamps are stored in UTC; people read them in Iran's time (UTC+3:30 all year since 1401).
TEHRAN = ZoneInfo("Asia/Tehran")


def local_datetime(at: datetime.datetime) -> datetime.datetime:
    """A stored timestamp in Tehran's time; a naive value is taken to be UTC."""
    if at.utcoffset() is None:
        at = at.replace(tzinfo=datetime.timezone.utc)
    return at.astimezone(TEHRAN)


def local_date(at: datetime.datetime) -> datetime.date:
    """The day a stored timestamp falls on in Tehran (22:00 UTC is already the next day there)."""
    return local_datetime(at).date()


def local_today(now: datetime.datetime | None = None) -> datetime.date:
    """Today in Tehran, whatever the server's own time zone."""
    return local_date(now or datetime.datetime.now(datetime.timezone.utc))


def format_moment(at: datetime.datetime | None, *, joiner: str = " ") -> str:
    """A stored timestamp as people read it: Tehran's Jalali date and time, Persian digits,
    «۱۴۰۵/۰۸/۱۰ ۱۴:۰۵» (``joiner`` « ساعت » gives «۱۴۰۵/۰۸/۱۰ ساعت ۱۴:۰۵»); None → «—»."""
    if at is None:
        return "—"
    local = local_datetime(at)
    return f"{format_jalali(local.date())}{joiner}{to_persian_digits(local.strftime('%H:%M'))}"
