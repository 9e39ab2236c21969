"""Programme B: the ranked waiting list, introducing a woman to an SSO branch within the
county's quota, and activating her cover once SSO confirms it.

The rules (seed 000, SLA 19042711100; DOMAIN.md):

* Only cases found eligible by the county unit (state «county_decision») wait for a slot.
  The waiting list is ranked: the committee's manual priority first (seed 003 note 1, with its
  reason), then the application date, then the case number.
* An introduction counts against the quota of the county for the Jalali year of its date. No
  quota announced → refused; quota full → refused, and the case keeps its place on the list.
* Order: a case ranked within the remaining slots may be introduced directly (they will all
  get a slot this year); introducing a case ranked beyond them takes a slot from someone
  ranked higher, so it needs a written reason, kept on the timeline and in the audit log.
* An introduction SSO refuses (:func:`record_sso_refusal`) no longer counts: the seat returns to
  the county's quota for that year. The seed is silent; a unit expects a seat nobody took to
  be usable by the next woman on the list. The letter numbers still count every letter written.
* The branch is chosen from the county's SSO branches (:mod:`services.branches`), never typed.
* SSO's confirmation activates her cover only if no case of programme A covers her in the same
  months (:func:`services.coverage.ensure_no_overlap`).
* Count and insert happen in one transaction holding the quota row's lock
  (:func:`services.quotas.lock_quota`); the state change, its event, the SMS and the audit
  records commit together with the introduction (``change_state`` commits once, at the end).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import pandas as pd
from sqlalchemy import Row, func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from db.models import Applicant, Application, County, Introduction, MinimumWage, Program
from lib import validate
from lib.errors import InvalidInput
from lib.jalali import MAX_INPUT_YEAR, MIN_INPUT_YEAR, YearMonth, format_jalali, format_year_month, jalali_year_of, to_jalali, local_today
from lib.payments import monthly_premium, program_b_shares
from lib.permissions import Action
from lib.text import format_number, to_persian_digits
from lib.workflow import STATE_LABELS, ProgramCode, State
from services.applications import change_state, get_application, move_case, program_by_code
from services.base import Actor, audit, county_area, find, snapshot
from services.branches import get_branch
from services.coverage import ensure_no_overlap, lock_applicant
from services.quotas import introduced_count, lock_quota, parse_year, quota_slots
from services.program_parameters import share_weights

MAX_BRANCH = 120
MAX_REASON = 200  # with the branch and the letter number it fits the event note (400)
MAX_REFUSAL = 300  # SSO's reason, kept on the introduction and (prefixed) in the event note
WAITING_COLUMNS = (
    "rank",
    "application_id",
    "tracking_code",
    "full_name",
    "national_code",
    "applied_on",
    "priority_override",
    "priority_reason",
    "within_quota",
)
INTRODUCED_COLUMNS = (
    "introduction_id",
    "application_id",
    "tracking_code",
    "full_name",
    "national_code",
    "branch",
    "letter_no",
    "introduced_on",
    "state",
    "refused_on",
    "refusal_reason",
)
_CONCURRENT = "هم‌زمان معرفی دیگری در همین شهرستان ثبت شد؛ صفحه را تازه کنید و دوباره تلاش کنید."


@dataclass(frozen=True)
class Activation:
    """What SSO's confirmation of cover means in money, for display (integer rials).

    ``monthly_premium_rial`` is the premium of the first month at the contract rate on the
    minimum wage of its year; None when that year's wage is not in the table yet.
    """

    application_id: int
    start: YearMonth
    rate_bp: int
    monthly_premium_rial: int | None
    agency_rial: int | None
    government_rial: int | None
    wage_confirmed: bool = True  # False: that year's minimum wage is not confirmed yet (an estimate)


def branch_title(name: str) -> str:
    """«شعبه …» once, whether or not the user typed the word."""
    return name if name.startswith("شعبه") else f"شعبه {name}"


def letter_number(county_id: int, jalali_year: int, sequence: int) -> str:
    """The introduction letter's number: county, Jalali year, sequence in that year."""
    return f"{county_id}-{jalali_year}-{sequence}"


