"""Writing runs: create (draft), approve, finalise exactly once, cancel; and the reads for screens."""
from __future__ import annotations

import pandas as pd
from sqlmodel import Session

from db.models import PaymentRun
from services.base import Actor
from services.payments.prepare import RunPreview


def create_run(
    session: Session,
    actor: Actor,
    preview: RunPreview,
    *,
    budget_rial: int,
    strategy: str,
    months: int | None = None,
    percent: int | None = None,
    confirm_unconfirmed_wage: bool = False,
    note: str | None = None,
) -> PaymentRun:
    """A draft run with its lines, fitted to ``budget_rial`` by ``strategy`` (``combined`` with
    ``months``/``percent``: the grid cell the committee picked)."""
    raise NotImplementedError


def approve_run(session: Session, actor: Actor, run_id: int) -> PaymentRun:
    """Draft → approved, by a manager whose area covers the run, never its preparer."""
    raise NotImplementedError


def finalize_run(session: Session, actor: Actor, run_id: int) -> PaymentRun:
    """Approved → finalised in one transaction: all lines or none; the cap; nobody paid twice."""
    raise NotImplementedError


def cancel_run(session: Session, actor: Actor, run_id: int, reason: str) -> PaymentRun:
    """Draft/approved → cancelled (never a finalised run); its lines never count."""
    raise NotImplementedError


def get_run(session: Session, actor: Actor, run_id: int) -> PaymentRun:
    raise NotImplementedError


def run_lines(session: Session, actor: Actor, run_id: int) -> pd.DataFrame:
    raise NotImplementedError


def list_runs(session: Session, actor: Actor, *, program: str | None = None, status: str | None = None,
              year: int | None = None) -> pd.DataFrame:
    raise NotImplementedError
