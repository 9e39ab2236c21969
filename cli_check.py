"""`bimeyar check`: what an operator needs to know before opening the doors.

Each check prints one line — ``ok``, ``warn`` or ``FAIL``, what was checked, and the detail —
and the command exits 1 when any check fails (0 when all pass, warnings included), so it can
guard a deployment script or a systemd ``ExecStartPre``. The checks:

- the database answers, and its schema is at the newest migration;
- on PostgreSQL, the app's role owns no table and cannot empty or rewrite the audit log
  (the owner role runs the migrations: see the README's security section);
- the minimum daily wage of the current Jalali year is present and confirmed (an unconfirmed
  wage still lets runs be prepared, with an explicit confirmation: a warning);
- the Persian font is installed for the browser and the PDFs;
- the upload and backup folders exist or can be created, are writable, and are closed to
  other users;
- the SMS sender's last heartbeat, when the deployment has an SMS sender.
"""
from __future__ import annotations

import argparse
import os
import stat
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Engine

OK, WARN, FAIL = "ok", "warn", "FAIL"
FONT_FILES = ("Vazirmatn-Regular.woff2", "Vazirmatn-Bold.woff2", "Vazirmatn-Regular.ttf", "Vazirmatn-Bold.ttf")


@dataclass(frozen=True)
class Finding:
    status: str
    what: str
    detail: str


def check_database(engine: Engine) -> list[Finding]:
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from db.migrate import alembic_config

    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            current = set(MigrationContext.configure(conn).get_current_heads())
    except Exception as exc:  # noqa: BLE001 - any failure to connect is the finding
        return [Finding(FAIL, "database reachable", f"{exc.__class__.__name__}: {str(exc).splitlines()[0]}")]
    heads = set(ScriptDirectory.from_config(alembic_config()).get_heads())
    found = [Finding(OK, "database reachable", engine.url.render_as_string(hide_password=True))]
    if current == heads:
        found.append(Finding(OK, "schema migrated", f"revision {', '.join(sorted(heads))}"))
    else:
        have = ", ".join(sorted(current)) or "none"
        found.append(Finding(FAIL, "schema migrated", f"at {have}, newest is {', '.join(sorted(heads))}: run `bimeyar migrate`"))
    return found


