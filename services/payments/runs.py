"""Writing runs: create (draft), approve, finalise exactly once, cancel; and the reads for screens.

Exactly once: a line becomes *live* only when its run is finalised, and the database holds a
partial unique index over the live payment lines per (applicant, Jalali year, month) across both
programmes (``uq_paid_once_live``). A run's lines are staged (``paymentdraftline``) until then
(services.payments.lines). Finalising checks first (a Persian message naming who would be paid
twice), then moves every line of the run into ``paymentline`` as live in one INSERT … SELECT
inside the transaction that marks the run finalised: all lines or none. Two finalisations of the same programme are serialised
by a row lock on the programme (the 60-month cap counts across runs); two of different programmes
that pay the same person the same month meet at the unique index and the later one is refused.
The province's credit for each Jalali year of the lines is checked with its budget rows locked
(services.payments.credit).
"""
from __future__ import annotations

import pandas as pd
from sqlalchemy import func, text, union_all
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from db.models import (
    PAYMENT_LINE_PAID_ONCE_WHERE,
    Applicant,
    Application,
    County,
    PaymentDraftLine,
    PaymentLine,
    PaymentRun,
    Program,
    Province,
    User,
    utcnow,
)
from lib.errors import InvalidInput
from lib.jalali import YearMonth, format_year_month
from lib.permissions import Action, can
from lib.text import to_persian_digits
from services.base import Actor, area_conditions, audit, snapshot
from services.notify import queue_payment_sms
from services.payments.common import (
    LINE_KIND_LABELS,
    RUN_KIND_LABELS,
    RUN_STATUS_LABELS,
    fa,
    load_run,
    program_by_code,
    require_approver,
    require_finalizer,
    require_preparer,
    require_status,
    run_area,
)
from services.payments.credit import check_credit, run_spend
from services.payments.fitting import fit
from services.payments.lines import line_table, move_to_paid, stage_lines
from services.payments.prepare import RunPreview, preview_lines

LINE_COLUMNS = (
    "run_id", "application_id", "applicant_id", "program_id", "jalali_year", "jalali_month", "days",
    "daily_wage_rial", "rate_bp", "percent", "share_percent", "full_amount_rial", "amount_rial", "agency_rial",
    "government_rial", "county_id",
)


def _text(value: str | None, field: str, label: str, *, required: bool, limit: int = 400) -> str | None:
    text = (value or "").strip() if isinstance(value, str) or value is None else None
    if text is None:
        raise InvalidInput(f"«{label}» باید متن باشد.", field=field)
    if required and len(text) < 3:
        raise InvalidInput(f"«{label}» را بنویسید (دست‌کم سه حرف).", field=field)
    if len(text) > limit:
        raise InvalidInput(f"«{label}» حداکثر {fa(limit)} حرف است؛ آن را کوتاه کنید.", field=field)
    return text or None


def write_lines(session: Session, rows: list[tuple], columns: tuple[str, ...] = LINE_COLUMNS) -> int:
    """Stage a draft run's lines in bulk inside the session's transaction (executemany / COPY)."""
    return stage_lines(session, rows, columns)


