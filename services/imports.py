"""Intake shared by the form and the spreadsheet: Form 1 validation, the applicant on file, and
the bulk import of cases from Excel.

* :func:`check_intake` validates one Form 1 (:class:`services.applications.IntakeData`) and
  returns *every* problem, each an :class:`InvalidInput` whose ``field`` names the input. The
  import reports them per cell; a form raises the first. It reuses the checks of ``lib`` and of
  ``services.applications`` (required text, vocabularies, household through the scoring rules).
* :func:`applicant_on_file` is what the intake form shows when a national code is typed: who the
  person is and their cases, as plain data.
* :func:`import_template`, :func:`validate_import`, :func:`import_applications`: an ``.xlsx``
  with one row per case. Validation checks every row and reports every problem as (row as in
  Excel, Persian column header, Persian message). Nothing is imported until the file is clean,
  unless the user explicitly asks for the clean rows only; the rows then go in one transaction
  (all or nothing), each with its tracking code, timeline event, SMS and audit record, plus one
  audit record for the import (file sha256 and counts).

Speed: the file is read once; national codes, applicants, open cases, counties and taken
tracking codes are loaded in bulk (a few queries per thousand rows); the rows are written with
batched inserts (SQLAlchemy's insertmanyvalues). Nothing here imports Streamlit.
"""
from __future__ import annotations

import hashlib
import io
import json
import secrets
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from db.models import (
    Applicant,
    Application,
    ApplicationEvent,
    AuditLog,
    County,
    Household,
    Notification,
    Program,
    Province,
    utcnow,
)
from lib import catalog
from lib.errors import Forbidden, InvalidInput
from lib.identifiers import normalize_landline, normalize_mobile, normalize_national_code
from lib.jalali import format_jalali, jalali_year_of, parse_jalali_date
from lib.permissions import Action, Area
from lib.scoring import (
    MARITAL_LABELS,
    MAX_DEPENDANTS,
    MAX_DISABLED_MEMBERS,
    MAX_INSURED_YEARS,
    SEVERITY_LABELS,
)
from lib.text import ltr, normalize_persian, parse_int, to_persian_digits
from lib.workflow import OPEN_STATES, PROGRAM_LABELS, ProgramCode, State
from services.applications import (
    CleanIntake,
    HouseholdData,
    IntakeData,
    check_intake,
    find_applicant,
    tracking_code_candidate,
    validate_household,
)
from services.base import Actor, area_conditions, audit, snapshot
from services.notify import state_message

T = TypeVar("T")

__all__ = [
    "CleanIntake",
    "check_intake",
    "tracking_code_candidate",
    "ApplicantCase",
    "ApplicantOnFile",
    "applicant_on_file",
    "county_choices",
    "ImportColumn",
    "IMPORT_COLUMNS",
    "ImportProblem",
    "ImportReport",
    "ImportedCase",
    "ImportResult",
    "import_template",
    "validate_import",
    "import_applications",
    "MAX_IMPORT_ROWS",
    "MAX_IMPORT_BYTES",
]


def _chunks(items: Sequence[T], size: int = 900) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _free_tracking_codes(session: Session, keys: Sequence[tuple[str, date]]) -> list[str]:
    """One unused tracking code per (programme, date), checked against the database in bulk."""
    codes = [tracking_code_candidate(p, d) for p, d in keys]
    pending = list(range(len(codes)))
    for _ in range(20):
        taken: set[str] = set()
        for chunk in _chunks([codes[i] for i in pending]):
            taken.update(session.exec(select(Application.tracking_code).where(Application.tracking_code.in_(chunk))).all())  # type: ignore[attr-defined]
        pending_set = set(pending)
        seen = {code for i, code in enumerate(codes) if i not in pending_set}
        retry = []
        for i in pending:
            if codes[i] in taken or codes[i] in seen:
                retry.append(i)
            else:
                seen.add(codes[i])
        if not retry:
            return codes
        for i in retry:
            codes[i] = tracking_code_candidate(*keys[i])
        pending = retry
    raise RuntimeError("could not find free tracking codes")  # pragma: no cover


