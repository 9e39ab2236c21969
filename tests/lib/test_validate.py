"""The input boundary (lib/validate.py): what a person typed becomes clean text, a name, a number
in range, a date the calendar can show, or an id — else a Persian InvalidInput."""
from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, timedelta

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from demo import vocab
from lib import validate
from lib.errors import InvalidInput
from lib.jalali import format_jalali, to_jalali

PERSIAN = re.compile(r"[\u0600-\u06FF]")


def refusal(call) -> InvalidInput:
    with pytest.raises(InvalidInput) as err:
        call()
    assert PERSIAN.search(err.value.message), err.value.message
    return err.value


def text(value, **kw):
    return validate.clean_text(value, field="f", label_fa="نشانی", max_length=kw.pop("max_length", 80), **kw)


def name(value, **kw):
    return validate.person_name(value, field="first_name", label_fa="نام", max_length=80, **kw)


# --------------------------------------------------------------------------- text
def test_text_is_normalised_and_stripped():
    assert text("  علي   كريمي \t") == "علی کریمی"
    assert text(None) == ""


@pytest.mark.parametrize("bad", ["مریم\x00", "\x1b[31m", "a\x7fb", "x\ud800", "\ufffe"])
def test_control_characters_and_lone_surrogates_are_refused(bad):
    error = refusal(lambda: text(bad))
    assert error.field == "f" and "نویسه" in error.message


def test_a_line_break_is_kept_only_in_multi_line_fields():
    assert text("سطر یک\r\nسطر دو", multiline=True) == "سطر یک\nسطر دو"
    assert text("سطر یک\nسطر دو") == "سطر یک سطر دو"


def test_text_longer_than_the_column_is_refused_with_the_limit():
    assert "۸۰" in refusal(lambda: text("ا" * 81)).message
    assert text("ا" * 80) == "ا" * 80


@pytest.mark.parametrize("value", [5, b"abc", 1.5, ["x"], date(2024, 1, 1)])
def test_what_is_not_text_is_refused(value):
    refusal(lambda: text(value))


@settings(max_examples=300, deadline=None)
@given(st.text())
@example("\x00")
@example("ا" * 10_000)
def test_clean_text_returns_storable_text_or_refuses(value):
    try:
        out = text(value, multiline=True, max_length=400)
    except InvalidInput:
        return
    assert len(out) <= 400
    assert not any(unicodedata.category(ch) in ("Cc", "Cs") and ch != "\n" for ch in out)
    out.encode("utf-8")  # every database can store it


# --------------------------------------------------------------------------- names
def test_every_demo_name_is_a_name():
    for n in vocab.FEMALE_NAMES + vocab.MALE_NAMES + vocab.LAST_NAMES:
        assert name(n) == n


@pytest.mark.parametrize("typed, stored", [
    ("آل‌احمد", "آل‌احمد"), ("نوری-زاده", "نوری-زاده"), ("سیّد  محمد", "سیّد محمد"), ("مريم", "مریم"),
    ("عـــلی", "علی"),  # the decorative kashida is dropped
])
def test_persian_names_with_zwnj_hyphen_and_marks_pass(typed, stored):
    assert name(typed) == stored


@pytest.mark.parametrize("bad", ["![x](http://host/p.png)", "Maryam", "مریم۲", "مریم 2", "<b>مریم</b>", "مریم!",
                                 "[مریم](javascript:x)", "مریم_", "مریم:"])
def test_markup_latin_letters_digits_and_symbols_are_refused_in_names(bad):
    assert "حروف فارسی" in refusal(lambda: name(bad)).message


def test_an_empty_required_name_is_refused_and_an_optional_one_is_empty():
    refusal(lambda: name("  "))
    refusal(lambda: name("-"))
    assert name("", required=False) == ""


# --------------------------------------------------------------------------- numbers, dates, ids
@pytest.mark.parametrize("value", [0, 100_001, 2**31, 2**63, -1, True, 1.0, "5", None])
def test_integers_outside_the_range_or_of_another_type_are_refused(value):
    refusal(lambda: validate.integer(value, field="rank", label_fa="رتبه", minimum=1, maximum=100_000))


def test_an_integer_in_range_passes():
    assert validate.integer(100_000, field="rank", label_fa="رتبه", minimum=1, maximum=100_000) == 100_000
    assert validate.optional_integer(None, field="rank", label_fa="رتبه", minimum=1, maximum=5) is None


@pytest.mark.parametrize("value", [date(1, 1, 1), date(9999, 12, 31), date(1921, 3, 20), date(2122, 3, 21),
                                   "1403/01/01", 1403])
def test_dates_the_calendar_cannot_show_or_that_are_not_dates_are_refused(value):
    refusal(lambda: validate.a_date(value, field="birth_date", label_fa="تاریخ تولد"))


def test_dates_from_jalali_1300_to_1500_pass_and_the_future_can_be_refused():
    assert validate.a_date(validate.EARLIEST_DATE, field="d", label_fa="تاریخ") == date(1921, 3, 21)
    assert validate.a_date(datetime(2024, 6, 1, 9), field="d", label_fa="تاریخ") == date(2024, 6, 1)
    first, last = to_jalali(validate.EARLIEST_DATE), to_jalali(validate.LATEST_DATE)
    assert (first.year, first.month, first.day) == (1300, 1, 1)
    assert last.year == 1500 and to_jalali(validate.LATEST_DATE + timedelta(days=1)).year == 1501
    message = refusal(lambda: validate.a_date(date(2024, 6, 2), field="d", label_fa="تاریخ تولد",
                                              not_after=date(2024, 6, 1))).message
    assert "آینده" in message


@given(st.dates())
@example(date(1, 1, 1))
@example(date(9999, 12, 31))
def test_any_date_is_accepted_only_if_the_calendar_can_show_it(day):
    try:
        validate.a_date(day, field="d", label_fa="تاریخ")
    except InvalidInput:
        return
    format_jalali(day)


@pytest.mark.parametrize("raw, expected", [
    ("12", 12), ("۱۲", 12), (" 7 ", 7), (7, 7), (2**63 - 1, 2**63 - 1),
    ("99999999999999999999", None), (2**63, None), ("0", None), ("-3", None), ("1e3", None), ("", None),
    (True, None), (None, None), ("١٢\x00", None), (1.0, None),
])
def test_record_ids_from_deep_links_fit_64_bits_or_are_not_found(raw, expected):
    assert validate.record_id(raw) == expected


# Direction overrides and embeddings (Trojan-Source style): typed or pasted, they would show a
# name or an amount reversed on the screen and in the PDFs; they are dropped, the text kept.
@given(st.text(alphabet="علی رضا۱۲۳abc", max_size=20), st.sampled_from("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))
@example("مبلغ ۱۲۳", "\u202e")
@example("کد ABC", "\u2066")
def test_direction_overrides_never_reach_the_database(text, control):
    kept = validate.clean_text(control + text + control, field="f", label_fa="متن", max_length=100)
    assert control not in kept
    assert kept == validate.clean_text(text, field="f", label_fa="متن", max_length=100)


def test_direction_marks_and_half_spaces_stay():
    text = "می\u200cخواهم \u200fنشانی\u200e"
    assert validate.clean_text(text, field="f", label_fa="متن", max_length=100) == text