def create_run(
    session: Session,
    actor: Actor,
    preview: RunPreview,
    *,
    budget_rial: int,
    strategy: str,
    months: int | None = None,
    percent: int | None = None,
    confirm_unconfirmed_wage: bool = False,
    note: str | None = None,
) -> PaymentRun:
    """A draft run with its lines, fitted to ``budget_rial`` by ``strategy`` (``combined`` with
    ``months``/``percent``: the grid cell the committee picked). Prepared by a provincial
    committee user of the province; an unconfirmed minimum wage needs ``confirm_unconfirmed_wage``."""
    require_preparer(actor, preview.province_id, preview.county_id)
    note = _text(note, "note", "توضیح", required=False)
    if preview.unconfirmed_years and not confirm_unconfirmed_wage:
        years = "، ".join(to_persian_digits(y) for y in preview.unconfirmed_years)
        raise InvalidInput(
            f"حداقل دستمزد سال {years} هنوز قطعی نشده است؛ اگر با همین رقم پرداخت می‌کنید، استفاده از آن را "
            "صریحاً تأیید کنید.",
            field="confirm_unconfirmed_wage",
        )
    if preview.people.empty:
        raise InvalidInput(
            "در این دوره و محدوده کسی برای پرداخت نیست؛ فهرست بازماندگان و دلیل هر کدام را ببینید.", field="start"
        )
    fitted = fit(preview, budget_rial, strategy, months=months, percent=percent)
    if fitted.total == 0:
        raise InvalidInput(
            f"با اعتبار {fa(fitted.budget)} ریال و این روش به هیچ‌کس پرداختی نمی‌شود؛ اعتبار را افزایش دهید یا "
            "روش دیگری انتخاب کنید.",
            field="budget_rial",
        )
    lines = preview_lines(preview, fitted.paid)
    lines = lines[lines["amount_rial"] > 0]
    by_year = lines.groupby("jalali_year")[["amount_rial", "agency_rial", "government_rial"]].sum()
    check_credit(session, program=preview.program, province_id=preview.province_id, lock=False,
                 spend={int(y): (int(a), int(g), int(v)) for y, (a, g, v) in by_year.iterrows()})
    end = preview.end
    run = PaymentRun(
        program_id=preview.program_id, province_id=preview.province_id, county_id=preview.county_id,
        jalali_year=preview.start.year, start_month=preview.start.month, months=preview.months,
        end_year=end.year, end_month=end.month, kind="regular", strategy=str(fitted.strategy.value),
        percent=fitted.percent, paid_months=fitted.months, budget_rial=fitted.budget, total_rial=fitted.total,
        agency_rial=int(lines["agency_rial"].sum()), government_rial=int(lines["government_rial"].sum()),
        people=int(lines["application_id"].nunique()), line_count=len(lines),
        held_back=preview.held_back_counts, status="draft", created_by=actor.id, created_at=utcnow(),
        wage_confirmed_by=actor.id if preview.unconfirmed_years else None, note=note,
    )
    session.add(run)
    session.flush()
    n = len(lines)
    rows = zip(
        [run.id] * n, lines["application_id"].tolist(), lines["applicant_id"].tolist(), [preview.program_id] * n,
        lines["jalali_year"].tolist(), lines["jalali_month"].tolist(), lines["days"].tolist(),
        lines["daily_wage_rial"].tolist(), lines["rate_bp"].tolist(), [fitted.percent] * n,
        lines["share_percent"].tolist(), lines["full_amount_rial"].tolist(), lines["amount_rial"].tolist(),
        lines["agency_rial"].tolist(), lines["government_rial"].tolist(), lines["county_id"].tolist(),
    )
    write_lines(session, list(rows))
    audit(session, actor, "payment_run.create", "paymentrun", run.id, after=snapshot(run))
    session.commit()
    session.refresh(run)
    return run


def approve_run(session: Session, actor: Actor, run_id: int) -> PaymentRun:
    """Draft → approved, by a manager whose area covers the run, never its preparer."""
    run = load_run(session, run_id, lock=True)
    require_approver(actor, run)
    require_status(run, "draft", doing="تأیید")
    before = snapshot(run)
    run.status, run.approved_by, run.approved_at = "approved", actor.id, utcnow()
    session.add(run)
    audit(session, actor, "payment_run.approve", "paymentrun", run.id, before=before, after=snapshot(run))
    session.commit()
    session.refresh(run)
    return run


def _names(session: Session, applicant_ids: list[int]) -> str:
    rows = session.exec(
        select(Applicant.first_name, Applicant.last_name).where(Applicant.id.in_(applicant_ids[:3]))  # type: ignore[union-attr]
    ).all()
    return "، ".join(f"{first} {last}" for first, last in rows)


_PAID_TWICE = text(
    # written out so that SQLite sees the partial index's own condition (live AND line_kind = 'payment')
    "SELECT DISTINCT l.applicant_id FROM paymentdraftline l JOIN paymentline o "
    "ON o.applicant_id = l.applicant_id AND o.jalali_year = l.jalali_year AND o.jalali_month = l.jalali_month "
    f"AND {PAYMENT_LINE_PAID_ONCE_WHERE.replace('live', 'o.live').replace('line_kind', 'o.line_kind')} "
    "WHERE l.run_id = :run_id AND l.line_kind = 'payment'"
)


