"""Programme B's own path before the waiting list (seed 000, SLA 19042711100).

The Relief Committee's county unit — not a Welfare Organisation committee session, no Form 2
roles — checks each request itself: the applicant is a woman, she heads her household, she is
covered by the Relief Committee, and her documents (the request form, ID, proof of heading the
household, the committee's certificate of coverage) are all received. Then the unit confirms
eligibility and the case joins the county's ranked waiting list (state ``county_decision``,
read «تأیید واجد شرایط بودن» for programme B), or refuses it with a reason.

:func:`not_yet_waiting` says, for each open request not on the waiting list yet, why.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import text, update
from sqlmodel import Session, select

from db.models import Applicant, Application, Document, Program
from db.models.cases import BEFORE_LIST_STATES, BEFORE_LIST_WHERE
from lib import catalog, validate
from lib.errors import InvalidInput
from lib.permissions import Action
from lib.workflow import STATE_LABELS, ProgramCode, State
from services.applications import get_application, move_case, program_by_code
from services.base import Actor, county_area, find
from services.tallies import case_counts

__all__ = ["B_ELIGIBLE_LABEL", "EligibilityCheck", "b_eligibility", "confirm_b_eligibility", "refuse_b_eligibility",
           "not_yet_waiting", "count_not_yet_waiting", "NOT_WAITING_COLUMNS"]

B_ELIGIBLE_LABEL = "تأیید واجد شرایط بودن"
MAX_REASON = 300
NOT_WAITING_COLUMNS = ("application_id", "tracking_code", "full_name", "state", "reason")
_BEFORE_LIST = BEFORE_LIST_STATES  # received, documents incomplete: the states of migration 0027's partial index


@dataclass(frozen=True)
class EligibilityCheck:
    """What stands between a B request and the waiting list (empty ``missing``: nothing)."""

    missing: tuple[str, ...]  # Persian, each naming what to do

    @property
    def ok(self) -> bool:
        return not self.missing


def _missing(gender: str, head_of_household: bool | None, received: set[str]) -> list[str]:
    problems = []
    if gender != "female":
        problems.append("متقاضی زن نیست (این برنامه فقط زنان سرپرست خانوار را می‌پذیرد)")
    if head_of_household is not True:
        problems.append("سرپرست خانوار بودن متقاضی ثبت نشده است")
    documents = catalog.DOCUMENTS[ProgramCode.B]
    absent = [label for kind, label in documents.items() if kind not in received]
    if absent:
        problems.append("مدارک دریافت نشده: " + "، ".join(absent))
    return problems


def _received(session: Session, application_ids: list[int]) -> dict[int, set[str]]:
    found: dict[int, set[str]] = defaultdict(set)
    if application_ids:
        for application_id, kind in session.exec(
            select(Document.application_id, Document.kind).where(
                Document.application_id.in_(application_ids), Document.received == True  # type: ignore[attr-defined]  # noqa: E712
            )
        ).all():
            found[application_id].add(kind)
    return found


def _b_case(session: Session, actor: Actor, application_id: int, action: Action) -> tuple[Application, Program]:
    application = get_application(session, actor, application_id, action)
    program = find(session, Program, application.program_id)
    if program.code != ProgramCode.B:
        raise InvalidInput(
            "تأیید واجد شرایط بودن در این مرحله فقط برای برنامه بیمه زنان سرپرست خانوار (کمیته امداد) است؛ "
            "پرونده‌های برنامه الف در کمیته اشتغال شهرستان بررسی می‌شوند.",
            field="application_id",
        )
    return application, program


def b_eligibility(session: Session, actor: Actor, application_id: int) -> EligibilityCheck:
    """What the unit still needs before it can confirm this B request (read only)."""
    application, _ = _b_case(session, actor, application_id, Action.view_cases)
    applicant = find(session, Applicant, application.applicant_id)
    received = _received(session, [application.id])[application.id]
    return EligibilityCheck(tuple(_missing(applicant.gender, application.head_of_household, received)))


def _lock(session: Session, application: Application) -> None:
    """Hold the case's row until commit (PostgreSQL: FOR UPDATE; SQLite: the write lock), then
    read it again, so two clicks confirm once."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(update(Application).where(Application.id == application.id).values(state=Application.state))
    else:
        session.exec(select(Application.id).where(Application.id == application.id).with_for_update()).first()
    session.refresh(application)


def _require_before_list(application: Application) -> None:
    if application.state not in _BEFORE_LIST:
        raise InvalidInput(
            f"این پرونده در وضعیت «{STATE_LABELS[State(application.state)]}» است؛ تأیید یا رد واجد شرایط بودن فقط "
            "برای درخواستی است که هنوز در فهرست انتظار نیامده.",
            field="application_id",
        )


