"""Bulk writes for generated data (demo, benchmarks): many rows, one transaction, few round trips.

Rows are plain tuples in the order of the ``columns`` given (or mappings keyed by column name);
ids are assigned by the caller (:func:`next_id`) so that child rows can reference their parents
without a round trip. The caller owns the transaction: pass a ``Connection`` inside
``engine.begin()`` and everything commits or rolls back together.

How the rows travel:

* **SQLite** — the statement is SQLAlchemy Core's ``insert(table)`` compiled once for the
  dialect; the rows go through the columns' own bind processors (dates, aware UTC datetimes,
  booleans, JSON — only the columns that have one) and then, in batches, to the driver's
  ``executemany`` via ``Connection.exec_driver_sql``. This skips the per-row parameter
  dictionaries of ``Connection.execute(insert(table), [dict, …])`` (about twice as slow for
  payment lines) while writing exactly what Core would write. A caller that already holds the
  driver's values (``driver_values=True``: the demo makes SQLAlchemy's text of its dates and
  times itself, see ``demo.paths.Stamps``) skips that pass.
* **PostgreSQL** — ``COPY … FROM STDIN`` on the transaction's own psycopg connection (about
  twice as fast as Core's batched ``executemany`` for payment lines, and as fast as a bare
  psycopg ``COPY``); JSON columns are serialised here, aware datetimes checked as Core would.
* **other dialects** — plain Core ``execute(insert(table), [dict, …])``.

Constraints stay on: the database still refuses a second payment for the same applicant,
programme and month, a share split that does not add up, a missing parent row.
"""
from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date, datetime, timezone
from functools import lru_cache
from itertools import islice
from operator import itemgetter
from typing import Any

from sqlalchemy import JSON, Boolean, Date, DateTime, Table, func, insert, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel.sql.sqltypes import UTCDateTime

from db.models import PaymentLine

BATCH_SIZE = 50_000
BULK_CACHE_MIB = 1024
"""The page cache a bulk load on SQLite may use (:func:`sqlite_page_cache`)."""

PAYMENT_LINE_COLUMNS: tuple[str, ...] = (
    "id",
    "run_id",
    "application_id",
    "applicant_id",
    "program_id",
    "jalali_year",
    "jalali_month",
    "days",
    "daily_wage_rial",
    "rate_bp",
    "percent",
    "full_amount_rial",
    "amount_rial",
    "agency_rial",
    "government_rial",
    "county_id",
)
"""The order of a payment-line tuple for :func:`insert_payment_lines`."""


def _table(table: Table | type) -> Table:
    return table if isinstance(table, Table) else table.__table__  # type: ignore[attr-defined]


def _batches(rows: Iterable[Any], size: int) -> Iterator[list[Any]]:
    it = iter(rows)
    while batch := list(islice(it, size)):
        yield batch


def _as_tuples(rows: Iterable[Any], columns: Sequence[str]) -> Iterator[Sequence[Any]]:
    """Rows in ``columns`` order: tuples as they are, mappings read by key (the first row
    decides which kind all rows are)."""
    it = iter(rows)
    for first in it:
        if not isinstance(first, Mapping):
            yield first
            yield from it
            return
        getter = itemgetter(*columns) if len(columns) > 1 else (lambda m: (m[columns[0]],))
        yield getter(first)
        for row in it:
            yield getter(row)


def _batch_converter(convert: list[Any], order: list[int] | None):
    """A function turning a batch of row tuples into the driver's rows: the columns picked in
    ``order`` (None: as given), each converted by its function (None: as is; None values stay
    None). It works a column at a time, the batch transposed with ``zip`` — a comprehension per
    converted column instead of a Python call per row."""
    converted = [(i, f) for i, f in enumerate(convert) if f is not None]
    if not converted and order is None:
        return None

    def run(batch: list[Sequence[Any]]) -> list[tuple]:
        columns: list[Any] = list(zip(*batch))
        if order is not None:
            columns = [columns[i] for i in order]
        for i, f in converted:
            columns[i] = [None if v is None else f(v) for v in columns[i]]
        return list(zip(*columns))

    return run


