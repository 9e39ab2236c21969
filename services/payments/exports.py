"""Exports of a payment run: the list for SSO and the bank (Excel, fixed layout) and the summary PDF.

Only an approved or finalised run is exported (a draft may still change; a cancelled run pays
nobody). The list's layout is fixed — SSO and the bank read it by column — and ends with three
columns SSO fills in and sends back (see services.payments.reconcile): the amount it received,
its verdict (تأیید / رد) and the reason of a rejection.

The checksum is the SHA-256 of the list's lines in that layout, one line per row, cells separated
by a tab, UTF-8 (:func:`list_checksum`): it does not depend on the spreadsheet writer, and the
summary PDF prints it so that the file sent can be matched with the one signed.

Text cells are formula-safe (lib.xlsx.formula_safe): a name typed as ``=HYPERLINK(…)`` stays text.

«شماره بیمه» is the person's SSO insurance number (``Applicant.sso_insurance_no``), recorded from
SSO's reconciliation file (services.payments.reconcile); empty until SSO has sent it.
"""
from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import select as sa_select
from sqlmodel import Session

from db.models import Applicant, Application, County, PaymentRun, Program, Province, User
from lib.errors import InvalidInput
from lib.jalali import format_jalali, to_jalali
from lib.permissions import Action
from lib.text import format_rial, to_persian_digits
from lib.workflow import PROGRAM_LABELS, ProgramCode
from lib.xlsx import Sheet, workbook_bytes
from services.base import Actor
from services.payments.common import LINE_KIND_LABELS, RUN_STATUS_LABELS, fa, run_area
from services.payments.lines import line_table
from services.payments.runs import get_run, run_period_label

EXPORTABLE = ("approved", "finalized")
RUN_COLUMN = "شماره نوبت"
LINE_COLUMN = "شناسه ردیف"
NATIONAL_CODE_COLUMN = "کد ملی"
INSURANCE_COLUMN = "شماره بیمه"
AMOUNT_COLUMN = "مبلغ پرداختی (ریال)"
RECEIVED_COLUMN = "مبلغ دریافتی تأمین اجتماعی (ریال)"
VERDICT_COLUMN = "نتیجه تأمین اجتماعی"
REASON_COLUMN = "دلیل رد"
CONFIRMED_WORD, REJECTED_WORD = "تأیید", "رد"

# The fixed layout: (header, width). SSO's three columns come last, empty.
LIST_COLUMNS: tuple[tuple[str, float], ...] = (
    (RUN_COLUMN, 10), (LINE_COLUMN, 11), (NATIONAL_CODE_COLUMN, 13), (INSURANCE_COLUMN, 13), ("نام", 14),
    ("نام خانوادگی", 18), ("شهرستان", 14), ("کد رهگیری", 13), ("سال", 7), ("ماه", 6), ("روزها", 7),
    ("حداقل دستمزد روزانه (ریال)", 16), ("نرخ حق بیمه (٪)", 10), ("سهم مصوب کمیته (٪)", 10),
    ("درصد پرداخت", 9), ("حق بیمه کامل (ریال)", 16), (AMOUNT_COLUMN, 16), ("سهم دستگاه (ریال)", 16),
    ("سهم دولت (ریال)", 16), ("نوع ردیف", 10), (RECEIVED_COLUMN, 18), (VERDICT_COLUMN, 12), (REASON_COLUMN, 30),
)
LIST_HEADERS = tuple(h for h, _ in LIST_COLUMNS)
_KINDS = "iitttttti" "iimiii" "mmmmt" "ttt"  # lib.xlsx column kinds: text, integer, money
_MONEY = frozenset(i for i, h in enumerate(LIST_HEADERS) if "(ریال)" in h)
_SSO_COLUMNS = 3


def _require_exportable(session: Session, actor: Actor, run_id: int) -> PaymentRun:
    run = get_run(session, actor, run_id)
    actor.require(Action.export, run_area(run))
    if run.status not in EXPORTABLE:
        raise InvalidInput(
            f"نوبت پرداخت شماره {fa(run.id, False)} در وضعیت «{RUN_STATUS_LABELS.get(run.status, run.status)}» است؛ "
            "فهرست پرداخت فقط از نوبت تأییدشده یا قطعی‌شده گرفته می‌شود. ابتدا نوبت را تأیید کنید.",
            field="run_id",
        )
    return run


def _rate(bp: int) -> int | float:
    return bp // 100 if bp % 100 == 0 else bp / 100


