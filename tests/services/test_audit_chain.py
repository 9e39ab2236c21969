"""The audit log's hash chain (issue 9): every record is chained to the one before when it is
written, ``bimeyar verify-audit`` names the first record an attacker changed or removed, and two
writers at once never fork the chain (threads on PostgreSQL)."""
from __future__ import annotations

import threading
from datetime import datetime, timezone

import pytest
from sqlalchemy import insert, text

import cli
from db import migrate
from db.audit_chain import append_rows, iter_chain
from db.engine import make_engine, new_session
from db.models import AuditLog
from lib.audit_chain import GENESIS, first_break, link_hash
from services import applications as apps
from services.base import SYSTEM, audit


def _verify(engine, capsys) -> tuple[int, str]:
    code = cli.main(["--database-url", engine.url.render_as_string(hide_password=False), "verify-audit", "--batch", "3"])
    return code, capsys.readouterr().out


def _walk(engine):
    with engine.connect() as conn:
        return first_break(iter_chain(conn, 2))


@pytest.fixture
def trail(session, county_expert, intake):
    case = apps.submit_application(session, county_expert, intake("A"))
    apps.change_state(session, county_expert, case.id, "documents_incomplete")
    apps.submit_application(session, county_expert, intake("A"))
    return case


def test_every_write_is_chained_and_verify_audit_says_ok(engine, session, trail, capsys):
    rows = list(iter_chain(session.connection()))
    assert len(rows) == 5
    previous = GENESIS
    for row in rows:  # each hash covers the one before and the record's content
        assert row["hash"] == link_hash(previous, row)
        previous = row["hash"]
    assert [r["id"] for r in rows] == sorted(r["id"] for r in rows)
    session.commit()
    code, out = _verify(engine, capsys)
    assert code == 0 and out.startswith("OK, 5 rows") and previous in out


def test_bulk_inserts_and_bare_connections_are_chained_too(engine, session, trail, capsys):
    at = datetime(2025, 5, 1, 8, 30, 0, 123456, tzinfo=timezone.utc)
    session.execute(insert(AuditLog), [
        {"at": at, "username": "system", "action": "application.import", "entity": "application", "entity_id": str(trail.id),
         "after": {"application": {"id": trail.id, "province_id": trail.province_id}}},
        {"at": at, "username": "system", "action": "import.applications", "entity": "import", "after": {"rows": 2}},
    ])
    session.commit()
    with engine.begin() as conn:
        append_rows(conn, [{"at": at, "username": "system", "action": "demo.generate", "entity": "demo", "after": {"x": 1}}])
    rows = list(iter_chain(session.connection()))
    assert rows[5]["application_id"] == trail.id and rows[5]["province_id"] == trail.province_id
    assert rows[-1]["action"] == "demo.generate"
    code, out = _verify(engine, capsys)
    assert (code, out.split(" (")[0]) == (0, "OK, 8 rows")


def _tamper(engine, sql: str, params: dict) -> None:
    """What the attacker did: lift the append-only guard (SQLite: drop the trigger; PostgreSQL: as
    the tables' owner, disable it), then change the log."""
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql("DROP TRIGGER auditlog_no_update")
            conn.exec_driver_sql("DROP TRIGGER auditlog_no_delete")
        else:
            conn.exec_driver_sql("ALTER TABLE auditlog DISABLE TRIGGER USER")
        conn.execute(text(sql), params)


def test_verify_audit_names_the_changed_record(engine, session, trail, capsys):
    """Today DROP TRIGGER then UPDATE changed a record and nothing noticed."""
    ids = [r["id"] for r in iter_chain(session.connection())]
    session.commit()
    _tamper(engine, "UPDATE auditlog SET after = :after WHERE id = :id", {"id": ids[2], "after": '{"state": "approved"}'})
    code, out = _verify(engine, capsys)
    assert code == 1
    assert out.startswith(f"BROKEN at audit record {ids[2]} (") and "content" in out
    assert _walk(engine).broken.id == ids[2]


def test_verify_audit_names_the_record_after_a_removed_one(engine, session, trail, capsys):
    ids = [r["id"] for r in iter_chain(session.connection())]
    session.commit()
    _tamper(engine, "DELETE FROM auditlog WHERE id = :id", {"id": ids[1]})
    code, out = _verify(engine, capsys)
    assert code == 1 and out.startswith(f"BROKEN at audit record {ids[2]} (") and "missing" in out


def test_a_record_added_behind_the_chains_back_is_named(engine, session, trail, capsys):
    session.commit()
    with engine.begin() as conn:  # a plain INSERT that bypasses the application (no hash)
        conn.execute(text("INSERT INTO auditlog (id, at, username, action, entity) VALUES (9999, :at, 'x', 'user.login', 'user')"),
                     {"at": datetime.now(timezone.utc).isoformat() if engine.dialect.name == "sqlite" else datetime.now(timezone.utc)})
    code, out = _verify(engine, capsys)
    assert code == 1 and out.startswith("BROKEN at audit record 9999") and "no hash" in out


def test_the_migration_chains_the_records_already_written(tmp_path, capsys):
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    migrate.upgrade(engine, "0009")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO province (id, code, name) VALUES (8, '23', 'تهران')"))
        for k in range(7):
            conn.execute(text(
                "INSERT INTO auditlog (at, username, action, entity, entity_id, after) "
                "VALUES (:at, 'system', 'application.state', 'application', :eid, :after)"
            ), {"at": f"2025-01-0{k + 1} 10:00:00.000000", "eid": str(k),
                "after": f'{{"state": "received", "province_id": {8 if k else 99}}}'})
    migrate.upgrade(engine)
    walk = _walk(engine)
    assert walk.broken is None and walk.rows == 7
    with engine.connect() as conn:
        assert [r["province_id"] for r in iter_chain(conn)] == [None] + [8] * 6  # 99 is no province
    code, out = _verify(engine, capsys)
    assert code == 0 and "OK, 7 rows" in out
    with engine.begin() as conn:  # the guard is back after the migration
        with pytest.raises(Exception, match="append-only"):
            conn.execute(text("UPDATE auditlog SET action = 'x'"))
    engine.dispose()


@pytest.mark.postgres
def test_concurrent_writers_never_fork_the_chain(engine, capsys):
    if engine.dialect.name != "postgresql":
        pytest.skip("threads race for real on PostgreSQL")
    writers, each = 8, 15
    barrier = threading.Barrier(writers)
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            barrier.wait()
            for k in range(each):
                with new_session(engine) as s:
                    audit(s, SYSTEM, "budget.set", "budget", f"{n}-{k}", after={"n": n, "k": k})
                    if k % 3 == 0:  # two records in one transaction
                        audit(s, SYSTEM, "quota.set", "quota", f"{n}-{k}", after={"n": n})
                    s.commit()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    walk = _walk(engine)
    assert walk.broken is None and walk.rows == writers * (each + 5)
    code, _ = _verify(engine, capsys)
    assert code == 0


def test_a_demo_database_verifies(engine, capsys):
    """The demo generator writes its record through the chain too (it used to insert it bare)."""
    from demo import create_demo_users, generate_demo

    with new_session(engine) as session:
        create_demo_users(session)
    generate_demo(engine, 30, 1404)
    with new_session(engine) as session:
        audit(session, SYSTEM, "user.login", "user", 1)
        session.commit()
    code, out = _verify(engine, capsys)
    assert code == 0, out
    with engine.connect() as conn:
        actions = [r["action"] for r in iter_chain(conn)]
    assert "demo.generate" in actions and actions[-1] == "user.login"
