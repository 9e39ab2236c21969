"""Budgets (اعتبار): credit per programme, province, Jalali year and funding source.

* :func:`budget_position` — credit, used and left per source (for the screens and for the
  payment run, which locks the rows while it finalises);
* :func:`budget_table` / :func:`budget_overview` / :func:`list_budgets` — what the budget screen shows;
* :func:`set_budget` — enter or change one province's credit for a year (audited);
* :func:`budget_template`, :func:`import_budgets` — the same from an Excel file, all or nothing,
  with a row-by-row Persian report (and a dry run).

Rules (issue 7):

* only the provincial committee of the province or a system administrator enters or changes a
  budget (a manager watches it);
* an amount is typed in Persian, Arabic-Indic or Latin digits (separators allowed), integer rials;
* a budget never goes below what finalised runs already used: programme A's three sources are one
  pool (a run draws on the pool, so the pool total may not drop below what A's runs used);
  programme B's two sources are each checked on their own — the relief committee's credit against
  the lines' agency shares (8 %), the government's against the government shares (10 %);
* «used» is the sum of the live (finalised) lines of the programme in the province whose month
  falls in that Jalali year: payments and top-ups count, reversals give back;
* changes lock the province's budget rows of that year (``SELECT … FOR UPDATE``), so a change and
  a finalisation of the same year are serialised on PostgreSQL.
"""
from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from db.models import Budget, Program, Province, User, utcnow
from lib import catalog
from lib.errors import Forbidden, InvalidInput
from lib.permissions import Action, Area, Role, can
from lib.text import format_number, format_rial, normalize_persian, parse_int, to_persian_digits
from lib.workflow import PROGRAM_LABELS, ProgramCode, to_program
from lib.xlsx import Sheet, workbook_bytes
from services import tallies
from services.base import Actor, audit, find

MAX_BUDGET_RIAL = 10**17  # a hundred thousand trillion rials: far above any provincial credit
MAX_IMPORT_BYTES = 5 * 1024 * 1024
MIN_YEAR, MAX_YEAR = 1390, 1500
EDITOR_ROLES = frozenset({Role.province_committee, Role.admin})
# Which line share each programme-B source pays.
B_SHARE_OF_SOURCE = {"relief_committee": "agency", "government": "government"}


def sources_of(program: ProgramCode | str) -> tuple[str, ...]:
    return catalog.BUDGET_SOURCES[to_program(program).value]


def source_label(source: str) -> str:
    return catalog.label(catalog.FUNDING_SOURCES, source)


@dataclass(frozen=True)
class SourcePosition:
    source: str
    label: str
    credit_rial: int
    used_rial: int  # B: this source's share of the lines; A: the pool's use (see pooled)

    @property
    def left_rial(self) -> int:
        return self.credit_rial - self.used_rial


@dataclass(frozen=True)
class BudgetPosition:
    """A province's credit for a programme and year, what finalised runs used, and what is left."""

    program: str
    province_id: int
    jalali_year: int
    sources: tuple[SourcePosition, ...]
    credit_rial: int
    used_rial: int
    agency_used_rial: int
    government_used_rial: int
    pooled: bool  # programme A: the sources are one pool

    @property
    def left_rial(self) -> int:
        return self.credit_rial - self.used_rial

    def left_of(self, source: str) -> int:
        for s in self.sources:
            if s.source == source:
                return s.left_rial
        raise KeyError(source)

    def minimum_of(self, source: str) -> int:
        """The least this source may be set to, the other sources unchanged."""
        if not self.pooled:
            return next(s.used_rial for s in self.sources if s.source == source)
        others = sum(s.credit_rial for s in self.sources if s.source != source)
        return max(0, self.used_rial - others)


def _program(session: Session, code: ProgramCode | str) -> Program:
    code = to_program(code)
    program = session.exec(select(Program).where(Program.code == code.value)).first()
    if program is None:  # pragma: no cover - reference data always holds both
        raise InvalidInput(f"برنامه {code.value} در اطلاعات پایه ثبت نشده است.", field="program")
    return program