def _ranked(session: Session, program_id: int, county_id: int, *, limit: int | None = None,
            offset: int = 0) -> Sequence[Row]:
    """The waiting list of a county, best first (one SQL statement); ``limit`` rows from ``offset``.
    The cases are ordered and cut to the page first, then only the page's applicants are read."""
    page = (
        select(
            Application.id,
            Application.tracking_code,
            Application.applicant_id,
            Application.applied_on,
            Application.priority_override,
            Application.priority_reason,
        )
        .where(
            Application.program_id == program_id,
            Application.county_id == county_id,
            Application.state == State.county_decision.value,
        )
        .order_by(*_rank_order(Application))
        .offset(offset)
        .limit(limit)
        .subquery()
    )
    return session.exec(
        select(
            page.c.id,
            page.c.tracking_code,
            Applicant.first_name,
            Applicant.last_name,
            Applicant.national_code,
            page.c.applied_on,
            page.c.priority_override,
            page.c.priority_reason,
        )
        .join(Applicant, Applicant.id == page.c.applicant_id)
        .order_by(*_rank_order(page.c))
    ).all()


def _rank_order(columns) -> tuple:
    """The waiting list's order: the committee's priority first, then the application date, then the case number."""
    return (
        columns.priority_override.is_(None),  # type: ignore[union-attr]
        columns.priority_override,
        columns.applied_on,
        columns.id,
    )


def waiting_list(
    session: Session, actor: Actor, county_id: int, jalali_year: int | str, *, limit: int | None = None, offset: int = 0,
) -> pd.DataFrame:
    """The county's ranked waiting list (``limit`` cases from the rank ``offset`` + 1, a page of
    it; all by default); ``within_quota`` marks the cases that the slots still free in
    ``jalali_year`` reach (all False when no quota is announced). Columns: ``WAITING_COLUMNS``."""
    actor.require(Action.view_cases, county_area(session, county_id))
    year = parse_year(jalali_year)
    offset = max(int(offset), 0)
    program = program_by_code(session, ProgramCode.B)
    rows = _ranked(session, program.id, county_id, limit=limit, offset=offset)
    slots = quota_slots(session, program.id, county_id, year)
    free = 0 if slots is None else max(slots - introduced_count(session, county_id, year), 0)
    return pd.DataFrame(
        [
            (rank, app_id, code, f"{first} {last}", nc, applied, override, reason, rank <= free)
            for rank, (app_id, code, first, last, nc, applied, override, reason) in enumerate(rows, start=offset + 1)
        ],
        columns=list(WAITING_COLUMNS),
    ).astype({"priority_override": "Int64"})


def _clean_text(value: str | None, *, field: str, label_fa: str, limit: int, required: bool) -> str:
    return validate.clean_text(value, field=field, label_fa=label_fa, max_length=limit, required=required,
                               multiline=True)


def _b_case(session: Session, actor: Actor, application_id: int) -> tuple[Application, Program]:
    """A programme-B case the actor may introduce (role and area checked)."""
    application = get_application(session, actor, application_id, Action.introduce_to_insurer)
    program = find(session, Program, application.program_id)
    if program.code != ProgramCode.B:
        raise InvalidInput(
            "فقط پرونده‌های برنامه بیمه زنان سرپرست خانوار (کمیته امداد) به شعب تأمین اجتماعی "
            "معرفی می‌شوند؛ این پرونده از برنامه دیگری است."
        )
    return application, program


def letters_written(session: Session, county_id: int, jalali_year: int) -> int:
    """Every introduction letter of the county and year, refused ones included (letter numbers)."""
    return int(
        session.exec(
            select(func.count(Introduction.id)).where(
                Introduction.county_id == county_id, Introduction.jalali_year == jalali_year
            )
        ).one()
    )


