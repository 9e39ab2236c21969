"""Benchmark: the Excel payment list of a 100,000-line run (issue 7 asks for under 10 s).

Builds a fresh SQLite database (or the PostgreSQL database named by ``--database-url``, which
must be empty: it is migrated and filled), writes 100,000 applicants with their cases and one
finalised run of one month paying each of them, then times ``payment_list`` (the query, the
fixed layout, the checksum and the .xlsx) as the screen and ``bimeyar export-run`` call it, and the
summary PDF. Prints figures (best of 3); asserts nothing about time.

    .venv/bin/python bench/bench_payment_export.py [--lines 100000] [--database-url postgresql://…]
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from datetime import date, datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlmodel import select  # noqa: E402

from db import migrate  # noqa: E402
from db.bulk import insert_payment_lines, insert_rows, next_id, reset_sequences  # noqa: E402
from db.engine import make_engine, new_session  # noqa: E402
from db.models import Applicant, Application, County, PaymentRun, Program  # noqa: E402
from db.seed import load_reference_data  # noqa: E402
from lib.identifiers import generate_national_code  # noqa: E402
from lib.payments import program_b_shares  # noqa: E402
from services.base import SYSTEM  # noqa: E402
from services.payments.exports import payment_list, summary_pdf  # noqa: E402

NOW = datetime(2025, 5, 1, tzinfo=timezone.utc)


def fill(engine, lines: int) -> int:
    """A finalised programme-B run of one month (Tehran province) with ``lines`` people; its id."""
    rng = random.Random(1404)
    with new_session(engine) as session:
        counties = session.exec(select(County.id, County.province_id).where(County.province_id == select(County.province_id).where(County.name == "تهران").scalar_subquery())).all()
        program = session.exec(select(Program.id).where(Program.code == "B")).one()
    with engine.begin() as conn:
        first_applicant, first_application = next_id(conn, Applicant), next_id(conn, Application)
        run_id = next_id(conn, PaymentRun)
        codes: set[str] = set()
        applicants, applications, line_rows = [], [], []
        total = agency_total = government_total = 0
        for i in range(lines):
            code = generate_national_code(rng)
            while code in codes:
                code = generate_national_code(rng)
            codes.add(code)
            county, province = counties[i % len(counties)]
            applicant_id, application_id = first_applicant + i, first_application + i
            applicants.append((applicant_id, code, "مریم", f"احمدی {i}", county, True, NOW))
            applications.append((application_id, f"BX{i:08d}", applicant_id, program, county, province, "in_person",
                                 "active", date(2025, 3, 1), True, NOW, NOW))
            amount = 3_463_656 * 31 * 1800 // 10_000
            shares = program_b_shares(amount)
            total += amount
            agency_total += shares["agency"]
            government_total += shares["government"]
            line_rows.append((run_id, application_id, applicant_id, program, 1404, 1, 31, 3_463_656, 1800, 100, 100,
                              amount, amount, shares["agency"], shares["government"], True, "payment", county))
        province = counties[0][1]
        insert_rows(conn, Applicant, ("id", "national_code", "first_name", "last_name", "county_id", "is_demo", "created_at"), applicants)
        insert_rows(conn, Application, ("id", "tracking_code", "applicant_id", "program_id", "county_id", "province_id", "channel",
                                        "state", "applied_on", "is_demo", "created_at", "updated_at"), applications)
        insert_rows(conn, PaymentRun, ("id", "program_id", "province_id", "jalali_year", "start_month", "months", "end_year",
                                       "end_month", "strategy", "percent", "budget_rial", "total_rial", "agency_rial",
                                       "government_rial", "people", "line_count", "status", "created_at", "finalized_at"),
                    [(run_id, program, province, 1404, 1, 1, 1404, 1, "full", 100, total, total, agency_total,
                      government_total, lines, lines, "finalized", NOW, NOW)])
        insert_payment_lines(conn, line_rows, columns=(
            "run_id", "application_id", "applicant_id", "program_id", "jalali_year", "jalali_month", "days",
            "daily_wage_rial", "rate_bp", "percent", "share_percent", "full_amount_rial", "amount_rial", "agency_rial",
            "government_rial", "live", "line_kind", "county_id"))
        reset_sequences(conn, (Applicant, Application, PaymentRun))
    return run_id


def best_of(runs: int, fn):
    """(best wall seconds, best CPU seconds of this process, result). On a shared machine the wall
    time includes waiting for a core; the CPU time is what the export itself costs."""
    times, cpu, result = [], [], None
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        result = fn()
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return min(times), min(cpu), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--database-url", help="an empty database to fill (default: a temporary SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{Path(folder) / 'bench.db'}"
        engine = make_engine(url)
        migrate.upgrade(engine)
        with new_session(engine) as session:
            load_reference_data(session)
        start = time.perf_counter()
        run_id = fill(engine, args.lines)
        print(f"database: {engine.dialect.name}; {args.lines:,} lines written in {time.perf_counter() - start:.1f} s")

        def export():
            with new_session(engine) as session:
                return payment_list(session, SYSTEM, run_id)

        def pdf():
            with new_session(engine) as session:
                return summary_pdf(session, SYSTEM, run_id)

        seconds, cpu, exported = best_of(3, export)
        print(f"Excel payment list, {exported.lines:,} lines: {seconds:.2f} s wall, {cpu:.2f} s CPU (best of 3), "
              f"{len(exported.content) / 1e6:.1f} MB, sha256 {exported.checksum[:16]}…")
        seconds, cpu, document = best_of(3, pdf)
        print(f"summary PDF of the same run: {seconds:.2f} s wall, {cpu:.2f} s CPU (best of 3), {len(document) / 1e3:.0f} kB")
        print(f"load average while measuring: {', '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
        engine.dispose()


if __name__ == "__main__":
    main()