def _year(value: Any) -> int:
    return parse_int(value, field="jalali_year", label_fa="سال اعتبار", minimum=MIN_YEAR, maximum=MAX_YEAR)


def _used(session: Session, program_id: int, province_id: int, year: int) -> tuple[int, int, int]:
    """(amount, agency share, government share) of the live lines of that year, reversals negative.

    Read from the spend tally (``services.tallies``, kept by the database with every line): a
    line counts in its case's county's province — the run's, since a run pays one province's cases."""
    agency = government = 0
    for _, _, _, kind, a, g in tallies.spend(session, year, by=None, province_id=province_id, program_id=program_id):
        sign = -1 if kind == "reversal" else 1
        agency += sign * int(a or 0)
        government += sign * int(g or 0)
    return agency + government, agency, government


def budget_position(
    session: Session, *, program: ProgramCode | str, province_id: int, jalali_year: int, lock: bool = False
) -> BudgetPosition:
    """Credit, use and what is left, per source. ``lock`` takes the budget rows FOR UPDATE (call it
    inside the transaction that spends or changes the credit). No permission check: callers check."""
    prog = _program(session, program)
    query = select(Budget).where(
        Budget.program_id == prog.id, Budget.province_id == province_id, Budget.jalali_year == jalali_year
    ).order_by(Budget.id)
    if lock:
        query = query.with_for_update()
    rows = {b.source: b for b in session.exec(query).all()}
    used, agency, government = _used(session, prog.id, province_id, jalali_year)
    pooled = prog.code == ProgramCode.A.value
    positions = []
    for source in sources_of(prog.code):
        credit = rows[source].amount_rial if source in rows else 0
        if pooled:
            source_used = used
        else:
            source_used = agency if B_SHARE_OF_SOURCE[source] == "agency" else government
        positions.append(SourcePosition(source, source_label(source), int(credit), source_used))
    return BudgetPosition(
        program=prog.code, province_id=province_id, jalali_year=jalali_year, sources=tuple(positions),
        credit_rial=sum(p.credit_rial for p in positions), used_rial=used, agency_used_rial=agency,
        government_used_rial=government, pooled=pooled,
    )


def _check_read(actor: Actor, province_id: int) -> None:
    actor.require(Action.manage_budget, Area(province_id=province_id))


def _check_edit(actor: Actor, province_id: int) -> None:
    _check_read(actor, province_id)
    if actor.role not in EDITOR_ROLES:
        raise Forbidden(
            "اعتبار را کمیته استان یا مدیر سامانه ثبت و اصلاح می‌کند؛ شما می‌توانید آن را ببینید. "
            "برای تغییر، از کمیته استان بخواهید."
        )


def budget_table(
    session: Session, actor: Actor, *, program: ProgramCode | str, province_id: int, jalali_year: int
) -> pd.DataFrame:
    """One row per source: code, label, credit, used, left, least allowed, last change (for the screen)."""
    _check_read(actor, province_id)
    year = _year(jalali_year)
    position = budget_position(session, program=program, province_id=province_id, jalali_year=year)
    prog = _program(session, program)
    changed = {
        b.source: (b.updated_at, name)
        for b, name in session.exec(
            select(Budget, User.full_name)
            .join(User, User.id == Budget.updated_by, isouter=True)
            .where(Budget.program_id == prog.id, Budget.province_id == province_id, Budget.jalali_year == year)
        ).all()
    }
    return pd.DataFrame(
        [
            {
                "source": s.source,
                "label": s.label,
                "credit_rial": s.credit_rial,
                "used_rial": s.used_rial,
                "left_rial": s.left_rial,
                "minimum_rial": position.minimum_of(s.source),
                "updated_at": changed.get(s.source, (None, None))[0],
                "updated_by": changed.get(s.source, (None, None))[1],
            }
            for s in position.sources
        ],
        columns=["source", "label", "credit_rial", "used_rial", "left_rial", "minimum_rial", "updated_at", "updated_by"],
    )