# =========================================================================== applicant on file
@dataclass(frozen=True)
class ApplicantCase:
    application_id: int
    tracking_code: str
    program: str
    state: str
    applied_on: date
    open: bool


@dataclass(frozen=True)
class ApplicantOnFile:
    """A person already on file, as the intake form shows and prefills them (plain data)."""

    applicant_id: int
    national_code: str
    full_name: str
    county_id: int
    fields: dict[str, Any]  # Applicant columns for prefilling Form 1
    last_case: dict[str, Any]  # Form 1 columns of the newest case ({} when none)
    cases: tuple[ApplicantCase, ...]


def applicant_on_file(session: Session, actor: Actor, national_code: str) -> ApplicantOnFile | None:
    """The applicant with this national code and their cases in the actor's area, or None.

    InvalidInput for a malformed code; Forbidden when the person is on file in another area
    (:func:`services.applications.find_applicant`)."""
    actor.require(Action.intake)
    applicant = find_applicant(session, actor, national_code)
    if applicant is None:
        return None
    rows = session.exec(
        select(Application, Program.code)
        .join(Program, Program.id == Application.program_id)
        .where(Application.applicant_id == applicant.id, *area_conditions(actor, Application))
        .order_by(Application.applied_on.desc(), Application.id.desc())  # type: ignore[attr-defined]
    ).all()
    cases = tuple(
        ApplicantCase(
            application_id=a.id,
            tracking_code=a.tracking_code,
            program=code,
            state=a.state,
            applied_on=a.applied_on,
            open=State(a.state) in OPEN_STATES,
        )
        for a, code in rows
    )
    newest = rows[0][0] if rows else None
    form_columns = ("covering_domain", "target_group", "job_field", "discount_holder", "licence_no", "licence_date")
    fields = {
        name: getattr(applicant, name)
        for name in (
            "first_name", "last_name", "father_name", "birth_certificate_no", "birth_date",
            "mobile", "landline", "home_address", "work_address",
        )
    }
    return ApplicantOnFile(
        applicant_id=applicant.id,
        national_code=applicant.national_code,
        full_name=f"{applicant.first_name} {applicant.last_name}",
        county_id=applicant.county_id,
        fields=fields,
        last_case={name: getattr(newest, name) for name in form_columns} if newest else {},
        cases=cases,
    )


def county_choices(session: Session) -> list[tuple[int, str, str]]:
    """Every county as (id, county name, province name), ordered by province then county."""
    return [
        (county_id, county, province)
        for county_id, county, province in session.exec(
            select(County.id, County.name, Province.name)
            .join(Province, Province.id == County.province_id)
            .order_by(Province.name, County.name)
        ).all()
    ]


# =========================================================================== the spreadsheet
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
    return normalize_persian(str(value))


def _unreadable() -> InvalidInput:
    return InvalidInput(
        "این فایل اکسل (xlsx) خوانا نیست؛ فایل نمونه را دریافت کنید، پر کنید و با پسوند .xlsx ذخیره کنید.",
        field="file",
    )


