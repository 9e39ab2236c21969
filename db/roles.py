"""PostgreSQL roles: the owner runs migrations, the app's role owns nothing and may not erase the log.

The app connects as a role that owns no table. It may read and write the ordinary tables, but on
the append-only tables (the audit log and committee decisions) only SELECT and INSERT: with no
ownership it cannot TRUNCATE them, ALTER them (``DISABLE TRIGGER``), or DROP their triggers, and
UPDATE/DELETE are refused twice (no privilege, and the triggers). Run as the owner (or as a
role allowed to grant on the owner's tables).
"""
from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Connection

from db.models.audit import APPEND_ONLY_TABLES
from lib.errors import InvalidInput


def _quote(conn: Connection, name: str) -> str:
    return conn.dialect.identifier_preparer.quote(name)


def grant_app_role(conn: Connection, role: str) -> list[str]:
    """Give ``role`` exactly what the app needs on the current schema; return the statements run."""
    if conn.dialect.name != "postgresql":
        raise InvalidInput("نقش‌های جداگانه فقط در PostgreSQL معنا دارند؛ SQLite یک فایل است و نقش ندارد.")
    found = conn.execute(
        text("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = :r"), {"r": role}
    ).first()
    if found is None:
        raise InvalidInput(
            f"نقش «{role}» در PostgreSQL نیست؛ نخست آن را بسازید: CREATE ROLE {role} LOGIN PASSWORD '…';",
            field="role",
        )
    if found[0]:
        raise InvalidInput(f"نقش «{role}» ابرکاربر است و هر محدودیتی را دور می‌زند؛ نقشی عادی برای برنامه بسازید.", field="role")
    current = conn.execute(text("SELECT current_user")).scalar_one()
    if role == current:
        raise InvalidInput(
            f"نقش «{role}» همان نقش مالک جدول‌هاست؛ برنامه باید با نقش دیگری وصل شود.", field="role"
        )
    owned = conn.execute(
        text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tableowner = :r ORDER BY 1"),
        {"r": role},
    ).scalars().all()
    if owned:
        raise InvalidInput(
            f"نقش «{role}» مالک این جدول‌هاست: {', '.join(owned)}؛ مالکیت را به نقش مالک بدهید "
            f"(REASSIGN OWNED BY {role} TO {current};) و دوباره اجرا کنید.",
            field="role",
        )
    who = _quote(conn, role)
    schema = _quote(conn, conn.execute(text("SELECT current_schema()")).scalar_one())
    tables = ", ".join(_quote(conn, t) for t in APPEND_ONLY_TABLES)
    statements = [
        f"GRANT USAGE ON SCHEMA {schema} TO {who}",
        f"REVOKE ALL ON ALL TABLES IN SCHEMA {schema} FROM {who}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {who}",
        f"REVOKE UPDATE, DELETE ON {tables} FROM {who}",
        f"REVOKE INSERT, UPDATE, DELETE ON alembic_version FROM {who}",
        f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {schema} FROM {who}",
        f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA {schema} TO {who}",
        # the audit log's ids are drawn under the chain's lock; the app may not move the sequence back
        f"REVOKE UPDATE ON SEQUENCE {_quote(conn, 'auditlog_id_seq')} FROM {who}",
    ]
    for statement in statements:
        conn.exec_driver_sql(statement)
    return statements
