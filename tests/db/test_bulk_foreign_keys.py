"""db.bulk.bulk_transaction: on SQLite the foreign keys of a bulk load are checked once before
the commit — a row whose parent is missing still fails the whole load (nothing written), and
the connection goes back to the pool enforcing them row by row again."""
from __future__ import annotations

import contextlib

import pytest
from sqlalchemy.exc import IntegrityError

from db.bulk import BULK_CACHE_MIB, bulk_transaction
from db.engine import make_engine


@pytest.fixture
def engine(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'fk.db'}", pool_size=1, max_overflow=0)  # one connection, reused
    with engine.begin() as c:
        c.exec_driver_sql("CREATE TABLE parent (id INTEGER PRIMARY KEY)")
        c.exec_driver_sql("CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER NOT NULL REFERENCES parent(id))")
        c.exec_driver_sql("INSERT INTO parent VALUES (1)")
    yield engine
    engine.dispose()


def _rows(engine, table: str) -> int:
    with engine.connect() as c:
        return c.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar_one()


def _enforced(engine) -> bool:
    with engine.connect() as c:
        return c.exec_driver_sql("PRAGMA foreign_keys").scalar_one() == 1


def test_children_may_come_before_their_parents_within_the_load(engine):
    with bulk_transaction(engine) as conn:
        conn.exec_driver_sql("INSERT INTO child VALUES (?, ?)", [(1, 1), (2, 2), (3, 3)])
        conn.exec_driver_sql("INSERT INTO parent VALUES (?)", [(2,), (3,)])
    assert _rows(engine, "child") == 3 and _rows(engine, "parent") == 3
    assert _enforced(engine)


@pytest.mark.parametrize("orphan", [(9, 4), (9, 0)])
def test_a_row_without_its_parent_fails_the_load_and_nothing_is_written(engine, orphan):
    with pytest.raises(IntegrityError, match="FOREIGN KEY constraint failed"):
        with bulk_transaction(engine) as conn:
            conn.exec_driver_sql("INSERT INTO parent VALUES (?)", [(2,), (3,)])
            conn.exec_driver_sql("INSERT INTO child VALUES (?, ?)", [(1, 1), (2, 3), orphan])
    assert _rows(engine, "child") == 0 and _rows(engine, "parent") == 1
    assert _enforced(engine)


def test_an_error_in_the_block_rolls_back_and_keys_are_enforced_row_by_row_after(engine):
    with pytest.raises(RuntimeError):
        with bulk_transaction(engine) as conn:
            conn.exec_driver_sql("INSERT INTO child VALUES (1, 1)")
            raise RuntimeError("the generator failed")
    assert _rows(engine, "child") == 0
    with pytest.raises(IntegrityError, match="FOREIGN KEY constraint failed"):
        with engine.begin() as c:
            c.exec_driver_sql("INSERT INTO child VALUES (5, 7)")


def test_a_parent_deleted_within_the_load_is_caught_too(engine):
    with engine.begin() as c:
        c.exec_driver_sql("INSERT INTO child VALUES (1, 1)")
    with pytest.raises(IntegrityError, match="FOREIGN KEY constraint failed"):
        with bulk_transaction(engine) as conn:
            conn.exec_driver_sql("DELETE FROM parent WHERE id = 1")
    assert _rows(engine, "parent") == 1


@pytest.mark.parametrize("fails", [False, True])
def test_the_load_has_the_bulk_page_cache_and_the_connection_gets_its_own_back(engine, fails):
    with engine.connect() as c:
        before = c.exec_driver_sql("PRAGMA cache_size").scalar_one()
    with pytest.raises(RuntimeError) if fails else contextlib.nullcontext():
        with bulk_transaction(engine) as conn:
            assert conn.exec_driver_sql("PRAGMA cache_size").scalar_one() == -BULK_CACHE_MIB * 1024
            if fails:
                raise RuntimeError("the generator failed")
    with engine.connect() as c:
        assert c.exec_driver_sql("PRAGMA cache_size").scalar_one() == before != -BULK_CACHE_MIB * 1024
