"""One premium support per person and month: a person covered in one programme is not activated
in the other for the same months.

A case of the other programme covers the person:

* while it is running (active or suspended), from its first month for its granted months
  (programme A) or with no end (programme B: until the case is completed); a running case with no
  first month recorded is taken to cover every month;
* in every month a payment line of the other programme (run not cancelled) paid, whatever the
  case's state now.
"""
from __future__ import annotations

from sqlalchemy import update
from sqlmodel import Session, select

from db.models import Applicant, Application, PaymentRun, Program
from lib.errors import InvalidInput
from lib.jalali import YearMonth, format_year_month
from lib.text import ltr
from lib.workflow import PROGRAM_LABELS, ProgramCode, State
from services.payments.lines import every_line

RUNNING = (State.active.value, State.suspended.value)


def _overlaps(a_start: int, a_end: int | None, b_start: int, b_end: int | None) -> bool:
    """Half-open month-index intervals [start, end); None: no end."""
    return (b_end is None or a_start < b_end) and (a_end is None or b_start < a_end)


def _span(start: int, end: int | None) -> str:
    first = format_year_month(YearMonth.from_index(start))
    if end is None:
        return f"از {first} به بعد"
    return f"از {first} تا {format_year_month(YearMonth.from_index(end - 1))}"


def lock_applicant(session: Session, applicant_id: int) -> None:
    """Hold the person's row until commit, so two activations of the same person (in either
    programme) are checked for overlapping months one after the other (SQLite: the write lock)."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(update(Applicant).where(Applicant.id == applicant_id).values(county_id=Applicant.county_id))
    else:
        session.exec(select(Applicant.id).where(Applicant.id == applicant_id).with_for_update()).first()


def ensure_no_overlap(session: Session, application: Application, start: YearMonth, months: int | None) -> None:
    """InvalidInput (Persian, naming the other case by its tracking code) when the applicant of
    ``application`` is covered by another programme in any month of ``months`` months from
    ``start`` (``months`` None: open-ended, as programme B's cover). Takes the person's row lock
    first (:func:`lock_applicant`), so activations in both programmes are checked one at a time;
    writes nothing else."""
    lock_applicant(session, application.applicant_id)
    start = YearMonth(*start)
    begin = start.index
    end = None if months is None else begin + int(months)
    codes = dict(session.exec(select(Program.id, Program.code)).all())
    others = session.exec(
        select(Application).where(
            Application.applicant_id == application.applicant_id,
            Application.program_id != application.program_id,
            Application.id != application.id,
        ).order_by(Application.id)
    ).all()
    for other in others:
        if other.state not in RUNNING:
            continue
        if other.start_year and other.start_month:
            o_begin = YearMonth(other.start_year, other.start_month).index
        else:
            o_begin = 0
        o_end = o_begin + other.months_granted if codes.get(other.program_id) == ProgramCode.A.value and other.months_granted else None
        if _overlaps(begin, end, o_begin, o_end):
            span = _span(o_begin, o_end) if o_begin else "بی آن‌که ماه آغازش ثبت شده باشد"
            raise InvalidInput(
                f"متقاضی در برنامه «{PROGRAM_LABELS[ProgramCode(codes[other.program_id])]}» پرونده جاری "
                f"{ltr(other.tracking_code)} دارد که {span} حق بیمه او را پوشش می‌دهد؛ یک نفر برای یک ماه دو حمایت "
                "حق بیمه نمی‌گیرد. ماه آغاز را پس از پایان آن پوشش بگذارید یا نخست آن پرونده را پایان دهید.",
                field="start",
            )
    lines = every_line()  # lines of runs not cancelled: paid or staged (draft, approved)
    month_index = lines.c.jalali_year * 12 + lines.c.jalali_month - 1
    conditions = [
        lines.c.applicant_id == application.applicant_id,
        lines.c.program_id != application.program_id,
        PaymentRun.status != "cancelled",
        month_index >= begin,
    ]
    if end is not None:
        conditions.append(month_index < end)
    paid = session.exec(
        select(lines.c.jalali_year, lines.c.jalali_month, Application.tracking_code, Application.program_id)
        .join(PaymentRun, PaymentRun.id == lines.c.run_id)
        .join(Application, Application.id == lines.c.application_id)
        .where(*conditions)
        .order_by(lines.c.jalali_year, lines.c.jalali_month)
    ).first()
    if paid is not None:
        year, month, code, program_id = paid
        raise InvalidInput(
            f"حق بیمه متقاضی برای {format_year_month(YearMonth(year, month))} در برنامه "
            f"«{PROGRAM_LABELS[ProgramCode(codes[program_id])]}» (پرونده {ltr(code)}) پرداخت شده است؛ یک نفر برای یک ماه "
            "دو حمایت حق بیمه نمی‌گیرد. ماه آغاز را پس از ماه‌های پرداخت‌شده بگذارید.",
            field="start",
        )
