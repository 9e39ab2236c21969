"""The import's checks a column at a time, for the rows that pass them all.

Most rows of an import file are clean, and every check of a cell depends on that cell alone
(and on today's date): the programme, a vocabulary, a date, a count, a name, a code. So each
column's distinct values are checked once (the same functions, with the same arguments, as
:func:`services.imports._parse_row` and Form 1's :func:`services.intake_form.check_intake`),
and a row is then a look-up per column plus the few rules that combine cells (programme B's
women heads of household with a mobile, programme A's marital status, the household through the
scoring rules). :func:`clean_rows` gives, per row, what the row-by-row checks would give for a
row without a problem — its programme, normalised national code, place and
:class:`~services.intake_form.CleanIntake` — or None for a row with anything wrong or unusual
(a cell that is neither text nor a number, a value some check refuses): those rows go through
the row-by-row checks, which word each problem. A test compares both ways on random rows.
Pure: no database, no Streamlit.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import fields
from datetime import date
from typing import Any

import pandas as pd

from lib import catalog, validate
from lib.errors import InvalidInput
from lib.identifiers import check_digit, normalize_landline, normalize_mobile
from lib.jalali import parse_jalali_date
from lib.scoring import score_many
from lib.text import normalize_persian, parse_int
from lib.workflow import ProgramCode
from services.import_sheet import (
    _BOOLEANS,
    _BY_KEY,
    _CHANNELS,
    _COUNTS,
    _COVERING,
    _GENDERS,
    _MARITAL,
    _PROGRAMS,
    _SEVERITIES,
    _TARGETS,
    IMPORT_COLUMNS,
    _cell_text,
    _Sheet,
)
from services.intake_form import (
    _NAME_FIELDS,
    _NAME_LIMITS,
    _TEXT_LIMITS,
    DATE_FIELDS,
    CleanIntake,
    HouseholdData,
    _household_values,
    _national_code,
    choice_of,
    clean_intake,
    programme_b_problems,
    typed_code,
)

FAIL: Any = object()
"""A cell some check refuses (or cannot take column-wise): its row is checked row by row."""

_PLAIN_CODE = re.compile(r"[0-9]{10}", re.ASCII)
_PLAIN_MOBILE = re.compile(r"09[0-9]{9}", re.ASCII)

Row = tuple[str, str, tuple[str, str], CleanIntake]
"""(programme code, national code, (province, county) as typed and normalised, clean form)."""


def plain_national_code(code: str) -> bool:
    """A national code typed as its 10 Latin digits, not all alike, the check digit right: what
    Form 1's check gives back unchanged."""
    return bool(_PLAIN_CODE.fullmatch(code)) and code.count(code[0]) < 10 and int(code[9]) == check_digit(code[:9])


def plain_mobile(mobile: str) -> bool:
    """A mobile typed as 11 Latin digits from 09: what Form 1's check gives back unchanged."""
    return bool(_PLAIN_MOBILE.fullmatch(mobile))