def _row_converter(convert: list[Any]):
    """A function applying per-column converters (None = as is) to a row tuple."""
    positions = [(i, f) for i, f in enumerate(convert) if f is not None]
    if not positions:
        return None

    def apply(row: Sequence[Any]) -> tuple:
        out = list(row)
        for i, f in positions:
            value = out[i]
            if value is not None:
                out[i] = f(value)
        return tuple(out)

    return apply


@lru_cache(maxsize=65_536)  # generated and imported rows repeat their timestamps (one "now" per write)
def _utc_text(value: datetime) -> str:
    """An aware datetime as SQLAlchemy's SQLite DATETIME stores it in UTC ('… HH:MM:SS.ffffff')."""
    if value.tzinfo is not timezone.utc:
        if value.utcoffset() is None:
            raise ValueError("Datetime values must have timezone information.")
        value = value.astimezone(timezone.utc)
    return value.isoformat(" ", "microseconds")[:26]  # without the "+00:00"


@lru_cache(maxsize=65_536)
def _date_text(value: date) -> str:
    return value.isoformat()


_PROBE_DATETIME = datetime(2024, 3, 20, 4, 5, 6, 7, tzinfo=timezone.utc)
_PROBE_DATE = date(2024, 3, 20)


def _fast_processor(column_type: Any, dialect: Any, processor: Any) -> Any:
    """A C-speed equivalent of a SQLite date/datetime bind processor, used only when it gives
    exactly what the column's own processor gives (checked on a probe value); else ``processor``."""
    if processor is None:
        return None
    try:
        if isinstance(column_type, UTCDateTime) and processor(_PROBE_DATETIME) == _utc_text(_PROBE_DATETIME):
            return _utc_text
        if isinstance(column_type, Date) and not isinstance(column_type, DateTime):
            if processor(_PROBE_DATE) == _date_text(_PROBE_DATE):
                return _date_text
        if isinstance(column_type, Boolean) and processor(True) == 1 and processor(False) == 0:
            return None  # the driver stores True/False as 1/0 itself
    except Exception:  # pragma: no cover - a processor with other expectations: keep it
        pass
    return processor


def _insert_sqlite(conn: Connection, table: Table, columns: Sequence[str], rows: Iterable[Any], batch_size: int,
                   driver_values: bool = False) -> int:
    compiled = insert(table).compile(dialect=conn.dialect, column_keys=list(columns))
    order = list(compiled.positiontup or ())
    if sorted(order) != sorted(columns):  # pragma: no cover - a column the insert does not take
        raise ValueError(f"columns {columns} do not match the insert's parameters {order}")
    processors = [
        None if driver_values else
        _fast_processor(table.c[name].type, conn.dialect, table.c[name].type._cached_bind_processor(conn.dialect))
        for name in order
    ]
    convert = _batch_converter(processors, None if order == list(columns) else [list(columns).index(c) for c in order])
    sql = compiled.string
    written = 0
    for batch in _batches(_as_tuples(rows, columns), batch_size):
        if convert is not None:
            batch = convert(batch)
        conn.exec_driver_sql(sql, batch)
        written += len(batch)
    return written


def _insert_postgresql(conn: Connection, table: Table, columns: Sequence[str], rows: Iterable[Any], batch_size: int) -> int:
    converters: list[Any] = []
    for name in columns:
        column_type = table.c[name].type
        if isinstance(column_type, JSON):
            converters.append(lambda v: json.dumps(v, ensure_ascii=False))
        elif isinstance(column_type, UTCDateTime):  # refuses naive datetimes, as Core would
            converters.append(lambda v, t=column_type, d=conn.dialect: t.process_bind_param(v, d))
        else:
            converters.append(None)
    convert = _row_converter(converters)
    quote = conn.dialect.identifier_preparer.quote
    sql = f"COPY {quote(table.name)} ({', '.join(quote(c) for c in columns)}) FROM STDIN"
    dbapi_connection = conn.connection.driver_connection
    written = 0
    with dbapi_connection.cursor() as cursor:
        with cursor.copy(sql) as copy:
            for row in _as_tuples(rows, columns):
                copy.write_row(convert(row) if convert is not None else row)
                written += 1
    return written