def budget_overview(
    session: Session, actor: Actor, *, program: ProgramCode | str, province_id: int, jalali_year: int
) -> tuple[BudgetPosition, pd.DataFrame]:
    """The totals (credit, used, left) and the per-source table of :func:`budget_table`."""
    table = budget_table(session, actor, program=program, province_id=province_id, jalali_year=jalali_year)
    return budget_position(session, program=program, province_id=province_id, jalali_year=_year(jalali_year)), table


def budget_position_for(
    session: Session, actor: Actor, *, program: ProgramCode | str, province_id: int, jalali_year: int
) -> BudgetPosition | None:
    """What is left of the credit, for the payments screen; None when the actor's role does not see budgets."""
    if not can(actor.role, Action.manage_budget):
        return None
    _check_read(actor, province_id)
    return budget_position(session, program=program, province_id=province_id, jalali_year=_year(jalali_year))


def list_budgets(session: Session, actor: Actor, *, jalali_year: int) -> pd.DataFrame:
    """Every province (of the actor's area) and programme of a year: credit, used, left."""
    actor.require(Action.manage_budget)
    year = _year(jalali_year)
    query = select(Province.id, Province.name).order_by(Province.name)
    if actor.province_id is not None:  # a provincial user (or manager) sees their province only
        query = query.where(Province.id == actor.province_id)
    rows = []
    for province_id, name in session.exec(query).all():
        for code in ProgramCode:
            pos = budget_position(session, program=code, province_id=province_id, jalali_year=year)
            if pos.credit_rial == 0 and pos.used_rial == 0:
                continue
            rows.append({
                "province_id": province_id, "province": name, "program": code.value,
                "program_label": PROGRAM_LABELS[code], "credit_rial": pos.credit_rial,
                "used_rial": pos.used_rial, "left_rial": pos.left_rial,
            })
    return pd.DataFrame(rows, columns=["province_id", "province", "program", "program_label", "credit_rial", "used_rial", "left_rial"])


def parse_amount(value: Any, *, field: str, label_fa: str) -> int:
    """An amount of rials typed in any digits (with separators), 0 ≤ amount ≤ MAX_BUDGET_RIAL."""
    return parse_int(value, field=field, label_fa=label_fa, minimum=0, maximum=MAX_BUDGET_RIAL)


def _below_use_message(position: BudgetPosition, source: str, amount: int) -> str:
    least = position.minimum_of(source)
    label = source_label(source)
    if position.pooled:
        why = (
            f"نوبت‌های قطعی‌شده این سال {format_rial(position.used_rial)} از مجموع منابع این برنامه "
            "مصرف کرده‌اند"
        )
    else:
        why = f"نوبت‌های قطعی‌شده این سال {format_rial(position.minimum_of(source))} از «{label}» مصرف کرده‌اند"
    return (
        f"اعتبار «{label}» را نمی‌توان {format_rial(amount)} کرد: {why}؛ "
        f"دست‌کم {format_rial(least)} وارد کنید."
    )


def _apply(
    session: Session, actor: Actor, prog: Program, province_id: int, year: int, amounts: Mapping[str, int]
) -> tuple[dict, dict]:
    """Write ``amounts`` (source → rials) after checking the floor; returns (before, after) by source."""
    position = budget_position(session, program=prog.code, province_id=province_id, jalali_year=year, lock=True)
    credit = {s.source: s.credit_rial for s in position.sources}
    after = {**credit, **amounts}
    if position.pooled:
        if sum(after.values()) < position.used_rial:
            changed = next(iter(amounts))
            raise InvalidInput(
                f"مجموع اعتبار برنامه «{PROGRAM_LABELS[ProgramCode(prog.code)]}» ({format_rial(sum(after.values()))}) "
                f"کمتر از مصرف نوبت‌های قطعی‌شده این سال ({format_rial(position.used_rial)}) می‌شود؛ "
                "مبلغ‌ها را طوری وارد کنید که جمع آن‌ها دست‌کم برابر مصرف باشد.",
                field=changed,
            )
    else:
        for source, amount in amounts.items():
            if amount < position.minimum_of(source):
                raise InvalidInput(_below_use_message(position, source, amount), field=source)
    existing = {
        b.source: b
        for b in session.exec(
            select(Budget).where(Budget.program_id == prog.id, Budget.province_id == province_id, Budget.jalali_year == year)
        ).all()
    }
    now = utcnow()
    before_snap, after_snap = {}, {}
    for source, amount in amounts.items():
        row = existing.get(source)
        if row is not None and row.amount_rial == amount:
            continue
        before_snap[source] = None if row is None else row.amount_rial
        after_snap[source] = amount
        if row is None:
            row = Budget(program_id=prog.id, province_id=province_id, jalali_year=year, source=source, amount_rial=amount)
        row.amount_rial = amount
        row.updated_by = actor.id
        row.updated_at = now
        session.add(row)
    return before_snap, after_snap


