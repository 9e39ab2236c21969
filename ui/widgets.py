"""Reusable input and display widgets for every page (Persian, right to left).

Inputs validate *as typed* (``live``: a short pause after typing commits the value) and show
the Persian message of ``lib`` right under the field. Each returns the clean value, or None
when the field is empty or invalid; :func:`field_error` tells the two apart. Values are kept
in ``st.session_state[key]`` as typed, so a page can prefill a field by setting that key
before the widget is drawn. Inside ``st.form`` the check runs on submit instead (forms
commit only then).

    when = jalali_date_input("تاریخ درخواست", key="applied_on", default=local_today())
    code = national_code_input("کد ملی", key="national_code")
    if field_error("national_code"): ...
"""
from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import streamlit as st

from db.engine import new_session
from lib.errors import InvalidInput
from lib.identifiers import normalize_mobile, normalize_national_code
from lib.jalali import format_jalali, parse_jalali_date, local_today
from lib.text import format_number, format_rial, ltr, parse_int, strip_bidi_controls, to_persian_digits
from lib.workflow import PROGRAM_LABELS
from ui.context import get_engine, require_actor
from ui.fmt import md_escape
from ui.nav import pages_for
from ui.style import DEFAULT_UPLOAD_MB, upload_limit_css

T = TypeVar("T")

CASE_PAGE = "pages/case.py"
_ERROR_SUFFIX = "__error"
# Placeholders read as hints, never as values typed: they start with «مثلاً» (and the stylesheet
# greys and slants them).
_DATE_PLACEHOLDER = "مثلاً ۱۴۰۴/۰۱/۰۱"
_MOBILE_PLACEHOLDER = "مثلاً ۰۹۱۲۱۲۳۴۵۶۷"
_DIGIT_GROUP_SEPARATORS = re.compile(r"[\s\-‐‑‒–—−_]+")


def field_error(key: str) -> str | None:
    """The Persian message the widget with ``key`` showed in this run, or None when valid/empty."""
    return st.session_state.get(key + _ERROR_SUFFIX)


def persian_digits_only(raw: str) -> str:
    """What a person typed as a code or phone number, as it is shown back: the digit groups
    joined (a space between groups made an RTL field show «526 018 1591» reordered) and every
    digit Persian. Anything that is not a digit or a group separator is left for the check to name."""
    return to_persian_digits(_DIGIT_GROUP_SEPARATORS.sub("", strip_bidi_controls(raw)))


def _checked_text(label: str, key: str, parse: Callable[[str], T], *, help: str | None, placeholder: str | None,
                  initial: str = "", shown: Callable[[str], str] = to_persian_digits,
                  disabled: bool = False) -> T | None:
    """A text input checked by ``parse``. What was typed is shown back through ``shown``
    (Persian digits) before the field is drawn: the value in session state is rewritten, which
    Streamlit allows before the widget exists in a run, inside or outside a form."""
    if key not in st.session_state:
        st.session_state[key] = initial
    typed = st.session_state.get(key)
    if isinstance(typed, str) and typed and shown(typed) != typed:
        st.session_state[key] = shown(typed)
    raw = st.text_input(label, key=key, help=help, placeholder=placeholder, live=True, disabled=disabled) or ""
    error: str | None = None
    value: T | None = None
    if raw.strip():
        try:
            value = parse(raw)
        except InvalidInput as exc:
            error = exc.message
            st.error(md_escape(error), icon="⚠️")
    st.session_state[key + _ERROR_SUFFIX] = error
    return value


def jalali_date_input(label: str, key: str, default: date | None = None, help: str | None = None) -> date | None:
    """A Jalali date typed in any digits (۱۴۰۳/۰۵/۱۲, 1403-5-12, ۱۲ مرداد ۱۴۰۳) → Gregorian date.

    ``default`` fills the field the first time it is drawn. A valid date is echoed in words
    under the field; an invalid one shows why and returns None."""
    value = _checked_text(
        label, key, lambda raw: parse_jalali_date(raw, field=key), help=help, placeholder=_DATE_PLACEHOLDER,
        initial=format_jalali(default) if default else "",
    )
    if value is not None:
        st.caption(format_jalali(value, long=True))
    return value


def national_code_input(label: str = "کد ملی", key: str = "national_code", help: str | None = None) -> str | None:
    """A national code (any digits, 8–9 digits padded) → the 10-digit code, checksum verified."""
    return _checked_text(label, key, normalize_national_code, help=help, placeholder="۱۰ رقم کارت ملی",
                         shown=persian_digits_only)


def mobile_input(label: str = "تلفن همراه", key: str = "mobile", help: str | None = None) -> str | None:
    """A mobile number (+98, 0098, 98 prefixes, any digits) → ``09xxxxxxxxx``."""
    return _checked_text(label, key, normalize_mobile, help=help, placeholder=_MOBILE_PLACEHOLDER,
                         shown=persian_digits_only)