def _paid_twice(session: Session, run_id: int) -> list[int]:
    """Applicants this (staged) run would pay for a month someone already paid (a live payment line)."""
    return [a for (a,) in session.connection().execute(_PAID_TWICE, {"run_id": run_id}).all()]


def _over_cap(session: Session, run: PaymentRun, max_months: int) -> list[int]:
    """Applicants whose months paid by this programme plus this (staged) run's months pass the cap.

    A person is paid at most once a month (and this run pays nobody a month already paid:
    :func:`_paid_twice` ran first), so nobody can pass the cap while the Jalali years from the
    first paid line to the last line (paid or of this run) hold no more months than the cap:
    then the per-person count (every paid line of the run's people) is not needed."""
    staged = PaymentDraftLine
    years = [y for y in (
        *session.exec(select(func.min(PaymentLine.jalali_year), func.max(PaymentLine.jalali_year))).one(),
        *session.exec(select(func.min(staged.jalali_year), func.max(staged.jalali_year)).where(staged.run_id == run.id)).one(),
    ) if y is not None]
    if not years or (max(years) - min(years) + 1) * 12 <= max_months:
        return []
    in_run = select(staged.applicant_id).where(staged.run_id == run.id)
    months = union_all(
        select(staged.applicant_id).where(staged.run_id == run.id, staged.line_kind == "payment"),
        select(PaymentLine.applicant_id).where(
            text(PAYMENT_LINE_PAID_ONCE_WHERE), PaymentLine.program_id == run.program_id,
            PaymentLine.applicant_id.in_(in_run),  # type: ignore[attr-defined]
        ),
    ).subquery()
    return list(session.exec(
        select(months.c.applicant_id).group_by(months.c.applicant_id).having(func.count() > max_months)
    ).all())


def finalize_run(session: Session, actor: Actor, run_id: int) -> PaymentRun:
    """Approved → finalised in one transaction: all lines or none; the cap; nobody paid twice."""
    run = load_run(session, run_id, lock=True)
    require_finalizer(actor, run)
    require_status(run, "approved", doing="قطعی کردن")
    program = session.exec(select(Program).where(Program.id == run.program_id).with_for_update()).one()
    twice = _paid_twice(session, run.id)
    if twice:
        session.rollback()
        raise InvalidInput(
            f"{fa(len(twice))} نفر در این نوبت برای ماهی هستند که پیش‌تر (در همین برنامه یا برنامه دیگر) پرداخت "
            f"شده است، از جمله: {_names(session, twice)}. این نوبت را لغو کنید و دوباره تهیه کنید تا این ماه‌ها "
            "کنار گذاشته شوند.",
            field="run_id",
        )
    if run.kind == "regular":
        stopped = list(session.exec(
            select(PaymentDraftLine.applicant_id)
            .join(Application, Application.id == PaymentDraftLine.application_id)
            .where(PaymentDraftLine.run_id == run.id, Application.state != "active")
            .distinct()
        ).all())
        if stopped:
            session.rollback()
            raise InvalidInput(
                f"پرونده {fa(len(stopped))} نفر از این نوبت پس از تهیه آن دیگر فعال نیست (معلق، خاتمه‌یافته یا "
                f"انصراف)، از جمله: {_names(session, stopped)}. نوبت را لغو کنید و دوباره تهیه کنید.",
                field="run_id",
            )
    if program.max_months:
        over = _over_cap(session, run, program.max_months)
        if over:
            session.rollback()
            raise InvalidInput(
                f"با این نوبت {fa(len(over))} نفر از سقف {fa(program.max_months)} ماه پرداخت می‌گذرند، از جمله: "
                f"{_names(session, over)}. نوبت را لغو کنید و دوباره تهیه کنید.",
                field="run_id",
            )
    try:
        check_credit(session, program=program.code, province_id=run.province_id, spend=run_spend(session, run),
                     lock=True)
    except InvalidInput:
        session.rollback()
        raise
    before = snapshot(run)
    try:
        move_to_paid(session, run.id)
        run.status, run.finalized_by, run.finalized_at = "finalized", actor.id, utcnow()
        session.add(run)
        queue_payment_sms(session, run.id, run_period_label(run))  # one SMS per person, same transaction
        audit(session, actor, "payment_run.finalize", "paymentrun", run.id, before=before, after=snapshot(run))
        session.commit()
    except IntegrityError:
        session.rollback()
        raise InvalidInput(
            "در همین لحظه نوبت دیگری برای برخی از همین افراد و ماه‌ها قطعی شد؛ هیچ پرداختی از این نوبت ثبت نشد. "
            "این نوبت را لغو کنید و دوباره تهیه کنید.",
            field="run_id",
        ) from None
    session.refresh(run)
    return run


