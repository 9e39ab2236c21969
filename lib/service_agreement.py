"""The service agreement's stages and its validity warning (pure: no SQL, no Streamlit).

A stage is the time a case spends until it reaches the named state of lib.workflow; its target
(days) and the in-person visits it asks of the applicant are set by an administrator per programme.
The seeds give no figure, so none is shipped: a stage without a target is published as «تعیین نشده»."""
from __future__ import annotations

from datetime import date, timedelta

from lib.workflow import State, states_of

# In the order a case goes through them, with what the applicant reads.
STAGE_LABELS: dict[str, str] = {
    State.received.value: "ثبت درخواست و دریافت کد رهگیری",
    State.scored.value: "بررسی مدارک و امتیازدهی",
    State.county_decision.value: "تصمیم کمیته شهرستان",
    State.province_decision.value: "تأیید کمیته استان",
    State.introduced.value: "معرفی به شعبه تأمین اجتماعی",
    State.active.value: "برقراری بیمه",
}

WARN_BEFORE = timedelta(days=30)  # «a month before the agreement's validity ends»


def stages_of(program: str) -> list[str]:
    """The stages a case of ``program`` goes through, in order."""
    reachable = {s.value for s in states_of(program)}
    return [code for code in STAGE_LABELS if code in reachable]


def validity_warning(valid_until: date | None, today: date) -> str | None:
    """``"ending"`` within a month of the end (inclusive), ``"ended"`` after it, else None."""
    if valid_until is None:
        return None
    if today > valid_until:
        return "ended"
    if valid_until - today <= WARN_BEFORE:
        return "ending"
    return None
