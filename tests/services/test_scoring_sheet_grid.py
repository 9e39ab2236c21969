"""The worksheet grid's column-wise helpers give what the cell-by-cell code gave (issue 11: the
grid of a county's ~3,700 waiting cases is redrawn on every edit): the changed rows, the points
preview with its problems, and the numbers in Persian digits."""
from __future__ import annotations

import pandas as pd
from hypothesis import example, given, settings
from hypothesis import strategies as st

from lib.errors import InvalidInput
from lib.scoring import CRITERIA, DEFAULT_POLICY, score
from lib.text import ltr, to_persian_digits
from services.scoring_sheet import (
    INPUT_LABELS,
    POINTS_COLUMNS,
    _blank_to_none,
    changed_worksheet_rows,
    persian_numbers,
    preview_worksheet,
    score_input,
)

NUMBERS = ("disabled_members", "dependants", "insured_years", "need_grade")
TEXTS = ("severity", "marital_status")
# what a cell may hold while being typed: good values, gaps, blanks, out of range, not a choice
NUMBER = st.none() | st.integers(-2, 90)
SEVERITY = st.sampled_from([None, "", "  ", "mild", "moderate", "severe", "very_severe", "huge"])
MARITAL = st.sampled_from([None, "", "single", "married", "widowed", "divorced", "other"])
ROW = st.fixed_dictionaries({
    "disabled_members": NUMBER, "dependants": NUMBER, "insured_years": NUMBER, "need_grade": NUMBER,
    "severity": SEVERITY, "marital_status": MARITAL,
})


def grid(rows: list[dict]) -> pd.DataFrame:
    """A frame shaped as the page hands it over: typed numbers Int64, choices text."""
    frame = pd.DataFrame(
        [{"application_id": 100 + i, "tracking_code": f"A{i:03d}", "applicant": f"متقاضی {i}", **row} for i, row in enumerate(rows)],
        columns=["application_id", "tracking_code", "applicant", *CRITERIA],
    )
    return frame.astype({**{name: "Int64" for name in NUMBERS}, **{name: "string" for name in TEXTS}})


def old_changed(base: pd.DataFrame, frame: pd.DataFrame) -> list[dict]:
    """pages/worksheet.py's changed_rows before issue 11: every row compared in Python."""
    now = frame[list(CRITERIA)].astype(object).where(frame[list(CRITERIA)].notna(), None)
    then = base[list(CRITERIA)].astype(object).where(base[list(CRITERIA)].notna(), None)
    changed = [any(a != b for a, b in zip(x, y)) for x, y in zip(now.itertuples(index=False), then.itertuples(index=False))]
    rows = pd.concat([frame[["application_id"]].astype(object), now], axis=1)[changed]
    return rows.to_dict("records")


def old_preview(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """services.scoring_sheet.preview_worksheet before issue 11: every cell through _blank_to_none."""
    from lib.scoring import score_many

    inputs = frame[list(CRITERIA)].astype(object).map(_blank_to_none)
    try:
        points = score_many(inputs, DEFAULT_POLICY, require_need_grade=False)
        return points.rename(columns=POINTS_COLUMNS).astype("Int64"), []
    except InvalidInput:
        pass
    result = pd.DataFrame(pd.NA, index=frame.index, columns=[*POINTS_COLUMNS.values(), "total"], dtype="Int64")
    problems = []
    for position, (index, values) in enumerate(inputs.iterrows()):
        try:
            card = score(score_input(values.to_dict()), DEFAULT_POLICY, require_need_grade=False)
        except InvalidInput as error:
            who = frame.iloc[position]
            column = INPUT_LABELS.get(error.field or "", error.field or "")
            problems.append(f"پرونده {ltr(who['tracking_code'])} ({who['applicant']})، ستون «{column}»: {error.message}")
            continue
        result.loc[index, list(POINTS_COLUMNS.values())] = [card.row(name).points for name in CRITERIA]
        result.loc[index, "total"] = card.total
    return result, problems


GOOD = {"disabled_members": 1, "dependants": 2, "insured_years": 3, "need_grade": 4, "severity": "mild", "marital_status": "married"}
BLANK = dict.fromkeys(CRITERIA)


CHANGES = st.fixed_dictionaries({}, optional={
    **dict.fromkeys(NUMBERS, NUMBER), "severity": SEVERITY, "marital_status": MARITAL,
})


@settings(max_examples=50, deadline=None)
@given(st.lists(ROW, min_size=1, max_size=8), st.lists(st.tuples(st.integers(0, 7), CHANGES), max_size=6))
@example([GOOD], [(0, {})])  # an edited row typed back to what it was: not changed
@example([GOOD, BLANK], [(1, {"need_grade": 4}), (0, {"severity": None})])  # a choice cleared
@example([BLANK], [(0, {"disabled_members": 0})])  # a gap filled with zero is a change
def test_changed_rows_compare_only_the_edited_rows_and_find_the_same(rows, edits):
    base = grid(rows)
    frame = base.copy()
    positions = []
    for position, changes in edits:  # some rows, each with some of its cells retyped
        position %= len(rows)
        positions.append(position)
        for column, value in changes.items():
            frame.loc[frame.index[position], column] = pd.NA if value is None else value
    expected = old_changed(base, frame)
    assert changed_worksheet_rows(base, frame, positions) == expected
    assert changed_worksheet_rows(base, frame) == expected


@settings(max_examples=50, deadline=None)
@given(st.lists(ROW, min_size=1, max_size=8))
@example([GOOD])
@example([{**GOOD, "severity": "  "}])  # a blank choice with a disabled member: a problem
@example([{**GOOD, "disabled_members": 0, "severity": ""}, {**GOOD, "need_grade": None}])  # blank = none; provisional
@example([{**GOOD, "insured_years": -1}, {**GOOD, "marital_status": None}, GOOD])  # two bad rows, one good
@example([{**GOOD, "severity": "huge"}])  # not a choice
def test_preview_reads_columns_as_the_cell_by_cell_preview_did(rows):
    frame = grid(rows)
    points, problems = preview_worksheet(frame, DEFAULT_POLICY)
    old_points, old_problems = old_preview(frame)
    pd.testing.assert_frame_equal(points, old_points)
    assert problems == old_problems


@settings(max_examples=60, deadline=None)
@given(st.lists(st.none() | st.integers(-5, 10_000), max_size=12))
@example([])
@example([None, None])
@example([0, 10, 0, 7, None, 10])  # repeated numbers written once, in place
def test_persian_numbers_write_each_cell_as_before(values):
    column = pd.Series(values, dtype="Int64", index=range(3, 3 + len(values)))
    expected = column.map(lambda v: "" if pd.isna(v) else to_persian_digits(int(v)))
    result = persian_numbers(column)
    assert result.tolist() == expected.tolist() and list(result.index) == list(column.index)
