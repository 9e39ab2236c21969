"""The fast .xlsx writer: files that spreadsheet software reads back, and text never taken for a formula."""
from __future__ import annotations

import io
import warnings

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from openpyxl import load_workbook

from lib.xlsx import FORMULA_TRIGGERS, Sheet, formula_safe, workbook_bytes


def read(content: bytes, sheet: int = 0) -> list[tuple]:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # openpyxl warns about a malformed style sheet
        book = load_workbook(io.BytesIO(content))
    return [tuple(r) for r in book.worksheets[sheet].iter_rows(values_only=True)]


def test_cells_read_back_with_their_types():
    content = workbook_bytes([Sheet("فهرست", ["کد ملی", "نام", "مبلغ", "نرخ"],
                                    [["0012345678", "مریم & <علی>", 13_329_102, 18.5], [None, "", 0, 12]],
                                    money=frozenset({2}))])
    assert read(content) == [("کد ملی", "نام", "مبلغ", "نرخ"),
                             ("0012345678", "مریم & <علی>", 13_329_102, 18.5), (None, None, 0, 12)]


def test_sheets_are_right_to_left_with_a_frozen_bold_header():
    book = load_workbook(io.BytesIO(workbook_bytes([Sheet("a", ["h"], [[1]]), Sheet("a", ["h"], [[2]], rtl=False)])))
    first, second = book.worksheets
    assert first.sheet_view.rightToLeft and not second.sheet_view.rightToLeft
    assert first.freeze_panes == "A2" and first["A1"].font.b
    assert book.sheetnames == ["a", "a (2)"]
    assert first["A2"].value == 1 and second["A2"].value == 2


@pytest.mark.parametrize("text", ["=1+2", "+98912", "-5", "@SUM(A1)", "\tx", "＝HYPERLINK()", "=cmd|' /C calc'!A0"])
def test_text_that_looks_like_a_formula_stays_text(text):
    assert read(workbook_bytes([Sheet("s", ["h"], [[text]])]))[1] == ("'" + text,)


@given(st.text())
@example("=A1")
@example("")
@example("a\x00b\x1f")
def test_formula_safe_never_starts_with_a_trigger_and_keeps_the_text(text):
    safe = formula_safe(text)
    assert not safe.startswith(FORMULA_TRIGGERS)
    assert safe in (text, "'" + text)


def test_control_characters_are_dropped_not_fatal():
    assert read(workbook_bytes([Sheet("s", ["h"], [["a\x00b\x1fc"]])]))[1] == ("abc",)


def test_the_same_sheets_give_the_same_bytes():
    make = lambda: workbook_bytes([Sheet("s", ["h"], [["x", 1]])])  # noqa: E731
    assert make() == make()


@given(st.lists(st.tuples(st.one_of(st.none(), st.text(max_size=5)), st.one_of(st.none(), st.integers(-10**12, 10**12)),
                          st.one_of(st.none(), st.integers(0, 10**15), st.floats(allow_nan=False, allow_infinity=False))),
                max_size=5))
@example([("=1", 5, 7), (None, None, None), ("", 0, 0.5)])
def test_declared_column_kinds_write_the_same_cells(rows):
    plain = read(workbook_bytes([Sheet("s", ["a", "b", "c"], rows, money=frozenset({2}))]))
    fast = read(workbook_bytes([Sheet("s", ["a", "b", "c"], rows, money=frozenset({2}), kinds="tim")]))
    assert fast == plain