def _read_rows(content: bytes) -> tuple[list[_Row], list[ImportProblem]]:
    """The data rows of the first sheet keyed by column, and problems of the file itself."""
    from openpyxl import load_workbook

    if not content:
        raise InvalidInput("فایل خالی است؛ فایل اکسل پرشده را بارگذاری کنید.", field="file")
    if len(content) > MAX_IMPORT_BYTES:
        raise InvalidInput(
            f"فایل بزرگ‌تر از {to_persian_digits(MAX_IMPORT_BYTES // (1024 * 1024))} مگابایت است؛ آن را به چند فایل کوچک‌تر تقسیم کنید.",
            field="file",
        )
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # a damaged or foreign file fails in many ways inside openpyxl
        raise _unreadable() from None
    try:
        sheet = book[SHEET_CASES] if SHEET_CASES in book.sheetnames else book.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = next(rows, None) or ()
        names = [normalize_persian(str(h)) if h is not None else "" for h in header]
        by_header = {c.header: c for c in IMPORT_COLUMNS}
        positions = {by_header[n].key: i for i, n in enumerate(names) if n in by_header}
        file_problems = [
            ImportProblem(HEADER_ROW, c.header, f"ستون «{c.header}» در ردیف عنوان‌ها نیست؛ عنوان ستون‌ها را از فایل نمونه بردارید.")
            for c in IMPORT_COLUMNS
            if c.required and c.key not in positions
        ]
        data: list[_Row] = []
        for number, values in enumerate(rows, start=HEADER_ROW + 1):
            if not values or all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
                continue
            if len(data) >= MAX_IMPORT_ROWS:
                raise InvalidInput(
                    f"فایل بیش از {to_persian_digits(MAX_IMPORT_ROWS)} ردیف دارد؛ آن را به چند فایل تقسیم کنید.",
                    field="file",
                )
            raw = {key: values[i] if i < len(values) else None for key, i in positions.items()}
            data.append(_Row(number, raw))
    except InvalidInput:
        raise
    except Exception:
        raise _unreadable() from None
    finally:
        book.close()
    if not data and not file_problems:
        raise InvalidInput("فایل هیچ ردیف پرشده‌ای ندارد؛ هر درخواست را در یک ردیف زیر عنوان‌ها بنویسید.", field="file")
    return data, file_problems


# --------------------------------------------------------------------------- checking
@dataclass
class _Places:
    """Counties by normalised name: name → [(county id, province id, province name)]."""

    by_name: dict[str, list[tuple[int, int, str]]]
    province_of: dict[int, int]  # county id → province id

    @classmethod
    def load(cls, session: Session) -> "_Places":
        by_name: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
        province_of: dict[int, int] = {}
        for county_id, county, province_id, province in session.exec(
            select(County.id, County.name, County.province_id, Province.name).join(Province, Province.id == County.province_id)
        ).all():
            by_name[normalize_persian(county)].append((county_id, province_id, normalize_persian(province)))
            province_of[county_id] = province_id
        return cls(dict(by_name), province_of)


_CHECKED_BY_INTAKE = frozenset({"national_code", "first_name", "last_name", "channel"})
_HOUSEHOLD_KEYS = frozenset({"disabled_members", "severity", "marital_status", "dependants", "insured_years"})


