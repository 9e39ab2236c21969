"""One engine per process; SQLite (WAL, foreign keys on) by default, PostgreSQL by URL."""
from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, create_engine

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE_PATH = ROOT / "data" / "bimeyar.db"
URL_ENV = "BIMEYAR_DATABASE_URL"
MIGRATE_URL_ENV = "BIMEYAR_MIGRATE_DATABASE_URL"
"""PostgreSQL: the role that owns the tables and runs migrations; the app's own role (in
``BIMEYAR_DATABASE_URL``) owns nothing and may only INSERT/SELECT the audit log (db/roles.py)."""


def database_url() -> str:
    """``BIMEYAR_DATABASE_URL`` or the embedded SQLite file ``data/bimeyar.db``."""
    url = os.environ.get(URL_ENV, "").strip()
    return normalize_url(url) if url else f"sqlite:///{DEFAULT_SQLITE_PATH}"


def migrate_database_url() -> str | None:
    """``BIMEYAR_MIGRATE_DATABASE_URL`` (the owner role's URL), if set."""
    url = os.environ.get(MIGRATE_URL_ENV, "").strip()
    return normalize_url(url) if url else None


def normalize_url(url: str) -> str:
    """Use the psycopg 3 driver for plain ``postgresql://`` URLs."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # pragma: no cover - driver hook
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    # reads of a large area (issue 11): the file mapped instead of read page by page through system
    # calls, and 32 MB of pages kept per connection instead of SQLite's default 2 MB
    cursor.execute("PRAGMA mmap_size=1073741824")
    cursor.execute("PRAGMA cache_size=-32768")
    cursor.close()


def make_engine(url: str | None = None, **kwargs) -> Engine:
    url = normalize_url(url) if url else database_url()
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def new_session(engine: Engine) -> Session:
    return Session(engine, expire_on_commit=False)


import db.audit_chain  # noqa: E402,F401  (registers the audit chain's session hooks)
