"""Jalali calendar: month lengths, leap Esfand, parsing and display (lib.jalali)."""
import datetime

import jdatetime
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lib.errors import InvalidInput
from lib.jalali import (
    local_today,
    MONTH_NAMES,
    YearMonth,
    current_year_month,
    format_jalali,
    format_year_month,
    is_leap,
    jalali_year_of,
    month_days,
    month_name,
    months_between,
    months_range,
    parse_jalali,
    parse_jalali_date,
    parse_year_month,
    to_gregorian,
    to_jalali,
)

PERSIAN = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
TO_LATIN = str.maketrans("۰۱۲۳۴۵۶۷۸۹", "0123456789")

dates = st.dates(min_value=datetime.date(1950, 1, 1), max_value=datetime.date(2100, 12, 31))
year_months = st.builds(
    YearMonth, st.integers(min_value=1300, max_value=1500), st.integers(min_value=1, max_value=12)
)


# --- month lengths and leap years ------------------------------------------------------------


@pytest.mark.parametrize(
    ("year", "leap"), [(1399, True), (1403, True), (1400, False), (1404, False)]
)
def test_leap_years(year: int, leap: bool) -> None:
    assert is_leap(year) is leap


@pytest.mark.parametrize(("year", "days"), [(1399, 30), (1403, 30), (1404, 29), (1402, 29)])
def test_esfand_has_30_days_only_in_a_leap_year(year: int, days: int) -> None:
    assert month_days(year, 12) == days
    assert YearMonth(year, 12).days == days


@pytest.mark.parametrize("month", range(1, 7))
def test_first_six_months_have_31_days(month: int) -> None:
    assert month_days(1404, month) == 31


@pytest.mark.parametrize("month", range(7, 12))
def test_months_seven_to_eleven_have_30_days(month: int) -> None:
    assert month_days(1404, month) == 30


@given(st.integers(min_value=1300, max_value=1500))
def test_month_lengths_add_up_to_the_calendar_year(year: int) -> None:
    length = (to_gregorian(year + 1, 1, 1) - to_gregorian(year, 1, 1)).days
    assert sum(month_days(year, m) for m in range(1, 13)) == length
    assert length == (366 if is_leap(year) else 365)


# --- names -----------------------------------------------------------------------------------


def test_month_names() -> None:
    assert len(MONTH_NAMES) == 12
    assert MONTH_NAMES[0] == "فروردین"
    assert month_name(5) == "مرداد"
    assert month_name(12) == "اسفند"
    with pytest.raises(ValueError):
        month_name(13)


# --- parsing ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "1403/5/12",
        "1403/05/12",
        "۱۴۰۳/۰۵/۱۲",
        "1403-05-12",
        "١٤٠٣/٠٥/١٢",
        "  ۱۴۰۳/۵/۱۲  ",
        "۱۴۰۳ / ۵ / ۱۲",
        "۱۲ مرداد ۱۴۰۳",
        "\u2066۱۴۰۳/۰۵/۱۲\u2069",
    ],
)
def test_parse_jalali_accepts_common_forms(typed: str) -> None:
    assert parse_jalali(typed) == jdatetime.date(1403, 5, 12)
    assert parse_jalali_date(typed) == datetime.date(2024, 8, 2)


def test_parse_jalali_accepts_the_last_day_of_each_month() -> None:
    assert parse_jalali("1403/12/30") == jdatetime.date(1403, 12, 30)  # 1403 is leap
    assert parse_jalali("1404/12/29") == jdatetime.date(1404, 12, 29)
    assert parse_jalali("1404/6/31") == jdatetime.date(1404, 6, 31)
    assert parse_jalali("1404/7/30") == jdatetime.date(1404, 7, 30)


@pytest.mark.parametrize(
    ("typed", "explains"),
    [
        ("1404/12/30", "اسفند ۱۴۰۴ فقط ۲۹ روز دارد (سال ۱۴۰۴ کبیسه نیست)"),
        ("1403/7/31", "مهر ۱۴۰۳ فقط ۳۰ روز دارد"),
        ("1403/1/32", "فروردین ۱۴۰۳ فقط ۳۱ روز دارد"),
        ("1403/5/0", "روز ۰ ندارد"),
        ("1403/13/1", "ماه باید بین ۱ و ۱۲ باشد"),
        ("1403/0/1", "ماه باید بین ۱ و ۱۲ باشد"),
        ("2024/08/02", "میلادی"),
        ("0140/05/12", "سال ۱۴۰ درست نیست"),
        ("140/5/12", "خوانا نیست"),
        ("1403/5", "خوانا نیست"),
        ("12/5/1403", "خوانا نیست"),
        ("فردا", "خوانا نیست"),
        ("", "تاریخ را وارد کنید"),
        ("   ", "تاریخ را وارد کنید"),
    ],
)
def test_parse_jalali_refuses_impossible_dates_and_shows_the_expected_form(
    typed: str, explains: str
) -> None:
    with pytest.raises(InvalidInput) as exc:
        parse_jalali(typed)
    assert exc.value.field == "date"
    assert explains in exc.value.message
    assert "مثلاً ۱۴۰۳/۰۵/۱۲" in exc.value.message


def test_parse_jalali_tags_the_error_with_the_callers_field() -> None:
    with pytest.raises(InvalidInput) as exc:
        parse_jalali_date("1404/12/30", field="birth_date")
    assert exc.value.field == "birth_date"


# --- conversions -----------------------------------------------------------------------------


