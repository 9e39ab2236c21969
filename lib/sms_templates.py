"""The SMS texts sent to applicants: one template per event, written in Persian with named
placeholders such as ``{نام}`` or ``{کد_رهگیری}``, editable by an administrator.

Each event allows some placeholders and requires a few (the received message must carry the
tracking code, the documents-incomplete message must name the documents, the introduction must
name the branch, …). Every placeholder has a longest value: longer values are cut with «…» when a
message is rendered, so a template whose literal text plus the longest value of each placeholder
fits :data:`MAX_SEGMENTS` Persian SMS parts always renders within them — that is what
:func:`check_template` verifies before a template is saved.

Pure code: no SQL, no Streamlit, no I/O.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache

from lib.errors import InvalidInput
from lib.text import to_persian_digits
from lib.workflow import State

__all__ = [
    "Placeholder", "PLACEHOLDERS", "EventSpec", "EVENTS", "MAX_SEGMENTS", "MAX_CHARS", "SIGNATURE",
    "segments", "worst_case_length", "check_template", "render", "split_template", "state_event", "fit",
]

# A Persian SMS is sent as UCS-2: 70 characters in one part, 67 in each part of a longer one.
SINGLE_PART, MULTI_PART = 70, 67
MAX_SEGMENTS = 5
MAX_CHARS = MAX_SEGMENTS * MULTI_PART
SIGNATURE = "بیمه‌یار"
ELLIPSIS = "…"


def segments(length: int) -> int:
    """How many SMS parts a Persian message of ``length`` characters takes."""
    return 1 if length <= SINGLE_PART else math.ceil(length / MULTI_PART)


@dataclass(frozen=True)
class Placeholder:
    key: str         # as written between braces in a template
    meaning: str     # what it is replaced with, for the administrator
    longest: int     # a longer value is cut to this many characters (with «…»)


PLACEHOLDERS: dict[str, Placeholder] = {p.key: p for p in (
    Placeholder("نام", "نام و نام خانوادگی متقاضی", 50),
    Placeholder("کد_رهگیری", "کد رهگیری پرونده", 22),
    Placeholder("وضعیت", "مرحله پرونده به نامی که برنامه متقاضی به کار می‌برد", 30),
    Placeholder("مدارک", "مدارکی که هنوز نرسیده است", 120),
    Placeholder("شعبه", "شعبه تأمین اجتماعی که متقاضی به آن معرفی شد", 60),
    Placeholder("شماره_نامه", "شماره معرفی‌نامه", 24),
    Placeholder("مبلغ", "مبلغ پرداخت‌شده در این نوبت به ریال", 24),
    Placeholder("دوره", "ماه یا ماه‌های این نوبت پرداخت", 30),
    Placeholder("شماره_شکایت", "شماره شکایت", 12),
    Placeholder("وضعیت_شکایت", "وضعیت شکایت پس از پاسخ", 12),
    Placeholder("نتیجه", "نتیجه رسیدگی به شکایت", 160),
)}

_CASE = ("نام", "کد_رهگیری", "وضعیت")
_STATE_TEXT = "{نام} گرامی، وضعیت پرونده بیمه شما با کد رهگیری {کد_رهگیری}: {وضعیت}. " + SIGNATURE


@dataclass(frozen=True)
class EventSpec:
    key: str                  # Notification.event and SmsTemplate.event
    label: str                # the event in Persian
    allowed: tuple[str, ...]
    required: tuple[str, ...]
    default: str              # the text shipped (migration 0020 seeds it)


EVENTS: dict[str, EventSpec] = {e.key: e for e in (
    EventSpec("state.received", "ثبت درخواست", _CASE, ("کد_رهگیری",), _STATE_TEXT),
    EventSpec("state.documents_incomplete", "نقص مدارک", _CASE + ("مدارک",), ("مدارک",),
              "{نام} گرامی، وضعیت پرونده بیمه شما با کد رهگیری {کد_رهگیری}: {وضعیت}. "
              "مدارک ناقص: {مدارک}. " + SIGNATURE),
    EventSpec("documents.complete", "تکمیل مدارک", _CASE, (),
              "{نام} گرامی، مدارک پرونده بیمه شما با کد رهگیری {کد_رهگیری} کامل شد و پرونده در حال بررسی است. "
              + SIGNATURE),
    EventSpec("state.scored", "امتیازدهی (برنامه خویش‌فرما)", _CASE, (), _STATE_TEXT),
    EventSpec("state.county_decision", "تأیید کمیته شهرستان / تأیید شرایط (کمیته امداد)", _CASE, (), _STATE_TEXT),
    EventSpec("state.province_decision", "تأیید کمیته استان", _CASE, (), _STATE_TEXT),
    EventSpec("decision.deferred", "تعویق یا بازگشت پرونده در کمیته", _CASE, (),
              "{نام} گرامی، بررسی پرونده بیمه شما با کد رهگیری {کد_رهگیری} به جلسه دیگری از کمیته موکول شد. "
              + SIGNATURE),
    EventSpec("state.rejected", "رد درخواست", _CASE, (), _STATE_TEXT),
    EventSpec("state.introduced", "معرفی به شعبه تأمین اجتماعی", _CASE + ("شعبه", "شماره_نامه"), ("شعبه",),
              "{نام} گرامی، وضعیت پرونده بیمه شما با کد رهگیری {کد_رهگیری}: {وضعیت}، {شعبه}، "
              "معرفی‌نامه شماره {شماره_نامه}. با کارت ملی به شعبه مراجعه کنید. " + SIGNATURE),
    EventSpec("state.active", "برقراری بیمه", _CASE, (), _STATE_TEXT),
    EventSpec("payment.paid", "پرداخت حق بیمه", ("نام", "مبلغ", "دوره"), ("مبلغ", "دوره"),
              "{نام} گرامی، حق بیمه {دوره} شما به مبلغ {مبلغ} ریال به تأمین اجتماعی پرداخت شد. " + SIGNATURE),
    EventSpec("state.suspended", "تعلیق", _CASE, (), _STATE_TEXT),
    EventSpec("state.completed", "پایان دوره حمایت", _CASE, (), _STATE_TEXT),
    EventSpec("state.withdrawn", "انصراف", _CASE, (), _STATE_TEXT),
    EventSpec("complaint.answered", "پاسخ به شکایت", ("نام", "شماره_شکایت", "وضعیت_شکایت", "نتیجه"), ("نتیجه",),
              "{نام} گرامی، به شکایت شماره {شماره_شکایت} شما رسیدگی شد ({وضعیت_شکایت}): {نتیجه} " + SIGNATURE),
)}

_TOKEN = re.compile(r"\{([^{}]*)\}")


def _names(keys: tuple[str, ...] | list[str]) -> str:
    return "، ".join("{" + k + "}" for k in keys)


@lru_cache(maxsize=256)  # a few templates render thousands of messages (the demo, a payment run)
def _pieces(text: str) -> tuple[tuple[str, str | None], ...]:
    pieces: list[tuple[str, str | None]] = []
    at = 0
    for match in _TOKEN.finditer(text):
        pieces.append((text[at:match.start()], match.group(1).strip()))
        at = match.end()
    pieces.append((text[at:], None))
    return tuple(pieces)


def split_template(text: str) -> list[tuple[str, str | None]]:
    """The template as (literal text, placeholder key or None) pieces, in order."""
    return list(_pieces(text))


def worst_case_length(text: str) -> int:
    """The template's length with every placeholder at its longest value."""
    return sum(len(literal) + (PLACEHOLDERS[key].longest if key else 0) for literal, key in split_template(text))


