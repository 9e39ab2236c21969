"""The demo's rows into SQLite: each table's tuples in one ``executemany`` on the driver's cursor.

:func:`db.bulk.insert_rows` serves every loader: it appends the model's constant defaults to each
row, cuts the rows into batches and hands each to SQLAlchemy. The demo's rows already hold what
the driver stores (``driver_values``: dates and times as SQLAlchemy's text, JSON as text), so on
SQLite they go to the driver's ``executemany`` as they are, all of a table's rows in one call, and
the constant defaults (``Field(default=…)`` of the columns the demo does not give) are written into
the statement as literals — the same values, no work per row. Anything else (PostgreSQL's
``COPY``, a default that is not a plain number or text) goes through :func:`db.bulk.insert_rows`.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from db.bulk import insert_rows


def _literal(value: Any) -> str | None:
    """``value`` as an SQLite literal that stores exactly what the driver would bind; None
    when it is not a plain None, bool, int or str (the caller then takes the general way)."""
    kind = type(value)
    if value is None:
        return "NULL"
    if kind is bool:
        return "1" if value else "0"
    if kind is int:
        return str(value)
    if kind is str:
        return "'" + value.replace("'", "''") + "'"
    return None


def _defaults(table: Table, columns: Sequence[str]) -> list[tuple[str, str]] | None:
    """(column, literal) of the constant Python-side defaults of the columns not given, as
    :func:`db.bulk.insert_rows` appends them; None when one cannot be written as a literal (or
    is computed: the general way then raises its own error)."""
    extra = []
    for column in table.columns:
        if column.name in columns or column.default is None:
            continue
        if not column.default.is_scalar:
            return None
        literal = _literal(column.default.arg)
        if literal is None:
            return None
        extra.append((column.name, literal))
    return extra


def insert_tuples(conn: Connection, table: Table | type, columns: Sequence[str], rows: list[tuple],
                  driver_values: bool = True) -> int:
    """Insert ``rows`` (tuples in ``columns`` order, holding the driver's values on SQLite) into
    ``table``; return the count. Elsewhere, or with a default that is no literal: :func:`insert_rows`."""
    table = table if isinstance(table, Table) else table.__table__  # type: ignore[attr-defined]
    if not rows:
        return 0
    extra = _defaults(table, columns) if conn.dialect.name == "sqlite" and driver_values else None
    if extra is None:
        return insert_rows(conn, table, columns, rows, driver_values=driver_values)
    quote = conn.dialect.identifier_preparer.quote
    names = ", ".join(quote(c) for c in (*columns, *(c for c, _ in extra)))
    values = ", ".join(["?"] * len(columns) + [literal for _, literal in extra])
    sql = f"INSERT INTO {quote(table.name)} ({names}) VALUES ({values})"
    dbapi = conn.dialect.loaded_dbapi
    cursor = conn.connection.driver_connection.cursor()
    try:
        cursor.executemany(sql, rows)
    except dbapi.Error as error:  # as SQLAlchemy raises it (IntegrityError for a constraint)
        raise DBAPIError.instance(sql, None, error, dbapi.Error) from error
    finally:
        cursor.close()
    return len(rows)
