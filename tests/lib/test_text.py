"""Persian digits, text normalisation and number display (lib.text)."""
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lib.errors import InvalidInput
from lib.text import (
    format_number,
    format_percent_bp,
    format_rial,
    ltr,
    normalize_persian,
    parse_int,
    to_latin_digits,
    to_persian_digits,
)

LRI, PDI = "\u2066", "\u2069"
ZWNJ = "\u200c"
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
PERSIAN = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


# --- digits ----------------------------------------------------------------------------------


def test_to_latin_digits_reads_persian_and_arabic_indic_digits() -> None:
    assert to_latin_digits("۰۱۲۳۴۵۶۷۸۹") == "0123456789"
    assert to_latin_digits("٠١٢٣٤٥٦٧٨٩") == "0123456789"
    assert to_latin_digits("کد ۱۲3٤") == "کد 1234"


def test_to_persian_digits_accepts_str_and_int() -> None:
    assert to_persian_digits("1403/05/12") == "۱۴۰۳/۰۵/۱۲"
    assert to_persian_digits(1403) == "۱۴۰۳"
    assert to_persian_digits("٠٩") == "۰۹"


@given(st.text())
def test_digit_conversions_round_trip(s: str) -> None:
    assert to_latin_digits(to_persian_digits(to_latin_digits(s))) == to_latin_digits(s)


# --- normalize_persian -----------------------------------------------------------------------


def test_normalize_persian_replaces_arabic_yeh_and_kaf() -> None:
    assert normalize_persian("علي") == "علی"
    assert normalize_persian("موسى") == "موسی"
    assert normalize_persian("كاظم") == "کاظم"


def test_normalize_persian_keeps_teh_marbuta_and_zwnj() -> None:
    assert normalize_persian("فاطمة") == "فاطمة"
    assert normalize_persian(f"می{ZWNJ}خواهم") == f"می{ZWNJ}خواهم"


def test_normalize_persian_strips_and_collapses_spaces_but_keeps_line_breaks() -> None:
    assert normalize_persian("  زهرا \t  احمدی  ") == "زهرا احمدی"
    assert normalize_persian("بند یک  \n  بند دو") == "بند یک\nبند دو"


@pytest.mark.parametrize("empty", [None, "", "   "])
def test_normalize_persian_empty_gives_empty_string(empty: str | None) -> None:
    assert normalize_persian(empty) == ""


# --- numbers and money -----------------------------------------------------------------------


def test_format_number_uses_persian_digits_and_arabic_thousands_separator() -> None:
    assert format_number(13329102) == "۱۳٬۳۲۹٬۱۰۲"
    assert format_number(999) == "۹۹۹"
    assert format_number(1000) == "۱٬۰۰۰"
    assert format_number(0) == "۰"


def test_format_number_negative_keeps_minus_on_the_left_in_rtl_text() -> None:
    # An LTR isolate stops the RTL paragraph from moving the sign to the right of the digits.
    assert format_number(-1234) == f"{LRI}−۱٬۲۳۴{PDI}"


@pytest.mark.parametrize(
    ("rials", "shown"),
    [
        # SSO's published 1403 check figures for a 31-day month at 12 %, 14 % and 18 %.
        (8886068, "۸٬۸۸۶٬۰۶۸ ریال"),
        (10367080, "۱۰٬۳۶۷٬۰۸۰ ریال"),
        (13329102, "۱۳٬۳۲۹٬۱۰۲ ریال"),
    ],
)
def test_format_rial_labels_the_unit(rials: int, shown: str) -> None:
    assert format_rial(rials) == shown


@pytest.mark.parametrize("not_integer", [13329102.0, 0.5, Decimal("10"), "100", True])
def test_format_rial_refuses_anything_but_integer_rials(not_integer: object) -> None:
    with pytest.raises(TypeError):
        format_rial(not_integer)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        format_number(not_integer)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("bp", "shown"),
    [
        (1800, "۱۸٪"),
        (1250, "۱۲٫۵٪"),
        (1200, "۱۲٪"),
        (800, "۸٪"),
        (1000, "۱۰٪"),
        (1234, "۱۲٫۳۴٪"),
        (5, "۰٫۰۵٪"),
        (0, "۰٪"),
        (10000, "۱۰۰٪"),
        (-250, f"{LRI}−۲٫۵٪{PDI}"),
    ],
)
def test_format_percent_bp(bp: int, shown: str) -> None:
    assert format_percent_bp(bp) == shown


