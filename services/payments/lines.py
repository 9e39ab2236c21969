"""Where a run's lines are: staged while the run is not finalised, paid once it is.

A run that is not finalised (draft, approved, cancelled) keeps its lines in ``paymentdraftline``;
finalising moves them, with their ids, into ``paymentline`` in one INSERT … SELECT (and deletes
them from the staging table) inside the transaction that marks the run finalised. So the paid
lines' indexes (paid once per applicant and month, monitoring, by applicant) are written once per
line, and ``paymentline`` holds only what was paid.

* :func:`line_table` — the table holding a run's lines (by its status);
* :func:`stage_lines` — write a draft's lines (ids drawn from ``paymentline``'s id space, so the
  list exported from an approved run names the ids the finalised run keeps);
* :func:`move_to_paid` — finalising's move;
* :func:`every_line` — both tables as one (for reads across runs in every status: a person's
  ledger, months planned by drafts, corrections not yet finalised).
"""
from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, func, insert, select, text, true, union_all
from sqlmodel import Session

from db.bulk import insert_rows
from db.models import PaymentDraftLine, PaymentLine, PaymentRun

MOVED_COLUMNS = (
    "id", "run_id", "application_id", "applicant_id", "program_id", "county_id", "jalali_year", "jalali_month",
    "days", "daily_wage_rial", "rate_bp", "percent", "share_percent", "full_amount_rial", "amount_rial",
    "agency_rial", "government_rial", "line_kind", "corrects_line_id",
)
"""The columns a line keeps when it moves (SSO's answer comes only after finalising)."""

SHARED_COLUMNS = (*MOVED_COLUMNS, "live", "sso_status")
"""The columns :func:`every_line` offers."""


def line_table(run: PaymentRun) -> type[PaymentLine] | type[PaymentDraftLine]:
    """``PaymentLine`` for a finalised run, ``PaymentDraftLine`` otherwise (same column names)."""
    return PaymentLine if run.status == "finalized" else PaymentDraftLine


def new_line_ids(session: Session, n: int) -> list[int]:
    """``n`` line ids no line has or will be given: PostgreSQL draws them from ``paymentline``'s
    sequence; SQLite (one writer at a time, and the caller has written already, so it holds the
    write lock) continues after the largest id of either table."""
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        return list(conn.execute(
            text("SELECT nextval(pg_get_serial_sequence('paymentline', 'id')) FROM generate_series(1, :n)"), {"n": n}
        ).scalars())
    top = max(conn.execute(select(func.coalesce(func.max(table.id), 0))).scalar_one()
              for table in (PaymentLine, PaymentDraftLine))
    return list(range(top + 1, top + 1 + n))


def stage_lines(session: Session, rows: Sequence[tuple], columns: Sequence[str]) -> int:
    """Write a run's lines (tuples in ``columns`` order, without ids) to the staging table, inside
    the session's transaction (executemany / COPY)."""
    if not rows:
        return 0
    ids = new_line_ids(session, len(rows))
    return insert_rows(session.connection(), PaymentDraftLine.__table__, ("id", *columns),
                       [(i, *row) for i, row in zip(ids, rows)])


def move_to_paid(session: Session, run_id: int) -> int:
    """Finalising: the run's staged lines become live payment lines (same ids), in one statement,
    and leave the staging table. The database's constraints (paid once, references) check them."""
    staged = PaymentDraftLine.__table__
    moved = session.execute(
        insert(PaymentLine.__table__).from_select(
            [*MOVED_COLUMNS, "live"],
            select(*(staged.c[c] for c in MOVED_COLUMNS), true()).where(staged.c.run_id == run_id)
            .order_by(staged.c.id),
        )
    ).rowcount
    session.execute(delete(staged).where(staged.c.run_id == run_id))
    return int(moved or 0)


def every_line():
    """Every line of every run, paid or staged, as one subquery (``.c.<column>`` of
    :data:`SHARED_COLUMNS`); filter it by run status where it matters."""
    def part(table):
        t = table.__table__
        return select(*(t.c[c] for c in SHARED_COLUMNS))

    return union_all(part(PaymentLine), part(PaymentDraftLine)).subquery("line")