def whole_number_input(label: str, key: str, *, minimum: int | None = None, maximum: int | None = None,
                       default: int | None = None, required: bool = True, help: str | None = None,
                       disabled: bool = False) -> int | None:
    """A whole number typed in Persian, Arabic or Latin digits and shown in Persian digits.

    ``lib.text.parse_int`` checks it: not a number, or outside ``minimum``..``maximum``, shows
    a Persian message under the field (naming the allowed range) and returns None, as does an
    empty field. ``default`` fills the field the first time it is drawn. An empty field is an
    error only when ``required``.

    A Streamlit number input cannot show Persian digits and refuses out-of-range values with
    an English tooltip only; this is the input every page uses instead."""
    def parse(raw: str) -> int:
        return parse_int(raw, field=key, label_fa=label, minimum=minimum, maximum=maximum)

    if minimum is not None and maximum is not None:
        hint = f"از {format_number(minimum, grouping=False)} تا {format_number(maximum, grouping=False)}"
    else:
        hint = None
    value = _checked_text(label, key, parse, help=help, placeholder=hint,
                          initial="" if default is None else to_persian_digits(default), disabled=disabled)
    if value is None and required and not field_error(key) and not str(st.session_state.get(key) or "").strip():
        message = f"{label} را وارد کنید."
        st.session_state[key + _ERROR_SUFFIX] = message
        st.error(message, icon="⚠️")
    return value


def set_whole_number(key: str, value: int | None) -> None:
    """Prefill a :func:`whole_number_input` (before it is drawn in this run)."""
    st.session_state[key] = "" if value is None else to_persian_digits(int(value))


def policy_version_text(version: str) -> str:
    """A scoring policy's version as people read it: ``1392-v1`` → «جدول امتیازات ۱۳۹۲، ویرایش ۱»
    (the year of the instruction and its revision); any other form is shown in Persian digits."""
    year, _, revision = version.partition("-v")
    if year.isdigit() and revision.isdigit():
        return f"جدول امتیازات {to_persian_digits(year)}، ویرایش {to_persian_digits(revision)}"
    return f"جدول امتیازات نسخه {to_persian_digits(version)}"


def money_text(n: int) -> str:
    """An amount of integer rials as people read it, with its unit: ۱۳٬۳۲۹٬۱۰۲ ریال."""
    return format_rial(n)


def tracking_code_spelled(code: str) -> str:
    """A tracking code grouped for reading aloud, in Persian digits inside an LTR isolate:
    ``A031234567`` → ``A ۰۳ ۱۲۳ ۴۵۶۷``."""
    letters = "".join(ch for ch in code if ch.isalpha())
    digits = code[len(letters):]
    groups = [digits[:2], digits[2:5], digits[5:]] if len(digits) == 9 else [digits]
    return ltr(" ".join([letters, *(to_persian_digits(g) for g in groups if g)]).strip())


def show_tracking_code(code: str, *, heading: str = "درخواست ثبت شد") -> None:
    """The tracking code large, spelled for reading aloud, and as plain text to copy."""
    letters = "".join(ch for ch in code if ch.isalpha())
    programme = PROGRAM_LABELS.get(letters)  # type: ignore[call-overload]
    hint = f" — حرف {ltr(letters)} یعنی برنامه «{programme}»" if programme else ""
    with st.container(border=True):
        st.success(f"{heading}. کد رهگیری را برای متقاضی بخوانید{hint}.", icon="✅")
        st.markdown(
            f'<div style="font-size:2.6rem;font-weight:700;text-align:center;letter-spacing:.08em">'
            f"{tracking_code_spelled(code)}</div>",
            unsafe_allow_html=True,
        )
        st.code(code, language=None)


def link_to(page: str, label: str, *, icon: str | None = None, **query_params: Any) -> None:
    """A link to one of the app's pages (``pages/x.py``) with query parameters; a plain
    ``/x?…`` link while that page is not part of the user's navigation."""
    if any(spec.path == page for spec in pages_for(require_actor())):
        st.page_link(page, label=label, icon=icon, query_params={k: str(v) for k, v in query_params.items()})
    else:
        query = "&".join(f"{k}={v}" for k, v in query_params.items())
        st.markdown(f"[{label}](/{Path(page).stem}{'?' + query if query else ''})")


def case_link(application_id: int, label: str) -> None:
    """A link to the case page (``pages/case.py?id=N``)."""
    link_to(CASE_PAGE, label, icon=":material/folder_open:", id=application_id)


def deferred(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Callable[[], Any]:
    """A zero-argument callable running a read service as the signed-in user with a fresh
    session — for ``st.download_button(data=...)``, which builds the file only on click."""
    engine, actor = get_engine(), require_actor()

    def run() -> Any:
        with new_session(engine) as session:
            return fn(session, actor, *args, **kwargs)

    return run


def file_input(label: str, key: str, types: list[str], *, max_mb: int, help: str | None = None):
    """``st.file_uploader`` whose line under the drop zone says in Persian which types it takes and
    its size limit ``max_mb``, the service's own (the stylesheet replaces Streamlit's English). The
    server's limit (``server.maxUploadSize``, ``DEFAULT_UPLOAD_MB``) is above every service's, so a file
    too large reaches the service and is refused with a Persian message, not Streamlit's English one."""
    if not 0 < max_mb < DEFAULT_UPLOAD_MB:
        raise ValueError(f"an uploader's limit must be below the server's {DEFAULT_UPLOAD_MB} MB: {max_mb}")
    st.html(upload_limit_css(key, max_mb, types))
    return st.file_uploader(label, type=types, key=key, help=help)
