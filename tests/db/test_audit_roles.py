"""PostgreSQL: the app's role cannot erase or rewrite the audit log (issue 9).

Today `TRUNCATE auditlog` and `ALTER TABLE auditlog DISABLE TRIGGER` succeeded for the app. Now
TRUNCATE is refused by a trigger even for the owner, and the app connects as a role that owns no
table: it may INSERT and SELECT the audit log and decisions, never UPDATE, DELETE, TRUNCATE, ALTER
or DROP their triggers — while the app's ordinary work still goes through.
"""
from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from db import migrate
from db.engine import make_engine, new_session
from db.models import AuditLog
from db.roles import grant_app_role
from lib.errors import InvalidInput
from services.base import SYSTEM
from services.users import create_user

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_engine(engine):
    if engine.dialect.name != "postgresql":
        pytest.skip("roles are a PostgreSQL matter")
    return engine


@pytest.fixture
def app_role(pg_engine):
    """A fresh login role, granted by the owner as `bimeyar grant-app-role` does; its engine."""
    name = f"bimeyar_app_{uuid.uuid4().hex[:8]}"
    with pg_engine.begin() as conn:
        conn.exec_driver_sql(f"CREATE ROLE {name} LOGIN PASSWORD 'app-pass'")
        grant_app_role(conn, name)
    url = make_url(pg_engine.url).set(username=name, password="app-pass")
    app = make_engine(url.render_as_string(hide_password=False))
    yield name, app
    app.dispose()
    with pg_engine.begin() as conn:
        conn.exec_driver_sql(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {name}")
        conn.exec_driver_sql(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {name}")
        conn.exec_driver_sql(f"REVOKE ALL ON SCHEMA public FROM {name}")
    with pg_engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(f"DROP ROLE {name}")


def _refused(app, sql: str) -> str:
    with app.connect() as conn:
        with pytest.raises(DBAPIError) as err:
            conn.exec_driver_sql(sql)
        conn.rollback()
    return str(err.value.orig)


def test_truncate_is_refused_even_for_the_owner(pg_engine):
    for table in ("auditlog", "decision"):
        with pg_engine.connect() as conn:
            with pytest.raises(DBAPIError, match="append-only"):
                conn.exec_driver_sql(f"TRUNCATE {table} CASCADE")


def test_the_app_role_cannot_erase_or_rewrite_the_log(pg_engine, app_role):
    name, app = app_role
    with new_session(app) as session:  # the app's work goes through: a user and its audit record
        user = create_user(session, SYSTEM, username="new.expert", full_name="کارشناس تازه", password="secret-pass-1",
                           role="admin")
    with app.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM auditlog WHERE action = 'user.create'")).scalar_one() == 1
        conn.execute(text("UPDATE \"user\" SET full_name = 'نام تازه' WHERE id = :id"), {"id": user.id})
        conn.rollback()
    for sql in (
        "TRUNCATE auditlog",
        "TRUNCATE decision",
        "ALTER TABLE auditlog DISABLE TRIGGER ALL",
        "ALTER TABLE auditlog DISABLE TRIGGER auditlog_append_only",
        "DROP TRIGGER auditlog_append_only ON auditlog",
        "DROP TRIGGER auditlog_no_truncate ON auditlog",
        "UPDATE auditlog SET action = 'tampered'",
        "DELETE FROM auditlog",
        "UPDATE decision SET reason = 'x'",
        "DELETE FROM decision",
        "DROP TABLE auditlog",
        "SELECT setval('auditlog_id_seq', 1)",
        "CREATE TABLE sneaky (id int)",
    ):
        message = _refused(app, sql)
        assert "permission denied" in message or "must be owner" in message, (sql, message)
    with pg_engine.connect() as conn:  # nothing changed
        assert conn.execute(text("SELECT count(*) FROM auditlog WHERE action = 'tampered'")).scalar_one() == 0


def test_grant_refuses_the_owner_and_a_role_that_owns_tables(pg_engine, app_role):
    name, _ = app_role
    with pg_engine.begin() as conn:
        owner = conn.execute(text("SELECT current_user")).scalar_one()
        with pytest.raises(InvalidInput, match="مالک"):
            grant_app_role(conn, owner)
        with pytest.raises(InvalidInput, match="نیست"):
            grant_app_role(conn, "no_such_role_here")


def test_migrate_runs_as_the_owner_url_and_grants_the_app_role(pg_engine, app_role, monkeypatch):
    """`bimeyar migrate` with both URLs: the schema is upgraded as the owner, then the app's role
    (the user of BIMEYAR_DATABASE_URL) is granted; the app's own URL could not migrate."""
    name, app = app_role
    with pg_engine.begin() as conn:
        conn.exec_driver_sql(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {name}")
    monkeypatch.setenv("BIMEYAR_MIGRATE_DATABASE_URL", pg_engine.url.render_as_string(hide_password=False))
    migrate.upgrade(app)  # at head already: what matters is the grant afterwards
    with new_session(app) as session:
        session.add(AuditLog(action="user.login", entity="user"))
        session.commit()  # the re-granted role writes the log again…
    assert "permission denied" in _refused(app, "DELETE FROM auditlog")  # …and still may not erase it