def test_format_percent_bp_refuses_floats() -> None:
    with pytest.raises(TypeError):
        format_percent_bp(18.0)  # type: ignore[arg-type]


def test_ltr_wraps_in_a_left_to_right_isolate() -> None:
    assert ltr("0499370899") == f"{LRI}0499370899{PDI}"
    assert ltr(42) == f"{LRI}42{PDI}"
    sentence = f"کد ملی {ltr('۰۴۹۹۳۷۰۸۹۹')} ثبت شد"
    assert sentence.index(LRI) < sentence.index("۰۴۹۹") < sentence.index(PDI)


# --- parse_int -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    ["1200", "۱۲۰۰", "١٢٠٠", "1,200", "۱٬۲۰۰", "۱،۲۰۰", " 1 200 ", "۱۲۰۰\u200e"],
)
def test_parse_int_accepts_any_digits_and_thousands_separators(typed: str) -> None:
    assert parse_int(typed, field="amount", label_fa="مبلغ") == 1200


def test_parse_int_accepts_a_minus_sign_and_an_int() -> None:
    assert parse_int("-5", field="x", label_fa="عدد") == -5
    assert parse_int(7, field="x", label_fa="عدد") == 7


@pytest.mark.parametrize("typed", ["", "   ", None])
def test_parse_int_empty_asks_for_the_value(typed: str | None) -> None:
    with pytest.raises(InvalidInput) as exc:
        parse_int(typed, field="months", label_fa="تعداد ماه")
    assert exc.value.field == "months"
    assert "تعداد ماه را وارد کنید" in exc.value.message


@pytest.mark.parametrize("typed", ["12.5", "۱۲٫۵", "دوازده", "12a", "1-2"])
def test_parse_int_rejects_non_integers_with_a_persian_message(typed: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        parse_int(typed, field="months", label_fa="تعداد ماه")
    assert exc.value.field == "months"
    assert "تعداد ماه باید یک عدد صحیح باشد" in exc.value.message


def test_parse_int_out_of_range_names_the_label_and_both_bounds() -> None:
    with pytest.raises(InvalidInput) as exc:
        parse_int("61", field="months", label_fa="تعداد ماه", minimum=1, maximum=60)
    assert exc.value.field == "months"
    assert exc.value.message.startswith("تعداد ماه باید بین ۱ و ۶۰ باشد؛")


def test_parse_int_range_messages_for_one_sided_bounds() -> None:
    with pytest.raises(InvalidInput, match="مبلغ باید دست‌کم ۱۰٬۰۰۰ باشد"):
        parse_int("5", field="amount", label_fa="مبلغ", minimum=10_000)
    with pytest.raises(InvalidInput, match="سال باید حداکثر ۱۴۰۵ باشد"):
        parse_int("1406", field="year", label_fa="سال", maximum=1405)


def test_parse_int_bounds_are_inclusive() -> None:
    assert parse_int("1", field="m", label_fa="ماه", minimum=1, maximum=60) == 1
    assert parse_int("60", field="m", label_fa="ماه", minimum=1, maximum=60) == 60


def test_parse_int_rejects_absurdly_long_input_as_invalid_input() -> None:
    with pytest.raises(InvalidInput, match="بیش از حد بزرگ"):
        parse_int("9" * 5000, field="amount", label_fa="مبلغ")


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_parse_int_reads_back_format_number(n: int) -> None:
    assert parse_int(format_number(n), field="n", label_fa="عدد") == n


@given(st.integers(min_value=0, max_value=10**15))
def test_parse_int_reads_all_three_scripts(n: int) -> None:
    latin = str(n)
    for typed in (latin, latin.translate(PERSIAN), latin.translate(ARABIC_INDIC)):
        assert parse_int(typed, field="n", label_fa="عدد") == n
