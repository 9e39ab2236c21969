"""Appending to the audit log's hash chain, in the writer's own transaction.

Every audit record gets its id and ``hash`` here, whichever way it is written: ``session.add`` of an
``AuditLog`` (the ``before_flush`` hook), a bulk ``session.execute(insert(AuditLog), rows)`` (the
``do_orm_execute`` hook), or :func:`append_rows` on a bare connection (the demo generator).

Appenders are serialised so that two writers never link to the same predecessor: on PostgreSQL a
transaction-scoped advisory lock, on SQLite the database's write lock (taken by a write statement
that touches no row). The lock is held until the writer's transaction ends, so the record read as
the chain's head is the last one committed, and ids grow in the order records are committed.
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import event, insert, text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import ORMExecuteState, Session

from db.models.audit import AuditLog
from lib.audit_chain import FIELDS, GENESIS, case_of, link_hash, province_of
from lib.audit_columns import encode_many, link_hashes

ADVISORY_LOCK_KEY = 0x6175_6469_746C_6F67 & 0x7FFF_FFFF_FFFF_FFFF  # "auditlog"


def lock_chain(conn: Connection) -> None:
    """Wait until no other transaction is appending; hold the lock until this one ends."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_LOCK_KEY})
    else:  # a write statement (no row matches, no trigger fires) takes SQLite's write lock
        conn.execute(text("DELETE FROM auditlog WHERE 0"))


def chain_head(conn: Connection) -> tuple[int, str]:
    """The last record's id and hash, or ``(0, GENESIS)`` for an empty log."""
    row = conn.execute(text("SELECT id, hash FROM auditlog ORDER BY id DESC LIMIT 1")).first()
    if row is None:
        return 0, GENESIS
    return int(row[0]), row[1] or GENESIS


def _new_ids(conn: Connection, last_id: int, count: int) -> list[int]:
    if conn.dialect.name == "postgresql":  # from the serial sequence (the app may not set it back)
        drawn = conn.execute(
            text("SELECT nextval(pg_get_serial_sequence('auditlog', 'id')) FROM generate_series(1, :n)"),
            {"n": count},
        ).scalars()
        ids, floor = [], last_id
        for value in sorted(drawn):
            floor = max(int(value), floor + 1)
            ids.append(floor)
        return ids
    return list(range(last_id + 1, last_id + 1 + count))


def seal(conn: Connection, rows: Sequence[dict[str, Any]], *, encoded: bool = False) -> None:
    """Give each row (a dict of AuditLog columns, in the order written) its id, area and hash.
    ``encoded``: each row's before and after snapshots are replaced by their JSON text as hashed
    (:func:`lib.audit_chain.encode`, None stays None; :mod:`lib.audit_columns`), for a bulk writer that stores that text as
    it is instead of encoding the snapshots a second time."""
    if not rows:
        return
    lock_chain(conn)
    last_id, previous = chain_head(conn)
    for row, new_id in zip(rows, _new_ids(conn, last_id, len(rows))):
        row["id"] = new_id
        if "province_id" not in row:
            row["province_id"] = province_of(row.get("before"), row.get("after"))
        if "application_id" not in row:
            row["application_id"] = case_of(row.get("entity", ""), row.get("entity_id"), row.get("before"), row.get("after"))
        for name in FIELDS:
            row.setdefault(name, None)
        if not encoded:
            row["hash"] = previous = link_hash(previous, row)
    if encoded:  # the same texts and hashes, worked out a field at a time (lib.audit_columns)
        befores, afters = (encode_many([row[k] for row in rows]) for k in ("before", "after"))
        for row, before, after, digest in zip(rows, befores, afters, link_hashes(previous, rows, befores, afters)):
            row["hash"] = digest
            row["before"] = None if row["before"] is None else before
            row["after"] = None if row["after"] is None else after


def append_rows(conn: Connection, rows: Sequence[dict[str, Any]]) -> int:
    """Chain and insert audit rows on a bare connection (bulk writers); returns how many."""
    rows = [dict(r) for r in rows]
    seal(conn, rows)
    if rows:
        conn.execute(insert(AuditLog.__table__), rows)
    return len(rows)


def iter_chain(conn: Connection, batch: int = 5_000) -> Iterator[dict[str, Any]]:
    """Every record in id order, as dicts, fetched ``batch`` at a time (keyset pages)."""
    table = AuditLog.__table__
    after = None
    while True:
        query = table.select().order_by(table.c.id).limit(batch)
        if after is not None:
            query = query.where(table.c.id > after)
        page = conn.execute(query).mappings().all()
        if not page:
            return
        for row in page:
            yield dict(row)
        after = page[-1]["id"]


# --------------------------------------------------------------------------- ORM hooks
@event.listens_for(Session, "before_flush")
def _seal_added_records(session: Session, _context, _instances) -> None:
    records = [obj for obj in session.new if isinstance(obj, AuditLog) and obj.hash is None]
    if not records:
        return
    rows = []
    for record in records:
        row = {name: getattr(record, name) for name in FIELDS if name != "id"}
        for derived in ("province_id", "application_id"):
            if row[derived] is None:
                row.pop(derived)
        rows.append(row)
    seal(session.connection(), rows)
    for record, row in zip(records, rows):
        record.id = row["id"]
        record.province_id = row["province_id"]
        record.application_id = row["application_id"]
        record.hash = row["hash"]


@event.listens_for(Session, "do_orm_execute")
def _seal_bulk_insert(state: ORMExecuteState) -> Any:
    if not state.is_insert or state.bind_mapper is None or state.bind_mapper.class_ is not AuditLog:
        return None
    params = state.parameters
    if not params:
        return None
    rows = [dict(p) for p in (params if isinstance(params, list) else [params])]
    seal(state.session.connection(), rows)
    return state.invoke_statement(params=rows if isinstance(params, list) else rows[0])
