"""db.bulk on SQLite sends the rows to the driver itself (skipping Core's per-row dictionaries):
the file must hold exactly what SQLAlchemy Core's own insert writes — NULLs stay NULL (and NOT
NULL still refuses them), booleans are the integers 1 and 0, text and integers untouched, both
with the columns' bind processors and with rows that already hold the driver's values."""
from __future__ import annotations

import pytest
from hypothesis import example, given, settings, strategies as st
from sqlalchemy import Boolean, Column, Integer, MetaData, String, Table, create_engine, insert
from sqlalchemy.exc import IntegrityError

from db.bulk import insert_rows

META = MetaData()
T = Table(
    "t", META,
    Column("id", Integer, primary_key=True),
    Column("n", Integer, nullable=True),
    Column("flag", Boolean, nullable=True),
    Column("text", String(20), nullable=True),
    Column("must", Integer, nullable=False),
)
COLUMNS = ("id", "n", "flag", "text", "must")

values = st.tuples(
    st.one_of(st.none(), st.integers(-(2**63), 2**63 - 1)),
    st.one_of(st.none(), st.booleans()),
    st.one_of(st.none(), st.text(max_size=20)),
    st.integers(-(2**63), 2**63 - 1),
)


def _stored(conn) -> list[tuple]:
    return conn.exec_driver_sql(
        "SELECT id, typeof(n), n, typeof(flag), flag, typeof(text), text, typeof(must), must FROM t ORDER BY id").all()


@settings(max_examples=40, deadline=None)
@given(st.lists(values, min_size=1, max_size=30))
@example([(None, None, None, 0)])  # every nullable column NULL
@example([(0, False, "", -(2**63))])  # no NULL: zero, False, empty text, the smallest integer
@example([(1, True, "بیمه‌یار", 2**63 - 1), (None, True, None, 1)])  # a column mixing NULL and a bool
def test_bulk_insert_stores_exactly_what_core_stores(rows):
    engine = create_engine("sqlite://")
    with engine.begin() as conn:
        META.create_all(conn)
        numbered = [(i + 1, *r) for i, r in enumerate(rows)]
        conn.execute(insert(T), [dict(zip(COLUMNS, r)) for r in numbered])
        expected = _stored(conn)
        conn.exec_driver_sql("DELETE FROM t")
        assert insert_rows(conn, T, COLUMNS, numbered) == len(rows)
        assert _stored(conn) == expected
        # the demo's path: rows already holding the driver's values
        conn.exec_driver_sql("DELETE FROM t")
        insert_rows(conn, T, COLUMNS, numbered, driver_values=True)
        assert _stored(conn) == expected
    engine.dispose()


def test_a_null_in_a_not_null_column_still_fails():
    engine = create_engine("sqlite://")
    with engine.begin() as conn:
        META.create_all(conn)
    with pytest.raises(IntegrityError, match="NOT NULL"):
        with engine.begin() as conn:
            insert_rows(conn, T, COLUMNS, [(2, 1, True, "x", None)], driver_values=True)
    engine.dispose()
