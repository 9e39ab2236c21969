"""Shared fixtures: a migrated database with reference data, on SQLite and on PostgreSQL.

The ``engine`` fixture is parametrised: every database test runs on SQLite and, when
``BIMEYAR_TEST_PG_URL`` points at a PostgreSQL server, on PostgreSQL too. Outside CI a
missing server skips the PostgreSQL half, saying why; with ``CI=true`` it is a failure.

Speed: the schema is migrated and seeded once per run into a template (a SQLite file,
a PostgreSQL template database); each test gets a fresh copy of it.
"""
from __future__ import annotations

import os
import shutil
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from db import migrate
from db.engine import make_engine, new_session
from db.seed import load_reference_data

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
PG_URL = os.environ.get("BIMEYAR_TEST_PG_URL", "").strip()
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


def _pg_unavailable_reason() -> str | None:
    if not PG_URL:
        return "BIMEYAR_TEST_PG_URL is not set (no PostgreSQL server for the database tests)"
    try:
        engine = make_engine(PG_URL)
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:  # pragma: no cover - depends on the machine
        return f"PostgreSQL at BIMEYAR_TEST_PG_URL is not reachable: {exc.__class__.__name__}: {exc}"
    return None


@pytest.fixture(scope="session")
def pg_admin_url() -> str:
    reason = _pg_unavailable_reason()
    if reason:
        if IN_CI:
            pytest.fail(f"CI=true requires PostgreSQL: {reason}")
        pytest.skip(reason)
    return PG_URL


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    with new_session(engine) as session:
        load_reference_data(session)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


def _pg_exec(admin_url: str, sql: str) -> None:
    engine = make_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql(sql)
    engine.dispose()


def _pg_drop(admin_url: str, name: str) -> None:
    """Drop a throw-away database; a background worker still attached is waited for."""
    for attempt in range(20):
        try:
            _pg_exec(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            return
        except Exception:
            if attempt == 19:
                raise
            time.sleep(0.25)


def _pg_database_url(admin_url: str, name: str) -> str:
    return make_url(make_engine(admin_url).url).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def pg_template(pg_admin_url) -> str:
    name = f"bimeyar_tmpl_{uuid.uuid4().hex[:8]}"
    _pg_exec(pg_admin_url, f'CREATE DATABASE "{name}"')
    url = _pg_database_url(pg_admin_url, name)
    engine = make_engine(url)
    migrate.upgrade(engine)
    with new_session(engine) as session:
        load_reference_data(session)
    engine.dispose()
    yield name
    _pg_drop(pg_admin_url, name)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine(request, tmp_path, sqlite_template):
    """A fresh, migrated, seeded database for one test."""
    if request.param == "sqlite":
        path = tmp_path / "test.db"
        shutil.copy(sqlite_template, path)
        eng = make_engine(f"sqlite:///{path}")
        yield eng
        eng.dispose()
        return
    admin = request.getfixturevalue("pg_admin_url")
    template = request.getfixturevalue("pg_template")
    name = f"bimeyar_t_{uuid.uuid4().hex[:10]}"
    _pg_exec(admin, f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    eng = make_engine(_pg_database_url(admin, name))
    yield eng
    eng.dispose()
    _pg_drop(admin, name)


@pytest.fixture
def sqlite_engine(tmp_path, sqlite_template):
    """SQLite only (for tests that are about the embedded database itself, or pages)."""
    path = tmp_path / "test.db"
    shutil.copy(sqlite_template, path)
    eng = make_engine(f"sqlite:///{path}")
    yield eng
    eng.dispose()


@pytest.fixture
def session(engine):
    with new_session(engine) as s:
        yield s


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
