"""National code, mobile and landline rules (DOMAIN.md, "Facts the calculations need")."""
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lib.errors import InvalidInput
from lib.identifiers import (
    generate_national_code,
    is_valid_national_code,
    normalize_landline,
    normalize_mobile,
    normalize_national_code,
)

PERSIAN = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def remainder(first_nine: str) -> int:
    """r = Σ d_i × (10 − i) mod 11, written out independently of lib."""
    return sum(int(first_nine[i]) * (10 - i) for i in range(9)) % 11


def with_check_digit(first_nine: str) -> str:
    r = remainder(first_nine)
    return first_nine + str(r if r < 2 else 11 - r)


def rejection(text: str) -> InvalidInput:
    with pytest.raises(InvalidInput) as exc:
        normalize_national_code(text)
    assert exc.value.field == "national_code"
    return exc.value


# --- national code ---------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["0499370899", "0790419904"])
def test_known_valid_codes(code: str) -> None:
    assert normalize_national_code(code) == code
    assert is_valid_national_code(code)


def test_check_digit_branch_r_below_two_uses_r_itself() -> None:
    assert remainder("123456789") == 1
    assert remainder("000123456") == 0
    assert normalize_national_code("1234567891") == "1234567891"
    assert normalize_national_code("0001234560") == "0001234560"
    assert not is_valid_national_code("1234567890")


def test_check_digit_branch_r_two_or_more_uses_eleven_minus_r() -> None:
    assert remainder("049937089") == 2  # check digit 9
    assert remainder("079041990") == 7  # check digit 4
    assert normalize_national_code("0499370899") == "0499370899"
    assert not is_valid_national_code("0499370892")  # d9 == r is wrong when r ≥ 2


@given(st.integers(min_value=0, max_value=10**9 - 1))
def test_exactly_one_check_digit_is_valid(n: int) -> None:
    first_nine = f"{n:09d}"
    valid = [d for d in "0123456789" if is_valid_national_code(first_nine + d)]
    if len(set(first_nine)) == 1:
        assert valid == []  # the one checksum-valid code would be ten repeated digits
    else:
        assert valid == [with_check_digit(first_nine)[-1]]


def test_bad_checksum_is_refused_with_its_own_message() -> None:
    error = rejection("0499370898")
    assert "رقم کنترل" in error.message
    assert "کارت ملی" in error.message


@pytest.mark.parametrize(
    ("typed", "padded"),
    [("499370899", "0499370899"), ("12345679", "0012345679")],
)
def test_eight_or_nine_digits_are_left_padded_with_zeros(typed: str, padded: str) -> None:
    assert padded == with_check_digit(padded[:9])
    assert normalize_national_code(typed) == padded


@pytest.mark.parametrize("typed", ["1234560", "12", "04993708990"])
def test_fewer_than_eight_or_more_than_ten_digits_are_refused(typed: str) -> None:
    # 1234560 would pad to the checksum-valid 0001234560: too short all the same.
    error = rejection(typed)
    assert "۱۰ رقم" in error.message
    assert "کارت ملی" in error.message


@pytest.mark.parametrize("digit", "0123456789")
def test_ten_repeated_digits_are_refused_although_their_checksum_holds(digit: str) -> None:
    assert with_check_digit(digit * 9) == digit * 10
    error = rejection(digit * 10)
    assert "یکسان" in error.message


def test_eight_zeros_pad_to_ten_repeated_digits() -> None:
    assert "یکسان" in rejection("00000000").message


@pytest.mark.parametrize("typed", ["", "   ", None])
def test_empty_national_code_asks_for_it(typed: str | None) -> None:
    assert "وارد کنید" in rejection(typed).message  # type: ignore[arg-type]


@pytest.mark.parametrize("typed", ["04993708a9", "0499.370899", "کد ملی"])
def test_non_digits_are_refused(typed: str) -> None:
    assert "رقم" in rejection(typed).message


def test_each_rejection_has_its_own_message() -> None:
    messages = {
        rejection(typed).message
        for typed in ["", "04993708a9", "1234", "1111111111", "0499370898"]
    }
    assert len(messages) == 5


@pytest.mark.parametrize(
    "typed",
    [
        "۰۴۹۹۳۷۰۸۹۹",
        "٠٤٩٩٣٧٠٨٩٩",
        "۰۴۹۹37٠٨٩٩",
        " 0499370899 ",
        "049-937089-9",
        "۰۴۹ ۹۳۷ ۰۸۹۹",
        "\u20660499370899\u2069",
        "۴۹۹۳۷۰۸۹۹",
    ],
)
def test_persian_arabic_indic_digits_spaces_and_dashes_are_accepted(typed: str) -> None:
    assert normalize_national_code(typed) == "0499370899"


