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

Speed: the file is read once; national codes, applicants, open cases, counties and taken
tracking codes are loaded in bulk (a few queries per thousand rows); the rows are written with
batched inserts (SQLAlchemy's insertmanyvalues). Nothing here imports Streamlit.
"""
from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from db.audit_chain import seal
from db.bulk import insert_rows, next_id
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
from lib.errors import Forbidden, InvalidInput
from lib.identifiers import normalize_national_code
from lib.jalali import parse_jalali_date, local_today
from lib.memo import CheckMemo
from lib.permissions import Action, Area
from lib.text import ltr, normalize_persian, parse_int, to_persian_digits
from lib.workflow import OPEN_STATES, ProgramCode, State
from services.applicants import ApplicantCase, ApplicantOnFile, applicant_on_file, county_choices
from services.applications import (
    CleanIntake,
    HouseholdData,
    IntakeData,
    check_intake,
    tracking_code_candidate,
)
from services.base import Actor, audit, snapshot
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
    import_template,
)
from services.notify import state_message, template_text
from services.reference import refuse_retired

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


def _parse_row(row: _Row, places: _Places, actor: Actor, memo: CheckMemo) -> IntakeData:
    """Turn the cells into an IntakeData, recording the problems of the cells themselves
    (empty required cells that Form 1 validation does not see, unknown list values, dates,
    counts, the county); what is left to check goes through :func:`check_intake`. Each
    distinct date, count and place is checked once per file (``memo``)."""
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
            ok, out = memo.outcome(key, text[key], parse_jalali_date, field=key)
            if ok:
                dates[key] = out
            else:
                row.problem(key, out.message)

    counts: dict[str, int] = {}
    for key, limit in _COUNTS.items():
        ok, out = memo.outcome(key, text.get(key) or "0", parse_int, field=key, label_fa=_BY_KEY[key].header, minimum=0, maximum=limit)
        if ok:
            counts[key] = out
        else:
            row.problem(key, out.message)
            counts[key] = 0

    county_name = text.get("county", "")
    if county_name:
        ok, out = memo.outcome("county", (normalize_persian(text.get("province", "")), county_name), _place, places, actor)
        if ok:
            row.county = out
        else:
            row.problem(out.field, out.message)

    return IntakeData(
        program=program,
        county_id=row.county[0] if row.county else 0,
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
    today = local_today()
    memo = CheckMemo()
    for row in rows:
        _check_row(row, _parse_row(row, places, actor, memo), today, memo)

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

    refuse_retired(session, {row.county[0] for row in chosen},  # type: ignore[index]  (held until commit)
                   "هیچ ردیفی وارد نشد؛ فایل را دوباره بارگذاری کنید تا ردیف‌های این شهرستان نشان داده شوند.")
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
        new_ids = _reserve_ids(session, Applicant, len(fresh))
        _insert(session, Applicant, [
            dict(id=new_id, national_code=row.national_code, county_id=row.county[0], created_at=now, **row.clean.applicant)  # type: ignore[index, union-attr]
            for row, new_id in zip(fresh, new_ids)
        ])
        applicant_ids.update(zip((row.national_code for row in fresh), new_ids))

    codes = _free_tracking_codes(session, [(row.program, row.clean.applied_on) for row in chosen])  # type: ignore[union-attr]
    case_ids = _reserve_ids(session, Application, len(chosen))
    case_rows = [
        dict(
            id=case_id,
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
        for row, tracking, case_id in zip(chosen, codes, case_ids)
    ]
    _insert(session, Application, case_rows)

    households, events, messages, audits, imported = [], [], [], [], []
    iso: dict[date, str] = {}
    received_text = template_text(session, "state.received")  # the current SMS template, read once
    for row, case, case_id in zip(chosen, case_rows, case_ids):
        clean = row.clean
        assert clean is not None
        applicant_id = applicant_ids[row.national_code]
        on_record = on_file.applicants.get(row.national_code)
        person = snapshot(on_record) if on_record else _flat_snapshot({**clean.applicant, "id": applicant_id, "national_code": row.national_code}, iso)
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
                    body=state_message(named, named, State.received, text=received_text),  # type: ignore[arg-type]
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
                after={"application": _flat_snapshot(case, iso), "applicant": person,
                       "row": row.number, "file_sha256": sha256},
            )
        )
        imported.append(ImportedCase(row.number, case_id, case["tracking_code"], full_name))
    _insert(session, Household, households)
    _insert(session, ApplicationEvent, events)
    _insert(session, Notification, messages)
    seal(session.connection(), audits)  # the hash chain, as services.base.audit's records get it
    _insert(session, AuditLog, audits)
    return imported


IMPORT_NOTE = "ورود گروهی از فایل اکسل"


def _reserve_ids(session: Session, model: type, count: int) -> list[int]:
    """``count`` fresh ids for ``model``'s rows, so that children can cite them without a
    RETURNING per batch (SQLAlchemy's sorted RETURNING grows quadratically with the rows).
    PostgreSQL: drawn from the table's sequence (safe with concurrent writers). SQLite: after
    the largest id; a writer who took the same ids meanwhile makes the insert fail, and the
    import rolls back whole (its IntegrityError)."""
    conn = session.connection()
    table = model.__table__  # type: ignore[attr-defined]
    if conn.dialect.name == "postgresql":
        return list(conn.exec_driver_sql(
            f"SELECT nextval(pg_get_serial_sequence('{table.name}', 'id')) FROM generate_series(1, {int(count)})"
        ).scalars())
    start = next_id(conn, table)
    return list(range(start, start + count))


def _insert(session: Session, model: type, rows: list[dict[str, Any]]) -> None:
    """Rows (mappings with the same keys) written in bulk by :mod:`db.bulk` on the session's
    connection, inside its transaction; a refused row is SQLAlchemy's IntegrityError on every
    database, as an ORM insert raises it."""
    if not rows:
        return
    conn = session.connection()
    try:
        insert_rows(conn, model, tuple(rows[0]), rows)
    except conn.dialect.dbapi.IntegrityError as exc:  # PostgreSQL's COPY raises the driver's own
        raise IntegrityError(f"bulk insert into {model.__table__.name}", None, exc) from exc  # type: ignore[attr-defined]


def _flat_snapshot(values: dict[str, Any], iso: dict[date, str]) -> dict[str, Any]:
    """:func:`services.base.snapshot` of a row this import builds (text, numbers, booleans,
    dates and times only), without its general walk: dates as ISO text, each written once
    into ``iso`` (the rows of one import share their timestamps and a few hundred days)."""
    out = {}
    for key, value in values.items():
        if isinstance(value, date):
            text = iso.get(value)
            if text is None:
                text = iso[value] = value.isoformat()
            value = text
        out[key] = value
    return out


class _Named:
    """What :func:`services.notify.state_message` reads of an applicant and a case."""

    __slots__ = ("first_name", "last_name", "tracking_code")

    def __init__(self, first_name: str, last_name: str, tracking_code: str) -> None:
        self.first_name, self.last_name, self.tracking_code = first_name, last_name, tracking_code


def _audit_row(actor: Actor, at: datetime, action: str, entity: str, entity_id: Any, *, before: dict | None, after: dict | None) -> dict[str, Any]:
    """An audit record as :func:`services.base.audit` writes it, as a row for a bulk insert.
    ``before`` and ``after`` hold :func:`services.base.snapshot` results, numbers and text:
    already what a JSON round trip gives."""
    return dict(
        at=at,
        user_id=actor.id,
        username=actor.username,
        action=action,
        entity=entity,
        entity_id=None if entity_id is None else str(entity_id),
        before=before,
        after=after,
    )
