"""Programme A activation: after the provincial confirmation, the case becomes «active» from a
first month of payment.

The first month is no earlier than the month of the provincial confirmation (the date of the
session that confirmed it) — or, with a written reason (audited), a retroactive start no earlier
than Farvardin of the current Jalali year — and none of the granted months may be a month
already paid to the person in the programme. The confirmation's requirements (documents,
eligibility, the specialised deputy) and the 60-month cap are checked again, and the person may
not be covered by the other programme in those months (:mod:`services.coverage`).
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import func
from sqlmodel import Session, select

from db.models import Applicant, Application, CommitteeSession, County, Decision, PaymentRun, Program
from lib.errors import InvalidInput
from lib.jalali import (
    MAX_INPUT_YEAR,
    MIN_INPUT_YEAR,
    YearMonth,
    current_year_month,
    format_year_month,
    parse_year_month,
    to_jalali,
)
from lib.permissions import Action
from lib import validate
from lib.workflow import STATE_LABELS, ProgramCode, State
from services.applications import get_application, move_case
from services.base import Actor, area_conditions, audit, snapshot
from services.committee.cap import _check_cap, _remaining_for
from services.committee.common import Grant, Level, Outcome, Terms, _fa, _program_code, lock_case
from services.committee.requirements import require_confirmation_ready
from services.committee.sessions import today
from services.coverage import ensure_no_overlap
from services.payments.lines import every_line

RETRO_REASON_MAX = 300


def confirmation_date(session: Session, application_id: int) -> date | None:
    """The date of the provincial session whose approval is the case's latest provincial decision."""
    return confirmation_dates(session, [application_id])[application_id]


def _start(start: YearMonth | str | None) -> YearMonth:
    if isinstance(start, str) or start is None:
        start = parse_year_month(start, field="start")
    try:
        start = YearMonth(*start)
    except TypeError:
        raise InvalidInput("ماه شروع پرداخت را به شکل سال/ماه وارد کنید، مثلاً ۱۴۰۳/۰۷.", field="start") from None
    if not isinstance(start.year, int) or not isinstance(start.month, int):
        raise InvalidInput("ماه شروع پرداخت را به شکل سال/ماه وارد کنید، مثلاً ۱۴۰۳/۰۷.", field="start")
    if not (MIN_INPUT_YEAR <= start.year <= MAX_INPUT_YEAR and 1 <= start.month <= 12):
        raise InvalidInput("ماه شروع پرداخت درست نیست؛ سال شمسی چهاررقمی و ماه ۱ تا ۱۲، مثلاً ۱۴۰۳/۰۷.", field="start")
    return start


def _check_start(session: Session, application: Application, start: YearMonth, reason: str) -> None:
    confirmed_on = confirmation_date(session, application.id)
    if confirmed_on is None:
        raise InvalidInput("تأیید کمیته استان برای این پرونده پیدا نشد؛ ابتدا تصمیم کمیته استان را ثبت کنید.", field="start")
    j = to_jalali(confirmed_on)
    earliest = YearMonth(j.year, j.month)
    if start.index < earliest.index:
        year_start = YearMonth(current_year_month(today()).year, 1)
        if not reason:
            raise InvalidInput(
                f"ماه شروع ({format_year_month(start)}) پیش از ماه تأیید کمیته استان ({format_year_month(earliest)}) است؛ "
                f"ماه شروع را {format_year_month(earliest)} یا پس از آن بگذارید، یا اگر پرداخت از گذشته لازم است دلیل آن "
                f"را بنویسید (حداکثر از {format_year_month(year_start)}).",
                field="start",
            )
        if start.index < year_start.index:
            raise InvalidInput(
                f"پرداخت از گذشته حداکثر از آغاز سال جاری ({format_year_month(year_start)}) ممکن است، ولی "
                f"{format_year_month(start)} وارد شده است؛ ماه شروع را اصلاح کنید.",
                field="start",
            )
    months = application.months_granted or 0
    lines = every_line()  # lines of runs not cancelled: paid or staged (draft, approved)
    month_index = lines.c.jalali_year * 12 + lines.c.jalali_month - 1
    paid = session.exec(
        select(lines.c.jalali_year, lines.c.jalali_month)
        .join(PaymentRun, PaymentRun.id == lines.c.run_id)
        .where(lines.c.applicant_id == application.applicant_id, lines.c.program_id == application.program_id,
               PaymentRun.status != "cancelled", month_index >= start.index, month_index < start.index + months)
        .order_by(lines.c.jalali_year, lines.c.jalali_month)
    ).first()
    if paid is not None:
        raise InvalidInput(
            f"حق بیمه {format_year_month(YearMonth(*paid))} پیش‌تر به این متقاضی پرداخت شده است و ماه‌های "
            f"{_fa(months)} ماه مصوب از {format_year_month(start)} با آن هم‌پوشانی دارد؛ ماه شروع را پس از ماه‌های "
            "پرداخت‌شده بگذارید.",
            field="start",
        )


