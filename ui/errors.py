"""What a user sees when a page fails unexpectedly: a Persian message and a reference number.

The traceback is written to the log (logger ``bimeyar.errors``) under the same number, so that
whoever the user calls can find it; nothing of the exception reaches the browser. Streamlit's own
error display (English, with links to outside search engines) is off in .streamlit/config.toml
(``client.showErrorDetails = "none"``) for whatever escapes this."""
from __future__ import annotations

import logging
import secrets

import streamlit as st

from lib.text import to_persian_digits

log = logging.getLogger("bimeyar.errors")


def new_reference() -> str:
    """Eight digits, easy to read out over the telephone."""
    return f"{secrets.randbelow(10**8):08d}"


def unexpected_error(exc: BaseException) -> str:
    """Log ``exc`` with its traceback under a new reference number and show the Persian message."""
    reference = new_reference()
    log.error("unexpected error, reference %s", reference, exc_info=(type(exc), exc, exc.__traceback__))
    st.error(
        "متأسفیم، در اجرای این صفحه خطای پیش‌بینی‌نشده‌ای رخ داد و کار شما انجام نشد. "
        f"شماره پیگیری: {to_persian_digits(reference)}. "
        "صفحه را دوباره باز کنید؛ اگر خطا تکرار شد، این شماره را به پشتیبانی سامانه بدهید.",
        icon="⚠️",
    )
    return reference
