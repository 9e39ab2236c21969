"""The import spreadsheet: its columns, the template to fill, and reading a filled file's rows.

Checking and writing the rows is :mod:`services.imports`' business. Nothing here imports Streamlit.
"""
from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

from collections.abc import Iterable

from sqlmodel import Session

from lib import catalog
from lib.errors import InvalidInput
from lib.scoring import (
    MARITAL_LABELS,
    MAX_DEPENDANTS,
    MAX_DISABLED_MEMBERS,
    MAX_INSURED_YEARS,
    SEVERITY_LABELS,
)
from lib.text import normalize_persian, to_persian_digits
from lib.workflow import PROGRAM_LABELS
from services.applicants import county_choices
from services.applications import CleanIntake

MAX_IMPORT_ROWS = 20_000
MAX_IMPORT_BYTES = 10 * 1024 * 1024
HEADER_ROW = 1
SHEET_CASES = "درخواست‌ها"
SHEET_HELP = "راهنما"
SHEET_COUNTIES = "شهرستان‌ها"

YES, NO = "بله", "خیر"
_PROGRAM_NAMES = {"A": "الف", "B": "ب"}


@dataclass(frozen=True)
class ImportColumn:
    key: str  # IntakeData / HouseholdData attribute, or "program", "province", "county"
    header: str  # the Persian header in the file
    required: bool
    help: str
    allowed: tuple[str, ...] = ()
    text: bool = False  # typed as text in the template (codes, phones, dates)
    width: int = 18


_DATE_HELP = "تاریخ شمسی به شکل سال/ماه/روز، مثلاً ۱۴۰۳/۰۵/۱۲ (ستون متنی است)"

IMPORT_COLUMNS: tuple[ImportColumn, ...] = (
    ImportColumn("program", "برنامه", True, "«الف» سهم بیمه خویش‌فرما (بهزیستی)، «ب» بیمه زنان سرپرست خانوار (کمیته امداد)",
                 tuple(_PROGRAM_NAMES.values()), width=10),
    ImportColumn("province", "استان", False, "نام استان؛ اگر خالی بماند از روی نام شهرستان پیدا می‌شود"),
    ImportColumn("county", "شهرستان", True, "نام شهرستان محل پرونده، همان‌گونه که در فهرست شهرستان‌ها آمده است"),
    ImportColumn("channel", "مسیر دریافت درخواست", True, "راهی که درخواست از آن رسیده است",
                 tuple(catalog.CHANNELS.values()), width=24),
    ImportColumn("applied_on", "تاریخ درخواست", True, _DATE_HELP + "؛ نه در آینده", text=True, width=14),
    ImportColumn("national_code", "کد ملی", True, "۱۰ رقم کارت ملی (با صفرهای آغاز)", text=True, width=14),
    ImportColumn("first_name", "نام", True, "نام متقاضی"),
    ImportColumn("last_name", "نام خانوادگی", True, "نام خانوادگی متقاضی"),
    ImportColumn("gender", "جنسیت", True, "جنسیت متقاضی (نامه‌ها و صورت‌جلسه‌ها او را «خانم» یا «آقای» خطاب می‌کنند)",
                 tuple(catalog.GENDERS.values()), width=8),
    ImportColumn("head_of_household", "سرپرست خانوار", False,
                 f"در برنامه ب لازم است و باید «{YES}» باشد (این برنامه فقط زنان سرپرست خانوار را می‌پذیرد)؛ "
                 "در برنامه الف خالی بماند", (YES, NO), width=12),
    ImportColumn("father_name", "نام پدر", False, "نام پدر"),
    ImportColumn("birth_certificate_no", "شماره شناسنامه", False, "شماره شناسنامه", text=True, width=14),
    ImportColumn("birth_date", "تاریخ تولد", False, _DATE_HELP, text=True, width=14),
    ImportColumn("mobile", "تلفن همراه", False, "۱۱ رقم با ۰۹ در آغاز؛ در برنامه ب لازم است (پیامک مراحل)", text=True, width=14),
    ImportColumn("landline", "تلفن ثابت", False, "با پیش‌شماره شهر، مثلاً ۰۲۱۸۸۷۷۶۶۵۵", text=True, width=14),
    ImportColumn("covering_domain", "حوزه تحت پوشش", False, "معاونت پوشش‌دهنده متقاضی",
                 tuple(catalog.COVERING_DOMAINS.values())),
    ImportColumn("target_group", "جامعه هدف", False, "گروه هدف متقاضی", tuple(catalog.TARGET_GROUPS.values()), width=30),
    ImportColumn("job_field", "رشته شغلی", False, "شغلی که متقاضی ایجاد کرده است", width=22),
    ImportColumn("discount_holder", "تخفیف دولتی در رشته شغلی شناسه‌دار", False,
                 "«بله» اگر متقاضی در رشته شغلی شناسه‌دار تخفیف بیمه دولتی می‌گیرد (در اولویت آخر قرار می‌گیرد)؛ خالی یعنی خیر",
                 (YES, NO), width=14),
    ImportColumn("work_address", "نشانی محل کار", False, "نشانی محل کار", width=30),
    ImportColumn("home_address", "نشانی منزل", False, "نشانی منزل", width=30),
    ImportColumn("licence_no", "شماره مجوز", False, "شماره مجوز کسب‌وکار (فرم شماره ۲)", text=True),
    ImportColumn("licence_date", "تاریخ مجوز", False, _DATE_HELP, text=True, width=14),
    ImportColumn("disabled_members", "تعداد اعضای معلول خانواده", False,
                 f"عدد صحیح از ۰ تا {to_persian_digits(MAX_DISABLED_MEMBERS)}؛ خالی یعنی ۰", width=12),
    ImportColumn("severity", "شدت معلولیت", False, "شدت معلولیتِ شدیدترین عضو معلول؛ اگر عضو معلول ندارد خالی بماند",
                 tuple(SEVERITY_LABELS.values()), width=12),
    ImportColumn("marital_status", "وضعیت تأهل", False, "در برنامه الف لازم است", tuple(MARITAL_LABELS.values()), width=14),
    ImportColumn("dependants", "تعداد افراد تحت تکفل", False,
                 f"عدد صحیح از ۰ تا {to_persian_digits(MAX_DEPENDANTS)}؛ خالی یعنی ۰", width=12),
    ImportColumn("insured_years", "سابقه پرداخت حق بیمه (سال)", False,
                 f"سال‌های کامل پرداخت حق بیمه، از ۰ تا {to_persian_digits(MAX_INSURED_YEARS)}؛ خالی یعنی ۰", width=12),
)
_BY_KEY = {c.key: c for c in IMPORT_COLUMNS}
_COUNTS = {
    "disabled_members": MAX_DISABLED_MEMBERS,
    "dependants": MAX_DEPENDANTS,
    "insured_years": MAX_INSURED_YEARS,
}
_DATES = ("applied_on", "birth_date", "licence_date")