def _parse_row(row: _Row, places: _Places, actor: Actor) -> IntakeData:
    """Turn the cells into an IntakeData, recording the problems of the cells themselves
    (empty required cells that Form 1 validation does not see, unknown list values, dates,
    counts, the county); what is left to check goes through :func:`check_intake`."""
    text = {key: _cell_text(value) for key, value in row.raw.items()}
    for column in IMPORT_COLUMNS:
        if column.required and column.key not in _CHECKED_BY_INTAKE and not text.get(column.key):
            row.problem(column.key, f"«{column.header}» خالی است؛ آن را پر کنید.")

    def choose(key: str, table: dict[str, str]) -> str:
        value = text.get(key, "")
        if not value:
            return ""
        code = table.get(value) or table.get(value.lower())
        if code is None:
            column = _BY_KEY[key]
            row.problem(key, f"«{value}» در فهرست «{column.header}» نیست؛ یکی از این‌ها را بنویسید: {_allowed(column)}.")
            return ""
        return code

    program = choose("program", _PROGRAMS)
    channel = choose("channel", _CHANNELS) if text.get("channel") else ""
    covering = choose("covering_domain", _COVERING)
    target_group = choose("target_group", _TARGETS)
    severity = choose("severity", _SEVERITIES)
    marital = choose("marital_status", _MARITAL)
    if program == ProgramCode.A and not text.get("marital_status"):
        row.problem("marital_status", "برای برنامه الف «وضعیت تأهل» لازم است (در امتیازدهی به کار می‌رود)؛ آن را پر کنید.")
    discount = text.get("discount_holder", "")
    holder = _BOOLEANS.get(discount.lower()) if discount else False
    if holder is None:
        row.problem("discount_holder", f"«{discount}» پذیرفته نیست؛ «{YES}» یا «{NO}» بنویسید یا خالی بگذارید.")

    dates: dict[str, date | None] = {}
    for key in _DATES:
        value = row.raw.get(key)
        dates[key] = None
        if isinstance(value, (datetime, date)):
            row.problem(
                key,
                f"اکسل این خانه را تاریخ میلادی ({ltr(value.strftime('%Y-%m-%d'))}) خوانده است؛ قالب ستون را «متن» کنید و "
                "تاریخ شمسی بنویسید، مثلاً ۱۴۰۳/۰۵/۱۲.",
            )
        elif text.get(key):
            try:
                dates[key] = parse_jalali_date(text[key], field=key)
            except InvalidInput as exc:
                row.problem(key, exc.message)

    counts: dict[str, int] = {}
    for key, limit in _COUNTS.items():
        try:
            counts[key] = parse_int(text.get(key) or "0", field=key, label_fa=_BY_KEY[key].header, minimum=0, maximum=limit)
        except InvalidInput as exc:
            row.problem(key, exc.message)
            counts[key] = 0

    county_name = text.get("county", "")
    if county_name:
        row.county = _place(row, places, actor, normalize_persian(text.get("province", "")), county_name)

    return IntakeData(
        program=program,
        county_id=row.county[0] if row.county else 0,
        channel=channel or text.get("channel", ""),
        national_code=text.get("national_code", ""),
        first_name=text.get("first_name", ""),
        last_name=text.get("last_name", ""),
        father_name=text.get("father_name", ""),
        birth_certificate_no=text.get("birth_certificate_no", ""),
        birth_date=dates["birth_date"],
        mobile=text.get("mobile", ""),
        landline=text.get("landline", ""),
        home_address=text.get("home_address", ""),
        work_address=text.get("work_address", ""),
        covering_domain=covering,
        target_group=target_group,
        job_field=text.get("job_field", ""),
        discount_holder=bool(holder),
        licence_no=text.get("licence_no", ""),
        licence_date=dates["licence_date"],
        applied_on=dates["applied_on"],
        household=HouseholdData(
            disabled_members=counts["disabled_members"],
            severity=severity or None,
            marital_status=marital or "single",
            dependants=counts["dependants"],
            insured_years=counts["insured_years"],
        ),
    )


def _check_row(row: _Row, data: IntakeData, today: date) -> None:
    """Form 1 validation of a parsed row; a cell already reported is not reported twice (nor
    the household's combined rules when one of its cells could not be read)."""
    clean, problems = check_intake(data.program, data, today=today)
    row.program = data.program
    if not any(p.field == "national_code" for p in problems):
        row.national_code = normalize_national_code(data.national_code)
    reported = {p.column for p in row.problems}
    household_unread = any(_BY_KEY[k].header in reported for k in _HOUSEHOLD_KEYS)
    for problem in problems:
        header = _header_of(problem.field)
        if header in reported or (household_unread and problem.field in _HOUSEHOLD_KEYS):
            continue
        row.problem(header, problem.message)
    row.clean = clean if not row.problems else None


def _place(row: _Row, places: _Places, actor: Actor, province: str, county: str) -> tuple[int, int] | None:
    """(county id, province id) of a named county inside the actor's area, else a problem."""
    matches = places.by_name.get(county, [])
    if province:
        matches = [m for m in matches if m[2] == province]
    if not matches:
        where = f" در استان «{province}»" if province else ""
        row.problem("county", f"شهرستان «{county}»{where} در فهرست شهرستان‌ها نیست؛ نام را از برگه «{SHEET_COUNTIES}» فایل نمونه بردارید.")
        return None
    if len(matches) > 1:
        row.problem("province", f"چند شهرستان به نام «{county}» هست؛ نام استان را هم بنویسید.")
        return None
    county_id, province_id, _ = matches[0]
    try:
        actor.require(Action.intake, Area(province_id=province_id, county_id=county_id))
    except Forbidden:
        row.problem("county", f"شهرستان «{county}» خارج از محدوده کاری شماست؛ این ردیف را حذف کنید یا به کارشناس همان شهرستان بسپارید.")
        return None
    return county_id, province_id