@pytest.mark.parametrize("value", [None, 12, "abc", "", 499370899])
def test_is_valid_national_code_never_raises(value: object) -> None:
    assert is_valid_national_code(value) is (value == 499370899)


@given(st.text(max_size=20))
def test_is_valid_national_code_never_raises_on_any_text(text: str) -> None:
    assert isinstance(is_valid_national_code(text), bool)


@given(st.integers(min_value=0, max_value=2**32))
def test_generated_codes_are_always_valid(seed: int) -> None:
    code = generate_national_code(random.Random(seed))
    assert len(code) == 10 and code.isascii() and code.isdigit()
    assert len(set(code)) > 1
    assert code == with_check_digit(code[:9])
    assert normalize_national_code(code) == code


def test_generated_codes_are_reproducible_and_varied() -> None:
    first = [generate_national_code(random.Random(7)) for _ in range(2)]
    assert first[0] == first[1]
    rng = random.Random(7)
    assert len({generate_national_code(rng) for _ in range(1000)}) > 990


@given(st.integers(min_value=0, max_value=10**9 - 1))
def test_codes_in_every_script_normalise_alike(n: int) -> None:
    code = with_check_digit(f"{n:09d}")
    if len(set(code)) == 1:
        return
    for typed in (code, code.translate(PERSIAN), code.translate(ARABIC_INDIC)):
        assert normalize_national_code(typed) == code


# --- mobile ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "09123456789",
        "+989123456789",
        "00989123456789",
        "989123456789",
        "9123456789",
        "+98 912 345 6789",
        "0912-345-6789",
        "۰۹۱۲۳۴۵۶۷۸۹",
        "٠٩١٢٣٤٥٦٧٨٩",
        "+۹۸۹۱۲۳۴۵۶۷۸۹",
        "+98 (0) 912 345 6789",
        " 0912 345 67 89 ",
    ],
)
def test_mobile_prefixes_and_digit_scripts_are_normalised(typed: str) -> None:
    assert normalize_mobile(typed) == "09123456789"


@given(st.from_regex(r"\A[0-9]{9}\Z"))
def test_every_mobile_form_gives_09_plus_nine_digits(rest: str) -> None:
    expected = "09" + rest
    for typed in ("09" + rest, "+989" + rest, "00989" + rest, "989" + rest, "9" + rest):
        assert normalize_mobile(typed) == expected
        assert normalize_mobile(typed.translate(PERSIAN)) == expected


@pytest.mark.parametrize(
    "typed",
    [
        "08123456789",  # not 09
        "02188776655",  # a landline
        "0912345678",  # 10 digits
        "091234567890",  # 12 digits
        "912345678",  # bare, too short
        "+449123456789",  # foreign
        "0912345678a",
        "09١٢٣abc789",
        "+98",
    ],
)
def test_invalid_mobiles_are_refused_with_an_example(typed: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        normalize_mobile(typed)
    assert exc.value.field == "mobile"
    assert "شماره همراه" in exc.value.message
    assert "۰۹۱۲۳۴۵۶۷۸۹" in exc.value.message


@pytest.mark.parametrize("typed", ["", None, "  "])
def test_empty_mobile_asks_for_it(typed: str | None) -> None:
    with pytest.raises(InvalidInput, match="شماره همراه را وارد کنید"):
        normalize_mobile(typed)


# --- landline --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("02188776655", "02188776655"),
        ("021-88776655", "02188776655"),
        ("(021) 8877 6655", "02188776655"),
        ("۰۲۱۸۸۷۷۶۶۵۵", "02188776655"),
        ("88776655", "88776655"),
        ("٣٣٤٤٥٥٦٦", "33445566"),
        ("+98 21 8877 6655", "02188776655"),
        ("2188776655", "2188776655"),
    ],
)
def test_landlines_are_reduced_to_digits(typed: str, expected: str) -> None:
    assert normalize_landline(typed) == expected


@pytest.mark.parametrize("typed", ["", None, "   "])
def test_empty_landline_is_allowed(typed: str | None) -> None:
    assert normalize_landline(typed) == ""


@pytest.mark.parametrize(
    "typed",
    ["1234567", "021887766551", "12188776655", "021-8877-abcd", "تلفن"],
)
def test_invalid_landlines_are_refused(typed: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        normalize_landline(typed)
    assert exc.value.field == "landline"
    assert "شماره تلفن ثابت" in exc.value.message
