"""How long the audit chain takes to append and to verify (`bimeyar verify-audit`), in rows per second.

    .venv/bin/python bench/bench_audit_chain.py [--rows 200000] [--database-url URL]

Fills a fresh database (a temporary SQLite file unless --database-url names an empty migrated
PostgreSQL database) with audit records shaped like a case's state change (before/after snapshots
of ~20 fields), appended through the chain in transactions of 1,000, then walks the chain as
verify-audit does (keyset pages of 5,000, one record in memory at a time) and prints both rates.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from db import migrate  # noqa: E402
from db.audit_chain import append_rows, iter_chain  # noqa: E402
from db.engine import make_engine, new_session  # noqa: E402
from db.seed import load_reference_data  # noqa: E402
from lib.audit_chain import first_break  # noqa: E402


def _row(k: int, start: datetime) -> dict:
    snapshot = {
        "id": k, "tracking_code": f"A03{k:07d}", "state": "county_review", "county_id": 381, "province_id": 24,
        "program_id": 1, "channel": "in_person", "applied_on": "2024-06-01", "months_granted": None,
        "share_percent": None, "start_year": None, "start_month": None, "priority_override": None,
        "is_demo": False, "created_by": 3, "created_at": "2024-06-01T08:00:00+00:00",
        "updated_at": "2024-06-02T08:00:00+00:00", "job_field": "خیاطی", "target_group": "disabled",
    }
    return dict(at=start + timedelta(seconds=k), user_id=None, username="bench", action="application.state",
                entity="application", entity_id=str(k), before=snapshot, after={**snapshot, "state": "province_review"})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    tmp = tempfile.TemporaryDirectory()
    url = args.database_url or f"sqlite:///{Path(tmp.name) / 'bench.db'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    with new_session(engine) as session:
        load_reference_data(session)
    start = datetime(2025, 1, 1, tzinfo=timezone.utc)
    began = time.perf_counter()
    for first in range(0, args.rows, 1_000):
        with engine.begin() as conn:
            append_rows(conn, [_row(k, start) for k in range(first, min(first + 1_000, args.rows))])
    appended = time.perf_counter() - began
    began = time.perf_counter()
    with engine.connect() as conn:
        walk = first_break(iter_chain(conn))
    walked = time.perf_counter() - began
    assert walk.broken is None, walk.broken
    print(f"{engine.dialect.name}: {walk.rows:,} audit records")
    print(f"  append (chained, 1,000 per transaction): {appended:.1f} s, {walk.rows / appended:,.0f} rows/s")
    print(f"  verify-audit walk: {walked:.1f} s, {walk.rows / walked:,.0f} rows/s "
          f"(3,000,000 rows ≈ {3_000_000 / (walk.rows / walked) / 60:.1f} min)")
    engine.dispose()
    tmp.cleanup()


if __name__ == "__main__":
    main()
