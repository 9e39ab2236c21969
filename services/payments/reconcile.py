"""Reconciliation: SSO's confirmation of the premiums it received, imported from its Excel file.

SSO sends back the payment list (services.payments.exports) with its three columns filled in:
the amount it received, its verdict («تأیید» or «رد») and, for a rejection, the reason. Importing
it marks each line of a finalised run confirmed or rejected. The whole file is checked first and
nothing is written when any row has a problem (all or nothing); the report names each row and
column in Persian. ``dry_run`` checks and reports without writing.

A row whose three SSO columns are empty is not answered yet (the line stays pending). A file is
refused when a row names a line that is not in the run (unknown lines), a line of
another run, a national code other than the line's, a received amount above what was paid (or,
for a confirmation, other than what was paid), a verdict other than تأیید/رد, a rejection without
a reason, the same line twice, or a line SSO already answered differently. Lines the file does not
mention stay pending. Two imports of the same run are serialised by a lock on the run.

SSO may also fill «شماره بیمه», the person's insurance number: digits only (Persian or Arabic
digits accepted), at most 12. A number is recorded on the person (audited) the first time; a
number other than the one recorded for that person, one recorded for someone else, or two numbers
for one person in the file is reported row by row, never overwritten silently.

Rejected lines can be reversed by an adjustment run (:func:`follow_up_rejected`), which frees
their months to be paid again once the cause is fixed.
"""
from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from sqlalchemy import bindparam, update
from sqlmodel import Session, select

from db.models import Applicant, PaymentLine, PaymentRun, utcnow
from lib.errors import InvalidInput
from lib.identifiers import normalize_national_code
from lib.permissions import Action
from lib.text import normalize_persian, parse_int, to_latin_digits, to_persian_digits
from services.base import Actor, audit
from services.payments.common import RUN_STATUS_LABELS, fa, load_run, run_area
from services.payments.exports import (
    CONFIRMED_WORD,
    INSURANCE_COLUMN,
    LINE_COLUMN,
    NATIONAL_CODE_COLUMN,
    REASON_COLUMN,
    RECEIVED_COLUMN,
    REJECTED_WORD,
    RUN_COLUMN,
    VERDICT_COLUMN,
)

MAX_FILE_BYTES = 50 * 1024 * 1024
REQUIRED = (RUN_COLUMN, LINE_COLUMN, NATIONAL_CODE_COLUMN, RECEIVED_COLUMN, VERDICT_COLUMN, REASON_COLUMN)
OPTIONAL = (INSURANCE_COLUMN,)
INSURANCE_NO_MAX = 12
_INSURANCE_NO = re.compile(rf"[0-9]{{1,{INSURANCE_NO_MAX}}}")
_VERDICTS = {
    CONFIRMED_WORD: "confirmed", "تایید": "confirmed", "تاييد": "confirmed", "confirmed": "confirmed",
    REJECTED_WORD: "rejected", "rejected": "rejected",
}
SSO_STATUS_LABELS = {"pending": "در انتظار پاسخ", "confirmed": "تأیید تأمین اجتماعی", "rejected": "رد تأمین اجتماعی"}


@dataclass(frozen=True)
class ReconcileProblem:
    row: int
    column: str
    message: str