def check_template(event: str, text: str) -> None:
    """InvalidInput (Persian) unless ``text`` is a usable template for ``event``: braces paired,
    only the event's placeholders, the required ones present, and within :data:`MAX_SEGMENTS`
    parts even with the longest values."""
    spec = EVENTS.get(event)
    if spec is None:
        raise InvalidInput("این رویداد پیامک ندارد؛ رویداد را از فهرست انتخاب کنید.", field="event")
    if not text.strip():
        raise InvalidInput(f"متن پیامک «{spec.label}» خالی است؛ متن را بنویسید.", field="body")
    pieces = split_template(text)
    if any("{" in literal or "}" in literal for literal, _ in pieces):
        raise InvalidInput(
            "در متن آکولادی ({ یا }) بی‌جفت است؛ هر جای‌نگهدار را به شکل {نام} بنویسید و آکولاد دیگری به کار نبرید.",
            field="body",
        )
    used = [key for _, key in pieces if key is not None]
    unknown = [key for key in used if key not in spec.allowed]
    if unknown:
        raise InvalidInput(
            f"جای‌نگهدار {_names(unknown)} در پیامک «{spec.label}» شناخته نیست؛ فقط این‌ها را می‌توان به کار برد: "
            f"{_names(spec.allowed)}.",
            field="body",
        )
    missing = [key for key in spec.required if key not in used]
    if missing:
        raise InvalidInput(
            f"پیامک «{spec.label}» باید {_names(missing)} را داشته باشد تا متقاضی بداند "
            f"{'، '.join(PLACEHOLDERS[k].meaning for k in missing)} چیست.",
            field="body",
        )
    longest = worst_case_length(text)
    if longest > MAX_CHARS:
        raise InvalidInput(
            f"این متن با بلندترین مقدار جای‌نگهدارها {to_persian_digits(longest)} نویسه و "
            f"{to_persian_digits(segments(longest))} پیامک می‌شود؛ حداکثر {to_persian_digits(MAX_SEGMENTS)} پیامک "
            f"({to_persian_digits(MAX_CHARS)} نویسه) است. متن را {to_persian_digits(longest - MAX_CHARS)} نویسه "
            "کوتاه‌تر کنید.",
            field="body",
        )


def fit(key: str, value: object) -> str:
    """A placeholder's value cut to its longest length (with «…»)."""
    text = str(value)
    limit = PLACEHOLDERS[key].longest
    return text if len(text) <= limit else text[: limit - 1] + ELLIPSIS


def render(text: str, fields: dict[str, object]) -> str:
    """The message: each placeholder replaced by its value (cut to its longest length); a
    placeholder without a value reads as «—»."""
    out = []
    for literal, key in _pieces(text):
        out.append(literal)
        if key is not None:
            out.append(fit(key, fields[key]) if fields.get(key) not in (None, "") else "—")
    return "".join(out)


def state_event(src: State | str | None, dst: State | str) -> str:
    """The event of a case's move: documents coming in and a committee sending a case back have
    their own messages; every other move is named after the state it reaches."""
    src = State(src) if src is not None else None
    dst = State(dst)
    if dst is State.received and src is State.documents_incomplete:
        return "documents.complete"
    if dst is State.scored and src is State.county_decision:
        return "decision.deferred"
    return f"state.{dst.value}"