def _header_of(field_name: str | None) -> str:
    """The column a validation problem belongs to (its ``field``); the national code otherwise."""
    column = _BY_KEY.get(field_name or "") or _BY_KEY["national_code"]
    return column.header


def _lookup(vocabulary: dict[str, str]) -> dict[str, str]:
    """Persian label or code → code (labels normalised as people type them)."""
    table = {normalize_persian(label_fa): code for code, label_fa in vocabulary.items()}
    table.update({code.lower(): code for code in vocabulary})
    return table


_PROGRAMS = {
    **{normalize_persian(n): code for code, n in _PROGRAM_NAMES.items()},
    **{normalize_persian(label_fa): code.value for code, label_fa in PROGRAM_LABELS.items()},
    "a": "A",
    "b": "B",
}
_CHANNELS = _lookup(catalog.CHANNELS)
_COVERING = _lookup(catalog.COVERING_DOMAINS)
_TARGETS = _lookup(catalog.TARGET_GROUPS)
_SEVERITIES = _lookup({k.value: v for k, v in SEVERITY_LABELS.items()})
_GENDERS = _lookup(catalog.GENDERS)
_MARITAL = _lookup({k.value: v for k, v in MARITAL_LABELS.items()})
_BOOLEANS = {YES: True, "yes": True, "true": True, "1": True, NO: False, "no": False, "false": False, "0": False}


def _allowed(column: ImportColumn) -> str:
    return "، ".join(f"«{v}»" for v in column.allowed)


