"""Intake shared by the form and the spreadsheet: Form 1 validation, the applicant on file, and
the bulk import of cases from Excel.

The spreadsheet's columns, template and reading live in :mod:`services.import_sheet`; the
applicant on file in :mod:`services.applicants` (both re-exported here).

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

The checks come in two parts. What depends on the file alone (and on today's date) — every
cell, Form 1 validation, a national code twice in the file — is worked out once per distinct
file: its result is kept, keyed by the file's sha256 and the day, for the few files last checked
(:func:`_file_check`), so that importing the file just validated does not read and check it again.
What the database decides is checked on every validation and again in the import's own
transaction: the county (named, not retired, inside the user's area), the people already on file
and their open cases. Writing is :mod:`services.import_write`.

Speed: the rows that pass every check of the file are found a column at a time, each distinct
value of a column checked once (:mod:`services.import_columns`); only the other rows are read
into cells and checked row by row, which words each problem (each distinct value again checked
once, :class:`lib.memo.CheckMemo`). National codes, applicants, open cases, counties and taken
tracking codes are loaded in bulk (a few queries per thousand rows). Nothing here imports Streamlit.
"""
from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple
from datetime import date, datetime

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from db.bulk import sqlite_page_cache
from db.models import Applicant, Application, County, Program, Province
from lib.errors import Forbidden, InvalidInput
from lib.identifiers import normalize_national_code
from lib.jalali import parse_jalali_date, local_today
from lib.memo import CheckMemo
from lib.permissions import Action, Area
from lib.text import ltr, normalize_persian, parse_int, to_persian_digits
from lib.workflow import OPEN_STATES, ProgramCode
from services.applicants import ApplicantCase, ApplicantOnFile, applicant_on_file, county_choices
from services.applications import (
    CleanIntake,
    HouseholdData,
    IntakeData,
    check_intake,
    tracking_code_candidate,
)
from services.base import Actor, audit
from services.import_sheet import (
    _BOOLEANS,
    _BY_KEY,
    _CHANNELS,
    _COUNTS,
    _COVERING,
    _DATES,
    _GENDERS,
    _MARITAL,
    _PROGRAM_NAMES,
    _PROGRAMS,
    _SEVERITIES,
    _TARGETS,
    HEADER_ROW,
    IMPORT_COLUMNS,
    MAX_IMPORT_BYTES,
    MAX_IMPORT_ROWS,
    NO,
    SHEET_COUNTIES,
    YES,
    ImportColumn,
    ImportedCase,
    ImportProblem,
    ImportReport,
    ImportResult,
    _allowed,
    _header_of,
    _read_rows,
    _Row,
    _Sheet,
    import_template,
)
from services.import_columns import clean_rows, plain_mobile, plain_national_code
from services.import_write import OnFile as _OnFile
from services.import_write import chunks, gc_paused, write_cases
from services.reference import refuse_retired

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
            .where(County.active == True)  # noqa: E712  (a retired county takes no new case)
        ).all():
            by_name[normalize_persian(county)].append((county_id, province_id, normalize_persian(province)))
            province_of[county_id] = province_id
        return cls(dict(by_name), province_of)


_CHECKED_BY_INTAKE = frozenset({"national_code", "first_name", "last_name", "channel", "gender"})
_HOUSEHOLD_KEYS = frozenset({"disabled_members", "severity", "marital_status", "dependants", "insured_years"})


_REQUIRED_HERE = tuple(c for c in IMPORT_COLUMNS if c.required and c.key not in _CHECKED_BY_INTAKE)


