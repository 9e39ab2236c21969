"""Payment runs (نوبت پرداخت): prepare, fit to the budget, approve, finalise exactly once, correct.

The public API the payment screen, the command line and the exports build on:

* :func:`prepare_run` — a pure read: who is paid for a period and who is held back and why;
* :func:`what_if` and :func:`months_percent_grid` — what each budget strategy would pay;
* :func:`create_run` — a draft run with its lines, fitted to the budget;
* :func:`approve_run`, :func:`finalize_run`, :func:`cancel_run` — maker-checker;
* :func:`create_adjustment_run` — a top-up or a reversal citing finalised lines;
* :func:`run_lines`, :func:`list_runs`, :func:`get_run` — reads for screens and exports.
"""
from services.payments.common import (
    HELD_BACK_LABELS,
    LINE_KIND_LABELS,
    RUN_KIND_LABELS,
    RUN_STATUS_LABELS,
    HeldBack,
)
from services.payments.prepare import RunPreview, prepare_run, preview_lines
from services.payments.fitting import WhatIf, fit, months_percent_grid, what_if
from services.payments.runs import (
    approve_run,
    cancel_run,
    create_run,
    finalize_run,
    get_run,
    list_runs,
    run_lines,
)
from services.payments.adjustments import create_adjustment_run

__all__ = [
    "HELD_BACK_LABELS",
    "LINE_KIND_LABELS",
    "RUN_KIND_LABELS",
    "RUN_STATUS_LABELS",
    "HeldBack",
    "RunPreview",
    "WhatIf",
    "approve_run",
    "cancel_run",
    "create_adjustment_run",
    "create_run",
    "fit",
    "finalize_run",
    "get_run",
    "list_runs",
    "months_percent_grid",
    "prepare_run",
    "preview_lines",
    "run_lines",
    "what_if",
]