def introduce(
    session: Session,
    actor: Actor,
    application_id: int,
    branch_id: int | None,
    introduced_on: date,
    *,
    reason: str | None = None,
) -> Introduction:
    """Introduce a waiting woman to one of her county's SSO branches (``branch_id``, see
    :mod:`services.branches`) within the county's quota (one transaction).

    Refused (nothing written) when no branch of her county is chosen, when no quota is
    announced for the county and the Jalali year of ``introduced_on``, when it is full (the
    message gives her place on the waiting list), when the case is not on the waiting list, or
    when it is ranked beyond the free slots and no ``reason`` is given.
    """
    try:
        application, program = _b_case(session, actor, application_id)
        branch_row = get_branch(session, application.county_id, branch_id)
        branch = branch_row.name
        reason = _clean_text(reason, field="reason", label_fa="دلیل معرفی خارج از نوبت", limit=MAX_REASON, required=False)
        if not isinstance(introduced_on, date):
            raise InvalidInput("تاریخ معرفی را وارد کنید.", field="introduced_on")
        if introduced_on > local_today():
            raise InvalidInput("تاریخ معرفی نمی‌تواند در آینده باشد؛ تاریخ امروز یا پیش از آن را وارد کنید.", field="introduced_on")
        if introduced_on < application.applied_on:
            raise InvalidInput(
                f"تاریخ معرفی پیش از تاریخ درخواست ({format_jalali(application.applied_on)}) است؛ تاریخ را اصلاح کنید.",
                field="introduced_on",
            )
        year = jalali_year_of(introduced_on)
        county = find(session, County, application.county_id)
        where = f"شهرستان {county.name} در سال {to_persian_digits(year)}"

        quota = lock_quota(session, program.id, county.id, year)
        session.refresh(application)  # read again under the lock: someone may have just introduced her
        if application.state != State.county_decision.value:
            raise InvalidInput(
                f"این پرونده در وضعیت «{STATE_LABELS[State(application.state)]}» است و در فهرست انتظار "
                "معرفی نیست؛ فقط پرونده‌ای که واجد شرایط بودن آن تأیید شده معرفی می‌شود.",
                field="application_id",
            )
        if quota is None:
            raise InvalidInput(
                f"برای {where} سهمیه‌ای اعلام نشده است؛ پیش از معرفی، سهمیه را کمیته استان ثبت کند.",
                field="introduced_on",
            )
        used = introduced_count(session, county.id, year)
        # her 1-based place: she is on the list (state checked under the lock above)
        rank = [row[0] for row in _ranked(session, program.id, county.id)].index(application.id) + 1
        if used >= quota.slots:
            raise InvalidInput(
                f"سهمیه {where} تکمیل است ({format_number(used)} از {format_number(quota.slots)} نفر "
                f"معرفی شده‌اند)؛ این پرونده در فهرست انتظار می‌ماند و رتبه آن {format_number(rank)} است.",
                field="application_id",
            )
        free = quota.slots - used
        if rank > free and not reason:
            raise InvalidInput(
                f"این پرونده رتبه {format_number(rank)} فهرست انتظار است و {format_number(free)} سهمیه "
                f"باقی‌مانده به {format_number(free)} نفر اول فهرست می‌رسد؛ برای معرفی خارج از نوبت، دلیل آن را بنویسید.",
                field="reason",
            )
        introduction = Introduction(
            application_id=application.id,
            county_id=county.id,
            jalali_year=year,
            branch_id=branch_row.id,
            branch=branch,
            letter_no=letter_number(county.id, year, letters_written(session, county.id, year) + 1),
            introduced_on=introduced_on,
            introduced_by=actor.id,
        )
        session.add(introduction)
        session.flush()
        audit(
            session, actor, "introduction.create", "introduction", introduction.id,
            after={**snapshot(introduction), "rank": rank, "reason": reason or None},
        )
        note = f"معرفی به {branch_title(branch)} با نامه شماره {introduction.letter_no}"
        if reason:
            note += f"؛ خارج از نوبت (رتبه {format_number(rank)}): {reason}"
        change_state(session, actor, application.id, State.introduced, note=note)  # the one commit
    except IntegrityError:
        session.rollback()
        raise InvalidInput(_CONCURRENT) from None
    except BaseException:
        session.rollback()
        raise
    return introduction