@dataclass
class _OnFile:
    applicants: dict[str, Applicant]  # national code → applicant
    open_cases: dict[tuple[int, int], str]  # (applicant id, program id) → tracking code
    programs: dict[str, int]  # code → program id


def _load_on_file(session: Session, codes: Iterable[str]) -> _OnFile:
    codes = sorted(set(codes))
    applicants: dict[str, Applicant] = {}
    open_cases: dict[tuple[int, int], str] = {}
    for chunk in _chunks(codes):
        for applicant in session.exec(select(Applicant).where(Applicant.national_code.in_(chunk))).all():  # type: ignore[attr-defined]
            applicants[applicant.national_code] = applicant
    ids = sorted(a.id for a in applicants.values())
    open_states = [s.value for s in OPEN_STATES]
    for chunk in _chunks(ids):
        for applicant_id, program_id, tracking in session.exec(
            select(Application.applicant_id, Application.program_id, Application.tracking_code).where(
                Application.applicant_id.in_(chunk), Application.state.in_(open_states)  # type: ignore[attr-defined]
            )
        ).all():
            open_cases[(applicant_id, program_id)] = tracking
    programs = {p.code: p.id for p in session.exec(select(Program)).all()}
    return _OnFile(applicants, open_cases, programs)


def _analyse(session: Session, actor: Actor, content: bytes) -> tuple[ImportReport, list[_Row], _OnFile, _Places]:
    """Read and check every row; the report plus what the import needs to write."""
    actor.require(Action.intake)
    sha = hashlib.sha256(content or b"").hexdigest()
    rows, file_problems = _read_rows(content)
    places = _Places.load(session)
    today = date.today()
    for row in rows:
        _check_row(row, _parse_row(row, places, actor), today)

    first_row: dict[str, int] = {}
    for row in rows:
        code = row.national_code
        if not code:
            continue
        if code in first_row:
            row.problem(
                "national_code",
                f"این کد ملی ({ltr(to_persian_digits(code))}) در ردیف {to_persian_digits(first_row[code])} هم آمده است؛ "
                "هر متقاضی یک ردیف داشته باشد (درخواست برنامه دیگر را جداگانه وارد کنید).",
            )
        else:
            first_row[code] = row.number

    on_file = _load_on_file(session, first_row)
    for row in rows:
        applicant = on_file.applicants.get(row.national_code)
        if applicant is None:
            continue
        try:
            actor.require(Action.view_cases, _applicant_area(applicant, places))
        except Forbidden:
            row.problem(
                "national_code",
                "این کد ملی در شهرستان دیگری پرونده دارد؛ برای انتقال پرونده با کارشناس استان هماهنگ کنید و این ردیف را حذف کنید.",
            )
            continue
        tracking = on_file.open_cases.get((applicant.id, on_file.programs.get(row.program, -1)))
        if tracking is not None:
            row.problem(
                "national_code",
                f"این متقاضی در برنامه «{_PROGRAM_NAMES[row.program]}» پرونده باز با کد رهگیری {ltr(tracking)} دارد؛ این ردیف را حذف کنید.",
            )

    order = {c.header: i for i, c in enumerate(IMPORT_COLUMNS)}
    problems = [*file_problems, *sorted((p for row in rows for p in row.problems), key=lambda p: (p.row, order.get(p.column, 0)))]
    report = ImportReport(
        sha256=sha,
        total_rows=len(rows),
        problems=tuple(problems),
        clean_rows=tuple(row.number for row in rows if not row.problems and row.clean is not None),
    )
    return report, rows, on_file, places