# --------------------------------------------------------------------------- template
def import_template(session: Session | None = None, rows: Iterable[dict[str, Any]] = ()) -> bytes:
    """The spreadsheet to fill: a header row in Persian, drop-down lists for the fixed
    vocabularies, text columns for codes, phones and dates, a right-to-left sheet view, a
    second sheet explaining each column and, with a session, a third listing the counties.

    ``rows`` (mappings keyed by :attr:`ImportColumn.key`) are written under the header: a file
    prepared by a script, a benchmark or a test."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    sheet = book.active
    sheet.title = SHEET_CASES
    sheet.sheet_view.rightToLeft = True
    sheet.freeze_panes = "A2"
    required_fill = PatternFill("solid", fgColor="F6D7A7")
    optional_fill = PatternFill("solid", fgColor="DDEBEA")
    last_row = MAX_IMPORT_ROWS + HEADER_ROW
    for index, column in enumerate(IMPORT_COLUMNS, start=1):
        letter = get_column_letter(index)
        cell = sheet.cell(row=HEADER_ROW, column=index, value=column.header)
        cell.font = Font(bold=True)
        cell.fill = required_fill if column.required else optional_fill
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        sheet.column_dimensions[letter].width = column.width
        if column.text:
            sheet.column_dimensions[letter].number_format = "@"
        if column.allowed:
            rule = DataValidation(
                type="list",
                formula1='"' + ",".join(column.allowed) + '"',
                allow_blank=not column.required,
                showErrorMessage=True,
                errorTitle=column.header,
                error="یکی از مقادیر فهرست را انتخاب کنید.",
            )
            rule.add(f"{letter}{HEADER_ROW + 1}:{letter}{last_row}")
            sheet.add_data_validation(rule)
    sheet.row_dimensions[HEADER_ROW].height = 36
    for values in rows:
        sheet.append([values.get(column.key) for column in IMPORT_COLUMNS])

    guide = book.create_sheet(SHEET_HELP)
    guide.sheet_view.rightToLeft = True
    guide.append(["ستون", "لازم است؟", "توضیح", "مقادیر مجاز"])
    for cell in guide[1]:
        cell.font = Font(bold=True)
    for column in IMPORT_COLUMNS:
        guide.append([column.header, YES if column.required else NO, column.help, "، ".join(column.allowed)])
    guide.append([])
    guide.append(["", "", "هر ردیف یک درخواست است؛ ردیف اول (عنوان ستون‌ها) را تغییر ندهید. "
                  f"حداکثر {to_persian_digits(MAX_IMPORT_ROWS)} ردیف در هر فایل. ستون‌های نارنجی لازم‌اند.", ""])
    for letter, width in zip("ABCD", (30, 10, 70, 60)):
        guide.column_dimensions[letter].width = width
        for cell in guide[letter]:
            cell.alignment = Alignment(wrap_text=True, vertical="top")

    if session is not None:
        places = book.create_sheet(SHEET_COUNTIES)
        places.sheet_view.rightToLeft = True
        places.append(["استان", "شهرستان"])
        for cell in places[1]:
            cell.font = Font(bold=True)
        counties = county_choices(session)
        for _, county, province in counties:
            places.append([province, county])
        places.column_dimensions["A"].width = places.column_dimensions["B"].width = 24
        county_letter = get_column_letter(list(_BY_KEY).index("county") + 1)
        rule = DataValidation(
            type="list",
            formula1=f"'{SHEET_COUNTIES}'!$B$2:$B${len(counties) + 1}",
            allow_blank=False,
            showErrorMessage=True,
            errorTitle="شهرستان",
            error="نام شهرستان را از فهرست انتخاب کنید.",
        )
        rule.add(f"{county_letter}{HEADER_ROW + 1}:{county_letter}{last_row}")
        sheet.add_data_validation(rule)

    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --------------------------------------------------------------------------- reading
@dataclass(frozen=True)
class ImportProblem:
    row: int  # as Excel numbers it (the header is row 1)
    column: str  # the Persian header
    message: str


@dataclass(frozen=True)
class ImportReport:
    """What validation found: every problem, and the rows that are clean."""

    sha256: str
    total_rows: int
    problems: tuple[ImportProblem, ...]
    clean_rows: tuple[int, ...]

    @property
    def is_clean(self) -> bool:
        return not self.problems and self.total_rows > 0

    @property
    def problem_rows(self) -> tuple[int, ...]:
        return tuple(sorted({p.row for p in self.problems if p.row > HEADER_ROW}))


@dataclass(frozen=True)
class ImportedCase:
    row: int
    application_id: int
    tracking_code: str
    full_name: str


@dataclass(frozen=True)
class ImportResult:
    sha256: str
    imported: tuple[ImportedCase, ...]
    skipped_rows: tuple[int, ...]


@dataclass
class _Row:
    number: int
    raw: dict[str, Any]
    text: dict[str, str]  # the cells as typed text (:func:`_cell_text`)
    problems: list[ImportProblem] = field(default_factory=list)
    county: tuple[int, int] | None = None  # (county id, province id)
    program: str = ""
    national_code: str = ""  # normalised, when valid
    clean: CleanIntake | None = None

    def problem(self, key_or_header: str, message: str) -> None:
        header = _BY_KEY[key_or_header].header if key_or_header in _BY_KEY else key_or_header
        self.problems.append(ImportProblem(self.number, header, message))


def _cell_text(value: Any) -> str:
    """A cell as typed text (numbers without a trailing .0)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value)
    if text.isascii() and text.isdigit():  # codes and phone numbers: nothing to normalise
        return text
    return normalize_persian(text)