@dataclass
class ReconcileReport:
    run_id: int
    rows: int
    dry_run: bool
    problems: list[ReconcileProblem] = field(default_factory=list)
    confirmed: int = 0
    rejected: int = 0
    unchanged: int = 0  # the same verdict as before
    insurance_numbers: int = 0  # people whose SSO insurance number is recorded (for the first time)
    pending: int = 0  # lines of the run the file does not mention (still unanswered)
    written: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems

    def problems_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            [{"ردیف": to_persian_digits(p.row), "ستون": p.column, "مشکل": p.message} for p in self.problems],
            columns=["ردیف", "ستون", "مشکل"],
        )

    def summary(self) -> str:
        head = "بررسی آزمایشی: " if self.dry_run else ""
        if self.problems:
            return (f"{head}فایل {fa(len(self.problems))} مشکل دارد و هیچ ردیفی ثبت نشد؛ ردیف‌های فهرست زیر را "
                    "اصلاح کنید و فایل را دوباره بارگذاری کنید.")
        verb = "ثبت می‌شود" if self.dry_run else "ثبت شد"
        numbers = f" شماره بیمه {fa(self.insurance_numbers)} نفر {verb}." if self.insurance_numbers else ""
        return (f"{head}{fa(self.confirmed)} ردیف تأیید و {fa(self.rejected)} ردیف رد {verb}؛ "
                f"{fa(self.unchanged)} ردیف بدون تغییر و {fa(self.pending)} ردیف از نوبت هنوز بی‌پاسخ است.{numbers}")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return normalize_persian(str(value))


def insurance_number(value: str) -> str:
    """SSO's insurance number as stored: digits only (Persian/Arabic digits and spaces accepted),
    1 to 12 of them; anything else is ``InvalidInput``."""
    digits = to_latin_digits(normalize_persian(value)).replace(" ", "")
    if not _INSURANCE_NO.fullmatch(digits):
        raise InvalidInput(
            f"شماره بیمه باید فقط رقم باشد و حداکثر {fa(INSURANCE_NO_MAX)} رقم داشته باشد؛ "
            f"«{value}» را اصلاح کنید.",
            field="sso_insurance_no",
        )
    return digits


def _read(content: bytes) -> list[tuple[int, dict[str, Any]]]:
    from openpyxl import load_workbook

    if not content:
        raise InvalidInput("فایل خالی است؛ فایل پاسخ تأمین اجتماعی را بارگذاری کنید.", field="file")
    if len(content) > MAX_FILE_BYTES:
        raise InvalidInput("فایل بزرگ‌تر از ۵۰ مگابایت است؛ آن را به چند فایل تقسیم کنید.", field="file")
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # a damaged or foreign file fails in many ways inside openpyxl
        raise InvalidInput(
            "این فایل اکسل (xlsx) خوانا نیست؛ همان فهرست پرداختی را که از سامانه گرفته شده، با ستون‌های "
            "پاسخ تأمین اجتماعی پرشده، با پسوند .xlsx بارگذاری کنید.",
            field="file",
        ) from None
    try:
        rows = book.worksheets[0].iter_rows(values_only=True)
        header = [normalize_persian(str(h)) if h is not None else "" for h in (next(rows, None) or ())]
        missing = [h for h in REQUIRED if h not in header]
        if missing:
            raise InvalidInput(
                f"ستون‌های {'، '.join('«' + h + '»' for h in missing)} در ردیف اول فایل نیست؛ فایل باید همان "
                "فهرست پرداخت سامانه باشد که تأمین اجتماعی ستون‌های پاسخ آن را پر کرده است.",
                field="file",
            )
        where = {h: header.index(h) for h in (*REQUIRED, *(h for h in OPTIONAL if h in header))}
        data = []
        for number, values in enumerate(rows, start=2):
            values = tuple(values or ())
            cells = {h: values[i] if i < len(values) else None for h, i in where.items()}
            if all(_text(v) == "" for v in cells.values()):
                continue
            data.append((number, cells))
    finally:
        book.close()
    if not data:
        raise InvalidInput("فایل هیچ ردیفی ندارد؛ فهرست پرداخت با پاسخ تأمین اجتماعی را بارگذاری کنید.", field="file")
    return data


