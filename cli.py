"""Bimeyar's command line, for administrators: schema, reference and demo data, users, backups.

Run as ``python -m cli <command>`` or, once installed, ``bimeyar <command>``. The database is
``BIMEYAR_DATABASE_URL`` (or ``--database-url``), by default the SQLite file data/bimeyar.db.

Help is in English (a terminal); what the services say to people stays Persian: an input error
prints the service's Persian message on stderr and exits with status 2.

Demo data never mixes with real data: ``init --demo`` adds it only to a database without any
applicant, and ``demo`` refuses a database that holds applicants not marked as demo. The demo
accounts are created once; a later run leaves existing accounts alone.
"""
from __future__ import annotations

import argparse
import importlib
import getpass
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

from sqlmodel import select
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import SQLAlchemyError

from lib.errors import Forbidden, InvalidInput
from lib.permissions import ROLE_LABELS, Role

DEFAULT_DEMO_APPLICANTS = 2_000
DEFAULT_DEMO_SEED = 1404


# --------------------------------------------------------------------------- helpers
def _engine(args: argparse.Namespace) -> Engine:
    from db.engine import make_engine

    return make_engine(args.database_url or None)


def _where(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=True)


def _human_size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"  # pragma: no cover


def _migrate(engine: Engine) -> None:
    from db import migrate

    migrate.upgrade(engine)


def _load_reference(engine: Engine) -> dict[str, int]:
    from db.engine import new_session
    from db.seed import load_reference_data

    with new_session(engine) as session:
        return load_reference_data(session)


def _print_added(added: dict[str, int]) -> None:
    if not any(added.values()):
        print("Reference data: nothing to add (already loaded).")
        return
    print("Reference data added: " + ", ".join(f"{name} {count:,}" for name, count in added.items()))


def _print_accounts(created: list[tuple[str, str, str]]) -> None:
    from demo import DEMO_PASSWORD

    if not created:
        print("Demo accounts: already present, none added.")
        return
    print(f"Demo accounts (password: {DEMO_PASSWORD}):")
    for username, role_label, area_label in created:
        print(f"  {username:<16} {role_label} — {area_label}")


def _generate(engine: Engine, applicants: int, seed: int) -> None:
    from demo import generate_demo

    started = time.perf_counter()
    counts = generate_demo(engine, applicants, seed)
    seconds = time.perf_counter() - started
    total = sum(counts.values())
    print(f"Demo data: {counts.get('applicants', 0):,} applicants, {total:,} rows in {seconds:.1f} s")
    print("  " + ", ".join(f"{name} {count:,}" for name, count in counts.items() if count))


def _create_demo_accounts(engine: Engine) -> None:
    from demo import create_demo_users
    from db.engine import new_session

    with new_session(engine) as session:
        _print_accounts(create_demo_users(session))


def _applicant_counts(engine: Engine) -> tuple[int, int]:
    from demo import demo_counts
    from db.engine import new_session

    with new_session(engine) as session:
        return demo_counts(session)


# --------------------------------------------------------------------------- commands
def cmd_migrate(args: argparse.Namespace) -> int:
    engine = _engine(args)
    _migrate(engine)
    print(f"Schema up to date (alembic head): {_where(engine)}")
    return 0


def cmd_load_reference(args: argparse.Namespace) -> int:
    engine = _engine(args)
    _print_added(_load_reference(engine))
    return 0