def activate(
    session: Session, actor: Actor, application_id: int, start: YearMonth | str, *, retroactive_reason: str | None = None
) -> Application:
    """After the provincial confirmation: the case becomes active from ``start`` (a Jalali month,
    or as typed: '1403/7', 'مهر ۱۴۰۳'). A start before the confirmation's month needs
    ``retroactive_reason`` and may go back to the start of the current Jalali year at most."""
    if lock_case(session, application_id) is None:
        raise InvalidInput("پرونده‌ای با این شماره پیدا نشد.", field="application_id")
    application = get_application(session, actor, application_id, Action.record_province_decision)
    program = _program_code(session, application.program_id)
    if program != ProgramCode.A:
        raise InvalidInput("فعال‌سازی با تصمیم کمیته استان فقط برای برنامه سهم بیمه خویش‌فرماست.", field="application_id")
    if application.state != State.province_decision.value:
        raise InvalidInput(
            f"پرونده در وضعیت «{STATE_LABELS[State(application.state)]}» است؛ فقط پرونده‌ای که کمیته استان "
            "تأیید کرده فعال می‌شود.",
            field="application_id",
        )
    start = _start(start)
    reason = validate.clean_text(retroactive_reason, field="retroactive_reason", label_fa="دلیل پرداخت از گذشته",
                                 max_length=RETRO_REASON_MAX, multiline=True)
    if not application.months_granted:
        raise InvalidInput("تعداد ماه‌های مصوب کمیته استان ثبت نشده است؛ ابتدا تصمیم کمیته استان را ثبت کنید.", field="months")
    require_confirmation_ready(session, application, application.months_granted, what="آغاز پرداخت")
    _check_cap(application.months_granted, _remaining_for(session, application))
    _check_start(session, application, start, reason)
    ensure_no_overlap(session, application, start, application.months_granted)
    j = to_jalali(confirmation_date(session, application.id))
    retroactive = start.index < YearMonth(j.year, j.month).index
    note = f"شروع پرداخت از {format_year_month(start)}" + (f" (پرداخت از گذشته: {reason})" if retroactive else "")
    move_case(session, actor, application, program, State.active, note=note[:400])
    before = snapshot(application)
    application.start_year, application.start_month = start
    session.add(application)
    after = snapshot(application)
    if retroactive:
        after["retroactive_reason"] = reason
    audit(session, actor, "application.activate", "application", application.id, before=before, after=after)
    session.commit()
    return application


def _awaiting(actor: Actor) -> list:
    return [Application.program_id == select(Program.id).where(Program.code == ProgramCode.A.value).scalar_subquery(),
            Application.state == State.province_decision.value, *area_conditions(actor, Application)]


def confirmation_dates(session: Session, application_ids: list[int]) -> dict[int, date | None]:
    """:func:`confirmation_date` of several cases in one query."""
    latest: dict[int, tuple] = {}
    if application_ids:
        for application_id, outcome, decided_at, held_on in session.exec(
            select(Decision.application_id, Decision.outcome, Decision.decided_at, CommitteeSession.held_on)
            .outerjoin(CommitteeSession, CommitteeSession.id == Decision.session_id)
            .where(Decision.application_id.in_(application_ids), Decision.level == Level.province.value)
            .order_by(Decision.id)
        ).all():
            latest[application_id] = (outcome, decided_at, held_on)  # ordered by id: the last one counts
    dates: dict[int, date | None] = {}
    for application_id in application_ids:
        outcome, decided_at, held_on = latest.get(application_id, (None, None, None))
        approved = outcome == Outcome.approve.value
        dates[application_id] = (held_on or decided_at.date()) if approved else None
    return dates


def awaiting_activation(session: Session, actor: Actor, *, offset: int = 0, limit: int | None = None) -> list[Grant]:
    """Programme A cases in «province_decision» in the actor's area, oldest decision first (from
    ``offset``, at most ``limit`` of them: a page reads its own rows only)."""
    actor.require(Action.record_province_decision)
    stmt = (  # the columns shown, not the cases as objects
        select(Application.id, Application.tracking_code, Applicant.first_name, Applicant.last_name, County.name,
               Application.months_granted, Application.share_percent, Application.contract_rate_bp)
        .join(Applicant, Applicant.id == Application.applicant_id)
        .join(County, County.id == Application.county_id)
        .where(*_awaiting(actor))
        .order_by(Application.updated_at, Application.id)
    )
    if limit is not None:
        offset = validate.integer(offset, field="offset", label_fa="ردیف آغاز", minimum=0, maximum=validate.INT32_MAX)
        stmt = stmt.offset(offset).limit(validate.integer(limit, field="limit", label_fa="تعداد ردیف", minimum=1,
                                                          maximum=500))
    rows = session.exec(stmt).all()
    dates = confirmation_dates(session, [row[0] for row in rows])
    return [
        Grant(case_id, code, f"{first} {last}", county, Terms(months, share, rate), dates[case_id])
        for case_id, code, first, last, county, months, share, rate in rows
    ]


def count_awaiting_activation(session: Session, actor: Actor) -> int:
    """How many cases :func:`awaiting_activation` lists (all pages)."""
    actor.require(Action.record_province_decision)
    return int(session.exec(select(func.count()).select_from(Application).where(*_awaiting(actor))).one())