def _insert_core(conn: Connection, table: Table, columns: Sequence[str], rows: Iterable[Any], batch_size: int) -> int:
    written = 0
    for batch in _batches(_as_tuples(rows, columns), batch_size):
        conn.execute(insert(table), [dict(zip(columns, r)) for r in batch])
        written += len(batch)
    return written


def _with_defaults(table: Table, columns: tuple[str, ...], rows: Iterable[Any]) -> tuple[tuple[str, ...], Iterable[Any]]:
    """Append the constant Python-side defaults (``Field(default="")``) of the columns not given,
    as Core would; a column whose default is computed (``default_factory``) must be given."""
    extra: dict[str, Any] = {}
    computed = []
    for column in table.columns:
        if column.name in columns or column.default is None:
            continue
        if column.default.is_scalar:
            extra[column.name] = column.default.arg
        else:
            computed.append(column.name)
    if computed:
        raise ValueError(f"{table.name}: give a value for {', '.join(computed)} (computed default)")
    if not extra:
        return columns, rows
    values = tuple(extra.values())
    return columns + tuple(extra), (tuple(row) + values for row in _as_tuples(rows, columns))


def insert_rows(
    conn: Connection,
    table: Table | type,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any] | Mapping[str, Any]],
    *,
    batch_size: int = BATCH_SIZE,
    driver_values: bool = False,
) -> int:
    """Insert ``rows`` (tuples in ``columns`` order, or mappings) into ``table``; return the count.

    Columns left out get their constant model default (``Field(default=…)``); leaving out one
    with a computed default (``default_factory``, e.g. ``created_at``) is a ValueError.
    ``driver_values`` (SQLite): the rows already hold what the driver stores — dates and UTC
    datetimes as SQLAlchemy's text, JSON as its text — and go to it without conversion (a
    generator that makes that text itself skips a pass over every value); ignored elsewhere.
    """
    table = _table(table)
    columns, rows = _with_defaults(table, tuple(columns), rows)
    dialect = conn.dialect.name
    if dialect == "sqlite":
        return _insert_sqlite(conn, table, columns, rows, batch_size, driver_values)
    if dialect == "postgresql":
        return _insert_postgresql(conn, table, columns, rows, batch_size)
    return _insert_core(conn, table, columns, rows, batch_size)  # pragma: no cover


def insert_payment_lines(
    conn: Connection,
    rows: Iterable[Sequence[Any] | Mapping[str, Any]],
    *,
    columns: Sequence[str] = PAYMENT_LINE_COLUMNS,
    batch_size: int = BATCH_SIZE,
    driver_values: bool = False,
) -> int:
    """Write payment lines in bulk (tuples in :data:`PAYMENT_LINE_COLUMNS` order by default).

    The unique constraint *paid once* (applicant, programme, Jalali year and month) and the
    share and amount checks apply: a duplicate month fails the whole transaction.
    """
    return insert_rows(conn, PaymentLine.__table__, columns, rows, batch_size=batch_size, driver_values=driver_values)


@contextmanager
def sqlite_page_cache(conn: Connection, mib: int = BULK_CACHE_MIB) -> Iterator[None]:
    """SQLite: a page cache of up to ``mib`` MiB on this connection for the block, the previous
    size restored after; elsewhere nothing. A load larger than the default cache (2 MiB) spills
    dirty pages into the WAL mid-transaction and reads them back at every index insert; with
    room for the load's pages they are written once, at commit. The memory is taken only as
    pages are used and given back when the size is restored."""
    if conn.dialect.name != "sqlite":
        yield
        return
    previous = int(conn.exec_driver_sql("PRAGMA cache_size").scalar_one())
    conn.exec_driver_sql(f"PRAGMA cache_size = {-int(mib) * 1024}")
    try:
        yield
    finally:
        conn.exec_driver_sql(f"PRAGMA cache_size = {previous}")