def _entity_id(prog: Program, province_id: int, year: int) -> str:
    return f"{prog.code}/{province_id}/{year}"


def set_budget(
    session: Session,
    actor: Actor,
    *,
    program: ProgramCode | str,
    province_id: int,
    jalali_year: int | str,
    amounts: Mapping[str, int | str],
) -> BudgetPosition:
    """Enter or change a province's credit for a year, source by source (amounts in any digits).

    Sources not given keep their credit. Refused, with nothing written, when a source does not
    belong to the programme, an amount is not a whole number of rials, or the credit would drop
    below what finalised runs used. One audit record per change (before → after per source)."""
    prog = _program(session, program)
    province = find(session, Province, province_id) if isinstance(province_id, int) else None
    if province is None:
        raise InvalidInput("استان انتخاب‌شده در فهرست نیست؛ استان را از فهرست انتخاب کنید.", field="province_id")
    _check_edit(actor, province_id)
    year = _year(jalali_year)
    allowed = sources_of(prog.code)
    if not amounts:
        raise InvalidInput("دست‌کم مبلغ یک منبع اعتبار را وارد کنید.", field="amounts")
    clean: dict[str, int] = {}
    for source, raw in amounts.items():
        if source not in allowed:
            raise InvalidInput(
                f"منبع «{source_label(source)}» برای این برنامه نیست؛ یکی از این منابع را انتخاب کنید: "
                f"{'، '.join(source_label(s) for s in allowed)}.",
                field="source",
            )
        clean[source] = parse_amount(raw, field=source, label_fa=f"اعتبار «{source_label(source)}» (ریال)")
    try:
        before, after = _apply(session, actor, prog, province_id, year, clean)
        if after:
            audit(session, actor, "budget.set", "budget", _entity_id(prog, province_id, year),
                  before={"program": prog.code, "province_id": province_id, "jalali_year": year, "amounts": before},
                  after={"program": prog.code, "province_id": province_id, "jalali_year": year, "amounts": after})
        session.commit()
    except IntegrityError:
        session.rollback()
        raise InvalidInput(
            "هم‌زمان کاربر دیگری اعتبار همین استان و سال را ثبت کرد؛ صفحه را تازه کنید و دوباره وارد کنید.",
            field="amounts",
        ) from None
    except Exception:
        session.rollback()
        raise
    return budget_position(session, program=prog.code, province_id=province_id, jalali_year=year)


# --------------------------------------------------------------------------- Excel import
IMPORT_HEADERS = ("برنامه", "استان", "سال", "منبع اعتبار", "مبلغ (ریال)")
_PROGRAM_WORDS = {"a": "A", "الف": "A", "b": "B", "ب": "B"}


def budget_template() -> bytes:
    """An .xlsx to fill: one row per programme, province, year and source (examples included)."""
    example = [
        ["الف", "تهران", 1404, source_label("program_30435"), 50_000_000_000],
        ["الف", "تهران", 1404, source_label("public_participation"), 10_000_000_000],
        ["ب", "تهران", 1404, source_label("relief_committee"), 8_000_000_000],
        ["ب", "تهران", 1404, source_label("government"), 10_000_000_000],
    ]
    sources = [[source_label(s), s, "الف" if s in sources_of("A") else "ب"] for s in catalog.BUDGET_SOURCES["A"] + catalog.BUDGET_SOURCES["B"]]
    return workbook_bytes([
        Sheet("اعتبار", IMPORT_HEADERS, example, widths=(10, 18, 8, 48, 22), money=frozenset({4})),
        Sheet("منابع", ("منبع اعتبار", "کد", "برنامه"), sources, widths=(48, 22, 10)),
    ])


