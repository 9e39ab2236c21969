"""How long a failed sign-in takes for an existing account and for a name no one has, and how
long the per-run session check takes. The two failures should cost the same (one argon2
verification, the same throttle writes, one audit row), so timing does not reveal names.

Each attempt comes from its own client address and uses its own account name (existing or not),
so no throttle delays the figures. On a fresh SQLite file (or ``--pg URL`` of a database migrated to head).

    .venv/bin/python bench/bench_sign_in.py [--attempts 40] [--pg postgresql://…/db]
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import argparse  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402

from sqlmodel import select  # noqa: E402

from db import migrate  # noqa: E402
from db.models import User  # noqa: E402
from db.engine import make_engine, new_session  # noqa: E402
from lib.errors import InvalidInput  # noqa: E402
from services.base import SYSTEM  # noqa: E402
from services.sign_in import check_session, start_session  # noqa: E402
from services.users import authenticate, create_user  # noqa: E402


def _fail(engine, username: str, client: str) -> float:
    with new_session(engine) as session:
        started = time.perf_counter()
        try:
            authenticate(session, username, "not-the-password", client=client)
        except InvalidInput:
            pass
        return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attempts", type=int, default=40)
    parser.add_argument("--pg", help="URL of a PostgreSQL database to use instead of a temporary SQLite file")
    args = parser.parse_args()
    url = args.pg or f"sqlite:///{tempfile.mkdtemp()}/bench-sign-in.db"
    engine = make_engine(url)
    migrate.upgrade(engine)
    tag = uuid.uuid4().hex[:6]
    names = [f"bench.{tag}.{i}" for i in range(args.attempts)]
    with new_session(engine) as session:
        for name in names:
            create_user(session, SYSTEM, username=name, full_name="کاربر سنجش", password="bench-pass-1", role="admin")
        user_id = session.exec(select(User.id).where(User.username == names[0])).one()
    known, unknown = [], []
    for i in range(args.attempts):  # interleaved, so drift in the machine's load hits both alike
        known.append(_fail(engine, names[i], f"10.1.{i}.1"))
        unknown.append(_fail(engine, f"nobody.{tag}.{i}", f"10.2.{i}.1"))
    with new_session(engine) as session:
        token = start_session(session, user_id)
    checks = []
    for _ in range(args.attempts * 10):
        with new_session(engine) as session:
            started = time.perf_counter()
            check_session(session, token)
            checks.append(time.perf_counter() - started)

    def line(label: str, values: list[float]) -> str:
        ms = sorted(v * 1000 for v in values)
        return (f"{label:<34} median {statistics.median(ms):7.2f} ms   p10 {ms[len(ms) // 10]:7.2f}   "
                f"p90 {ms[len(ms) * 9 // 10]:7.2f}   n={len(ms)}")

    print(f"database: {engine.url.get_backend_name()}")
    print(line("failed sign-in, existing account", known))
    print(line("failed sign-in, unknown name", unknown))
    print(line("session check per page run", checks))


if __name__ == "__main__":
    main()
