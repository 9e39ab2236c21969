"""Alembic environment: the same migrations on SQLite and PostgreSQL."""
from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import db.models  # noqa: F401  (registers the tables)
from db.engine import make_engine
from db.search import UNMODELLED_INDEXES, UNMODELLED_TABLE_PREFIX

config = context.config
target_metadata = SQLModel.metadata

def _include_name(name, type_, parent_names) -> bool:
    if type_ == "table":
        return not (name or "").startswith(UNMODELLED_TABLE_PREFIX)
    return not (type_ == "index" and name in UNMODELLED_INDEXES)


def _configure(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_name=_include_name,
    )


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url") or None)
    with engine.connect() as conn:
        _configure(conn)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():  # pragma: no cover - we never render SQL scripts
    raise SystemExit("offline migrations are not supported; run against a database")
run_migrations_online()