def sqlite_hold_write_lock(conn: Connection) -> None:
    """SQLite: make sure ``conn``'s transaction is open and holds the write lock before DDL. The
    driver (pysqlite) opens its transaction lazily, at the first INSERT/UPDATE/DELETE; a DROP or
    CREATE before that would run on its own and commit at once, outside the caller's
    transaction. ``BEGIN IMMEDIATE`` opens it now (the driver commits or rolls it back with the
    caller) and takes the lock, so no other writer comes between."""
    if not conn.connection.driver_connection.in_transaction:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


@contextmanager
def sqlite_indexes_deferred(conn: Connection, tables: Iterable[Table | type | str]) -> Iterator[list[str]]:
    """SQLite: the indexes of those ``tables`` that are empty at the start are dropped for the
    block and created again at its end with their exact stored SQL, in the same transaction —
    each built once, sorted, over the loaded rows instead of entry by entry (a load into a fresh
    database). Yields the names of the tables whose indexes are deferred. A unique index (one
    open case per programme, paid once a month) is checked when it is built again: a duplicate
    then fails the whole transaction, as it would have failed the insert. Keys declared in the
    table (primary keys, UNIQUE columns) stay on throughout. Tables that already hold rows keep
    their indexes (rebuilding them would cost their whole size). Elsewhere nothing."""
    if conn.dialect.name != "sqlite":
        yield []
        return
    names = [t if isinstance(t, str) else _table(t).name for t in tables]
    empty = [n for n in names if conn.exec_driver_sql(f'SELECT 1 FROM "{n}" LIMIT 1').first() is None]
    indexes: list[tuple[str, str]] = []
    if empty:
        marks = ", ".join("?" for _ in empty)
        indexes = [tuple(r) for r in conn.exec_driver_sql(
            f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN ({marks}) "
            "ORDER BY rowid", tuple(empty))]
    if indexes:
        sqlite_hold_write_lock(conn)
    for name, _ in indexes:
        conn.exec_driver_sql(f'DROP INDEX "{name}"')
    try:
        yield empty
    finally:  # also after a failure: a caller that swallows it keeps its indexes
        for _, sql in indexes:
            conn.exec_driver_sql(sql)


_CHECK = re.compile(r'(?:CONSTRAINT\s+("?)(\w+)\1\s+)?CHECK\s*\(', re.IGNORECASE)


def sqlite_checks(create_sql: str) -> list[tuple[str | None, str]]:
    """The CHECK constraints of an SQLite ``CREATE TABLE`` statement as stored: (name or None,
    expression), the expression's parentheses matched outside quoted text."""
    checks = []
    for match in _CHECK.finditer(create_sql):
        start = i = match.end()
        depth, quote = 1, None
        while depth:
            ch = create_sql[i]
            if quote is not None:
                if ch == quote:
                    quote = None
            elif ch in "'\"":
                quote = ch
            elif ch == "(":
                depth += 1
            elif ch == ")":
                depth -= 1
            i += 1
        checks.append((match.group(2), create_sql[start:i - 1]))
    return checks


@contextmanager
def sqlite_checks_deferred(conn: Connection, *tables: Table | type | str) -> Iterator[None]:
    """SQLite: the CHECK constraints of ``tables`` tested once, set-based, over the rows the block
    adds to each (rowids from the first free one at entry) instead of as each row goes in —
    payment lines go in about twice as fast. A row that breaks one fails the block with the
    ``IntegrityError`` the row itself would have raised («CHECK constraint failed: name»), so the
    caller's transaction rolls back and nothing is written. The constraints are read from each
    table's stored SQL (those in force, not the model's). SQLite's switch is the connection's: the
    block should write only ``tables`` (others would go unchecked). Elsewhere nothing."""
    if conn.dialect.name != "sqlite":
        yield
        return
    deferred = []
    for table in tables:
        name = table if isinstance(table, str) else _table(table).name
        create_sql = conn.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)).scalar_one()
        first = int(conn.exec_driver_sql(f'SELECT coalesce(max(rowid), 0) + 1 FROM "{name}"').scalar_one())
        deferred.append((name, sqlite_checks(create_sql), first))
    conn.exec_driver_sql("PRAGMA ignore_check_constraints = ON")
    try:
        yield
    finally:
        conn.exec_driver_sql("PRAGMA ignore_check_constraints = OFF")
    for name, checks, first in deferred:
        for label, expression in checks:  # a check holds when its expression is true or NULL
            sql = f'SELECT rowid FROM "{name}" WHERE rowid >= ? AND NOT ({expression}) LIMIT 1'
            if conn.exec_driver_sql(sql, (first,)).first() is not None:
                message = f"CHECK constraint failed: {label or expression}"
                raise IntegrityError(sql, (first,), sqlite3.IntegrityError(message))