def _list_rows(session: Session, run: PaymentRun) -> Iterator[tuple]:
    """The run's lines in the fixed layout (without SSO's three columns), in line order."""
    lines = line_table(run)
    query = (
        sa_select(
            lines.id, Applicant.national_code, Applicant.sso_insurance_no, Applicant.first_name,
            Applicant.last_name, County.name, Application.tracking_code, lines.jalali_year, lines.jalali_month, lines.days,
            lines.daily_wage_rial, lines.rate_bp, lines.share_percent, lines.percent,
            lines.full_amount_rial, lines.amount_rial, lines.agency_rial,
            lines.government_rial, lines.line_kind,
        )
        .join(Application, Application.id == lines.application_id)
        .join(Applicant, Applicant.id == lines.applicant_id)
        .join(County, County.id == Application.county_id)
        .where(lines.run_id == run.id)
        .order_by(lines.id)
    )
    kinds = dict(LINE_KIND_LABELS)
    result = session.connection().execute(query.execution_options(yield_per=5000))  # streamed, not buffered
    for (line_id, code, insurance_no, first, last, county, tracking, year, month, days, wage, rate, share, pct, full,
         amount, agency, government, kind) in result:
        yield (run.id, line_id, code, insurance_no or "", first, last, county, tracking, year, month, days, wage, _rate(rate),
               share, pct, full, amount, agency, government, kinds.get(kind, kind))


def list_checksum(rows: list[tuple]) -> str:
    """SHA-256 (hex) of the list: each row's cells as text, tab-separated, one row per line, UTF-8."""
    digest = hashlib.sha256()
    digest.update(("\t".join(LIST_HEADERS[:-_SSO_COLUMNS]) + "\n").encode())
    for row in rows:  # no cell is None: an insurance number not recorded yet is ""
        digest.update(("\t".join(map(str, row)) + "\n").encode())
    return digest.hexdigest()


@dataclass(frozen=True)
class PaymentList:
    """The exported list: the .xlsx bytes, its checksum, and counts for a message."""

    run_id: int
    content: bytes
    checksum: str
    lines: int
    total_rial: int

    @property
    def file_name(self) -> str:
        return f"bimeyar-run-{self.run_id}.xlsx"


def _summary_sheet(session: Session, run: PaymentRun, rows: list[tuple], checksum: str) -> Sheet:
    info = run_summary(session, run, rows, checksum)
    facts = [[label, value] for label, value in info.facts()]
    return Sheet("خلاصه", ("عنوان", "مقدار"), facts, widths=(34, 70))


def payment_list(session: Session, actor: Actor, run_id: int) -> PaymentList:
    """The payment list of an approved or finalised run (.xlsx): one sheet of lines in the fixed
    layout, one sheet «خلاصه» with the run, its totals and the checksum."""
    run = _require_exportable(session, actor, run_id)
    rows = list(_list_rows(session, run))
    checksum = list_checksum(rows)
    blank = ("",) * _SSO_COLUMNS
    content = workbook_bytes([
        Sheet("فهرست پرداخت", LIST_HEADERS, (row + blank for row in rows), widths=[w for _, w in LIST_COLUMNS],
              money=_MONEY, kinds=_KINDS),
        _summary_sheet(session, run, rows, checksum),
    ])
    reversal = LINE_KIND_LABELS.get("reversal")
    total = sum(-r[16] if r[19] == reversal else r[16] for r in rows)
    return PaymentList(run.id, content, checksum, len(rows), total)


# --------------------------------------------------------------------------- summary (PDF)
@dataclass(frozen=True)
class RunSummary:
    run_id: int
    program: str
    province: str
    county: str | None
    period: str
    status: str
    people: int
    lines: int
    total_rial: int
    agency_rial: int
    government_rial: int
    by_county: list[tuple[str, int, int, int, int, int]]  # county, people, lines, amount, agency, government
    signatures: list[tuple[str, str, str]]  # role, name, Jalali date
    checksum: str

    def facts(self) -> list[tuple[str, str]]:
        where = self.province + (f" — شهرستان {self.county}" if self.county else "")
        facts = [
            ("شماره نوبت", to_persian_digits(self.run_id)),
            ("برنامه", PROGRAM_LABELS[ProgramCode(self.program)]),
            ("محدوده", where),
            ("دوره", self.period),
            ("وضعیت", self.status),
            ("تعداد افراد", fa(self.people)),
            ("تعداد ردیف‌ها", fa(self.lines)),
            ("جمع پرداخت", format_rial(self.total_rial)),
        ]
        if self.program == ProgramCode.B.value:
            facts += [("سهم کمیته امداد (۸٪)", format_rial(self.agency_rial)),
                      ("سهم دولت (۱۰٪)", format_rial(self.government_rial))]
        facts += [(role, f"{name} — {when}") for role, name, when in self.signatures]
        facts.append(("چکیده SHA-256 فهرست", self.checksum))
        return facts


def _user_name(session: Session, user_id: int | None) -> str:
    user = session.get(User, user_id) if user_id else None
    return user.full_name if user else "—"


def _when(value) -> str:
    return format_jalali(to_jalali(value.date())) if value else "—"


