"""db.bulk.sqlite_checks_deferred: CHECK constraints tested once after a bulk insert refuse what
they would have refused row by row (nothing written), and are back on after the block."""
from __future__ import annotations

import pytest
from sqlalchemy import create_engine
from sqlalchemy.exc import IntegrityError

from db.bulk import sqlite_checks, sqlite_checks_deferred

TABLE = """CREATE TABLE t (
    id INTEGER NOT NULL PRIMARY KEY,
    a INTEGER,
    kind VARCHAR(10) CHECK (kind IN ('x(', 'y')),
    CONSTRAINT positive CHECK (a > 0),
    CONSTRAINT "below_100" CHECK ((a) < 100)
)"""


@pytest.fixture
def conn(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'checks.db'}")
    with engine.begin() as c:
        c.exec_driver_sql(TABLE)
        c.exec_driver_sql("INSERT INTO t VALUES (1, 5, 'y')")
    with engine.connect() as c:
        yield c
    engine.dispose()


def _count(conn) -> int:
    return conn.exec_driver_sql("SELECT count(*) FROM t").scalar_one()


def test_the_stored_checks_are_read_with_their_names():
    assert sqlite_checks(TABLE) == [
        (None, "kind IN ('x(', 'y')"), ("positive", "a > 0"), ("below_100", "(a) < 100")]


def test_good_rows_go_in_and_null_passes_a_check(conn):
    with conn.begin():
        with sqlite_checks_deferred(conn, "t"):
            conn.exec_driver_sql("INSERT INTO t VALUES (?, ?, ?)", [(2, 99, "x("), (3, None, None)])
    assert _count(conn) == 3


@pytest.mark.parametrize(("row", "named"), [
    ((2, 0, "y"), "positive"), ((2, 100, "y"), "below_100"), ((2, 1, "z"), "kind IN"),
])
def test_a_row_breaking_a_check_fails_the_load_and_nothing_is_written(conn, row, named):
    with pytest.raises(IntegrityError, match=f"CHECK constraint failed: {named}"):
        with conn.begin():
            with sqlite_checks_deferred(conn, "t"):
                conn.exec_driver_sql("INSERT INTO t VALUES (?, ?, ?)", [(10, 5, "y"), row])
    assert _count(conn) == 1


def test_only_the_new_rows_are_tested_and_checks_are_on_again_after(conn):
    with conn.begin():
        conn.exec_driver_sql("PRAGMA ignore_check_constraints = ON")
        conn.exec_driver_sql("INSERT INTO t VALUES (2, -1, 'y')")  # an old row that breaks one
        conn.exec_driver_sql("PRAGMA ignore_check_constraints = OFF")
    with conn.begin():
        with sqlite_checks_deferred(conn, "t"):
            conn.exec_driver_sql("INSERT INTO t VALUES (3, 7, 'y')")
    with pytest.raises(IntegrityError, match="CHECK constraint failed"):
        with conn.begin():
            conn.exec_driver_sql("INSERT INTO t VALUES (4, -5, 'y')")  # row by row again
    assert _count(conn) == 3


@pytest.mark.parametrize(("bad_in", "named"), [("t", "positive"), ("u", "u_short")])
def test_several_tables_each_tested_over_its_new_rows(conn, bad_in, named):
    with conn.begin():
        conn.exec_driver_sql("CREATE TABLE u (id INTEGER PRIMARY KEY, name TEXT, CONSTRAINT u_short CHECK (length(name) < 4))")
        conn.exec_driver_sql("INSERT INTO u VALUES (1, 'abc')")
    good = {"t": (2, 5, "y"), "u": (2, "ab")}
    bad = {"t": (3, -1, "y"), "u": (3, "abcd")}
    with pytest.raises(IntegrityError, match=f"CHECK constraint failed: {named}"):
        with conn.begin():
            with sqlite_checks_deferred(conn, "t", "u"):
                for table in ("t", "u"):
                    row = bad[table] if table == bad_in else good[table]
                    marks = ", ".join("?" for _ in row)
                    conn.exec_driver_sql(f"INSERT INTO {table} VALUES ({marks})", [good[table], row] if row != good[table] else [row])
    assert _count(conn) == 1
    assert conn.exec_driver_sql("SELECT count(*) FROM u").scalar_one() == 1