@contextmanager
def bulk_transaction(engine: Engine) -> Iterator[Connection]:
    """``engine.begin()`` for a bulk load: one transaction, committed at the end of the block or
    rolled back on an error. On SQLite its foreign keys are checked once, over every table, just
    before the commit (``PRAGMA foreign_key_check``) instead of as each row goes in — a load then
    inserts a third to half faster (payment lines, events, SMS). A row whose parent is missing
    still fails the load with SQLite's own «FOREIGN KEY constraint failed», and the rollback
    leaves nothing written. SQLite ignores the switch inside a transaction, so it is made on the
    connection before the transaction opens and put back after it has ended: the connection goes
    back to the pool as it came. The connection's page cache is the bulk one
    (:func:`sqlite_page_cache`) until then too: the check and the commit read and write the
    load's pages from memory (with the cache shrunk before them, the check spilled the dirty
    pages to the WAL and read them back: 3.6 s instead of 0.9 for 100,000 demo applicants).
    Elsewhere exactly ``engine.begin()``."""
    with engine.connect() as conn:
        if conn.dialect.name != "sqlite":
            with conn.begin():
                yield conn
            return
        driver = conn.connection.driver_connection
        previous = driver.execute("PRAGMA foreign_keys").fetchone()[0]
        cache = int(driver.execute("PRAGMA cache_size").fetchone()[0])
        driver.execute("PRAGMA foreign_keys = OFF")
        driver.execute(f"PRAGMA cache_size = {-BULK_CACHE_MIB * 1024}")
        try:
            with conn.begin():
                yield conn
                if previous:
                    sqlite_foreign_key_check(conn)
        finally:
            driver.execute(f"PRAGMA foreign_keys = {'ON' if previous else 'OFF'}")
            driver.execute(f"PRAGMA cache_size = {cache}")


def sqlite_foreign_key_check(conn: Connection) -> None:
    """SQLite: ``IntegrityError`` («FOREIGN KEY constraint failed», as SQLite raises it for a row)
    if any row of any table references a row that is not there."""
    sql = "PRAGMA foreign_key_check"
    broken = conn.exec_driver_sql(sql).first()
    if broken is not None:
        table, rowid, parent, _ = broken
        raise IntegrityError(sql, (), sqlite3.IntegrityError(
            f"FOREIGN KEY constraint failed ({table} row {rowid}: no such row in {parent})"))


def next_id(conn: Connection, table: Table | type, column: str = "id") -> int:
    """The first free id (max + 1) of ``table``, to number new rows in Python."""
    table = _table(table)
    return int(conn.execute(select(func.coalesce(func.max(table.c[column]), 0))).scalar_one()) + 1


def reset_sequences(conn: Connection, tables: Iterable[Table | type], column: str = "id") -> None:
    """After writing explicit ids on PostgreSQL, move each serial sequence past the largest id
    so that later inserts through the ORM get fresh ids. Nothing to do on SQLite."""
    if conn.dialect.name != "postgresql":
        return
    quote = conn.dialect.identifier_preparer.quote
    for table in tables:
        name = _table(table).name
        conn.exec_driver_sql(
            f"SELECT setval(pg_get_serial_sequence('{quote(name)}', '{column}'), "
            f"COALESCE((SELECT MAX({column}) FROM {quote(name)}), 0) + 1, false)"
        )