def _applicant_area(applicant: Applicant, places: _Places) -> Area:
    return Area(province_id=places.province_of.get(applicant.county_id), county_id=applicant.county_id)


def validate_import(session: Session, actor: Actor, content: bytes) -> ImportReport:
    """Check every row of an import file; write nothing. Forbidden without the intake right."""
    report, *_ = _analyse(session, actor, content)
    session.rollback()
    return report


# --------------------------------------------------------------------------- writing
def import_applications(session: Session, actor: Actor, content: bytes, *, only_clean: bool = False) -> ImportResult:
    """Open one case per row, all in one transaction. A file with problems imports nothing,
    unless ``only_clean`` (the user's explicit choice) — then exactly the clean rows."""
    report, rows, on_file, _ = _analyse(session, actor, content)
    if report.problems and not only_clean:
        raise InvalidInput(
            f"فایل {to_persian_digits(len(report.problems))} مشکل دارد و هیچ ردیفی وارد نشد؛ مشکل‌ها را در فایل اصلاح کنید "
            "و دوباره بارگذاری کنید، یا «فقط ردیف‌های سالم» را انتخاب کنید.",
            field="file",
        )
    if any(p.row == HEADER_ROW for p in report.problems):
        raise InvalidInput("ستون‌های لازم در فایل نیستند؛ عنوان ستون‌ها را از فایل نمونه بردارید.", field="file")
    clean_numbers = set(report.clean_rows)
    chosen = [row for row in rows if row.number in clean_numbers and row.clean is not None]
    if not chosen:
        raise InvalidInput("هیچ ردیف سالمی برای ورود نیست؛ مشکل‌های فایل را اصلاح کنید.", field="file")

    try:
        imported = _write(session, actor, chosen, on_file, report.sha256)
    except IntegrityError:
        session.rollback()
        raise InvalidInput(
            "هم‌زمان با این ورود، یکی از همین متقاضیان در سامانه ثبت شد یا پرونده باز گرفت؛ هیچ ردیفی وارد نشد. "
            "فایل را دوباره بارگذاری و بررسی کنید.",
            field="file",
        ) from None
    skipped = tuple(n for n in report.problem_rows if n not in clean_numbers)
    audit(
        session,
        actor,
        "import.applications",
        "import",
        report.sha256[:16],
        after={
            "sha256": report.sha256,
            "rows": report.total_rows,
            "imported": len(imported),
            "skipped": len(skipped),
            "skipped_rows": list(skipped),
            "problems": len(report.problems),
            "only_clean": only_clean,
        },
    )
    session.commit()
    return ImportResult(sha256=report.sha256, imported=tuple(imported), skipped_rows=skipped)


