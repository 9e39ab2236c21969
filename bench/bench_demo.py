"""Time ``demo.generate_demo`` on a fresh SQLite file (migrated, reference data loaded).

Prints wall and CPU seconds and the load average: on a shared machine the wall time says more
about the neighbours than about the generator (issue 11's goal: 100,000 applicants under 20 s).

    .venv/bin/python bench/bench_demo.py [--sizes 10000 100000] [--seed 1404] [--keep /tmp/bench]

``--keep DIR`` leaves each generated file as ``DIR/demo-<applicants>.db`` (for the page benches),
written under a temporary name and renamed once complete.
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import argparse  # noqa: E402
import shutil  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

from db import migrate  # noqa: E402
from demo import generate_demo  # noqa: E402
from db.engine import make_engine, new_session  # noqa: E402
from db.seed import load_reference_data  # noqa: E402


def fresh_sqlite(directory: Path, name: str):
    path = directory / name
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    with new_session(engine) as session:
        load_reference_data(session)
    return engine, path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--seed", type=int, default=1404)
    parser.add_argument("--keep", type=Path, default=None, help="keep the files in this directory")
    args = parser.parse_args()
    print("generate_demo on a fresh SQLite file (one transaction; WAL, synchronous=NORMAL; foreign keys and CHECKs "
          "tested once before the commit)")
    header = (f"{'applicants':>10}  {'seconds':>8}  {'CPU s':>7}  {'applicants/s':>12}  {'rows written':>12}  {'rows/s':>10}  "
              f"{'file MB':>8}  load average before → after")
    print(header)
    print("-" * len(header))
    details = []
    with tempfile.TemporaryDirectory(prefix="bimeyar-bench-") as tmp:
        for n in args.sizes:
            engine, path = fresh_sqlite(Path(tmp), f"demo-{n}.db")
            load_before = _load()
            started, cpu = time.perf_counter(), time.process_time()
            counts = generate_demo(engine, n, args.seed)
            seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
            with engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            engine.dispose()
            rows = sum(counts.values())
            size = path.stat().st_size / 2**20
            if args.keep is not None:
                args.keep.mkdir(parents=True, exist_ok=True)
                partial = args.keep / f"demo-{n}.db.partial"
                shutil.copyfile(path, partial)
                partial.replace(args.keep / f"demo-{n}.db")
            print(f"{n:>10,}  {seconds:>8.2f}  {cpu:>7.2f}  {n / seconds:>12,.0f}  {rows:>12,}  {rows / seconds:>10,.0f}  "
                  f"{size:>8.1f}  {load_before} → {_load()}")
            details.append((n, counts))
    for n, counts in details:
        print(f"\nrows written for {n:,} applicants:")
        print("  " + ", ".join(f"{table} {count:,}" for table, count in counts.items()))


def _load() -> str:
    return Path("/proc/loadavg").read_text().split()[0] if Path("/proc/loadavg").exists() else "?"


if __name__ == "__main__":
    main()
