"""The app's warning, for those who keep the service agreement, that its validity ends within a
month (or has ended): a line in the sidebar of every page until a new period is recorded."""
from __future__ import annotations

from datetime import date

import streamlit as st

from lib.jalali import local_today
from lib.permissions import Action, can
from services.base import Actor
from services.service_agreement import expiry_warnings
from ui.context import read
from ui.fmt import format_jalali, md_escape


def warn_if_agreement_ending(actor: Actor, today: date | None = None) -> None:
    if not can(actor.role, Action.manage_reference_data):
        return
    for view, kind in read(expiry_warnings, today or local_today()):
        verb = "پایان یافته است" if kind == "ended" else "پایان می‌یابد"
        st.sidebar.warning(f"اعتبار توافق‌نامه سطح خدمت «{md_escape(view.program_name)}» در "
                           f"{format_jalali(view.valid_until)} {verb}.", icon="⏳")