def confirm_b_eligibility(session: Session, actor: Actor, application_id: int) -> Application:
    """The county unit confirms a B request: the case joins the ranked waiting list. Refused, with
    everything missing named, unless the applicant is a woman heading her household and every
    document (her coverage certificate and proof of heading the household among them) is in."""
    try:
        application, program = _b_case(session, actor, application_id, Action.confirm_eligibility)
        _lock(session, application)
        _require_before_list(application)
        applicant = find(session, Applicant, application.applicant_id)
        received = _received(session, [application.id])[application.id]
        missing = _missing(applicant.gender, application.head_of_household, received)
        if missing:
            raise InvalidInput(
                "واجد شرایط بودن را نمی‌توان تأیید کرد: " + "؛ ".join(missing) + ".", field="application_id"
            )
        move_case(session, actor, application, program.code, State.county_decision, note=f"{B_ELIGIBLE_LABEL} (واحد شهرستان)")
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return application


def refuse_b_eligibility(session: Session, actor: Actor, application_id: int, reason: str) -> Application:
    """The county unit finds a B request not eligible: the case ends «rejected» with the reason."""
    try:
        application, program = _b_case(session, actor, application_id, Action.confirm_eligibility)
        reason = validate.clean_text(reason, field="reason", label_fa="دلیل رد", max_length=MAX_REASON, multiline=True)
        if not reason:
            raise InvalidInput("دلیل رد درخواست را بنویسید؛ برای متقاضی پیامک می‌شود و در پرونده می‌ماند.", field="reason")
        if len(reason) > MAX_REASON:
            raise InvalidInput("دلیل رد حداکثر ۳۰۰ نویسه می‌تواند باشد؛ آن را کوتاه‌تر بنویسید.", field="reason")
        _lock(session, application)
        _require_before_list(application)
        move_case(session, actor, application, program.code, State.rejected, note=f"واجد شرایط نیست: {reason}")
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return application


def _before_list(program_id: int, county_id: int) -> tuple:
    """The conditions of the county's open B requests not on the waiting list yet."""
    return (
        Application.program_id == program_id,
        Application.county_id == county_id,
        # a literal, the condition of the partial index that lists them in request order (migration 0027)
        text(f"application.{BEFORE_LIST_WHERE}"),
    )


def not_yet_waiting(
    session: Session, actor: Actor, county_id: int, *, limit: int | None = None, offset: int = 0,
) -> pd.DataFrame:
    """The county's open B requests that are not on the waiting list yet, oldest request first,
    each with why (what is missing, or that the unit has not confirmed eligibility yet); ``limit``
    from ``offset`` (a page of them; all by default). Columns: ``NOT_WAITING_COLUMNS``."""
    actor.require(Action.view_cases, county_area(session, county_id))
    program = program_by_code(session, ProgramCode.B)
    page = (
        select(Application.id, Application.tracking_code, Application.applicant_id, Application.applied_on,
               Application.state, Application.head_of_household)
        .where(*_before_list(program.id, county_id))
        .order_by(Application.applied_on, Application.id)
        .offset(max(int(offset), 0))
        .limit(limit)
        .subquery()
    )  # cut to the page first: only the page's applicants are read
    rows = session.exec(
        select(page.c.id, page.c.tracking_code, Applicant.first_name, Applicant.last_name, page.c.state,
               Applicant.gender, page.c.head_of_household)
        .join(Applicant, Applicant.id == page.c.applicant_id)
        .order_by(page.c.applied_on, page.c.id)
    ).all()
    received = _received(session, [row[0] for row in rows])
    out = []
    for app_id, code, first, last, state, gender, head in rows:
        missing = _missing(gender, head, received[app_id])
        why = "؛ ".join(missing) if missing else "مدارک کامل است؛ واجد شرایط بودن هنوز از سوی واحد شهرستان تأیید نشده"
        out.append((app_id, code, f"{first} {last}", state, why))
    return pd.DataFrame(out, columns=list(NOT_WAITING_COLUMNS))


def count_not_yet_waiting(session: Session, actor: Actor, county_id: int) -> int:
    """How many requests :func:`not_yet_waiting` lists, from the case tally the database keeps
    with every write (services.tallies): a few rows whatever the county's size."""
    actor.require(Action.view_cases, county_area(session, county_id))
    program = program_by_code(session, ProgramCode.B)
    return sum(case_counts(session, _BEFORE_LIST, by=None, county_id=county_id, program_id=program.id).values())