def cancel_run(session: Session, actor: Actor, run_id: int, reason: str) -> PaymentRun:
    """Draft/approved → cancelled (never a finalised run); its lines stay staged, never paid.

    By a provincial committee user of the province or a manager whose area covers it."""
    run = load_run(session, run_id, lock=True)
    action = Action.prepare_payments if can(actor.role, Action.prepare_payments) else Action.approve_payments
    actor.require(action, run_area(run))
    reason_text = _text(reason, "reason", "دلیل لغو", required=True)
    if run.status == "finalized":
        raise InvalidInput(
            f"نوبت پرداخت شماره {fa(run.id, False)} قطعی شده و لغو نمی‌شود؛ برای اصلاح، یک نوبت اصلاحی (پرداخت "
            "تکمیلی یا برگشت) بسازید.",
            field="status",
        )
    require_status(run, "draft", "approved", doing="لغو")
    before = snapshot(run)
    run.status, run.cancelled_by, run.cancelled_at, run.cancel_reason = "cancelled", actor.id, utcnow(), reason_text
    session.add(run)
    audit(session, actor, "payment_run.cancel", "paymentrun", run.id, before=before, after=snapshot(run))
    session.commit()
    session.refresh(run)
    return run


# --------------------------------------------------------------------------- reads
def get_run(session: Session, actor: Actor, run_id: int) -> PaymentRun:
    """The run, if the actor may see payment runs of its area."""
    run = load_run(session, run_id)
    actor.require(Action.view_payments, run_area(run))
    return run


def run_period_label(run: PaymentRun) -> str:
    return period_label(run.jalali_year, run.start_month, run.end_year, run.end_month, run.months)


def period_label(year: int, start_month: int, end_year: int | None, end_month: int | None, months: int) -> str:
    """A run's Jalali period as shown: one month, or its first and last months."""
    first = YearMonth(year, start_month)
    last = YearMonth(end_year, end_month) if end_year else first.add(months - 1)
    return format_year_month(first) if months == 1 else f"{format_year_month(first)} تا {format_year_month(last)}"


def run_lines(session: Session, actor: Actor, run_id: int) -> pd.DataFrame:
    """The run's lines with who and where: line_id, application_id, tracking_code, national_code,
    name, county, jalali_year, jalali_month, month_label, days, daily_wage_rial, rate_bp,
    share_percent, percent, full_amount_rial, amount_rial, agency_rial, government_rial,
    line_kind, line_kind_label, corrects_line_id, live, sso_status, sso_reason."""
    lines = line_table(get_run(session, actor, run_id))
    query = (
        select(
            lines.id, lines.application_id, Application.tracking_code, Applicant.national_code,
            Applicant.first_name, Applicant.last_name, County.name, lines.jalali_year, lines.jalali_month,
            lines.days, lines.daily_wage_rial, lines.rate_bp, lines.share_percent,
            lines.percent, lines.full_amount_rial, lines.amount_rial, lines.agency_rial,
            lines.government_rial, lines.line_kind, lines.corrects_line_id, lines.live,
            lines.sso_status, lines.sso_reason,
        )
        .join(Application, Application.id == lines.application_id)
        .join(Applicant, Applicant.id == lines.applicant_id)
        .join(County, County.id == Application.county_id)
        .where(lines.run_id == run_id)
        .order_by(lines.id)
    )
    columns = [
        "line_id", "application_id", "tracking_code", "national_code", "first_name", "last_name", "county",
        "jalali_year", "jalali_month", "days", "daily_wage_rial", "rate_bp", "share_percent", "percent",
        "full_amount_rial", "amount_rial", "agency_rial", "government_rial", "line_kind", "corrects_line_id", "live",
        "sso_status", "sso_reason",
    ]
    frame = pd.DataFrame(session.exec(query).all(), columns=columns)
    frame.insert(4, "name", frame["first_name"] + " " + frame["last_name"])
    frame = frame.drop(columns=["first_name", "last_name"])
    labels = {(y, m): format_year_month((y, m)) for y, m in set(zip(frame["jalali_year"], frame["jalali_month"]))}
    frame.insert(8, "month_label", [labels[k] for k in zip(frame["jalali_year"], frame["jalali_month"])])
    frame.insert(frame.columns.get_loc("line_kind") + 1, "line_kind_label", frame["line_kind"].map(LINE_KIND_LABELS))
    return frame


