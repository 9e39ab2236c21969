"""Corrections: an adjustment run (top-ups or reversals) citing finalised lines; nothing is edited."""
from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlmodel import Session

from db.models import PaymentRun
from services.base import Actor


def create_adjustment_run(
    session: Session,
    actor: Actor,
    run_id: int,
    line_ids: Sequence[int],
    *,
    kind: str,
    reason: str,
    amounts: Mapping[int, int] | None = None,
) -> PaymentRun:
    """A draft adjustment run citing lines of the finalised run ``run_id``; approved and finalised
    like any run. ``kind`` 'topup' pays up to each line's full premium, 'reversal' takes back up to
    what was paid (``amounts`` per line id, default: all that can be)."""
    raise NotImplementedError
