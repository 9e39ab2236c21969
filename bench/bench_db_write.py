"""Write 1,200,000 payment lines (100,000 beneficiaries × 12 months) with ``db.bulk.insert_payment_lines``,
side by side with the floor: the same rows through the bare driver into the same schema.

SQLite: the floor is ``sqlite3`` ``executemany`` (same pragmas: WAL, synchronous=NORMAL, foreign keys on).
PostgreSQL (``--pg URL`` of a server where the user may create databases): the floor is psycopg's
``COPY`` on a bare connection. Parent rows (programme, runs, applicants, cases) are written first,
untimed; each side gets its own identical copy of the database.

    .venv/bin/python bench/bench_db_write.py [--beneficiaries 100000] [--pg postgresql://…/postgres]
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import argparse  # noqa: E402
import random  # noqa: E402
import shutil  # noqa: E402
import sqlite3  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from datetime import date, datetime, timezone  # noqa: E402

from sqlalchemy import select  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from db import migrate  # noqa: E402
from db.bulk import PAYMENT_LINE_COLUMNS, insert_payment_lines, insert_rows  # noqa: E402
from db.engine import make_engine, new_session  # noqa: E402
from db.models import Applicant, Application, County, MinimumWage, PaymentRun, Program  # noqa: E402
from db.seed import load_reference_data  # noqa: E402
from lib.identifiers import generate_national_code  # noqa: E402
from lib.jalali import month_days  # noqa: E402
from lib.payments import monthly_premium, program_b_shares  # noqa: E402

YEAR = 1404
MONTHS = 12


def prepare(engine, beneficiaries: int, seed: int = 1404) -> list[tuple]:
    """Schema, reference data and parent rows; return the payment-line tuples to write."""
    migrate.upgrade(engine)
    with new_session(engine) as session:
        load_reference_data(session)
    rng = random.Random(seed)
    now = datetime.now(timezone.utc)
    with engine.begin() as conn:
        programs = dict(conn.execute(select(Program.code, Program.id)).all())
        wage = conn.execute(select(MinimumWage.daily_wage_rial).where(MinimumWage.jalali_year == YEAR)).scalar_one()
        counties = conn.execute(select(County.id, County.province_id).order_by(County.id)).all()
        people, cases, lines = [], [], []
        codes: set[str] = set()
        cost: dict[tuple, tuple[int, int, int, int]] = {}
        run_ids = {(code, m): i + 1 for i, (code, m) in enumerate((c, m) for c in "AB" for m in range(1, MONTHS + 1))}
        run_totals = dict.fromkeys(run_ids, 0)
        line_id = 1
        for i in range(1, beneficiaries + 1):
            code = generate_national_code(rng)
            while code in codes:
                code = generate_national_code(rng)
            codes.add(code)
            county_id, province_id = counties[i % len(counties)]
            program = "A" if i % 3 else "B"
            rate = rng.choice((1200, 1400, 1800)) if program == "A" else 1800
            percent = 100 if program == "B" or rng.random() < 0.8 else 80
            people.append((i, code, "نام", "نام خانوادگی", county_id, program == "A" and rng.random() < 0.5, now))
            cases.append((i, f"{program}04{i:07d}", i, programs[program], county_id, province_id, "in_person",
                          "active", date(2025, 3, 21), rate, 12, percent, YEAR, 1, now, now))
            for month in range(1, MONTHS + 1):
                key = (month, rate, percent)
                if key not in cost:
                    days = month_days(YEAR, month)
                    cost[key] = (days, monthly_premium(wage, days, rate, 100), monthly_premium(wage, days, rate, percent), 0)
                days, full, amount, _ = cost[key]
                if program == "B":
                    shares = program_b_shares(amount)
                    agency, government = shares["agency"], shares["government"]
                else:
                    agency, government = amount, 0
                lines.append((line_id, run_ids[(program, month)], i, i, programs[program], YEAR, month, days, wage,
                              rate, percent, full, amount, agency, government, county_id))
                run_totals[(program, month)] += amount
                line_id += 1
        runs = [(rid, programs[code], counties[0][1], YEAR, month, 1, "full", 100, run_totals[(code, month)] * 2,
                 run_totals[(code, month)], "finalized", now, True) for (code, month), rid in run_ids.items()]
        insert_rows(conn, PaymentRun, ("id", "program_id", "province_id", "jalali_year", "start_month", "months",
                                       "strategy", "percent", "budget_rial", "total_rial", "status", "created_at",
                                       "is_demo"), runs)
        insert_rows(conn, Applicant, ("id", "national_code", "first_name", "last_name", "county_id", "is_demo",
                                      "created_at"), [(p[0], p[1], p[2], p[3], p[4], True, p[6]) for p in people])
        insert_rows(conn, Application, ("id", "tracking_code", "applicant_id", "program_id", "county_id",
                                        "province_id", "channel", "state", "applied_on", "contract_rate_bp",
                                        "months_granted", "share_percent", "start_year", "start_month",
                                        "created_at", "updated_at"), cases)
    return lines


def report(name: str, rows: int, seconds: float) -> None:
    print(f"  {name:<44} {seconds:>8.2f} s  {rows / seconds:>12,.0f} rows/s")


def bench_sqlite(beneficiaries: int, repeat: int) -> None:
    with tempfile.TemporaryDirectory(prefix="bimeyar-bench-") as tmp:
        template = Path(tmp) / "template.db"
        engine = make_engine(f"sqlite:///{template}")
        started = time.perf_counter()
        rows = prepare(engine, beneficiaries)
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        engine.dispose()
        print(f"SQLite: {len(rows):,} payment lines ({beneficiaries:,} beneficiaries × {MONTHS} months); "
              f"parents prepared in {time.perf_counter() - started:.1f} s (untimed); best of {repeat}, "
              "alternating, each on a fresh copy")
        sql = (f"INSERT INTO paymentline ({', '.join(PAYMENT_LINE_COLUMNS)}) "
               f"VALUES ({', '.join('?' for _ in PAYMENT_LINE_COLUMNS)})")
        bulk_seconds = raw_seconds = float("inf")
        for round_ in range(repeat):
            path = Path(tmp) / f"bulk-{round_}.db"
            shutil.copy(template, path)
            engine = make_engine(f"sqlite:///{path}")
            with engine.connect() as conn:  # open (and set the pragmas) before the clock starts
                conn.exec_driver_sql("SELECT 1")
            started = time.perf_counter()
            with engine.begin() as conn:
                written = insert_payment_lines(conn, rows)
            bulk_seconds = min(bulk_seconds, time.perf_counter() - started)
            engine.dispose()
            assert written == len(rows)
            path.unlink()

            path = Path(tmp) / f"raw-{round_}.db"
            shutil.copy(template, path)
            con = sqlite3.connect(path)
            for pragma in ("foreign_keys=ON", "journal_mode=WAL", "synchronous=NORMAL", "busy_timeout=10000"):
                con.execute(f"PRAGMA {pragma}")
            started = time.perf_counter()
            con.executemany(sql, rows)
            con.commit()
            raw_seconds = min(raw_seconds, time.perf_counter() - started)
            assert con.execute("SELECT count(*) FROM paymentline").fetchone()[0] == len(rows)
            con.close()
            path.unlink()

        report("db.bulk.insert_payment_lines (SQLAlchemy)", len(rows), bulk_seconds)
        report("sqlite3 executemany (floor)", len(rows), raw_seconds)
        print(f"  ratio bulk / floor: {bulk_seconds / raw_seconds:.2f}×")


def bench_postgresql(admin_url: str, beneficiaries: int) -> None:
    import psycopg

    admin = make_engine(admin_url, isolation_level="AUTOCOMMIT")
    names = [f"bimeyar_bench_{uuid.uuid4().hex[:8]}" for _ in range(2)]
    base = make_url(make_engine(admin_url).url)
    urls = [base.set(database=n).render_as_string(hide_password=False) for n in names]
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{names[0]}"')
        started = time.perf_counter()
        engine = make_engine(urls[0])
        rows = prepare(engine, beneficiaries)
        engine.dispose()
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{names[1]}" TEMPLATE "{names[0]}"')
        print(f"PostgreSQL: {len(rows):,} payment lines; parents prepared in {time.perf_counter() - started:.1f} s (untimed)")

        engine = make_engine(urls[0])
        started = time.perf_counter()
        with engine.begin() as conn:
            insert_payment_lines(conn, rows)
        bulk_seconds = time.perf_counter() - started
        engine.dispose()

        plain = make_url(urls[1]).set(drivername="postgresql").render_as_string(hide_password=False)
        started = time.perf_counter()
        with psycopg.connect(plain) as con:
            with con.cursor() as cur:
                with cur.copy(f"COPY paymentline ({', '.join(PAYMENT_LINE_COLUMNS)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
        raw_seconds = time.perf_counter() - started

        report("db.bulk.insert_payment_lines (SQLAlchemy)", len(rows), bulk_seconds)
        report("psycopg COPY (floor)", len(rows), raw_seconds)
        print(f"  ratio bulk / floor: {bulk_seconds / raw_seconds:.2f}×")
    finally:
        with admin.connect() as conn:
            for name in names:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--beneficiaries", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=2, help="SQLite rounds (best of); PostgreSQL runs once")
    parser.add_argument("--pg", metavar="URL", help="also run against PostgreSQL (a server URL, e.g. …/postgres)")
    args = parser.parse_args()
    bench_sqlite(args.beneficiaries, args.repeat)
    if args.pg:
        bench_postgresql(args.pg, args.beneficiaries)


if __name__ == "__main__":
    main()