class _InsuranceNumbers:
    """The insurance numbers of a file, checked against what is recorded and against each other."""

    def __init__(self, session: Session, recorded: dict[int, str | None]):
        self.session = session
        self.recorded = recorded  # applicant → number recorded (None: not yet)
        self.new: dict[int, tuple[str, int]] = {}  # applicant → (number, file row) to record
        self.owner: dict[str, tuple[int, int]] = {}  # number → (applicant, file row) in this file

    def check(self, applicant_id: int, value: str, row: int) -> str | None:
        """A Persian message when the number of ``row`` cannot be recorded for the person, else None."""
        try:
            number = insurance_number(value)
        except InvalidInput as exc:
            return exc.message
        shown = to_persian_digits(number)
        stored = self.recorded.get(applicant_id)
        if stored is not None:
            if stored == number:
                return None
            return (f"برای این شخص شماره بیمه {to_persian_digits(stored)} ثبت شده است، نه {shown}؛ شماره ثبت‌شده "
                    "عوض نمی‌شود. اگر شماره درست همین است، موضوع را با تأمین اجتماعی بررسی کنید.")
        earlier = self.new.get(applicant_id)
        if earlier is not None and earlier[0] != number:
            return (f"در ردیف {fa(earlier[1], False)} فایل برای همین شخص شماره بیمه {to_persian_digits(earlier[0])} "
                    f"آمده است، نه {shown}؛ یک شماره را نگه دارید.")
        holder = self.owner.get(number, (applicant_id, row))
        if holder[0] != applicant_id:
            return f"شماره بیمه {shown} در ردیف {fa(holder[1], False)} فایل برای شخص دیگری آمده است."
        self.new.setdefault(applicant_id, (number, row))
        self.owner.setdefault(number, (applicant_id, row))
        return None

    def held_by_others(self) -> list[tuple[int, str]]:
        """(file row, message) for each new number the database already records for someone else."""
        found = []
        numbers = list(self.owner)
        for k in range(0, len(numbers), 500):
            found += self.session.exec(
                select(Applicant.sso_insurance_no, Applicant.id)
                .where(Applicant.sso_insurance_no.in_(numbers[k:k + 500]))  # type: ignore[union-attr]
            ).all()
        clashes = []
        for number, holder in found:
            applicant_id, row = self.owner[number]
            if holder != applicant_id:
                self.new.pop(applicant_id, None)
                clashes.append((row, f"شماره بیمه {to_persian_digits(number)} پیش‌تر برای شخص دیگری ثبت شده است؛ "
                                     "شماره را با تأمین اجتماعی بررسی کنید."))
        return clashes

    def write(self, actor: Actor, province_id: int) -> None:
        """Record the new numbers on the people, one audit record each."""
        if not self.new:
            return
        self.session.connection().execute(
            update(Applicant).where(Applicant.id == bindparam("b_id")).values(sso_insurance_no=bindparam("b_no")),
            [{"b_id": a, "b_no": number} for a, (number, _) in self.new.items()],
        )
        for applicant_id, (number, _) in self.new.items():
            audit(self.session, actor, "applicant.sso_insurance_no", "applicant", applicant_id,
                  before={"sso_insurance_no": None}, after={"sso_insurance_no": number}, province_id=province_id)