def cmd_init(args: argparse.Namespace) -> int:
    engine = _engine(args)
    _migrate(engine)
    added = _load_reference(engine)
    if any(added.values()):
        _print_added(added)
    if args.demo:
        demo, other = _applicant_counts(engine)
        if demo + other == 0:
            _create_demo_accounts(engine)
            _generate(engine, args.applicants, args.seed)
        else:
            print(f"Demo data: not added, the database already holds {demo + other:,} applicants.")
    print(f"Database ready: {_where(engine)}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    engine = _engine(args)
    _migrate(engine)
    _load_reference(engine)
    demo, other = _applicant_counts(engine)
    if other:
        raise InvalidInput(
            f"این پایگاه داده {other:,} متقاضی واقعی (غیرنمونه) دارد؛ داده نمونه با داده واقعی آمیخته "
            "نمی‌شود. برای نمایش، پایگاه داده جداگانه‌ای بسازید (BIMEYAR_DATABASE_URL)."
        )
    if args.applicants < 1:
        raise InvalidInput("تعداد متقاضیان نمونه باید دست‌کم ۱ باشد.", field="applicants")
    _create_demo_accounts(engine)
    seed = args.seed if args.seed is not None else DEFAULT_DEMO_SEED + demo
    _generate(engine, args.applicants, seed)
    return 0


def _area_ids(session, province: str | None, county: str | None) -> tuple[int | None, int | None]:
    """Province and county ids from a name or an id (any digits)."""
    from db.models import County, Province
    from lib.text import normalize_persian, to_latin_digits

    def as_id(text: str) -> int | None:
        latin = to_latin_digits(text.strip())
        return int(latin) if latin.isdigit() else None

    province_id = county_id = None
    if province:
        pid = as_id(province)
        name = normalize_persian(province).removeprefix("استان ").strip()
        row = session.get(Province, pid) if pid is not None else session.exec(select(Province).where(Province.name == name)).first()
        if row is None:
            raise InvalidInput(
                f"استان «{province}» پیدا نشد؛ نام استان را همان‌طور که در فهرست استان‌ها آمده (مثلاً تهران) یا شناسه آن را بدهید.",
                field="province_id",
            )
        province_id = row.id
    if county:
        cid = as_id(county)
        if cid is not None:
            row = session.get(County, cid)
            rows = [row] if row is not None else []
        else:
            name = normalize_persian(county).removeprefix("شهرستان ").strip()
            stmt = select(County).where(County.name == name)
            if province_id is not None:
                stmt = stmt.where(County.province_id == province_id)
            rows = list(session.exec(stmt).all())
        if not rows:
            raise InvalidInput(
                f"شهرستان «{county}» پیدا نشد؛ نام شهرستان را همان‌طور که در فهرست آمده یا شناسه آن را بدهید"
                + ("، و بررسی کنید که در استان انتخاب‌شده باشد." if province_id is not None else "."),
                field="county_id",
            )
        if len(rows) > 1:
            raise InvalidInput(
                f"بیش از یک شهرستان با نام «{county}» هست؛ استان را هم با --province بدهید.",
                field="county_id",
            )
        county_id = rows[0].id
    return province_id, county_id


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password: ")
    second = getpass.getpass("Password (again): ")
    if first != second:
        raise InvalidInput("گذرواژه و تکرار آن یکسان نیستند؛ دوباره وارد کنید.", field="password")
    return first


def cmd_create_user(args: argparse.Namespace) -> int:
    from db.engine import new_session
    from services.base import SYSTEM
    from services.users import create_user

    engine = _engine(args)
    with new_session(engine) as session:
        province_id, county_id = _area_ids(session, args.province, args.county)
        password = _read_password(args.password_stdin)
        user = create_user(
            session,
            SYSTEM,
            username=args.username,
            full_name=args.full_name,
            password=password,
            role=args.role,
            province_id=province_id,
            county_id=county_id,
        )
        print(f"Created user {user.username} (id {user.id}, role {user.role}).")
    return 0


def cmd_unlock(args: argparse.Namespace) -> int:
    from db.engine import new_session
    from db.models import User
    from services.base import SYSTEM
    from services.users import unlock

    engine = _engine(args)
    username = (args.username or "").strip().lower()
    with new_session(engine) as session:
        user = session.exec(select(User).where(User.username == username)).first()
        if user is None:
            raise InvalidInput(f"کاربری با نام کاربری «{args.username}» پیدا نشد.", field="username")
        unlock(session, SYSTEM, user.id)
        print(f"Cleared the sign-in throttle of {user.username}: failed sign-ins forgotten, no wait.")
        if args.client:
            from services.sign_in import clear_throttle

            cleared = clear_throttle(session, SYSTEM, "client", args.client.strip())
            print(f"Client {args.client.strip()}: " + ("throttle cleared." if cleared else "no failed sign-ins recorded."))
    return 0


def cmd_list_users(args: argparse.Namespace) -> int:
    from db.engine import new_session
    from db.models import County, Province, User

    engine = _engine(args)
    with new_session(engine) as session:
        provinces = dict(session.exec(select(Province.id, Province.name)).all())
        counties = dict(session.exec(select(County.id, County.name)).all())
        users = session.exec(select(User).order_by(User.id)).all()
        if not users:
            print("No users. Create the first administrator with: bimeyar create-user --role admin …")
            return 0
        header = ("id", "username", "role", "area", "status", "last sign-in", "full name")
        lines = []
        for u in users:
            status = "active" if u.active else "inactive"
            if u.is_demo:
                status += ", demo"
            area = "country"
            if u.county_id is not None:
                area = f"county {counties.get(u.county_id, u.county_id)}"
            elif u.province_id is not None:
                area = f"province {provinces.get(u.province_id, u.province_id)}"
            last = f"{u.last_login_at:%Y-%m-%d %H:%M}" if u.last_login_at else "never"
            lines.append((str(u.id), u.username, u.role, area, status, last, u.full_name))
        widths = [max(len(r[i]) for r in [header, *lines]) for i in range(len(header) - 1)]
        for row in [header, *lines]:
            print("  ".join(cell.ljust(w) for cell, w in zip(row, widths)) + "  " + row[-1])
        roles = ", ".join(f"{r.value} ({ROLE_LABELS[r]})" for r in Role)
        print(f"\n{len(users)} users. Roles: {roles}")
    return 0


def _backup_path(out: str | None, default_dir: Path, suffix: str) -> Path:
    name = f"bimeyar-{datetime.now():%Y%m%d-%H%M%S}{suffix}"
    if out:
        path = Path(out).expanduser()
        if path.is_dir():
            path = path / name
    else:
        path = default_dir / name
    if not out:  # our own backups folder: only its owner may enter it
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        path.parent.chmod(0o700)
    else:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:  # created empty, owner-only (0600), before any byte is written; never over an existing file
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        raise InvalidInput(f"فایل «{path}» از قبل وجود دارد؛ مسیر دیگری با --out بدهید.", field="out") from None
    path.chmod(0o600)  # whatever the umask
    return path


def cmd_backup(args: argparse.Namespace) -> int:
    from db.engine import ROOT

    engine = _engine(args)
    url = make_url(engine.url)
    backend = url.get_backend_name()
    if backend == "sqlite":
        if not url.database or url.database == ":memory:":
            raise InvalidInput("پایگاه داده در حافظه است و پشتیبان‌گیری از آن ممکن نیست.")
        source = Path(url.database)
        if not source.exists():
            raise InvalidInput(f"فایل پایگاه داده «{source}» پیدا نشد؛ ابتدا «bimeyar init» را اجرا کنید.")
        target = _backup_path(args.out, source.parent / "backups", ".db")
        src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
        dst = sqlite3.connect(target)
        try:
            with dst:
                src.backup(dst)  # the online backup API: a consistent copy while the app runs
            check = dst.execute("PRAGMA quick_check").fetchone()[0]
        except BaseException:
            dst.close()
            target.unlink(missing_ok=True)  # no empty or partial file left behind
            raise
        finally:
            dst.close()
            src.close()
        if check != "ok":  # pragma: no cover - a damaged source
            print(f"warning: the copy's integrity check says: {check}", file=sys.stderr)
        size = target.stat().st_size
        print(f"Backup written: {target} ({_human_size(size)}, {size:,} bytes)")
        return 0
    if backend == "postgresql":
        pg_dump = shutil.which("pg_dump")
        if pg_dump is None:
            raise InvalidInput(
                "برنامه pg_dump پیدا نشد؛ بسته postgresql-client (هم‌نسخه سرور) را نصب کنید و آن را در PATH قرار دهید."
            )
        target = _backup_path(args.out, ROOT / "data" / "backups", ".dump")
        env = dict(os.environ)
        if url.password:
            env["PGPASSWORD"] = str(url.password)
        dsn = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
        result = subprocess.run(
            [pg_dump, "--format=custom", f"--file={target}", f"--dbname={dsn}"],
            env=env,
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            target.unlink(missing_ok=True)
            print(f"pg_dump failed (exit {result.returncode}):\n{result.stderr.strip()}", file=sys.stderr)
            return 1
        size = target.stat().st_size
        print(f"Backup written: {target} ({_human_size(size)}, {size:,} bytes; restore with pg_restore)")
        return 0
    raise InvalidInput(f"پشتیبان‌گیری از پایگاه داده «{backend}» پشتیبانی نمی‌شود.")  # pragma: no cover


# --------------------------------------------------------------------------- parser
# The modules that add further commands (see build_parser); a new command module is added here
# and to `py-modules` in pyproject.toml.
COMMAND_MODULES = ("cli_export", "cli_payments", "cli_budget_request", "cli_check", "cli_audit", "cli_sms")


def build_parser() -> argparse.ArgumentParser:
    roles = ", ".join(r.value for r in Role)
    parser = argparse.ArgumentParser(
        prog="bimeyar",
        description="Bimeyar administration: database schema, reference and demo data, users, backups.",
        epilog="The database is BIMEYAR_DATABASE_URL (SQLite file or postgresql://…), default data/bimeyar.db.",
    )
    parser.add_argument("--database-url", help="override BIMEYAR_DATABASE_URL for this command")
    sub = parser.add_subparsers(dest="command", metavar="command", required=True)

    p = sub.add_parser("migrate", help="upgrade the schema to the latest version (alembic upgrade head)")
    p.set_defaults(func=cmd_migrate)

    p = sub.add_parser("load-reference", help="add missing reference data (provinces, programmes, wages, scoring)")
    p.set_defaults(func=cmd_load_reference)

    p = sub.add_parser(
        "init",
        help="migrate and load reference data; with --demo, fill an empty database with demo data",
        description="Migrate, load reference data and, with --demo, add demo data and the demo accounts "
        "to a database without applicants. Safe to run again: a ready database is left as it is.",
    )
    p.add_argument("--demo", action="store_true", help="add demo data and demo accounts if there are no applicants")
    p.add_argument("--applicants", type=int, default=DEFAULT_DEMO_APPLICANTS, help="demo applicants (default %(default)s)")
    p.add_argument("--seed", type=int, default=DEFAULT_DEMO_SEED, help="random seed of the demo data (default %(default)s)")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser(
        "demo",
        help="add N demo applicants (refused if the database holds real applicants)",
        description="Add demo applicants and their cases, and the demo accounts that do not exist yet. "
        "Refused when the database holds applicants not marked as demo. The default seed depends on "
        "how many demo applicants exist, so a second batch differs from the first.",
    )
    p.add_argument("--applicants", type=int, required=True, help="number of demo applicants to add")
    p.add_argument("--seed", type=int, default=None, help="random seed (default: 1404 + demo applicants so far)")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser(
        "create-user",
        help="create a user (the first administrator, for instance)",
        description=f"Create a user as the system (audited). Roles: {roles}. County roles need --county; "
        "province_committee needs --province; a manager has a province or none (national); admin has neither.",
    )
    p.add_argument("--username", required=True, help="lower-case Latin letters, digits, . _ -")
    p.add_argument("--full-name", required=True, help="the person's name as shown in the app (Persian)")
    p.add_argument("--role", required=True, help=f"one of: {roles}")
    p.add_argument("--province", help="province name (e.g. تهران) or id")
    p.add_argument("--county", help="county name or id (give --province too if the name is not unique)")
    p.add_argument("--password-stdin", action="store_true", help="read the password from the first line of stdin")
    p.set_defaults(func=cmd_create_user)

    p = sub.add_parser(
        "backup",
        help="write a consistent copy of the database to data/backups/",
        description="SQLite: a consistent copy through SQLite's online backup API (safe while the app runs), "
        "next to the database in backups/. PostgreSQL: pg_dump --format=custom into data/backups/.",
    )
    p.add_argument("--out", help="target file or directory")
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser(
        "unlock",
        help="clear a user's sign-in throttle (the growing wait after failed sign-ins; accounts are never locked)",
    )
    p.add_argument("--username", required=True)
    p.add_argument("--client", help="also clear the throttle of this client address (as the users page lists it)")
    p.set_defaults(func=cmd_unlock)

    p = sub.add_parser("list-users", help="list users with role, area and status")
    p.set_defaults(func=cmd_list_users)

    # Each further command lives in its own module `cli_<name>.py` next to this file, which
    # defines `add_commands(sub, engine_factory)`; listed here so the order of --help is stable.
    for module_name in COMMAND_MODULES:
        module = importlib.import_module(module_name)
        module.add_commands(sub, _engine)
    return parser


def main(argv: list[str] | None = None) -> int:
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            try:
                reconfigure(encoding="utf-8", errors="replace")
            except (ValueError, OSError):  # pragma: no cover - a stream that cannot change
                pass
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (InvalidInput, Forbidden) as exc:
        print(exc.message, file=sys.stderr)
        return 2
    except SQLAlchemyError as exc:
        print(f"database error: {exc.__class__.__name__}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:  # pragma: no cover - interactive
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