def run_summary(session: Session, run: PaymentRun, rows: list[tuple], checksum: str) -> RunSummary:
    program = session.get(Program, run.program_id)
    province = session.get(Province, run.province_id)
    county = session.get(County, run.county_id) if run.county_id else None
    reversal = LINE_KIND_LABELS.get("reversal")
    per_county: dict[str, list] = defaultdict(lambda: [set(), 0, 0, 0, 0])
    for row in rows:
        sign = -1 if row[19] == reversal else 1
        entry = per_county[row[6]]
        entry[0].add(row[2])
        entry[1] += 1
        entry[2] += sign * row[16]
        entry[3] += sign * row[17]
        entry[4] += sign * row[18]
    by_county = sorted(
        ((name, len(e[0]), e[1], e[2], e[3], e[4]) for name, e in per_county.items()), key=lambda r: r[0]
    )
    signatures = [("تهیه‌کننده", _user_name(session, run.created_by), _when(run.created_at))]
    if run.approved_by:
        signatures.append(("تأییدکننده", _user_name(session, run.approved_by), _when(run.approved_at)))
    if run.finalized_by:
        signatures.append(("قطعی‌کننده", _user_name(session, run.finalized_by), _when(run.finalized_at)))
    return RunSummary(
        run_id=run.id, program=program.code, province=province.name, county=county.name if county else None,
        period=run_period_label(run), status=RUN_STATUS_LABELS.get(run.status, run.status),
        people=len({r[2] for r in rows}), lines=len(rows), total_rial=sum(c[3] for c in by_county),
        agency_rial=sum(c[4] for c in by_county), government_rial=sum(c[5] for c in by_county),
        by_county=by_county, signatures=signatures, checksum=checksum,
    )


def summary_pdf(session: Session, actor: Actor, run_id: int) -> bytes:
    """The run's summary for the file: totals per county and funding source, who prepared, approved
    and finalised it, and the checksum of the list (the same as in the Excel file)."""
    from services.budgets import budget_position
    from services.printing import render

    run = _require_exportable(session, actor, run_id)
    rows = list(_list_rows(session, run))
    summary = run_summary(session, run, rows, list_checksum(rows))
    budget = budget_position(session, program=summary.program, province_id=run.province_id, jalali_year=run.jalali_year)
    is_b = summary.program == ProgramCode.B.value

    def draw(doc) -> None:
        doc.heading(f"خلاصه نوبت پرداخت شماره {to_persian_digits(run.id)}")
        doc.text_line(PROGRAM_LABELS[ProgramCode(summary.program)], align="C")
        doc.gap()
        for label, value in summary.facts()[:-1]:
            doc.text_line(f"{label}: {value}")
        doc.gap()
        doc.text_line("جمع به تفکیک شهرستان", bold=True)
        headers = ["شهرستان", "افراد", "ردیف‌ها", "مبلغ (ریال)"] + (["سهم کمیته امداد", "سهم دولت"] if is_b else [])
        body = [
            [name, fa(people), fa(lines), fa(amount)] + ([fa(agency), fa(gov)] if is_b else [])
            for name, people, lines, amount, agency, gov in summary.by_county
        ]
        body.append(["جمع", fa(summary.people), fa(summary.lines), fa(summary.total_rial)]
                    + ([fa(summary.agency_rial), fa(summary.government_rial)] if is_b else []))
        doc.grid(headers, body, [30, 12, 12, 24] + ([22, 22] if is_b else []))
        doc.gap()
        doc.text_line(f"منابع اعتبار سال {to_persian_digits(run.jalali_year)}", bold=True)
        draws = {"relief_committee": summary.agency_rial, "government": summary.government_rial}
        source_rows = []
        for s in budget.sources:
            this_run = fa(draws[s.source]) if is_b else "—"
            source_rows.append([s.label, fa(s.credit_rial), fa(s.used_rial) if is_b else "—", this_run, fa(s.left_rial) if is_b else "—"])
        if not is_b:
            source_rows.append(["مجموع منابع (یکجا)", fa(budget.credit_rial), fa(budget.used_rial), fa(summary.total_rial), fa(budget.left_rial)])
        doc.grid(["منبع", "اعتبار", "مصرف نوبت‌های قطعی", "این نوبت", "مانده"], source_rows, [40, 20, 20, 20, 20])
        doc.gap()
        doc.text_line("امضاها", bold=True)
        doc.grid(["نقش", "نام", "تاریخ", "امضا"], [[r, n, w, ""] for r, n, w in summary.signatures], [20, 40, 20, 25])
        doc.gap()
        doc.text_line("چکیده SHA-256 فهرست پرداخت (برای تطبیق با فایل اکسل):", size=10)
        doc.text_line(summary.checksum[:32], size=10, align="C")
        doc.text_line(summary.checksum[32:], size=10, align="C")

    return render(f"خلاصه نوبت پرداخت {run.id}", draw)
