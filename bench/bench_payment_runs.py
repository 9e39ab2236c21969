"""Payment runs at scale: 100,000 active beneficiaries with a year of payment history.

Times, through the services (services.payments) as the screen and ``bimeyar payment-run`` use them:
prepare (gather, hold back, price), create (fit + stage the draft's lines), approve and finalise
(checks, credit, the staged lines moved into ``paymentline`` as live in one INSERT … SELECT, and
whatever else finalising does in its transaction) — for a one-month run and a twelve-month run —
side by side with the floor: a raw ``executemany`` (SQLite, sqlite3) or ``COPY`` (PostgreSQL,
psycopg) of the same lines, already live, into the same schema (rolled back afterwards; the
median of three). Also the what-if panel (every strategy side by side per county, and the
months × percent grid) on the prepared run, which the screen recomputes on every change of the
credit. Each step prints wall-clock and this process's CPU time (on PostgreSQL most of the work
is the server's, which CPU time here does not see); the machine may be shared, so quote the load.

    .venv/bin/python bench/bench_payment_runs.py [--beneficiaries 100000] [--months 1,12] \
        [--pg postgresql://…/postgres [--no-sqlite]]
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import argparse  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from datetime import date, datetime, timezone  # noqa: E402

from sqlalchemy import func, select  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from db import migrate  # noqa: E402
from db.bulk import insert_rows, reset_sequences  # noqa: E402
from db.engine import make_engine, new_session  # noqa: E402
from db.models import (  # noqa: E402
    Applicant, Application, Budget, County, Document, MinimumWage, PaymentLine, PaymentRun, Program, Province, User,
)
from db.seed import load_reference_data  # noqa: E402
from lib import catalog  # noqa: E402
from lib.identifiers import generate_national_code  # noqa: E402
from lib.jalali import YearMonth, month_days  # noqa: E402
from lib.payments import monthly_premium  # noqa: E402
from lib.permissions import Role  # noqa: E402
from services.base import Actor  # noqa: E402
from services.payments import (  # noqa: E402
    approve_run, create_run, finalize_run, months_percent_grid, prepare_run, what_if,
)

HISTORY_YEAR = 1403
RAW_COLUMNS = ("run_id", "application_id", "applicant_id", "program_id", "jalali_year", "jalali_month", "days",
               "daily_wage_rial", "rate_bp", "percent", "share_percent", "full_amount_rial", "amount_rial",
               "agency_rial", "government_rial", "county_id", "live", "line_kind", "sso_status")


def populate(engine, beneficiaries: int, seed: int = 1404) -> tuple[Actor, Actor, int]:
    """Schema, reference data, users, credit, the beneficiaries and a year (1403) of finalised lines."""
    migrate.upgrade(engine)
    with new_session(engine) as session:
        load_reference_data(session)
    rng = random.Random(seed)
    now = datetime.now(timezone.utc)
    proof_at = datetime(2025, 12, 1, tzinfo=timezone.utc)  # Azar 1404: covers periods up to 1405/09
    with engine.begin() as conn:
        program_a = conn.execute(select(Program.id).where(Program.code == "A")).scalar_one()
        province = conn.execute(select(Province.id).where(Province.name == "تهران")).scalar_one()
        counties = [c for (c,) in conn.execute(select(County.id).where(County.province_id == province))]
        wage = conn.execute(select(MinimumWage.daily_wage_rial).where(MinimumWage.jalali_year == HISTORY_YEAR)).scalar_one()
        insert_rows(conn, User, ("id", "username", "full_name", "password_hash", "role", "province_id", "created_at"), [
            (1, "bench.province", "کمیته استان", "x", Role.province_committee.value, province, now),
            (2, "bench.manager", "مدیر", "x", Role.manager.value, province, now),
        ])
        insert_rows(conn, Budget, ("program_id", "province_id", "jalali_year", "source", "amount_rial"), [
            (program_a, province, year, source, 10**16)
            for year in (1403, 1404, 1405) for source in catalog.BUDGET_SOURCES["A"]
        ])
        insert_rows(conn, PaymentRun, ("id", "program_id", "province_id", "jalali_year", "start_month", "months",
                                       "strategy", "budget_rial", "total_rial", "agency_rial", "status", "created_at"),
                    [(1, program_a, province, HISTORY_YEAR, 1, 12, "full", 10**16, 0, 0, "finalized", now)])
        codes: set[str] = set()
        people, cases, docs, lines = [], [], [], []
        kinds = list(catalog.DOCUMENTS["A"])
        premium = {m: monthly_premium(wage, month_days(HISTORY_YEAR, m), 1800) for m in range(1, 13)}
        for i in range(1, beneficiaries + 1):
            code = generate_national_code(rng)
            while code in codes:
                code = generate_national_code(rng)
            codes.add(code)
            county = counties[i % len(counties)]
            people.append((i, code, "نام", f"آزمون{i}", county, False, now))
            cases.append((i, f"B{i:09d}", i, program_a, county, province, "in_person", "active", date(2024, 3, 1),
                          1800, 36, rng.choice((50, 70, 100)), 1403, 1, False, now, now))
            for kind in kinds:
                docs.append((i, kind, True, proof_at))
            for m in range(1, 13):
                lines.append((1, i, i, program_a, HISTORY_YEAR, m, month_days(HISTORY_YEAR, m), wage, 1800, 100, 100,
                              premium[m], premium[m], premium[m], 0, county, True, "payment", "confirmed"))
        insert_rows(conn, Applicant, ("id", "national_code", "first_name", "last_name", "county_id", "is_demo",
                                      "created_at"), people)
        insert_rows(conn, Application, ("id", "tracking_code", "applicant_id", "program_id", "county_id",
                                        "province_id", "channel", "state", "applied_on", "contract_rate_bp",
                                        "months_granted", "share_percent", "start_year", "start_month",
                                        "discount_holder", "created_at", "updated_at"), cases)
        insert_rows(conn, Document, ("application_id", "kind", "received", "uploaded_at"), docs)
        insert_rows(conn, PaymentLine, RAW_COLUMNS, lines)
        reset_sequences(conn, (User, Budget, PaymentRun, Applicant, Application, Document, PaymentLine))
    committee = Actor(id=1, username="bench.province", full_name="کمیته استان", role=Role.province_committee,
                      province_id=province)
    manager = Actor(id=2, username="bench.manager", full_name="مدیر", role=Role.manager, province_id=province)
    return committee, manager, province


def raw_floor(engine, rows: list[tuple]) -> tuple[float, float]:
    """The same lines, already live, through the bare driver into the same schema; rolled back.
    The median (wall, CPU) of three."""
    runs = sorted(_raw_floor_once(engine, rows) for _ in range(3))
    return runs[1]


def _raw_floor_once(engine, rows: list[tuple]) -> tuple[float, float]:
    if engine.dialect.name == "sqlite":
        import sqlite3

        con = sqlite3.connect(make_url(engine.url).database, isolation_level=None)
        con.execute("PRAGMA foreign_keys=ON")
        con.execute("PRAGMA synchronous=NORMAL")
        sql = f"INSERT INTO paymentline ({', '.join(RAW_COLUMNS)}) VALUES ({', '.join('?' * len(RAW_COLUMNS))})"
        started, cpu = time.perf_counter(), time.process_time()
        con.execute("BEGIN")
        con.executemany(sql, rows)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        con.execute("ROLLBACK")
        con.close()
        return seconds, cpu
    import psycopg

    plain = make_url(engine.url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(plain) as con:
        started, cpu = time.perf_counter(), time.process_time()
        with con.cursor() as cur:
            with cur.copy(f"COPY paymentline ({', '.join(RAW_COLUMNS)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        con.rollback()
    return seconds, cpu


class _Clock:
    """Wall-clock and CPU time of each step, by name."""

    def __init__(self) -> None:
        self.steps: dict[str, tuple[float, float]] = {}

    def __call__(self, name: str, fn):
        wall, cpu = time.perf_counter(), time.process_time()
        result = fn()
        self.steps[name] = (time.perf_counter() - wall, time.process_time() - cpu)
        return result


def one_run(engine, committee: Actor, manager: Actor, province: int, start: YearMonth, months: int) -> None:
    clock = _Clock()
    with new_session(engine) as session:
        preview = clock("prepare", lambda: prepare_run(session, committee, program="A", province_id=province,
                                                        start=start, months=months))
        budget = preview.total_cost_rial * 9 // 10  # credit 10 % short: the run is cut
        samples = []
        for k in range(7):
            t, c = time.perf_counter(), time.process_time()
            what_if(preview, budget - k * 1_000_000)
            months_percent_grid(preview)
            samples.append((time.perf_counter() - t, time.process_time() - c))
        what_if_step = (statistics.median(w for w, _ in samples), statistics.median(c for _, c in samples))
        run = clock("create (fit + stage draft)", lambda: create_run(
            session, committee, preview, budget_rial=budget, strategy="percent", confirm_unconfirmed_wage=True))
        clock("approve", lambda: approve_run(session, manager, run.id))
        run = clock("finalize", lambda: finalize_run(session, committee, run.id))
        rows = [(0, *r[1:]) for r in session.exec(
            select(PaymentLine.run_id, PaymentLine.application_id, PaymentLine.applicant_id, PaymentLine.program_id,
                   PaymentLine.jalali_year, PaymentLine.jalali_month, PaymentLine.days, PaymentLine.daily_wage_rial,
                   PaymentLine.rate_bp, PaymentLine.percent, PaymentLine.share_percent, PaymentLine.full_amount_rial,
                   PaymentLine.amount_rial, PaymentLine.agency_rial, PaymentLine.government_rial, PaymentLine.county_id)
            .where(PaymentLine.run_id == run.id)).all()]
    # the floor writes the same lines into a run of their own, as another (future) year's months
    with engine.begin() as conn:
        floor_run = conn.execute(select(func.max(PaymentRun.id))).scalar_one() + 1
        insert_rows(conn, PaymentRun, ("id", "program_id", "province_id", "jalali_year", "start_month", "months",
                                       "strategy", "budget_rial", "status", "created_at"),
                    [(floor_run, rows[0][3], province, 1499, 1, 12, "full", 10**16, "draft",
                      datetime.now(timezone.utc))])
        reset_sequences(conn, (PaymentRun,))
    floor_rows = [(floor_run, *r[1:4], 1499, *r[5:], True, "payment", "pending") for r in rows]
    floor = raw_floor(engine, floor_rows)
    service = tuple(sum(step[i] for step in clock.steps.values()) for i in (0, 1))
    label = f"{months}-month run ({start.year}/{start.month:02d}, {len(rows):,} lines, {run.people:,} people, {run.percent} %)"
    print(f"  {label}  [load average {os.getloadavg()[0]:.1f}]")
    print(f"    {'':<28} {'wall':>9}    {'CPU':>9}")
    for name, (wall, cpu) in [*clock.steps.items(), ("what-if + grid (median of 7)", what_if_step),
                              ("services total", service), ("raw floor (same lines)", floor)]:
        print(f"    {name:<28} {wall * 1000:>9.0f} ms {cpu * 1000:>9.0f} ms")
    print(f"    ratio services / floor: {service[0] / floor[0]:.2f}× wall, {service[1] / floor[1]:.2f}× CPU")


def bench(engine, beneficiaries: int, name: str, months: list[int]) -> None:
    started = time.perf_counter()
    committee, manager, province = populate(engine, beneficiaries)
    if engine.dialect.name == "postgresql":  # what autovacuum does after a bulk load: visibility map, statistics
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
    print(f"{name}: {beneficiaries:,} active beneficiaries, {beneficiaries * 12:,} lines of history "
          f"(written in {time.perf_counter() - started:.0f} s, untimed)")
    start = YearMonth(1404, 1)
    for n in months:  # each run after the last one's months
        one_run(engine, committee, manager, province, start, n)
        start = start.add(n)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--beneficiaries", type=int, default=100_000)
    parser.add_argument("--pg", metavar="URL", help="also run against PostgreSQL (a server URL, e.g. …/postgres)")
    parser.add_argument("--no-sqlite", action="store_true", help="skip the SQLite half (with --pg)")
    parser.add_argument("--months", default="1,12", help="the runs, by length in months (default 1,12)")
    args = parser.parse_args()
    months = [int(m) for m in args.months.split(",")]
    if not args.no_sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            engine = make_engine(f"sqlite:///{tmp}/bench.db")
            bench(engine, args.beneficiaries, "SQLite", months)
            engine.dispose()
    if args.pg:
        admin = make_engine(args.pg, isolation_level="AUTOCOMMIT")
        name = f"bimeyar_bench_{uuid.uuid4().hex[:8]}"
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        try:
            engine = make_engine(make_url(make_engine(args.pg).url).set(database=name).render_as_string(hide_password=False))
            bench(engine, args.beneficiaries, "PostgreSQL", months)
            engine.dispose()
        finally:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.dispose()


if __name__ == "__main__":
    main()