def test_known_conversions() -> None:
    assert to_jalali(datetime.date(2024, 8, 2)) == jdatetime.date(1403, 5, 12)
    assert to_gregorian(1403, 12, 30) == datetime.date(2025, 3, 20)
    assert to_gregorian(1404, 1, 1) == datetime.date(2025, 3, 21)  # Nowruz 1404
    assert to_jalali(datetime.datetime(2024, 8, 2, 23, 59)) == jdatetime.date(1403, 5, 12)


def test_to_gregorian_refuses_a_day_that_does_not_exist() -> None:
    with pytest.raises(InvalidInput):
        to_gregorian(1404, 12, 30)


@given(dates)
def test_gregorian_jalali_round_trip(d: datetime.date) -> None:
    j = to_jalali(d)
    assert to_gregorian(j.year, j.month, j.day) == d


@given(dates)
def test_jalali_year_starts_at_nowruz(d: datetime.date) -> None:
    year = jalali_year_of(d)
    assert to_gregorian(year, 1, 1) <= d < to_gregorian(year + 1, 1, 1)


def test_jalali_year_of_around_nowruz() -> None:
    assert jalali_year_of(datetime.date(2025, 3, 20)) == 1403
    assert jalali_year_of(datetime.date(2025, 3, 21)) == 1404


# --- display ---------------------------------------------------------------------------------


def test_format_jalali() -> None:
    assert format_jalali(datetime.date(2024, 8, 2)) == "۱۴۰۳/۰۵/۱۲"
    assert format_jalali(jdatetime.date(1403, 5, 12)) == "۱۴۰۳/۰۵/۱۲"
    assert format_jalali(datetime.date(2024, 8, 2), long=True) == "۱۲ مرداد ۱۴۰۳"
    assert format_jalali(jdatetime.date(1404, 1, 1), long=True) == "۱ فروردین ۱۴۰۴"
    assert format_jalali(None) == "—"
    assert format_jalali(None, long=True) == "—"


@given(dates)
def test_format_jalali_shows_only_persian_digits(d: datetime.date) -> None:
    shown = format_jalali(d)
    assert not any(c.isascii() and c.isdigit() for c in shown)
    assert len(shown) == 10


@given(dates)
def test_parse_reads_back_format_in_all_three_scripts(d: datetime.date) -> None:
    persian = format_jalali(d)
    latin = persian.translate(TO_LATIN)
    for typed in (persian, latin, latin.translate(ARABIC_INDIC), latin.replace("/", "-")):
        assert parse_jalali_date(typed) == d
    assert parse_jalali_date(format_jalali(d, long=True)) == d


def test_format_year_month() -> None:
    assert format_year_month(YearMonth(1403, 5)) == "مرداد ۱۴۰۳"
    assert format_year_month(YearMonth(1404, 12)) == "اسفند ۱۴۰۴"


@pytest.mark.parametrize("typed", ["1403/5", "۱۴۰۳/۰۵", "١٤٠٣-٠٥", " 1403/05 ", "مرداد ۱۴۰۳"])
def test_parse_year_month(typed: str) -> None:
    assert parse_year_month(typed) == YearMonth(1403, 5)


@pytest.mark.parametrize(
    ("typed", "explains"),
    [
        ("1403/13", "ماه باید بین ۱ و ۱۲ باشد"),
        ("1403", "خوانا نیست"),
        ("5/1403", "خوانا نیست"),
        ("", "ماه را وارد کنید"),
    ],
)
def test_parse_year_month_refuses_bad_input(typed: str, explains: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        parse_year_month(typed)
    assert exc.value.field == "year_month"
    assert explains in exc.value.message
    assert "مثلاً ۱۴۰۳/۰۵" in exc.value.message


@given(year_months)
def test_parse_year_month_reads_back_format_year_month(ym: YearMonth) -> None:
    assert parse_year_month(format_year_month(ym)) == ym
    assert parse_year_month(f"{ym.year}/{ym.month}".translate(PERSIAN)) == ym


# --- month arithmetic ------------------------------------------------------------------------


def test_months_range_crosses_nowruz() -> None:
    assert months_range(YearMonth(1403, 11), 4) == [
        YearMonth(1403, 11),
        YearMonth(1403, 12),
        YearMonth(1404, 1),
        YearMonth(1404, 2),
    ]
    assert months_range(YearMonth(1403, 1), 0) == []


def test_sixty_months_span_five_years() -> None:
    months = months_range(YearMonth(1400, 7), 60)
    assert len(months) == len(set(months)) == 60
    assert months[-1] == YearMonth(1405, 6)


def test_months_range_refuses_a_negative_count() -> None:
    with pytest.raises(ValueError):
        months_range(YearMonth(1403, 1), -1)


def test_months_between() -> None:
    assert months_between(YearMonth(1403, 11), YearMonth(1404, 2)) == 3
    assert months_between(YearMonth(1404, 2), YearMonth(1403, 11)) == -3
    assert months_between(YearMonth(1403, 5), YearMonth(1403, 5)) == 0


@given(year_months, st.integers(min_value=-200, max_value=200))
def test_months_between_undoes_add(ym: YearMonth, n: int) -> None:
    assert months_between(ym, ym.add(n)) == n


@given(year_months, st.integers(min_value=1, max_value=120))
def test_months_range_is_consecutive(ym: YearMonth, count: int) -> None:
    months = months_range(ym, count)
    assert months[0] == ym
    assert all(months_between(a, b) == 1 for a, b in zip(months, months[1:]))


def test_current_year_month() -> None:
    assert current_year_month(datetime.date(2024, 8, 2)) == YearMonth(1403, 5)
    assert current_year_month(datetime.date(2025, 3, 21)) == YearMonth(1404, 1)
    today = to_jalali(local_today())
    assert current_year_month() == YearMonth(today.year, today.month)
