"""``bimeyar verify-audit`` and ``bimeyar grant-app-role``: the audit log's chain and the app's role.

    bimeyar verify-audit [--batch N]
        Walk the audit log in id order, recompute each record's hash from the one before and its
        content (lib/audit_chain.py), and stop at the first broken link: its id, time and what
        differs, exit status 1. An intact log prints "OK, N rows", the head hash (note it
        somewhere else: a log rewritten from some record on still chains, but ends elsewhere), and
        exits 0. Rows are streamed in pages, never all in memory.

    bimeyar grant-app-role --role NAME
        PostgreSQL, run with the owner's URL (BIMEYAR_MIGRATE_DATABASE_URL or --database-url):
        give the app's role what it needs and no more (db/roles.py). ``bimeyar migrate`` does the
        same for the role in BIMEYAR_DATABASE_URL when both URLs are set.
"""
from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from sqlalchemy.engine import Engine

from lib.errors import InvalidInput


def add_commands(sub: argparse._SubParsersAction, engine_of: Callable[[argparse.Namespace], Engine]) -> None:
    """Register ``verify-audit`` and ``grant-app-role`` on cli.py's sub-command parser."""
    p = sub.add_parser(
        "verify-audit",
        help="check the audit log's hash chain; report the first broken link (exit 1) or OK (exit 0)",
        description="Recompute every audit record's hash in id order and report the first record whose stored "
        "hash differs (changed, inserted, or its predecessor deleted). Prints the head hash of an intact log.",
    )
    p.add_argument("--batch", type=int, default=5_000, help="rows fetched per query (default %(default)s)")
    p.set_defaults(func=lambda args: cmd_verify_audit(args, engine_of(args)))

    p = sub.add_parser(
        "grant-app-role",
        help="PostgreSQL: grant the app's role what it needs (the audit log and decisions: SELECT, INSERT only)",
        description="Run as the role that owns the tables (BIMEYAR_MIGRATE_DATABASE_URL or --database-url). "
        "The app's role must exist, own no table and not be a superuser.",
    )
    p.add_argument("--role", required=True, help="the PostgreSQL role the app connects as")
    p.set_defaults(func=lambda args: cmd_grant_app_role(args, engine_of(args)))


def cmd_verify_audit(args: argparse.Namespace, engine: Engine) -> int:
    from db.audit_chain import iter_chain
    from lib.audit_chain import first_break

    if args.batch < 1:
        raise InvalidInput("اندازه دسته (--batch) باید دست‌کم ۱ باشد.", field="batch")
    started = time.perf_counter()
    with engine.connect() as conn:
        walk = first_break(iter_chain(conn, args.batch))
    seconds = time.perf_counter() - started
    broken = walk.broken
    if broken is None:
        print(f"OK, {walk.rows:,} rows ({seconds:.1f} s). Head hash: {walk.head}")
        return 0
    at = broken.at.isoformat() if hasattr(broken.at, "isoformat") else broken.at
    print(f"BROKEN at audit record {broken.id} ({at}), the {walk.rows:,}th in id order: {broken.reason}.")
    print(f"  stored hash:   {broken.stored}")
    print(f"  expected hash: {broken.expected}")
    if broken.previous_id is not None:
        print(f"  previous record: {broken.previous_id} (its link holds)")
    return 1


def cmd_grant_app_role(args: argparse.Namespace, engine: Engine) -> int:
    from db.roles import grant_app_role

    role = (args.role or "").strip()
    if not role:
        raise InvalidInput("نام نقش برنامه را با --role بدهید.", field="role")
    with engine.begin() as conn:
        statements = grant_app_role(conn, role)
    for statement in statements:
        print(statement + ";")
    print(f"Role {role}: SELECT/INSERT/UPDATE/DELETE on the ordinary tables, SELECT/INSERT only on auditlog and decision.")
    return 0