def list_runs(
    session: Session,
    actor: Actor,
    *,
    program: str | None = None,
    status: str | None = None,
    year: int | None = None,
) -> pd.DataFrame:
    """Runs of the actor's area, newest first: run_id, program, province, county, period, kind,
    kind_label, status, status_label, strategy, percent, paid_months, budget_rial, total_rial,
    agency_rial, government_rial, people, line_count, prepared_by, approved_by, finalized_by,
    created_at, corrects_run_id."""
    actor.require(Action.view_payments)
    conditions = list(area_conditions(actor, PaymentRun))
    if program is not None:
        conditions.append(PaymentRun.program_id == program_by_code(session, program).id)
    if status is not None:
        if status not in RUN_STATUS_LABELS:
            raise InvalidInput("وضعیت نوبت پرداخت شناخته نیست.", field="status")
        conditions.append(PaymentRun.status == status)
    if year is not None:
        conditions.append(PaymentRun.jalali_year == year)
    preparer, approver, finalizer = aliased(User), aliased(User), aliased(User)
    r = PaymentRun
    # the columns shown, not the runs as objects: each run's held-back list (JSON) is left unread
    rows = session.exec(
        select(r.id, Program.code, Province.name, County.name, r.jalali_year, r.start_month, r.end_year, r.end_month,
               r.months, r.kind, r.status, r.strategy, r.percent, r.paid_months, r.budget_rial, r.total_rial,
               r.agency_rial, r.government_rial, r.people, r.line_count, preparer.full_name, approver.full_name,
               finalizer.full_name, r.created_at, r.corrects_run_id)
        .join(Program, Program.id == r.program_id)
        .join(Province, Province.id == r.province_id)
        .outerjoin(County, County.id == r.county_id)
        .outerjoin(preparer, preparer.id == r.created_by)
        .outerjoin(approver, approver.id == r.approved_by)
        .outerjoin(finalizer, finalizer.id == r.finalized_by)
        .where(*conditions)
        .order_by(r.id.desc())  # type: ignore[union-attr]
    ).all()
    periods: dict[tuple, str] = {}  # a label per distinct period (runs share a few)
    for row in rows:
        if row[4:9] not in periods:
            periods[row[4:9]] = period_label(*row[4:9])
    return pd.DataFrame(
        [
            (run_id, code, province, county, periods[(year, start, end_year, end_month, months)], kind,
             RUN_KIND_LABELS.get(kind, kind), status, RUN_STATUS_LABELS.get(status, status), strategy, percent,
             paid_months, budget, total, agency, government, people, line_count, by, approved, finalized, created_at,
             corrects)
            for (run_id, code, province, county, year, start, end_year, end_month, months, kind, status, strategy,
                 percent, paid_months, budget, total, agency, government, people, line_count, by, approved, finalized,
                 created_at, corrects) in rows
        ],
        columns=[
            "run_id", "program", "province", "county", "period", "kind", "kind_label", "status", "status_label",
            "strategy", "percent", "paid_months", "budget_rial", "total_rial", "agency_rial", "government_rial",
            "people", "line_count", "prepared_by", "approved_by", "finalized_by", "created_at", "corrects_run_id",
        ],
    )