def _ok(check: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    try:
        return check(*args, **kwargs)
    except InvalidInput:
        return FAIL


def _choice(table: dict[str, str], text: str) -> str:
    """As ``_parse_row``'s ``choose``: "" for an empty cell, the code, or FAIL."""
    if not text:
        return ""
    return table.get(text) or table.get(text.lower()) or FAIL


def _boolean(text: str, empty: Any) -> Any:
    if not text:
        return empty
    found = _BOOLEANS.get(text.lower())
    return FAIL if found is None else found


def _checks(today: date) -> dict[str, Callable[[str], Any]]:
    """Per column key: cell text → the value the row-by-row checks end with, or FAIL."""

    def vocabulary(table: dict[str, str], vocab: dict, key: str, label_fa: str, optional: bool) -> Callable[[str], Any]:
        def check(text: str) -> Any:
            code = _choice(table, text)
            return FAIL if code is FAIL else _ok(choice_of, code, vocab, key, label_fa, optional=optional)
        return check

    def a_date(key: str, label_fa: str, required: bool) -> Callable[[str], Any]:
        def check(text: str) -> Any:
            if not text:
                return FAIL if required else _ok(validate.optional_date, None, field=key, label_fa=label_fa, not_after=today)
            found = _ok(parse_jalali_date, text, field=key)
            if found is FAIL:
                return FAIL
            return _ok(validate.optional_date, found, field=key, label_fa=label_fa, not_after=today)
        return check

    def count(key: str, limit: int) -> Callable[[str], Any]:
        return lambda text: _ok(parse_int, text or "0", field=key, label_fa=_BY_KEY[key].header, minimum=0, maximum=limit)

    def name(key: str, label_fa: str) -> Callable[[str], Any]:
        return lambda text: _ok(validate.person_name, text, field=key, label_fa=label_fa, max_length=_NAME_LIMITS[key],
                                required=key != "father_name")

    def free_text(key: str, label_fa: str, limit: int) -> Callable[[str], Any]:
        return lambda text: _ok(validate.clean_text, text, field=key, label_fa=label_fa, max_length=limit)

    def national_code(text: str) -> Any:
        return text if plain_national_code(text) else _ok(_national_code, text)

    def mobile(text: str) -> Any:  # (typed and not blank, the mobile stored)
        if plain_mobile(text):
            return True, text
        typed = _ok(typed_code, text, "mobile", "شماره همراه")
        if typed is FAIL:
            return FAIL
        stored = _ok(normalize_mobile, typed) if typed else ""
        return FAIL if stored is FAIL else (bool(typed.strip()), stored)

    def landline(text: str) -> Any:
        typed = _ok(typed_code, text, "landline", "تلفن ثابت")
        return FAIL if typed is FAIL else _ok(normalize_landline, typed)

    checks: dict[str, Callable[[str], Any]] = {
        "program": lambda text: _choice(_PROGRAMS, text) or FAIL,
        "province": normalize_persian,
        "county": lambda text: text or FAIL,
        "channel": vocabulary(_CHANNELS, catalog.CHANNELS, "channel", "مسیر دریافت درخواست", False),
        "national_code": national_code,
        "gender": vocabulary(_GENDERS, catalog.GENDERS, "gender", "جنسیت", False),
        "head_of_household": lambda text: _boolean(text, None),
        "mobile": mobile,
        "landline": landline,
        "covering_domain": vocabulary(_COVERING, catalog.COVERING_DOMAINS, "covering_domain", "حوزه تحت پوشش", True),
        "target_group": vocabulary(_TARGETS, catalog.TARGET_GROUPS, "target_group", "جامعه هدف", True),
        "discount_holder": lambda text: _boolean(text, False),
        "severity": lambda text: _choice(_SEVERITIES, text),
        "marital_status": lambda text: _choice(_MARITAL, text),
    }
    for key, label_fa in DATE_FIELDS:
        checks[key] = a_date(key, label_fa, required=key == "applied_on")
    for key, limit in _COUNTS.items():
        checks[key] = count(key, limit)
    for key, label_fa in _NAME_FIELDS:
        checks[key] = name(key, label_fa)
    for key, label_fa, limit in _TEXT_LIMITS:
        checks[key] = free_text(key, label_fa, limit)
    return checks


_KEYS = tuple(c.key for c in IMPORT_COLUMNS)
# the order clean_rows unpacks a row's values in
assert _KEYS == (
    "program", "province", "county", "channel", "applied_on", "national_code", "first_name", "last_name", "gender",
    "head_of_household", "father_name", "birth_certificate_no", "birth_date", "mobile", "landline", "covering_domain",
    "target_group", "job_field", "discount_holder", "work_address", "home_address", "licence_no", "licence_date",
    "disabled_members", "severity", "marital_status", "dependants", "insured_years",
), _KEYS


def _column(cells: tuple[Any, ...], check: Callable[[str], Any]) -> list[Any]:
    """``check`` of each cell's text, run once per distinct cell. Text and number cells only
    (as :meth:`_Sheet.row` reads them); any other kind of cell is FAIL. Numbers are keyed
    apart from text (and from booleans: 1.0 == True)."""
    seen: dict[Any, Any] = {}
    out = []
    append = out.append
    for value in cells:
        kind = type(value)
        key = value if kind is str else (kind, value)
        found = seen.get(key, seen)
        if found is seen:
            if value is None or value == "":
                found = check("")
            elif kind is str or kind is float:
                found = check(_cell_text(value))
            else:  # a date, a boolean, an error cell: the row-by-row checks say what to fix
                found = FAIL
            seen[key] = found
        append(found)
    return out


def clean_rows(sheet: _Sheet, today: date) -> list[Row | None]:
    """Per row of ``sheet`` (in order): what the row-by-row checks give for a row they find
    nothing wrong with, or None when they must look at the row themselves. Every column of
    the template must be in the file (else every row is None)."""
    if not sheet.rows or any(key not in sheet.positions for key in _KEYS):
        return [None] * len(sheet.rows)
    width = max(sheet.positions.values()) + 1
    padding = (None,) * width
    table = list(zip(*((cells if len(cells) >= width else (*cells, *padding)[:width]) for _, cells in sheet.rows)))
    checks = _checks(today)
    columns = [_column(table[sheet.positions[key]], checks[key]) for key in _KEYS]
    passed: list[tuple | None] = []  # per row: (its values, its household's key), None when a check refused a cell
    for values in zip(*columns):
        if FAIL in values:
            passed.append(None)
            continue
        program, gender, head, (mobile_typed, _) = values[0], values[8], values[9], values[13]
        disabled, severity, marital, dependants, insured = values[23:]
        if program == ProgramCode.B and (programme_b_problems(gender, head) or not mobile_typed):
            passed.append(None)
            continue
        if program == ProgramCode.A and not marital:  # programme A scores the marital status
            passed.append(None)
            continue
        passed.append((values, (program, disabled, severity or None, marital or "single", dependants, insured, None)))
    households = households_pass({found[1] for found in passed if found is not None})
    out: list[Row | None] = []
    for found in passed:
        if found is None or not households[found[1]]:
            out.append(None)
            continue
        values, household_key = found
        (program, province, county, channel, applied_on, national_code, first_name, last_name, gender, head,
         father_name, birth_certificate_no, birth_date, (mobile_typed, mobile), landline, covering, target_group,
         job_field, discount, work_address, home_address, licence_no, licence_date, *_) = values
        clean = clean_intake(
            program, national_code, {"first_name": first_name, "last_name": last_name, "father_name": father_name},
            gender, channel, covering, target_group, mobile, landline, applied_on,
            {"applied_on": applied_on, "birth_date": birth_date, "licence_date": licence_date},
            {"birth_certificate_no": birth_certificate_no, "home_address": home_address, "work_address": work_address,
             "job_field": job_field, "licence_no": licence_no},
            bool(discount), HouseholdData(*household_key[1:]),
        )
        out.append((program, national_code, (province, county), clean))
    return out


def households_pass(keys: Iterable[tuple]) -> dict[tuple, bool]:
    """Whether each distinct household — (programme code, then :class:`HouseholdData`'s values in
    order) — passes Form 1's household check (:func:`services.intake_form._household_values`: the
    scoring rules' counts, severity and marital status). Households without a need grade (all an
    import has) go through the vectorised rules at once (:func:`lib.scoring.score_many`, the same
    rules); when those refuse any, or for the others, each is checked on its own, which says which."""
    keys = list(keys)
    result: dict[tuple, bool] = {}
    ungraded = [key for key in keys if key[-1] is None]
    if ungraded:
        frame = pd.DataFrame.from_records([key[1:] for key in ungraded], columns=[f.name for f in fields(HouseholdData)])
        try:
            score_many(frame, require_need_grade=False)
        except Exception:  # the first refusal (or anything unusual): household by household below
            pass
        else:
            result = dict.fromkeys(ungraded, True)
    for key in keys:
        if key not in result:
            result[key] = _ok(_household_values, key) is not FAIL
    return result