def reconcile_run(session: Session, actor: Actor, run_id: int, content: bytes, *, dry_run: bool = False) -> ReconcileReport:
    """Mark the lines of finalised run ``run_id`` confirmed or rejected from SSO's file (see the module)."""
    run = load_run(session, run_id, lock=not dry_run)  # two imports of one run: one after the other
    actor.require(Action.view_payments, run_area(run))
    actor.require(Action.export, run_area(run))
    if run.status != "finalized":
        raise InvalidInput(
            f"نوبت پرداخت شماره {fa(run.id, False)} در وضعیت «{RUN_STATUS_LABELS.get(run.status, run.status)}» است؛ "
            "پاسخ تأمین اجتماعی فقط برای نوبت قطعی‌شده ثبت می‌شود.",
            field="run_id",
        )
    data = _read(content)
    report = ReconcileReport(run_id=run.id, rows=len(data), dry_run=dry_run)
    lines, person, recorded = {}, {}, {}
    for line_id, code, amount, status, applicant_id, number in session.exec(
        select(PaymentLine.id, Applicant.national_code, PaymentLine.amount_rial, PaymentLine.sso_status,
               Applicant.id, Applicant.sso_insurance_no)
        .join(Applicant, Applicant.id == PaymentLine.applicant_id)
        .where(PaymentLine.run_id == run.id)
    ).all():
        lines[line_id] = (code, amount, status)
        person[line_id] = applicant_id
        recorded[applicant_id] = number
    numbers = _InsuranceNumbers(session, recorded)
    seen: dict[int, int] = {}
    answered: set[int] = set()
    updates: list[dict] = []
    for number, cells in data:
        before = len(report.problems)

        def problem(column: str, message: str) -> None:
            report.problems.append(ReconcileProblem(number, column, message))

        try:
            file_run = parse_int(_text(cells[RUN_COLUMN]), field="run", label_fa="شماره نوبت", minimum=1)
        except InvalidInput as exc:
            problem(RUN_COLUMN, exc.message)
            continue
        if file_run != run.id:
            problem(RUN_COLUMN, f"این ردیف از نوبت شماره {fa(file_run, False)} است، نه نوبت {fa(run.id, False)}؛ "
                                "پاسخ هر نوبت را جداگانه بارگذاری کنید.")
            continue
        try:
            line_id = parse_int(_text(cells[LINE_COLUMN]), field="line", label_fa="شناسه ردیف", minimum=1)
        except InvalidInput as exc:
            problem(LINE_COLUMN, exc.message)
            continue
        if line_id not in lines:
            problem(LINE_COLUMN, f"ردیف {fa(line_id, False)} در این نوبت نیست؛ ردیف‌های ناشناخته پذیرفته نمی‌شود.")
            continue
        if line_id in seen:
            problem(LINE_COLUMN, f"این ردیف پیش‌تر در ردیف {fa(seen[line_id], False)} فایل آمده است؛ یکی را حذف کنید.")
            continue
        seen[line_id] = number
        code, paid, current = lines[line_id]
        try:
            file_code = normalize_national_code(_text(cells[NATIONAL_CODE_COLUMN]))
        except InvalidInput:
            file_code = to_latin_digits(_text(cells[NATIONAL_CODE_COLUMN]))
        if file_code != code:
            problem(NATIONAL_CODE_COLUMN, "کد ملی این ردیف با کد ملی ردیف پرداخت یکی نیست؛ ستون کد ملی را تغییر ندهید.")
        elif _text(cells.get(INSURANCE_COLUMN)):
            message = numbers.check(person[line_id], _text(cells[INSURANCE_COLUMN]), number)
            if message:
                problem(INSURANCE_COLUMN, message)
        if not any(_text(cells[c]) for c in (VERDICT_COLUMN, RECEIVED_COLUMN, REASON_COLUMN)):
            continue  # SSO has not answered this line yet: it stays pending
        answered.add(line_id)
        verdict = _VERDICTS.get(_text(cells[VERDICT_COLUMN]).lower())
        if verdict is None:
            problem(VERDICT_COLUMN, f"نتیجه را «{CONFIRMED_WORD}» یا «{REJECTED_WORD}» بنویسید.")
        reason = _text(cells[REASON_COLUMN])
        if verdict == "rejected" and not reason:
            problem(REASON_COLUMN, "برای ردیف ردشده دلیل رد تأمین اجتماعی را بنویسید.")
        if len(reason) > 400:
            problem(REASON_COLUMN, "دلیل رد حداکثر ۴۰۰ نویسه است؛ آن را کوتاه کنید.")
        raw_received = _text(cells[RECEIVED_COLUMN])
        received = paid if raw_received == "" and verdict == "confirmed" else None
        if raw_received != "":
            try:
                received = parse_int(raw_received, field="received", label_fa="مبلغ دریافتی", minimum=0)
            except InvalidInput as exc:
                problem(RECEIVED_COLUMN, exc.message)
        if received is not None and received > paid:
            problem(RECEIVED_COLUMN, f"مبلغ دریافتی ({fa(received)} ریال) بیش از مبلغ پرداخت‌شده ({fa(paid)} ریال) است؛ "
                                     "مبلغ را با فهرست پرداخت تطبیق دهید.")
        elif verdict == "confirmed" and received is not None and received != paid:
            problem(RECEIVED_COLUMN, f"ردیف تأییدشده باید همه مبلغ پرداخت‌شده ({fa(paid)} ریال) را دریافت کرده باشد؛ "
                                     f"اگر تأمین اجتماعی کمتر پذیرفته، نتیجه را «{REJECTED_WORD}» و دلیل را بنویسید.")
        if verdict and current != "pending" and current != verdict:
            problem(VERDICT_COLUMN, f"تأمین اجتماعی پیش‌تر این ردیف را «{SSO_STATUS_LABELS[current]}» اعلام کرده است؛ "
                                    "پاسخ ثبت‌شده تغییر نمی‌کند.")
        if len(report.problems) > before or verdict is None:
            continue
        if current == verdict:
            report.unchanged += 1
            continue
        updates.append({"b_id": line_id, "b_status": verdict, "b_reason": reason or None})
        report.confirmed += verdict == "confirmed"
        report.rejected += verdict == "rejected"
    report.pending = sum(1 for line_id, (_, _, status) in lines.items() if line_id not in answered and status == "pending")
    for row, message in numbers.held_by_others():
        report.problems.append(ReconcileProblem(row, INSURANCE_COLUMN, message))
    report.problems.sort(key=lambda p: p.row)
    report.insurance_numbers = len(numbers.new)
    if report.problems or dry_run:
        session.rollback()
        return report
    try:
        if updates:
            session.connection().execute(
                update(PaymentLine)
                .where(PaymentLine.id == bindparam("b_id"))
                .values(sso_status=bindparam("b_status"), sso_reason=bindparam("b_reason"), sso_checked_at=utcnow()),
                updates,
            )
        numbers.write(actor, run.province_id)
        audit(session, actor, "payment_run.reconcile", "paymentrun", run.id, after={
            "confirmed": report.confirmed, "rejected": report.rejected, "unchanged": report.unchanged,
            "pending": report.pending, "insurance_numbers": report.insurance_numbers, "file_sha256": hashlib.sha256(content).hexdigest(),
        })
        session.commit()
    except Exception:
        session.rollback()
        raise
    report.written = True
    return report