def _unreadable() -> InvalidInput:
    return InvalidInput(
        "این فایل اکسل (xlsx) خوانا نیست؛ فایل نمونه را دریافت کنید، پر کنید و با پسوند .xlsx ذخیره کنید.",
        field="file",
    )


class _Sheet:
    """The filled rows of an import file as read: (Excel row number, cells) each, and where each
    column is (column key → position in a row's cells). :meth:`row` gives one row's cells
    keyed by column, raw and as text (each distinct text normalised once per sheet)."""

    def __init__(self, positions: dict[str, int], rows: list[tuple[int, list[Any]]]) -> None:
        self.positions = positions
        self.rows = rows
        self._texts: dict[str, str] = {"": ""}  # a text cell → its normalised text: rows repeat names, places, dates
        self._numbers: dict[float, str] = {}  # a number cell → its text (kept apart: 1.0 == True as a key)

    def row(self, number: int, cells: list[Any]) -> _Row:
        texts, numbers = self._texts, self._numbers
        width = len(cells)
        raw: dict[str, Any] = {}
        text: dict[str, str] = {}
        for key, i in self.positions.items():  # one pass: the raw cell (None when empty) and its text
            value = cells[i] if i < width else None
            if value is None or value == "":
                raw[key] = None
                text[key] = ""
                continue
            raw[key] = value
            if type(value) is str:
                found = texts.get(value)
                if found is None:
                    found = texts[value] = _cell_text(value)
                text[key] = found
            elif type(value) is float:  # counts typed as numbers
                found = numbers.get(value)
                if found is None:
                    found = numbers[value] = _cell_text(value)
                text[key] = found
            else:
                text[key] = _cell_text(value)
        return _Row(number, raw, text)

    def all_rows(self) -> list[_Row]:
        return [self.row(number, cells) for number, cells in self.rows]


def _read_rows(content: bytes) -> tuple[_Sheet, list[ImportProblem]]:
    """The filled rows of the first sheet (:class:`_Sheet`), and problems of the file itself.

    Read with python-calamine (Rust; about ten times faster than openpyxl on 20,000 rows). It
    gives an empty cell as "" (here None, as a cell never filled), a number as a float and a
    date cell as a date, so the checks see what openpyxl gave them."""
    from python_calamine import CalamineWorkbook

    if not content:
        raise InvalidInput("فایل خالی است؛ فایل اکسل پرشده را بارگذاری کنید.", field="file")
    if len(content) > MAX_IMPORT_BYTES:
        raise InvalidInput(
            f"فایل بزرگ‌تر از {to_persian_digits(MAX_IMPORT_BYTES // (1024 * 1024))} مگابایت است؛ آن را به چند فایل کوچک‌تر تقسیم کنید.",
            field="file",
        )
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(content))
        names = book.sheet_names
        sheet = book.get_sheet_by_name(SHEET_CASES if SHEET_CASES in names else names[0])
        # row 1 of the list is row 1 of the sheet even when the first rows are empty
        values = sheet.to_python(skip_empty_area=False)
    except Exception:  # a damaged or foreign file fails in many ways inside the reader
        raise _unreadable() from None
    header = values[0] if values else []
    names = [normalize_persian(str(h)) if h not in (None, "") else "" for h in header]
    by_header = {c.header: c for c in IMPORT_COLUMNS}
    positions = {by_header[n].key: i for i, n in enumerate(names) if n in by_header}
    file_problems = [
        ImportProblem(HEADER_ROW, c.header, f"ستون «{c.header}» در ردیف عنوان‌ها نیست؛ عنوان ستون‌ها را از فایل نمونه بردارید.")
        for c in IMPORT_COLUMNS
        if c.required and c.key not in positions
    ]
    data: list[tuple[int, list[Any]]] = []
    for number, cells in enumerate(values[1:], start=HEADER_ROW + 1):
        first = cells[0] if cells else None
        # a filled first cell (the programme) is the common case; otherwise look at every cell
        if not (type(first) is str and first.strip()) and all(
                v is None or (isinstance(v, str) and not v.strip()) for v in cells):
            continue
        if len(data) >= MAX_IMPORT_ROWS:
            raise InvalidInput(
                f"فایل بیش از {to_persian_digits(MAX_IMPORT_ROWS)} ردیف دارد؛ آن را به چند فایل تقسیم کنید.",
                field="file",
            )
        data.append((number, cells))
    if not data and not file_problems:
        raise InvalidInput("فایل هیچ ردیف پرشده‌ای ندارد؛ هر درخواست را در یک ردیف زیر عنوان‌ها بنویسید.", field="file")
    return _Sheet(positions, data), file_problems
