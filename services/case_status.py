"""The applicant's own status lookup (پیگیری درخواست), a page that needs no sign-in.

The tracking code and the national code together show the case's stage (in the programme's own
words), the date it reached that stage and what the applicant must do next — nothing else: no
name, no amount, no note written by staff. Against enumeration:

* a wrong pair answers exactly like a pair of which nothing exists (:data:`NOT_FOUND`), and the
  same queries run in both cases (the detail queries look up case id 0 when nothing matched);
* every lookup, found or not, counts against the client's address in ``signin_throttle`` (kind
  ``status``, the sign-in throttle's rule: three free tries, then 5 s, 10 s, 20 s … up to fifteen
  minutes, forgotten after an hour), so the write is the same too; a client that must wait is
  told how long, before any lookup;
* malformed input (an impossible national code, an empty or overlong tracking code) is refused
  before the database is asked, which tells nothing about any case.

No Streamlit here.
"""
from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from math import ceil

from sqlmodel import Session, select

from db.models import Application, ApplicationEvent, Applicant, Document, Introduction, Program
from lib import validate
from lib.errors import InvalidInput
from lib.identifiers import normalize_national_code
from lib.jalali import format_jalali, local_date
from lib.text import ltr, to_persian_digits
from lib.workflow import State, state_label
from services.base import as_utc
from services.documents import COMMITTEE_MADE, checklist
from services.sign_in import client_key, record_failure, throttle_wait

THROTTLE_KIND = "status"
TRACKING_MAX = 20
NOT_FOUND = (
    "پرونده‌ای با این کد رهگیری و کد ملی پیدا نشد. هر دو را از روی رسید درخواست و کارت ملی "
    "دوباره وارد کنید؛ اگر درست‌اند، با دفتر شهرستان خود تماس بگیرید."
)
_OFFICE = {"A": "اداره بهزیستی شهرستان", "B": "کمیته امداد شهرستان"}


@dataclass(frozen=True)
class CaseStatus:
    """What the applicant sees: found, or only the not-found message (all else empty)."""

    found: bool
    message: str = ""
    stage: str = ""       # the state as the programme calls it
    since: str = ""       # Jalali date the case reached it (Persian digits)
    next_step: str = ""   # what the applicant must do next


def throttled_message(wait: timedelta) -> str:
    seconds = to_persian_digits(max(1, ceil(wait.total_seconds())))
    return f"از این رایانه چند بار پیاپی پیگیری شده است؛ {seconds} ثانیه دیگر دوباره تلاش کنید."


def _next_step(program: str, state: State, missing: list[str], introduction: Introduction | None) -> str:
    office = _OFFICE.get(program, "دفتر شهرستان")
    if state is State.documents_incomplete:
        if missing:
            return f"این مدارک را به {office} بیاورید: " + "، ".join(missing) + "."
        return f"برای تکمیل مدارک با {office} تماس بگیرید."
    if state is State.received:
        return "درخواست شما در حال بررسی مدارک است؛ اکنون کاری لازم نیست."
    if state is State.scored:
        return "پرونده امتیازدهی شده و منتظر تصمیم کمیته شهرستان است؛ اکنون کاری لازم نیست."
    if state is State.county_decision:
        if program == "B":
            return "واجد شرایط بودن شما تأیید شده است؛ منتظر معرفی به شعبه تأمین اجتماعی بمانید."
        return "کمیته شهرستان موافقت کرده و پرونده منتظر تأیید کمیته استان است؛ اکنون کاری لازم نیست."
    if state is State.province_decision:
        return "کمیته استان درخواست را تأیید کرده است؛ پرداخت سهم بیمه از ماه تعیین‌شده آغاز می‌شود."
    if state is State.introduced:
        if introduction is not None:
            return (
                f"به شعبه «{introduction.branch}» تأمین اجتماعی معرفی شده‌اید؛ با معرفی‌نامه شماره "
                f"{ltr(to_persian_digits(introduction.letter_no))} و کارت ملی به آن شعبه مراجعه کنید."
            )
        return "به تأمین اجتماعی معرفی شده‌اید؛ برای دریافت معرفی‌نامه با دفتر شهرستان تماس بگیرید."
    if state is State.active:
        return "بیمه شما برقرار است؛ اکنون کاری لازم نیست."
    if state is State.suspended:
        return f"پشتیبانی بیمه شما معلق شده است؛ برای آگاهی از علت با {office} تماس بگیرید."
    if state is State.completed:
        return "دوره پشتیبانی بیمه شما پایان یافته است."
    if state is State.rejected:
        return f"درخواست شما پذیرفته نشد؛ برای آگاهی از علت یا ثبت اعتراض به {office} مراجعه کنید."
    return "درخواست به خواست شما بسته شده است؛ برای درخواست دوباره به دفتر شهرستان مراجعه کنید."


def lookup_status(
    session: Session, tracking_code: object, national_code: object, *, client: str | None,
    now: datetime | None = None,
) -> CaseStatus:
    """The status for this pair, or :data:`NOT_FOUND`; InvalidInput for malformed input or a
    client that must wait. Commits the throttle count."""
    now = as_utc(now) if now is not None else None
    code = validate.short_code(tracking_code, field="tracking_code", label_fa="کد رهگیری", max_length=TRACKING_MAX)
    if not code:
        raise InvalidInput("کد رهگیری را از روی رسید درخواست وارد کنید.", field="tracking_code")
    if len(code) > TRACKING_MAX or not code.isascii() or not code.isalnum():
        raise InvalidInput(
            "کد رهگیری فقط حروف لاتین و رقم دارد و حداکثر ۲۰ نویسه است؛ آن را از روی رسید دوباره وارد کنید.",
            field="tracking_code",
        )
    if not isinstance(national_code, str):
        raise InvalidInput("کد ملی را وارد کنید؛ ۱۰ رقم روی کارت ملی.", field="national_code")
    national = normalize_national_code(national_code)
    keys = [(THROTTLE_KIND, client_key(client))]
    wait = throttle_wait(session, keys, now=now)
    if wait:
        raise InvalidInput(throttled_message(wait))

    # The same statements run whether or not the pair matches: the details look up case 0 then.
    row = session.exec(
        select(Application.id, Application.state, Application.applied_on, Program.code, Applicant.national_code)
        .join(Program, Program.id == Application.program_id)
        .join(Applicant, Applicant.id == Application.applicant_id)
        .where(Application.tracking_code == code)
    ).first()
    matched = row is not None and hmac.compare_digest(row[4], national)
    case_id = row[0] if matched else 0
    since = session.exec(
        select(ApplicationEvent.at).where(ApplicationEvent.application_id == case_id)
        .order_by(ApplicationEvent.at.desc(), ApplicationEvent.id.desc()).limit(1)
    ).first()
    received = set(session.exec(
        select(Document.kind).where(Document.application_id == case_id, Document.received == True)  # noqa: E712
    ).all())
    introduction = session.exec(
        select(Introduction).where(Introduction.application_id == case_id, Introduction.refused_on == None)  # noqa: E711
        .order_by(Introduction.id.desc()).limit(1)
    ).first()
    record_failure(session, keys, now=now)  # every try counts, found or not
    session.commit()
    if not matched:
        return CaseStatus(found=False, message=NOT_FOUND)
    _, state, applied_on, program, _ = row
    state = State(state)
    missing = [label for kind, label in checklist(program).items() if kind not in received and kind not in COMMITTEE_MADE]
    return CaseStatus(
        found=True,
        stage=state_label(program, state),
        since=format_jalali(local_date(since) if since is not None else applied_on),
        next_step=_next_step(program, state, missing, introduction),
    )