def rejected_lines(session: Session, actor: Actor, run_id: int) -> pd.DataFrame:
    """The run's payment lines SSO rejected: line_id, national_code, amount_rial, sso_reason."""
    run = load_run(session, run_id)
    actor.require(Action.view_payments, run_area(run))
    rows = session.exec(
        select(PaymentLine.id, Applicant.national_code, Applicant.first_name, Applicant.last_name,
               PaymentLine.jalali_year, PaymentLine.jalali_month, PaymentLine.amount_rial, PaymentLine.sso_reason)
        .join(Applicant, Applicant.id == PaymentLine.applicant_id)
        .where(PaymentLine.run_id == run.id, PaymentLine.sso_status == "rejected", PaymentLine.line_kind == "payment")
        .order_by(PaymentLine.id)
    ).all()
    return pd.DataFrame(rows, columns=["line_id", "national_code", "first_name", "last_name", "jalali_year",
                                       "jalali_month", "amount_rial", "sso_reason"])


def follow_up_rejected(session: Session, actor: Actor, run_id: int, reason: str) -> PaymentRun:
    """A draft adjustment run reversing every line of ``run_id`` that SSO rejected and that is still
    paid; once finalised, those months may be paid again in a new run (the cause fixed)."""
    from services.payments.adjustments import create_adjustment_run, net_paid

    lines = rejected_lines(session, actor, run_id)
    ids = [int(i) for i in lines["line_id"]]
    still = net_paid(session, ids)
    ids = [i for i in ids if still.get(i, 0) > 0]
    if not ids:
        raise InvalidInput("این نوبت ردیف ردشده‌ای ندارد که هنوز برگشت نخورده باشد.", field="run_id")
    return create_adjustment_run(session, actor, run_id, ids, kind="reversal", reason=reason)
