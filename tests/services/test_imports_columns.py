"""The import's column-wise checks (issue 11) decide exactly what the row-by-row checks decide:
the same clean forms, the same Persian problems per row and column, for clean and faulty rows."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from hypothesis import example, given, settings
from hypothesis import strategies as hst

from lib import catalog
from lib.jalali import format_jalali
from lib.scoring import MARITAL_LABELS, SEVERITY_LABELS
from services.import_columns import clean_rows
from services.import_sheet import IMPORT_COLUMNS, _Sheet
from services.imports import _check_sheet

TODAY = date(2025, 3, 20)  # 1404/01/01: Nowruz
KEYS = tuple(c.key for c in IMPORT_COLUMNS)

VALID = {
    "program": "الف",
    "province": "تهران",
    "county": "تهران",
    "channel": catalog.CHANNELS["in_person"],
    "applied_on": format_jalali(date(2024, 6, 1)),
    "national_code": "0499370899",
    "first_name": "مریم",
    "last_name": "هاشمی‌نژاد",
    "gender": "زن",
    "head_of_household": None,
    "father_name": "علی",
    "birth_certificate_no": None,
    "birth_date": None,
    "mobile": "09121234567",
    "landline": None,
    "covering_domain": "توانبخشی",
    "target_group": "معلولین",
    "job_field": "خیاطی",
    "discount_holder": None,
    "work_address": None,
    "home_address": "تهران، خیابان آزادی",
    "licence_no": None,
    "licence_date": None,
    "disabled_members": 1.0,
    "severity": "متوسط",
    "marital_status": "متأهل",
    "dependants": 2.0,
    "insured_years": 3.0,
}
B = dict(program="ب", head_of_household="بله", target_group=None, disabled_members=None, severity=None,
         marital_status=None, dependants=None, insured_years=None)

_DATES = [format_jalali(TODAY), format_jalali(TODAY + timedelta(days=1)), "1403/05/12", "۱۴۰۳/۰۵/۱۲", "1403/13/01",
          "۱۴۰۳-۰۵-۱۲", "", None, date(2024, 1, 1), datetime(2024, 1, 1, 8, 0), 14030512.0]
_NAMES = ["مریم", "هاشمی‌نژاد", "Mary", "م" * 80, "م" * 81, "", None, " علی ", "علی۲", True]
_TEXTS = ["", None, "خیاطی", "x" * 400, "x" * 401, "a\x01b", "۱۲۳", 123.0, 1.5]
_COUNT = [0.0, 2.0, 3, "3", "۱۰۰", "", None, -1.0, 2.5, "x", True, 1.0, 30.0, 31.0, 5.0, 6.0]
CELLS = {
    "program": ["الف", "ب", "A", "b", "ج", "", None, 1.0],
    "province": ["تهران", "", None, "اصفهان", "تهران "],
    "county": ["تهران", "", None, "کرج"],
    "channel": [*catalog.CHANNELS.values(), *catalog.CHANNELS, "نامعلوم", "", None],
    "applied_on": _DATES,
    "national_code": ["0499370899", "0499370898", "1111111111", "۰۴۹۹۳۷۰۸۹۹", "499370899", "0012345679", "04993708990",
                      "049-937-0899", "", None, 499370899.0],
    "first_name": _NAMES,
    "last_name": _NAMES,
    "gender": [*catalog.GENDERS.values(), *catalog.GENDERS, "", None, "نامعلوم"],
    "head_of_household": ["بله", "خیر", "", None, "yes", "NO", "شاید", True, 1.0],
    "father_name": _NAMES,
    "birth_certificate_no": ["", None, "123", "1" * 20, "1" * 21, "۱۲۳", 123.0],
    "birth_date": _DATES,
    "mobile": ["09121234567", "0912123456", "۰۹۱۲۱۲۳۴۵۶۷", "", None, "+989121234567", "0912-123-4567", " ", 9121234567.0],
    "landline": ["", None, "02188776655", "123", "۰۲۱۸۸۷۷۶۶۵۵", "09121234567"],
    "covering_domain": [*catalog.COVERING_DOMAINS.values(), "", None, "x", "REHABILITATION"],
    "target_group": [*catalog.TARGET_GROUPS.values(), "", None, "x"],
    "job_field": _TEXTS,
    "discount_holder": ["", None, "بله", "خیر", "نه", "true", 0.0],
    "work_address": _TEXTS,
    "home_address": _TEXTS,
    "licence_no": _TEXTS,
    "licence_date": _DATES,
    "disabled_members": _COUNT,
    "severity": [*SEVERITY_LABELS.values(), "", None, "x"],
    "marital_status": [*MARITAL_LABELS.values(), "", None, "x"],
    "dependants": _COUNT,
    "insured_years": _COUNT,
}
assert set(CELLS) == set(KEYS) == set(VALID)


def _sheet(rows: list[dict]) -> _Sheet:
    return _Sheet({key: i for i, key in enumerate(KEYS)}, [(n, [r[k] for k in KEYS]) for n, r in enumerate(rows, start=2)])


def _both_ways(rows: list[dict]):
    column_wise = _check_sheet(_sheet(rows), [], TODAY)
    row_by_row = _check_sheet(_sheet(rows), [], TODAY, column_wise=False)
    assert column_wise == row_by_row
    return column_wise


# a valid row with some cells replaced by any of their column's test values
_ROW = hst.builds(lambda base, changes: {**VALID, **base, **changes}, hst.sampled_from([{}, B]),
                  hst.fixed_dictionaries({}, optional={k: hst.sampled_from(v) for k, v in CELLS.items()}))


@settings(max_examples=300, deadline=None)
@given(rows=hst.lists(_ROW, min_size=1, max_size=6))
@example(rows=[VALID, {**VALID, **B, "national_code": "0012345679"}])  # clean A and B: both taken column-wise
@example(rows=[VALID, VALID])  # a national code twice in the file
@example(rows=[{**VALID, "applied_on": format_jalali(TODAY)}, {**VALID, "applied_on": format_jalali(TODAY + timedelta(days=1))}])
@example(rows=[{**VALID, "disabled_members": 0.0}, {**VALID, "insured_years": 30.0}, {**VALID, "insured_years": 31.0}])
@example(rows=[{**VALID, **B, "gender": "مرد"}, {**VALID, **B, "mobile": None}, {**VALID, **B, "head_of_household": "خیر"}])
@example(rows=[{**VALID, "marital_status": None}, {**VALID, "head_of_household": "شاید"}, {**VALID, "first_name": "م" * 81}])
@example(rows=[{**VALID, "applied_on": date(2024, 1, 1)}, {**VALID, "disabled_members": True}, {**VALID, "mobile": 9121234567.0}])
def test_column_wise_checks_give_what_the_row_by_row_checks_give(rows):
    _both_ways(rows)


def test_clean_rows_are_taken_column_wise_and_faulty_ones_left_to_the_row_checks():
    rows = [VALID, {**VALID, **B, "national_code": "0012345679"}, {**VALID, "national_code": "0499370898"},
            {**VALID, "national_code": "۱۲۳۴۵۶۷۸۹۱"}]
    found = clean_rows(_sheet(rows), TODAY)
    assert [f is not None for f in found] == [True, True, False, True]  # Persian digits pass the check itself
    assert [f[0] for f in found if f] == ["A", "B", "A"]
    checked = _both_ways(rows)
    assert [bool(r.problems) for r in checked.rows] == [False, False, True, False]
    assert checked.rows[1].clean.case["head_of_household"] is True and checked.rows[3].national_code == "1234567891"


def test_a_file_without_every_column_is_checked_row_by_row():
    sheet = _sheet([VALID])
    del sheet.positions["licence_no"]
    assert clean_rows(sheet, TODAY) == [None]


def test_columns_in_another_order_extra_columns_and_short_rows_give_the_same_checks():
    """A file whose columns were moved, with a column of its own and rows that end early (the
    reader leaves out empty cells at a row's end): both ways agree, and the clean row is taken."""
    keys = ("note", *reversed(KEYS))
    rows = [{**VALID, "note": "یادداشت"}, {**VALID, **B, "national_code": "0012345679", "note": None},
            {**VALID, "national_code": "1234567891", "note": 1.0}]
    cells = [[r[k] for k in keys] for r in rows]
    cells[1] = cells[1][:-1]  # the programme, last here, left out
    cells[2] = cells[2][:-5]  # … and the household columns too
    sheet = _Sheet({key: i for i, key in enumerate(keys) if key != "note"}, list(enumerate(cells, start=2)))
    assert [f is not None for f in clean_rows(sheet, TODAY)] == [True, False, False]
    assert _check_sheet(sheet, [], TODAY) == _check_sheet(sheet, [], TODAY, column_wise=False)
    short = [[r[k] for k in KEYS] for r in ({**VALID, **B}, VALID)]
    short[0] = short[0][:-5]  # programme B: its empty household cells at the row's end left out
    sheet = _Sheet({key: i for i, key in enumerate(KEYS)}, list(enumerate(short, start=2)))
    assert [f is not None for f in clean_rows(sheet, TODAY)] == [True, True]
    assert _check_sheet(sheet, [], TODAY) == _check_sheet(sheet, [], TODAY, column_wise=False)


_SEVERITY_CODES = [None, *(s.value for s in SEVERITY_LABELS)]
_MARITAL_CODES = [m.value for m in MARITAL_LABELS]
_HOUSEHOLD = hst.tuples(hst.sampled_from(["A", "B"]), hst.integers(0, 31), hst.sampled_from(_SEVERITY_CODES),
                        hst.sampled_from(_MARITAL_CODES), hst.integers(0, 21), hst.integers(0, 61),
                        hst.none() | hst.integers(-1, 101))


@settings(max_examples=200, deadline=None)
@given(hst.lists(_HOUSEHOLD, max_size=30))
@example([])
@example([("A", 0, None, "single", 0, 0, None), ("B", 3, "severe", "married", 5, 30, None)])  # every one passes
@example([("A", 0, None, "single", 0, 0, None), ("A", 0, "severe", "single", 0, 0, None)])  # severity without a disabled member
@example([("B", 2, None, "widowed", 1, 1, None), ("A", 31, "mild", "single", 0, 0, None)])  # no severity; too many
@example([("A", 1, "mild", "single", 0, 0, 50), ("A", 1, "mild", "single", 0, 0, 101)])  # a need grade: one by one
def test_households_pass_as_each_households_own_check_says(keys):
    from services.import_columns import FAIL, _ok, households_pass
    from services.intake_form import _household_values

    assert households_pass(keys) == {key: _ok(_household_values, key) is not FAIL for key in keys}
