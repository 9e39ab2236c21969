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


# --------------------------------------------------------------------------- the SLA dashboard
def stage_starts(program: str) -> dict[str, str | None]:
    """Each stage of ``program`` and the state whose first reaching starts it: a stage lasts from
    the case first reaching the previous stage's state until it first reaches its own; the first
    stage (received) starts on the application date (None here)."""
    stages = stages_of(program)
    return {stage: (stages[i - 1] if i else None) for i, stage in enumerate(stages)}


def waiting_for(program: str) -> dict[str, str]:
    """For each open state a case of ``program`` can wait in, the stage it is waiting to finish: a
    case in a stage's state waits for the next stage; one whose documents are incomplete is still
    in the stage after «received» (its clock runs from its first reaching «received»)."""
    stages = stages_of(program)
    waiting = {state: stages[i + 1] for i, state in enumerate(stages[:-1])}
    if len(stages) > 1:
        waiting[State.documents_incomplete.value] = stages[1]
    return waiting


def nearest_rank(values: list[float], percent: int) -> float | None:
    """The nearest-rank percentile (the smallest value with at least ``percent`` % of the values at
    or below it): what the dashboard's SQL computes, here for checking it; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = (percent * len(ordered) + 99) // 100  # ceil(percent × n / 100), at least 1
    return ordered[max(rank, 1) - 1]