def introductions(
    session: Session, actor: Actor, county_id: int, jalali_year: int | str, *, limit: int | None = None, offset: int = 0,
) -> pd.DataFrame:
    """The county's introductions of the Jalali year, newest first (``limit`` from ``offset``: a
    page of them; all by default). Columns: ``INTRODUCED_COLUMNS``."""
    actor.require(Action.view_cases, county_area(session, county_id))
    year = parse_year(jalali_year)
    page = (
        select(Introduction.id, Introduction.application_id, Introduction.branch, Introduction.letter_no,
               Introduction.introduced_on, Introduction.refused_on, Introduction.refusal_reason)
        .where(Introduction.county_id == county_id, Introduction.jalali_year == year)
        .order_by(Introduction.introduced_on.desc(), Introduction.id.desc())  # type: ignore[attr-defined]
        .offset(max(int(offset), 0))
        .limit(limit)
        .subquery()
    )  # cut to the page first: only the page's cases and applicants are read
    rows = session.exec(
        select(
            page.c.id,
            Application.id,
            Application.tracking_code,
            Applicant.first_name,
            Applicant.last_name,
            Applicant.national_code,
            page.c.branch,
            page.c.letter_no,
            page.c.introduced_on,
            Application.state,
            page.c.refused_on,
            page.c.refusal_reason,
        )
        .join(Application, Application.id == page.c.application_id)
        .join(Applicant, Applicant.id == Application.applicant_id)
        .order_by(page.c.introduced_on.desc(), page.c.id.desc())
    ).all()
    return pd.DataFrame(
        [
            (i, a, code, f"{first} {last}", nc, br, no, on, st, ref, why)
            for i, a, code, first, last, nc, br, no, on, st, ref, why in rows
        ],
        columns=list(INTRODUCED_COLUMNS),
    )


def count_introductions(session: Session, actor: Actor, county_id: int, jalali_year: int | str) -> int:
    """How many introductions :func:`introductions` lists (every letter of the county and year)."""
    actor.require(Action.view_cases, county_area(session, county_id))
    return letters_written(session, county_id, parse_year(jalali_year))


def premium_split(session: Session, start: YearMonth, rate_bp: int) -> tuple[int, int, int] | None:
    """(premium, Relief Committee share, government share) of one month in rials, or None when
    the minimum wage of that year is not in the table yet."""
    wage = find(session, MinimumWage, start.year)
    if wage is None:
        return None
    premium = monthly_premium(wage.daily_wage_rial, start.days, rate_bp)
    program_id = session.exec(select(Program.id).where(Program.code == ProgramCode.B.value)).first()
    shares = program_b_shares(premium, share_weights(session, program_id) if program_id else None)
    return premium, shares["agency"], shares["government"]


def _start_month(value: object) -> YearMonth:
    """A (Jalali year, month) pair of plausible integers, else InvalidInput."""
    try:
        year, month = value  # type: ignore[misc]
    except (TypeError, ValueError):
        year = month = None
    if not (
        isinstance(year, int) and isinstance(month, int)
        and MIN_INPUT_YEAR <= year <= MAX_INPUT_YEAR and 1 <= month <= 12
    ):
        raise InvalidInput("ماه آغاز پوشش را به شکل سال/ماه شمسی وارد کنید، مثلاً ۱۴۰۳/۰۵.", field="start")
    return YearMonth(year, month)