def check_roles(engine: Engine) -> list[Finding]:
    if engine.dialect.name != "postgresql":
        return [Finding(OK, "database roles", "SQLite: one file, no roles (protect it by file permissions)")]
    with engine.connect() as conn:
        role = conn.execute(text("SELECT current_user")).scalar_one()
        owned = conn.execute(text(
            "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() AND tableowner = current_user"
        )).scalar_one()
        superuser = conn.execute(text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")).scalar_one()
        can_truncate = conn.execute(text(
            "SELECT has_table_privilege(current_user, 'auditlog', 'TRUNCATE') "
            "OR has_table_privilege(current_user, 'auditlog', 'UPDATE') "
            "OR has_table_privilege(current_user, 'auditlog', 'DELETE')"
        )).scalar_one()
    if superuser:
        return [Finding(FAIL, "database roles", f"the app connects as superuser «{role}»: give it the app role")]
    if owned:
        return [Finding(FAIL, "database roles", f"the app's role «{role}» owns {owned} tables: connect as the app role "
                        "and run migrations as the owner (BIMEYAR_MIGRATE_DATABASE_URL)")]
    if can_truncate:
        return [Finding(FAIL, "database roles", f"the app's role «{role}» may change or empty the audit log")]
    return [Finding(OK, "database roles", f"the app connects as «{role}», which owns no table and only appends to the audit log")]


def check_wage(engine: Engine) -> list[Finding]:
    from lib.jalali import jalali_year_of, local_today

    from db.engine import new_session
    from db.models import MinimumWage

    year = jalali_year_of(local_today())
    with new_session(engine) as session:
        row = session.get(MinimumWage, year)
    if row is None:
        return [Finding(FAIL, f"minimum wage {year}", "missing: enter it on the wage screen before preparing payments")]
    if not row.confirmed:
        return [Finding(WARN, f"minimum wage {year}", f"{row.daily_wage_rial:,} rials a day, NOT confirmed: every run asks for confirmation")]
    return [Finding(OK, f"minimum wage {year}", f"{row.daily_wage_rial:,} rials a day, confirmed")]


def check_font(root: Path) -> list[Finding]:
    folder = root / "static" / "fonts"
    missing = [name for name in FONT_FILES if not (folder / name).is_file()]
    if missing:
        return [Finding(FAIL, "Persian font", f"missing in {folder}: {', '.join(missing)} (make font, or the bundle)")]
    return [Finding(OK, "Persian font", f"Vazirmatn in {folder}")]


def check_folder(what: str, folder: Path) -> list[Finding]:
    probe_parent = folder
    while not probe_parent.exists() and probe_parent != probe_parent.parent:
        probe_parent = probe_parent.parent
    if not folder.exists():
        if os.access(probe_parent, os.W_OK):
            return [Finding(OK, what, f"{folder} will be created on first use (under writable {probe_parent})")]
        return [Finding(FAIL, what, f"{folder} does not exist and {probe_parent} is not writable")]
    if not os.access(folder, os.W_OK | os.X_OK):
        return [Finding(FAIL, what, f"{folder} is not writable by this user")]
    mode = stat.S_IMODE(folder.stat().st_mode)
    if mode & 0o007:
        return [Finding(FAIL, what, f"{folder} is open to every user (mode {mode:o}): chmod o-rwx")]
    loose = [p.name for p in folder.iterdir() if p.is_file() and stat.S_IMODE(p.stat().st_mode) & 0o077 and what == "backup folder"]
    if loose:
        return [Finding(FAIL, what, f"{len(loose)} backups readable by others (e.g. {loose[0]}): chmod 600")]
    return [Finding(OK, what, f"{folder} writable, mode {mode:o}")]


SENDER_SILENT_AFTER = timedelta(minutes=10)


def check_sms_sender(engine: Engine) -> list[Finding]:
    try:
        from services.sms_sender import last_heartbeat  # the sender records a heartbeat every round
    except ImportError:
        return [Finding(WARN, "SMS sender", "this version has no SMS sender; messages stay queued")]
    from db.engine import new_session

    with new_session(engine) as session:
        beat = last_heartbeat(session)
    if beat is None:
        return [Finding(WARN, "SMS sender", "never ran: start bimeyar-sms.service (or cron `bimeyar send-sms --once`)")]
    age = datetime.now(timezone.utc) - beat
    minutes = int(age.total_seconds() // 60)
    if age > SENDER_SILENT_AFTER:
        return [Finding(FAIL, "SMS sender", f"silent for {minutes} minutes (last heartbeat {beat:%Y-%m-%d %H:%M} UTC)")]
    return [Finding(OK, "SMS sender", f"last heartbeat {minutes} minutes ago")]


def run_checks(engine: Engine) -> list[Finding]:
    from db.engine import DEFAULT_SQLITE_PATH, ROOT
    from services.documents import upload_dir

    findings = check_database(engine)
    if findings[0].status == FAIL:
        return findings
    backups = (Path(engine.url.database).parent if engine.dialect.name == "sqlite" and engine.url.database
               else DEFAULT_SQLITE_PATH.parent) / "backups"
    steps: list[Callable[[], list[Finding]]] = [
        lambda: check_roles(engine),
        lambda: check_wage(engine),
        lambda: check_font(ROOT),
        lambda: check_folder("upload folder", upload_dir()),
        lambda: check_folder("backup folder", backups),
        lambda: check_sms_sender(engine),
    ]
    if findings[1].status == FAIL:  # an unmigrated schema: the other database checks would only add noise
        steps = steps[2:5]
    for step in steps:
        findings += step()
    return findings


def cmd_check(args: argparse.Namespace, engine_of: Callable[[argparse.Namespace], Engine]) -> int:
    engine = engine_of(args)
    findings = run_checks(engine)
    width = max(len(f.what) for f in findings)
    for f in findings:
        print(f"{f.status:<4}  {f.what:<{width}}  {f.detail}")
    failed = sum(f.status == FAIL for f in findings)
    warned = sum(f.status == WARN for f in findings)
    print(f"{len(findings)} checks: {failed} failed, {warned} warnings")
    return 1 if failed else 0


def add_commands(sub: argparse._SubParsersAction, engine_of: Callable[[argparse.Namespace], Engine]) -> None:
    p = sub.add_parser(
        "check",
        help="report what must hold before opening the doors (database, roles, wage, font, folders, SMS sender)",
        description=__doc__.split("\n\n")[1],
    )
    p.set_defaults(func=lambda args: cmd_check(args, engine_of))
