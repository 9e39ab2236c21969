"""What a user sees when a page fails unexpectedly: a Persian message and a reference number.

The traceback is written to the log (logger ``bimeyar.errors``) under the same number, so that
whoever the user calls can find it; nothing of the exception reaches the browser. Page bodies
are covered by app.py; widget callbacks (``on_click``/``on_change``/``on_select``) run before
the page and outside it, so every callback is wrapped in :func:`guarded`. Streamlit's own error
display (English, with links to outside search engines) is off in .streamlit/config.toml
(``client.showErrorDetails = "none"``, ``client.showErrorLinks = false``) for whatever escapes
both."""
from __future__ import annotations

import functools
import logging
import secrets
from collections.abc import Callable
from typing import Any

import streamlit as st

from lib.text import to_persian_digits

log = logging.getLogger("bimeyar.errors")

MESSAGE = (
    "متأسفیم، در اجرای این صفحه خطای پیش‌بینی‌نشده‌ای رخ داد و کار شما انجام نشد. "
    "شماره پیگیری: {reference}. "
    "صفحه را دوباره باز کنید؛ اگر خطا تکرار شد، این شماره را به پشتیبانی سامانه بدهید."
)


def new_reference() -> str:
    """Eight digits, easy to read out over the telephone."""
    return f"{secrets.randbelow(10**8):08d}"


def unexpected_error(exc: BaseException) -> str:
    """Log ``exc`` with its traceback under a new reference number and show the Persian message."""
    reference = new_reference()
    log.error("unexpected error, reference %s", reference, exc_info=(type(exc), exc, exc.__traceback__))
    st.error(MESSAGE.format(reference=to_persian_digits(reference)), icon="⚠️")
    return reference


def guarded(callback: Callable[..., Any]) -> Callable[..., Any]:
    """``callback`` for a widget's on_click/on_change/on_select: an exception it raises is
    logged and shown as the Persian message with a reference number (at the top of the page,
    which then draws as usual) instead of Streamlit's English error. ``st.rerun``/``st.stop``
    inside it pass through (they are not Exceptions)."""

    @functools.wraps(callback)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return callback(*args, **kwargs)
        except Exception as exc:
            unexpected_error(exc)
            return None

    return run