def mark_active(session: Session, actor: Actor, application_id: int, start: YearMonth | tuple[int, int]) -> Activation:
    """SSO confirmed her cover: record its first month and the 18 % contract, state → «active»."""
    try:
        application, program = _b_case(session, actor, application_id)
        start = _start_month(start)
        if application.state != State.introduced.value:
            raise InvalidInput(
                f"این پرونده در وضعیت «{STATE_LABELS[State(application.state)]}» است؛ فقط پرونده‌ای که به شعبه "
                "تأمین اجتماعی معرفی شده فعال می‌شود.",
                field="application_id",
            )
        introduction = session.exec(
            select(Introduction).where(Introduction.application_id == application.id)
        ).one()
        introduced = to_jalali(introduction.introduced_on)
        first_month = YearMonth(introduced.year, introduced.month)
        if start.index < first_month.index:
            raise InvalidInput(
                f"پوشش بیمه نمی‌تواند پیش از معرفی به شعبه ({format_year_month(first_month)}) آغاز شود؛ "
                "ماه آغاز را اصلاح کنید.",
                field="start",
            )
        lock_applicant(session, application.applicant_id)  # one activation per person at a time
        session.refresh(application)
        if application.state != State.introduced.value:
            raise InvalidInput("هم‌زمان وضعیت این پرونده تغییر کرد؛ صفحه را تازه کنید.", field="application_id")
        ensure_no_overlap(session, application, start, None)  # B's cover runs until it is ended
        before = snapshot(application)
        application.start_year, application.start_month = start
        application.contract_rate_bp = program.rate_bp
        session.add(application)
        audit(session, actor, "application.cover", "application", application.id, before=before, after=snapshot(application))
        change_state(
            session, actor, application.id, State.active, note=f"آغاز پوشش بیمه از {format_year_month(start)}"
        )  # the one commit
    except BaseException:
        session.rollback()
        raise
    split = premium_split(session, start, program.rate_bp)
    return Activation(
        application_id=application.id,
        start=start,
        rate_bp=program.rate_bp,
        monthly_premium_rial=split[0] if split else None,
        agency_rial=split[1] if split else None,
        government_rial=split[2] if split else None,
        wage_confirmed=bool(getattr(find(session, MinimumWage, start.year), "confirmed", True)),
    )


def record_sso_refusal(session: Session, actor: Actor, application_id: int, reason: str) -> Application:
    """SSO refused a woman introduced to it: the case ends «rejected» with SSO's reason, the
    introduction is marked refused and its quota seat returns to the county (see the module
    docstring). Serialised with the county's introductions by the quota row's lock; audited,
    on the timeline, and the applicant gets an SMS."""
    try:
        application, program = _b_case(session, actor, application_id)
        reason = _clean_text(reason, field="reason", label_fa="دلیل نپذیرفتن تأمین اجتماعی", limit=MAX_REFUSAL, required=True)
        introduction = session.exec(select(Introduction).where(Introduction.application_id == application.id)).first()
        if introduction is not None:
            lock_quota(session, program.id, introduction.county_id, introduction.jalali_year)
        session.refresh(application)  # read again under the lock
        if application.state != State.introduced.value or introduction is None or introduction.refused_on is not None:
            raise InvalidInput(
                f"این پرونده در وضعیت «{STATE_LABELS[State(application.state)]}» است؛ نپذیرفتن تأمین اجتماعی فقط "
                "برای پرونده‌ای ثبت می‌شود که به شعبه معرفی شده و هنوز پاسخی از شعبه ثبت نشده است.",
                field="application_id",
            )
        session.refresh(introduction)
        before = snapshot(introduction)
        introduction.refused_on = local_today()
        introduction.refusal_reason = reason
        introduction.refused_by = actor.id
        session.add(introduction)
        audit(session, actor, "introduction.refused", "introduction", introduction.id, before=before, after=snapshot(introduction))
        move_case(
            session, actor, application, program.code, State.rejected,
            note=f"{branch_title(introduction.branch)} تأمین اجتماعی نپذیرفت: {reason}",
        )
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return application