def _parse_row(row: _Row, memo: CheckMemo) -> IntakeData:
    """Turn the cells into an IntakeData, recording the problems of the cells themselves
    (empty required cells that Form 1 validation does not see, unknown list values, dates,
    counts); what is left to check goes through :func:`check_intake`, the county through
    :func:`_place` (the database's part). Each distinct date and count is checked once per
    file (``memo``)."""
    text = row.text
    for column in _REQUIRED_HERE:
        if not text.get(column.key):
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
    gender = choose("gender", _GENDERS)
    head_text = text.get("head_of_household", "")
    head_of_household = _BOOLEANS.get(head_text.lower()) if head_text else None
    if head_text and head_of_household is None:
        row.problem("head_of_household", f"«{head_text}» پذیرفته نیست؛ «{YES}» یا «{NO}» بنویسید.")
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
            found = memo.known(key, text[key])
            ok, out = found if found is not None else memo.outcome(key, text[key], parse_jalali_date, field=key)
            if ok:
                dates[key] = out
            else:
                row.problem(key, out.message)

    counts: dict[str, int] = {}
    for key, limit in _COUNTS.items():
        value = text.get(key) or "0"
        found = memo.known(key, value)
        ok, out = found if found is not None else memo.outcome(
            key, value, parse_int, field=key, label_fa=_BY_KEY[key].header, minimum=0, maximum=limit)
        if ok:
            counts[key] = out
        else:
            row.problem(key, out.message)
            counts[key] = 0

    return IntakeData(
        program=program,
        county_id=0,  # the county is the database's part of the checks (_place)
        channel=channel or text.get("channel", ""),
        national_code=text.get("national_code", ""),
        first_name=text.get("first_name", ""),
        last_name=text.get("last_name", ""),
        gender=gender,
        head_of_household=head_of_household,
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


def _check_row(row: _Row, data: IntakeData, today: date, memo: CheckMemo) -> None:
    """Form 1 validation of a parsed row; a cell already reported is not reported twice (nor
    the household's combined rules when one of its cells could not be read)."""
    clean, problems = check_intake(data.program, data, today=today, memo=memo)
    row.program = data.program
    if clean is not None:
        row.national_code = clean.national_code
    elif not any(p.field == "national_code" for p in problems):
        row.national_code = normalize_national_code(data.national_code)
    if not problems and not row.problems:
        row.clean = clean
        return
    reported = {p.column for p in row.problems}
    household_unread = any(_BY_KEY[k].header in reported for k in _HOUSEHOLD_KEYS)
    for problem in problems:
        header = _header_of(problem.field)
        if header in reported or (household_unread and problem.field in _HOUSEHOLD_KEYS):
            continue
        row.problem(header, problem.message)
    row.clean = clean if not row.problems else None


def _place(names: tuple[str, str], places: _Places, actor: Actor) -> tuple[int, int]:
    """(county id, province id) of a (province, county) named inside the actor's area, else
    InvalidInput whose ``field`` is the column to fix."""
    province, county = names
    matches = places.by_name.get(county, [])
    if province:
        matches = [m for m in matches if m[2] == province]
    if not matches:
        where = f" در استان «{province}»" if province else ""
        raise InvalidInput(
            f"شهرستان «{county}»{where} در فهرست شهرستان‌ها نیست؛ نام را از برگه «{SHEET_COUNTIES}» فایل نمونه بردارید.",
            field="county",
        )
    if len(matches) > 1:
        raise InvalidInput(f"چند شهرستان به نام «{county}» هست؛ نام استان را هم بنویسید.", field="province")
    county_id, province_id, _ = matches[0]
    try:
        actor.require(Action.intake, Area(province_id=province_id, county_id=county_id))
    except Forbidden:
        raise InvalidInput(
            f"شهرستان «{county}» خارج از محدوده کاری شماست؛ این ردیف را حذف کنید یا به کارشناس همان شهرستان بسپارید.",
            field="county",
        ) from None
    return county_id, province_id


def _load_on_file(session: Session, codes: Iterable[str]) -> _OnFile:
    codes = sorted(set(codes))
    applicants: dict[str, Applicant] = {}
    open_cases: dict[tuple[int, int], str] = {}
    if session.connection().dialect.name == "sqlite":  # the codes as one JSON array: one statement
        listed = func.json_each(json.dumps(codes)).table_valued("value")
        groups: Iterable[Any] = [select(listed.c.value)] if codes else []
    else:
        groups = chunks(codes)
    for group in groups:
        for applicant in session.exec(select(Applicant).where(Applicant.national_code.in_(group))).all():  # type: ignore[attr-defined]
            applicants[applicant.national_code] = applicant
    ids = sorted(a.id for a in applicants.values())
    open_states = [s.value for s in OPEN_STATES]
    for chunk in chunks(ids):
        for applicant_id, program_id, tracking in session.exec(
            select(Application.applicant_id, Application.program_id, Application.tracking_code).where(
                Application.applicant_id.in_(chunk), Application.state.in_(open_states)  # type: ignore[attr-defined]
            )
        ).all():
            open_cases[(applicant_id, program_id)] = tracking
    programs = {p.code: p.id for p in session.exec(select(Program)).all()}
    return _OnFile(applicants, open_cases, programs)


class _Checked(NamedTuple):
    """A row after the checks that depend on the file alone (cells, Form 1, twice in the file)
    (a named tuple: 20,000 of them are made per file)."""

    number: int
    problems: tuple[ImportProblem, ...]
    program: str
    national_code: str  # normalised, when valid
    place: tuple[str, str] | None  # (province, county) as typed and normalised, when a county is
    clean: CleanIntake | None  # when the file alone finds nothing wrong with the row


@dataclass(frozen=True)
class _FileCheck:
    file_problems: tuple[ImportProblem, ...]
    rows: tuple[_Checked, ...]


_KEPT_CHECKS = 2  # files whose checks are kept (≈ 1.3 kB a row: a 20,000-row file ≈ 25 MB)
_kept: OrderedDict[tuple[str, date], _FileCheck] = OrderedDict()
_kept_lock = threading.Lock()


def _file_check(content: bytes, sha: str, today: date) -> _FileCheck:
    """The checks of :func:`_check_file`, worked out once per (file, day): validating a file and
    then importing it reads and checks it once. Keyed by the file's sha256 (the same bytes give
    the same result) and today's date (dates must not be in the future); a file that cannot be
    read is not kept (its error is raised again)."""
    key = (sha, today)
    with _kept_lock:
        found = _kept.get(key)
        if found is not None:
            _kept.move_to_end(key)
            return found
    checked = _check_file(content, today)
    with _kept_lock:
        _kept[key] = checked
        while len(_kept) > _KEPT_CHECKS:
            _kept.popitem(last=False)
    return checked


def _forget_file_check(sha: str) -> None:
    """An imported file's checks are not needed again (its rows are now on file)."""
    with _kept_lock:
        for key in [key for key in _kept if key[0] == sha]:
            del _kept[key]


def _seed_plain_values(memo: CheckMemo, rows: list[_Row]) -> None:
    """The two columns that differ on every row, checked column-wise for their common shape:
    a national code typed as its 10 Latin digits (not all alike, the check digit right) and a
    mobile typed as 11 Latin digits from 09 are what Form 1's checks would give back unchanged,
    so ``check_intake`` finds them in ``memo`` (sites ``national_code``, ``typed_mobile``,
    ``mobile``) instead of running typed-text, separator and digit checks per row. Anything
    else (Persian digits, dashes, a wrong check digit) goes through the checks themselves;
    tests compare both ways."""
    codes: dict[str, str] = {}
    mobiles: dict[str, str] = {}
    for row in rows:
        code = row.text.get("national_code")
        if code and plain_national_code(code):
            codes[code] = code
        mobile = row.text.get("mobile")
        if mobile and plain_mobile(mobile):
            mobiles[mobile] = mobile
    memo.seed("national_code", codes)
    memo.seed("typed_mobile", mobiles)
    memo.seed("mobile", mobiles)


def _check_file(content: bytes, today: date) -> _FileCheck:
    """Read and check every row without the database: every cell, Form 1 validation, and a
    national code that comes twice in the file."""
    sheet, file_problems = _read_rows(content)
    return _check_sheet(sheet, file_problems, today)


def _check_sheet(sheet: _Sheet, file_problems: list[ImportProblem], today: date, *, column_wise: bool = True) -> _FileCheck:
    """:func:`_check_file` of a sheet read. The rows that pass every check are found column-wise
    (:func:`services.import_columns.clean_rows`); the others are checked row by row, which words
    each problem (``column_wise=False``: every row so, as tests compare)."""
    fast = clean_rows(sheet, today) if column_wise else [None] * len(sheet.rows)
    entries: list[_Row | tuple] = []
    slow: list[_Row] = []
    for (number, cells), found in zip(sheet.rows, fast):
        if found is None:
            found = sheet.row(number, cells)
            slow.append(found)
        entries.append(found)
    memo = CheckMemo()
    _seed_plain_values(memo, slow)
    for row in slow:
        _check_row(row, _parse_row(row, memo), today, memo)

    first_row: dict[str, int] = {}
    checked = []
    for (number, _), entry in zip(sheet.rows, entries):
        if type(entry) is _Row:
            problems, program, code, clean = entry.problems, entry.program, entry.national_code, entry.clean
            county = entry.text.get("county", "")
            place = (normalize_persian(entry.text.get("province", "")), county) if county else None
        else:
            program, code, place, clean = entry
            problems = []
        if code:
            if code in first_row:
                problems = [*problems, ImportProblem(
                    number, _BY_KEY["national_code"].header,
                    f"این کد ملی ({ltr(to_persian_digits(code))}) در ردیف {to_persian_digits(first_row[code])} هم آمده است؛ "
                    "هر متقاضی یک ردیف داشته باشد (درخواست برنامه دیگر را جداگانه وارد کنید).",
                )]
            else:
                first_row[code] = number
        checked.append(_Checked(number, tuple(problems), program, code, place, None if problems else clean))
    return _FileCheck(tuple(file_problems), tuple(checked))


def _analyse(session: Session, actor: Actor, content: bytes) -> tuple[ImportReport, list[_Row], _OnFile, _Places]:
    """Check every row: the file's own checks (kept per file, :func:`_file_check`), then what
    the database decides, read now — the county (named, not retired, inside the actor's area),
    the people on file and their open cases. The report plus what the import needs to write."""
    actor.require(Action.intake)
    sha = hashlib.sha256(content or b"").hexdigest()
    checked = _file_check(content, sha, local_today())
    places = _Places.load(session)
    memo = CheckMemo()
    rows = []
    for done in checked.rows:
        row = _Row(done.number, {}, {}, list(done.problems), program=done.program, national_code=done.national_code,
                   clean=done.clean)
        if done.place is not None:
            ok, out = memo.outcome("county", done.place, _place, places, actor)
            if ok:
                row.county = out
            else:
                row.problem(out.field, out.message)
        rows.append(row)

    on_file = _load_on_file(session, {row.national_code for row in rows if row.national_code})
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
    problems = [*checked.file_problems, *sorted((p for row in rows for p in row.problems), key=lambda p: (p.row, order.get(p.column, 0)))]
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
    with gc_paused():
        report, *_ = _analyse(session, actor, content)
    session.rollback()
    return report


# --------------------------------------------------------------------------- writing
def import_applications(session: Session, actor: Actor, content: bytes, *, only_clean: bool = False) -> ImportResult:
    """Open one case per row, all in one transaction. A file with problems imports nothing,
    unless ``only_clean`` (the user's explicit choice) — then exactly the clean rows."""
    with gc_paused():
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

    refuse_retired(session, {row.county[0] for row in chosen},  # type: ignore[index]  (held until commit)
                   "هیچ ردیفی وارد نشد؛ فایل را دوباره بارگذاری کنید تا ردیف‌های این شهرستان نشان داده شوند.")
    try:
        # SQLite: room in the page cache for the rows written (else they spill to the WAL mid-write)
        with gc_paused(), sqlite_page_cache(session.connection()):
            imported = write_cases(session, actor, chosen, on_file, report.sha256)
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
    _forget_file_check(report.sha256)
    return ImportResult(sha256=report.sha256, imported=tuple(imported), skipped_rows=skipped)
