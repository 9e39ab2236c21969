"""Reusable input and display widgets for every page (Persian, right to left).

Inputs validate *as typed* (``live``: a short pause after typing commits the value) and show
the Persian message of ``lib`` right under the field. Each returns the clean value, or None
when the field is empty or invalid; :func:`field_error` tells the two apart. Values are kept
in ``st.session_state[key]`` as typed, so a page can prefill a field by setting that key
before the widget is drawn. Inside ``st.form`` the check runs on submit instead (forms
commit only then).

    when = jalali_date_input("تاریخ درخواست", key="applied_on", default=date.today())
    code = national_code_input("کد ملی", key="national_code")
    if field_error("national_code"): ...
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import streamlit as st

from db.engine import new_session
from lib.errors import InvalidInput
from lib.identifiers import normalize_mobile, normalize_national_code
from lib.jalali import format_jalali, parse_jalali_date
from lib.text import format_rial, ltr, to_persian_digits
from lib.workflow import PROGRAM_LABELS
from ui.context import get_engine, require_actor
from ui.fmt import md_escape
from ui.nav import pages_for

T = TypeVar("T")

CASE_PAGE = "pages/case.py"
_ERROR_SUFFIX = "__error"
_DATE_PLACEHOLDER = "۱۴۰۳/۰۵/۱۲"
_MOBILE_PLACEHOLDER = "۰۹۱۲۱۲۳۴۵۶۷"


def field_error(key: str) -> str | None:
    """The Persian message the widget with ``key`` showed in this run, or None when valid/empty."""
    return st.session_state.get(key + _ERROR_SUFFIX)


def _checked_text(label: str, key: str, parse: Callable[[str], T], *, help: str | None, placeholder: str | None,
                  initial: str = "") -> T | None:
    if key not in st.session_state:
        st.session_state[key] = initial
    raw = st.text_input(label, key=key, help=help, placeholder=placeholder, live=True) or ""
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
    return _checked_text(label, key, normalize_national_code, help=help, placeholder="۱۰ رقم کارت ملی")


def mobile_input(label: str = "تلفن همراه", key: str = "mobile", help: str | None = None) -> str | None:
    """A mobile number (+98, 0098, 98 prefixes, any digits) → ``09xxxxxxxxx``."""
    return _checked_text(label, key, normalize_mobile, help=help, placeholder=_MOBILE_PLACEHOLDER)


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