def _write(session: Session, actor: Actor, chosen: list[_Row], on_file: _OnFile, sha256: str) -> list[ImportedCase]:
    """Insert the applicants, cases, households, events, SMS and per-case audit records of
    checked rows in bulk (the caller commits)."""
    now = utcnow()
    chosen_codes = {row.national_code for row in chosen}
    applicant_ids = {code: a.id for code, a in on_file.applicants.items() if code in chosen_codes}
    before: dict[str, dict] = {}
    for row in chosen:  # people on file: newer contact details win, as on the form
        applicant = on_file.applicants.get(row.national_code)
        if applicant is not None:
            before[row.national_code] = snapshot(applicant) or {}
            for key, value in row.clean.applicant.items():  # type: ignore[union-attr]
                if value not in ("", None):
                    setattr(applicant, key, value)
    session.flush()
    fresh = [row for row in chosen if row.national_code not in applicant_ids]
    if fresh:
        new_ids = session.scalars(
            insert(Applicant).returning(Applicant.id, sort_by_parameter_order=True),
            [
                dict(national_code=row.national_code, county_id=row.county[0], created_at=now, **row.clean.applicant)  # type: ignore[index, union-attr]
                for row in fresh
            ],
        ).all()
        applicant_ids.update(zip((row.national_code for row in fresh), new_ids))

    codes = _free_tracking_codes(session, [(row.program, row.clean.applied_on) for row in chosen])  # type: ignore[union-attr]
    case_rows = [
        dict(
            tracking_code=tracking,
            applicant_id=applicant_ids[row.national_code],
            program_id=on_file.programs[row.program],
            county_id=row.county[0],  # type: ignore[index]
            province_id=row.county[1],  # type: ignore[index]
            channel=row.clean.channel,  # type: ignore[union-attr]
            state=State.received.value,
            applied_on=row.clean.applied_on,  # type: ignore[union-attr]
            created_by=actor.id,
            created_at=now,
            updated_at=now,
            **row.clean.case,  # type: ignore[union-attr]
        )
        for row, tracking in zip(chosen, codes)
    ]
    case_ids = session.scalars(insert(Application).returning(Application.id, sort_by_parameter_order=True), case_rows).all()

    households, events, messages, audits, imported = [], [], [], [], []
    for row, case, case_id in zip(chosen, case_rows, case_ids):
        clean = row.clean
        assert clean is not None
        applicant_id = applicant_ids[row.national_code]
        on_record = on_file.applicants.get(row.national_code)
        person = snapshot(on_record) if on_record else {**clean.applicant, "id": applicant_id, "national_code": row.national_code}
        full_name = f"{clean.applicant['first_name']} {clean.applicant['last_name']}"
        households.append(dict(application_id=case_id, **clean.household.__dict__))
        events.append(
            dict(application_id=case_id, from_state=None, to_state=State.received.value, at=now, user_id=actor.id, note=IMPORT_NOTE)
        )
        mobile = on_record.mobile if on_record else clean.applicant["mobile"]
        if mobile:  # as services.notify.queue_state_sms: no mobile, no SMS
            named = _Named(clean.applicant["first_name"], clean.applicant["last_name"], case["tracking_code"])
            messages.append(
                dict(
                    applicant_id=applicant_id,
                    application_id=case_id,
                    channel="sms",
                    mobile=mobile,
                    event=f"state.{State.received.value}",
                    body=state_message(named, named, State.received),  # type: ignore[arg-type]
                    status="queued",
                    created_at=now,
                )
            )
        audits.append(
            _audit_row(
                actor,
                now,
                "application.import",
                "application",
                case_id,
                before={"applicant": before[row.national_code]} if row.national_code in before else None,
                after={"application": snapshot({**case, "id": case_id}), "applicant": snapshot(person), "row": row.number,
                       "file_sha256": sha256},
            )
        )
        imported.append(ImportedCase(row.number, case_id, case["tracking_code"], full_name))
    session.execute(insert(Household), households)
    session.execute(insert(ApplicationEvent), events)
    if messages:
        session.execute(insert(Notification), messages)
    session.execute(insert(AuditLog), audits)
    return imported


IMPORT_NOTE = "ورود گروهی از فایل اکسل"


class _Named:
    """What :func:`services.notify.state_message` reads of an applicant and a case."""

    __slots__ = ("first_name", "last_name", "tracking_code")

    def __init__(self, first_name: str, last_name: str, tracking_code: str) -> None:
        self.first_name, self.last_name, self.tracking_code = first_name, last_name, tracking_code


def _audit_row(actor: Actor, at: datetime, action: str, entity: str, entity_id: Any, *, before: dict | None, after: dict | None) -> dict[str, Any]:
    """An audit record as :func:`services.base.audit` writes it, as a row for a bulk insert."""
    return dict(
        at=at,
        user_id=actor.id,
        username=actor.username,
        action=action,
        entity=entity,
        entity_id=None if entity_id is None else str(entity_id),
        before=json.loads(json.dumps(before, default=str)) if before is not None else None,
        after=json.loads(json.dumps(after, default=str)) if after is not None else None,
    )