@dataclass(frozen=True)
class BudgetProblem:
    row: int
    column: str
    message: str


@dataclass
class BudgetImportReport:
    """What an import did (or, on a dry run or with problems, would do)."""

    rows: int
    problems: list[BudgetProblem] = field(default_factory=list)
    changes: list[dict] = field(default_factory=list)  # province, program, year, source, before, after
    written: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems

    def problems_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            [{"ردیف": to_persian_digits(p.row), "ستون": p.column, "مشکل": p.message} for p in self.problems],
            columns=["ردیف", "ستون", "مشکل"],
        )


def _read_sheet(content: bytes) -> list[tuple[int, tuple]]:
    from openpyxl import load_workbook

    if not content:
        raise InvalidInput("فایل خالی است؛ فایل اکسل پرشده را بارگذاری کنید.", field="file")
    if len(content) > MAX_IMPORT_BYTES:
        raise InvalidInput("فایل بزرگ‌تر از ۵ مگابایت است؛ آن را به چند فایل تقسیم کنید.", field="file")
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # a damaged or foreign file fails in many ways inside openpyxl
        raise InvalidInput(
            "این فایل اکسل (xlsx) خوانا نیست؛ فایل نمونه را دریافت کنید، پر کنید و با پسوند .xlsx ذخیره کنید.",
            field="file",
        ) from None
    try:
        rows = book.worksheets[0].iter_rows(values_only=True)
        header = [normalize_persian(str(h)) if h is not None else "" for h in (next(rows, None) or ())]
        missing = [h for h in IMPORT_HEADERS if h not in header]
        if missing:
            raise InvalidInput(
                f"ستون‌های {'، '.join('«' + h + '»' for h in missing)} در ردیف اول نیست؛ عنوان ستون‌ها را از فایل نمونه بردارید.",
                field="file",
            )
        where = [header.index(h) for h in IMPORT_HEADERS]
        data = []
        for number, values in enumerate(rows, start=2):
            values = tuple(values or ())
            cells = tuple(values[i] if i < len(values) else None for i in where)
            if all(v is None or (isinstance(v, str) and not v.strip()) for v in cells):
                continue
            data.append((number, cells))
    finally:
        book.close()
    if not data:
        raise InvalidInput("فایل هیچ ردیف پرشده‌ای ندارد؛ هر اعتبار را در یک ردیف زیر عنوان‌ها بنویسید.", field="file")
    return data


