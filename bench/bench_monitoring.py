"""Time the monitoring screen's figures (services.monitoring) at scale: the national table (every
province) and one province's drill-down (its counties), on the demo data (``demo.generate_demo``).

    .venv/bin/python bench/bench_monitoring.py [--applicants 100000] [--db /tmp/monitoring.db] [--pg URL]

``--db`` keeps the generated SQLite file and reuses it on the next run (generation takes a while);
``--pg`` runs the same on a fresh PostgreSQL database created under that server (dropped after).
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

from sqlalchemy import func, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from db import migrate  # noqa: E402
from db.engine import make_engine, new_session  # noqa: E402
from db.models import Application, PaymentLine  # noqa: E402
from db.seed import load_reference_data  # noqa: E402
from demo import generate_demo  # noqa: E402
from lib.jalali import current_year_month  # noqa: E402
from lib.permissions import Role  # noqa: E402
from services.base import Actor  # noqa: E402
from services.monitoring import monitoring  # noqa: E402


def build(engine, applicants: int) -> None:
    migrate.upgrade(engine)
    with new_session(engine) as session:
        load_reference_data(session)
    started = time.perf_counter()
    generate_demo(engine, applicants, 1404)
    print(f"generated {applicants:,} applicants in {time.perf_counter() - started:.1f} s")


def timed(fn, repeat: int) -> tuple[float, float, float]:
    """(median wall ms, max wall ms, median CPU ms of this process): on a shared machine the wall
    clock includes waiting for a core; the CPU time is what the work itself costs."""
    fn()  # warm the caches once
    wall, cpu = [], []
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        fn()
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    return statistics.median(wall), max(wall), statistics.median(cpu)


def measure(engine, label: str, repeat: int) -> None:
    with new_session(engine) as session:
        cases = session.scalar(select(func.count(Application.id)))
        lines = session.scalar(select(func.count(PaymentLine.id)))
        busiest = session.scalar(
            select(Application.province_id).group_by(Application.province_id).order_by(func.count().desc()).limit(1)
        )
    year = current_year_month().year
    national = Actor(id=None, username="bench", full_name="bench", role=Role.manager, province_id=None, county_id=None)
    provincial = Actor(id=None, username="bench", full_name="bench", role=Role.manager, province_id=busiest, county_id=None)
    print(f"\n{label}: {cases:,} cases, {lines:,} payment lines; year {year}")

    def run(actor):
        with new_session(engine) as session:
            return monitoring(session, actor, jalali_year=year)

    for name, actor in (("national table (provinces)", national), ("province drill-down (counties)", provincial)):
        median, worst, cpu = timed(lambda: run(actor), repeat)
        rows = len(run(actor).areas)
        print(f"  {name:<32} {rows:>4} rows   median {median:7.1f} ms   max {worst:7.1f} ms   CPU {cpu:7.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--applicants", type=int, default=100_000)
    parser.add_argument("--db", type=Path, default=None, help="SQLite file to keep and reuse")
    parser.add_argument("--pg", default=None, help="PostgreSQL server URL (a database is created and dropped)")
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bimeyar-bench-") as tmp:
        path = args.db or Path(tmp) / "monitoring.db"
        fresh = not path.exists()
        engine = make_engine(f"sqlite:///{path}")
        if fresh:
            build(engine, args.applicants)
        else:
            migrate.upgrade(engine)
        measure(engine, "SQLite", args.repeat)
        engine.dispose()
    if args.pg:
        admin = make_url(args.pg)
        name = f"bench_monitoring_{uuid.uuid4().hex[:8]}"
        from sqlalchemy import create_engine

        root = create_engine(admin.set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT")
        with root.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            engine = make_engine(str(admin.set(database=name)))
            build(engine, args.applicants)
            measure(engine, "PostgreSQL", args.repeat)
            engine.dispose()
        finally:
            with root.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


if __name__ == "__main__":
    main()