def _text_of(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return normalize_persian(str(value))


def import_budgets(session: Session, actor: Actor, content: bytes, *, dry_run: bool = False) -> BudgetImportReport:
    """Set budgets from an Excel file: every row is checked first; any problem → nothing written.

    Each row: programme (الف/ب), province (name), Jalali year, source (label or code), amount in
    rials. Two rows for the same programme, province, year and source are a problem; every province
    must be one the actor may edit; the floors of :func:`set_budget` apply to the result."""
    if actor.role not in EDITOR_ROLES:
        raise Forbidden("اعتبار را کمیته استان یا مدیر سامانه ثبت و اصلاح می‌کند؛ بارگذاری فایل برای شما ممکن نیست.")
    actor.require(Action.manage_budget)
    data = _read_sheet(content)
    provinces = {normalize_persian(name): pid for pid, name in session.exec(select(Province.id, Province.name)).all()}
    by_label = {normalize_persian(label): code for code, label in catalog.FUNDING_SOURCES.items()}
    report = BudgetImportReport(rows=len(data))
    wanted: dict[tuple[str, int, int], dict[str, tuple[int, int]]] = {}
    seen: dict[tuple, int] = {}
    for number, (program_raw, province_raw, year_raw, source_raw, amount_raw) in data:
        problems = len(report.problems)

        def problem(column: str, message: str) -> None:
            report.problems.append(BudgetProblem(number, column, message))

        program = _PROGRAM_WORDS.get(_text_of(program_raw).lower())
        if program is None:
            problem("برنامه", "برنامه را «الف» (خویش‌فرما) یا «ب» (زنان سرپرست خانوار) بنویسید.")
        province_id = provinces.get(_text_of(province_raw))
        if province_id is None:
            problem("استان", f"استان «{_text_of(province_raw)}» در فهرست استان‌ها نیست؛ نام استان را مانند فهرست سامانه بنویسید.")
        elif actor.role is not Role.admin and province_id != actor.province_id:
            problem("استان", "این استان خارج از محدوده شماست؛ فقط اعتبار استان خودتان را وارد کنید.")
        try:
            year = _year(_text_of(year_raw))
        except InvalidInput as exc:
            problem("سال", exc.message)
            year = None
        source_text = _text_of(source_raw)
        source = source_text if source_text in catalog.FUNDING_SOURCES else by_label.get(source_text)
        if source is None:
            problem("منبع اعتبار", f"منبع «{source_text}» شناخته نیست؛ نام منبع را از برگه «منابع» فایل نمونه بردارید.")
        elif program is not None and source not in sources_of(program):
            problem("منبع اعتبار", f"منبع «{source_label(source)}» برای برنامه {'الف' if program == 'A' else 'ب'} نیست.")
        try:
            amount = parse_amount(_text_of(amount_raw), field="amount", label_fa="مبلغ (ریال)")
        except InvalidInput as exc:
            problem("مبلغ (ریال)", exc.message)
            amount = None
        if len(report.problems) > problems:
            continue
        key = (program, province_id, year, source)
        if key in seen:
            problem("منبع اعتبار", f"همین منبع برای همین برنامه، استان و سال در ردیف {to_persian_digits(seen[key])} هم آمده است؛ یکی را حذف کنید.")
            continue
        seen[key] = number
        wanted.setdefault((program, province_id, year), {})[source] = (amount, number)
    if report.problems:
        return report
    try:
        for (program, province_id, year), amounts in wanted.items():
            prog = _program(session, program)
            try:
                before, after = _apply(session, actor, prog, province_id, year, {s: a for s, (a, _) in amounts.items()})
            except InvalidInput as exc:
                row = amounts[exc.field][1] if exc.field in amounts else min(n for _, n in amounts.values())
                report.problems.append(BudgetProblem(row, "مبلغ (ریال)", exc.message))
                continue
            for source in after:
                report.changes.append({"program": program, "province_id": province_id, "jalali_year": year,
                                       "source": source, "before": before[source], "after": after[source]})
            if after:
                audit(session, actor, "budget.import", "budget", _entity_id(prog, province_id, year),
                      before={"program": program, "province_id": province_id, "jalali_year": year, "amounts": before},
                      after={"program": program, "province_id": province_id, "jalali_year": year, "amounts": after})
        if report.problems or dry_run:
            session.rollback()
            return report
        session.commit()
        report.written = True
    except IntegrityError:
        session.rollback()
        raise InvalidInput(
            "هم‌زمان کاربر دیگری اعتبار همین استان و سال را ثبت کرد؛ فایل را دوباره بارگذاری کنید.", field="file"
        ) from None
    except Exception:
        session.rollback()
        raise
    return report


def change_summary(report: BudgetImportReport, session: Session) -> pd.DataFrame:
    """The changes of an import as people read them (Persian labels and digits)."""
    names = dict(session.exec(select(Province.id, Province.name)).all())
    return pd.DataFrame(
        [
            {
                "استان": names.get(c["province_id"], ""),
                "برنامه": "الف" if c["program"] == "A" else "ب",
                "سال": to_persian_digits(c["jalali_year"]),
                "منبع": source_label(c["source"]),
                "پیش از این": "—" if c["before"] is None else format_number(c["before"]),
                "مبلغ تازه": format_number(c["after"]),
            }
            for c in report.changes
        ],
        columns=["استان", "برنامه", "سال", "منبع", "پیش از این", "مبلغ تازه"],
    )
