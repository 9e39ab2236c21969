"""Time the monitoring screen (services.monitoring, services.cases): the national table (every
province), one province's drill-down (its counties) and a county's cases, at scale.

    .venv/bin/python bench/bench_monitoring.py [--applicants 100000] [--db /tmp/monitoring.db]
    .venv/bin/python bench/bench_monitoring.py --no-sqlite --pg URL --applicants 1000000 [--pg-db NAME] [--explain]
    ... [--write-cost 100000]   (what the tallies' triggers add to a 100,000-line finalise, SSO's answer, state changes)

The data is the demo's (``demo.generate_demo``: provinces and counties weighted as the demo weights
them, both programmes, cases in every state, a year of payment runs). Above ``--base`` applicants
(100,000) the demo generates ``--base`` and the bench copies their applicants, cases,
introductions and payment lines set-based (``INSERT … SELECT`` over the copy numbers) until there
are ``--applicants``: the same distribution over provinces, counties, programmes, states and
months, new ids, national codes, tracking codes and letter numbers; quotas and credit are scaled
by the same factor so the rows keep their closeness to the limits.

``--db`` keeps the generated SQLite file and reuses it; ``--pg-db NAME`` keeps (and reuses) a
PostgreSQL database of that name under ``--pg``, otherwise a fresh one is created and dropped.
``--explain`` prints each statement's plan (EXPLAIN QUERY PLAN on SQLite, EXPLAIN ANALYZE on
PostgreSQL) with its time. Figures: median and max wall time over ``--repeat`` runs (5), and the
bench process's CPU time (on SQLite that is the whole work; on PostgreSQL the server's is not in it).
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

from sqlalchemy import create_engine, event, func, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from db import migrate  # noqa: E402
from db.bulk import reset_sequences  # noqa: E402
from db.engine import make_engine, new_session  # noqa: E402
from db.models import Applicant, Application, Budget, Introduction, PaymentLine, Quota  # noqa: E402
from db.seed import load_reference_data  # noqa: E402
from demo import generate_demo  # noqa: E402
from lib.jalali import current_year_month  # noqa: E402
from lib.permissions import Role  # noqa: E402
from services.base import Actor  # noqa: E402
from services.cases import list_cases  # noqa: E402
from services.monitoring import monitoring  # noqa: E402

# table → {column: expression over the original row ``t`` and the copy number ``k.k``}; other
# columns are copied as they are. ``{off[X]}`` is table X's largest id before copying.
COPIED = {
    Applicant: {"id": "t.id + k.k * {off[applicant]}", "national_code": "{code}"},
    Application: {"id": "t.id + k.k * {off[application]}", "applicant_id": "t.applicant_id + k.k * {off[applicant]}",
                  "tracking_code": "t.tracking_code || '-' || CAST(k.k AS TEXT)"},
    Introduction: {"id": "t.id + k.k * {off[introduction]}",
                   "application_id": "t.application_id + k.k * {off[application]}",
                   "letter_no": "t.letter_no || '-' || CAST(k.k AS TEXT)"},
    PaymentLine: {"id": "t.id + k.k * {off[paymentline]}", "application_id": "t.application_id + k.k * {off[application]}",
                  "applicant_id": "t.applicant_id + k.k * {off[applicant]}",
                  "corrects_line_id": "t.corrects_line_id + k.k * {off[paymentline]}"},
}


def _code(dialect: str, number: str, width: int = 10) -> str:
    """A national code numbered by ``number`` (unique; the bench needs no checksum)."""
    return f"lpad(CAST({number} AS TEXT), {width}, '0')" if dialect == "postgresql" else f"printf('%0{width}d', {number})"


def _drop_indexes(conn) -> list[str]:
    """PostgreSQL: drop the copied tables' indexes that back no constraint; their definitions."""
    if conn.dialect.name != "postgresql":
        return []
    rows = conn.execute(text(
        "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = ANY(:t) "
        "AND indexname NOT IN (SELECT conname FROM pg_constraint)"
    ), {"t": [model.__tablename__ for model in COPIED]}).all()
    for name, _ in rows:
        conn.execute(text(f'DROP INDEX "{name}"'))
    return [sql for _, sql in rows]


def multiply(engine, factor: int) -> None:
    """Copy the applicants, cases, introductions and payment lines ``factor − 1`` times, set-based."""
    started = time.perf_counter()
    with engine.begin() as conn:
        dialect = conn.dialect.name
        off = {model.__tablename__: int(conn.scalar(select(func.coalesce(func.max(model.id), 0)))) for model in COPIED}
        # the demo's codes are random: number them all so the copies' codes cannot meet them
        # (through codes no digit code can equal, so no row meets another's code on the way)
        conn.execute(text(f"UPDATE applicant SET national_code = 'n' || {_code(dialect, 'id', 9)}"))
        conn.execute(text(f"UPDATE applicant SET national_code = {_code(dialect, 'id')}"))
        indexes = _drop_indexes(conn)
        conn.execute(text("CREATE TEMPORARY TABLE bench_copy (k INTEGER PRIMARY KEY)"))
        conn.execute(text("INSERT INTO bench_copy (k) VALUES (:k)"), [{"k": k} for k in range(1, factor)])
        for model, expressions in COPIED.items():
            table = model.__table__
            names = [c.name for c in table.columns]
            values = [
                expressions.get(n, f"t.{n}").format(off=off, code=_code(dialect, f"t.id + k.k * {off['applicant']}"))
                for n in names
            ]
            conn.execute(text(
                f"INSERT INTO {table.name} ({', '.join(names)}) SELECT {', '.join(values)} "
                f"FROM {table.name} t CROSS JOIN bench_copy k WHERE t.id <= {off[table.name]}"
            ))
        conn.execute(text(f"UPDATE quota SET slots = slots * {factor}"))
        conn.execute(text(f"UPDATE budget SET amount_rial = amount_rial * {factor}"))
        conn.execute(text("DROP TABLE bench_copy"))
        for sql in indexes:  # built once over all the rows: much faster than row by row
            conn.execute(text(sql))
        reset_sequences(conn, [*COPIED, Quota, Budget])
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE"))
    print(f"copied them {factor - 1} times in {time.perf_counter() - started:.1f} s (and analysed)")


def build(engine, applicants: int, base: int) -> None:
    migrate.upgrade(engine)
    with new_session(engine) as session:
        load_reference_data(session)
    started = time.perf_counter()
    generated = min(applicants, base)
    generate_demo(engine, generated, 1404)
    print(f"generated {generated:,} demo applicants in {time.perf_counter() - started:.1f} s")
    if applicants > generated:
        multiply(engine, -(-applicants // generated))


def timed(fn, repeat: int) -> tuple[float, float, float]:
    """(median wall ms, max wall ms, median CPU ms of this process): on a shared machine the wall
    clock includes waiting for a core; the CPU time is what the bench process spent."""
    fn()  # warm the caches once
    wall, cpu = [], []
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        fn()
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    return statistics.median(wall), max(wall), statistics.median(cpu)


def explain(engine, fn) -> None:
    """Run ``fn`` once recording its statements, then print each one's plan."""
    statements: list[tuple[str, object]] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        fn()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    pg = engine.dialect.name == "postgresql"
    with engine.connect() as conn:
        for statement, parameters in statements:
            started = time.perf_counter()
            if pg:
                plan = conn.exec_driver_sql(f"EXPLAIN (ANALYZE, BUFFERS) {statement}", parameters).all()
            else:  # the plan, and the time of the statement itself
                conn.exec_driver_sql(statement, parameters).all()
                plan = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).all()
            took = (time.perf_counter() - started) * 1000
            print(f"\n    -- {took:.1f} ms: {' '.join(statement.split())[:160]}")
            for row in plan:
                print(f"       {row[-1]}")


def measure(engine, label: str, repeat: int, show_plans: bool) -> None:
    with new_session(engine) as session:
        applicants = session.scalar(select(func.count(Applicant.id)))
        cases = session.scalar(select(func.count(Application.id)))
        lines = session.scalar(select(func.count(PaymentLine.id)))
        busiest = session.scalar(
            select(Application.province_id).group_by(Application.province_id).order_by(func.count().desc()).limit(1)
        )
        county = session.scalar(
            select(Application.county_id).where(Application.province_id == busiest)
            .group_by(Application.county_id).order_by(func.count().desc()).limit(1)
        )
    year = current_year_month().year
    national = Actor(id=None, username="bench", full_name="bench", role=Role.manager, province_id=None, county_id=None)
    provincial = Actor(id=None, username="bench", full_name="bench", role=Role.manager, province_id=busiest, county_id=None)
    print(f"\n{label}: {applicants:,} applicants, {cases:,} cases, {lines:,} payment lines; year {year}")

    def run(actor):
        with new_session(engine) as session:
            return monitoring(session, actor, jalali_year=year).areas

    def cases_of_county():
        with new_session(engine) as session:
            return list_cases(session, provincial, county_id=county, limit=500)

    for name, fn in (
        ("national table (provinces)", lambda: run(national)),
        ("province drill-down (counties)", lambda: run(provincial)),
        ("county → its cases (500 rows)", cases_of_county),
    ):
        median, worst, cpu = timed(fn, repeat)
        print(f"  {name:<32} {len(fn()):>4} rows   median {median:7.1f} ms   max {worst:7.1f} ms   CPU {cpu:7.1f} ms")
        if show_plans:
            explain(engine, fn)


TALLY_TRIGGERS = {"paymentline": "spendtally", "application": "casetally"}


def _drop_tally_triggers(conn, table: str) -> None:
    """Inside the measured transaction (rolled back): the table's tally triggers gone."""
    for event_ in ("insert", "update", "delete"):
        name = f"{TALLY_TRIGGERS[table]}_{event_}"
        conn.execute(text(f"DROP TRIGGER {name} ON {table}" if conn.dialect.name == "postgresql" else f"DROP TRIGGER {name}"))


def write_cost(engine, lines: int, repeat: int) -> None:
    """What the tallies' triggers (migration 0017) add to writes: ``lines`` payment lines written
    live in one INSERT … SELECT (a finalise moving a run's lines), SSO's answer for them (one
    UPDATE of their status), and 500 case state changes one statement each — each with the
    triggers and without them (dropped inside the measured transaction, which is rolled back).
    Median of ``repeat``; wall and this process's CPU (SQLite's work is in the process)."""
    table = PaymentLine.__table__
    names = [c.name for c in table.columns]
    with engine.connect() as conn:
        off = int(conn.scalar(select(func.max(PaymentLine.id))))
        cases = list(conn.scalars(select(Application.id).where(Application.state == "active").limit(500)))
    copied = {"id": f"t.id + {off}", "jalali_year": "t.jalali_year + 90"}  # far years: nobody is paid twice
    insert = text(
        f"INSERT INTO paymentline ({', '.join(names)}) SELECT {', '.join(copied.get(n, 't.' + n) for n in names)} "
        f"FROM paymentline t WHERE t.id IN (SELECT id FROM paymentline WHERE live ORDER BY id LIMIT {lines})"
    )
    answer = text("UPDATE paymentline SET sso_status = 'confirmed', sso_reason = NULL WHERE jalali_year > 1480")
    state = text("UPDATE application SET state = :s WHERE id = :i")
    print(f"\n  tally triggers' cost ({lines:,} lines in one statement; 500 case state changes one at a time):")
    for with_triggers in (True, False):
        figures: dict[str, list[tuple[float, float]]] = {"insert": [], "answer": [], "states": []}
        for _ in range(repeat):
            with engine.connect() as conn:
                transaction = conn.begin()
                # pysqlite opens SQLite's transaction at the first write: open it before DROP TRIGGER
                conn.execute(text("DELETE FROM paymentline WHERE 1 = 0"))
                if not with_triggers:
                    _drop_tally_triggers(conn, "paymentline")
                    _drop_tally_triggers(conn, "application")
                for step, run_step in (
                    ("insert", lambda: conn.execute(insert)),
                    ("answer", lambda: conn.execute(answer)),
                    ("states", lambda: [conn.execute(state, {"s": "suspended", "i": i}) for i in cases]),
                ):
                    started, started_cpu = time.perf_counter(), time.process_time()
                    run_step()
                    figures[step].append(((time.perf_counter() - started) * 1000, (time.process_time() - started_cpu) * 1000))
                transaction.rollback()
        label = "with triggers   " if with_triggers else "without triggers"
        print(f"    {label} " + "   ".join(
            f"{step} {statistics.median(w for w, _ in runs):8.1f} ms (CPU {statistics.median(c for _, c in runs):7.1f})"
            for step, runs in figures.items()
        ))


def run_on(url: str, fresh: bool, label: str, args: argparse.Namespace) -> None:
    """Build the data in a fresh database (else bring a kept one's schema up to date), then measure."""
    engine = make_engine(url)
    if fresh:
        build(engine, args.applicants, args.base)
    else:
        migrate.upgrade(engine)
        with engine.connect() as conn:
            there = int(conn.scalar(select(func.count(Applicant.id))))
        if 0 < there < args.applicants:  # a kept database of the demo alone: copy it up to --applicants
            multiply(engine, -(-args.applicants // there))
    measure(engine, label, args.repeat, args.explain)
    if args.write_cost:
        write_cost(engine, args.write_cost, args.repeat)
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--applicants", type=int, default=100_000)
    parser.add_argument("--base", type=int, default=100_000, help="applicants the demo generates; the rest are copies")
    parser.add_argument("--db", type=Path, default=None, help="SQLite file to keep and reuse")
    parser.add_argument("--no-sqlite", action="store_true", help="only PostgreSQL")
    parser.add_argument("--pg", default=None, help="PostgreSQL server URL")
    parser.add_argument("--pg-db", default=None, help="PostgreSQL database to keep and reuse (else a fresh one is dropped)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--explain", action="store_true", help="print each statement's plan")
    parser.add_argument("--write-cost", type=int, default=0, metavar="LINES",
                        help="also time the tally triggers' cost to a write of LINES payment lines (with and without)")
    args = parser.parse_args()
    if not args.no_sqlite:
        with tempfile.TemporaryDirectory(prefix="bimeyar-bench-") as tmp:
            path = args.db or Path(tmp) / "monitoring.db"
            fresh = not path.exists()
            run_on(f"sqlite:///{path}", fresh, "SQLite", args)
    if args.pg:
        admin = make_url(args.pg)
        name = args.pg_db or f"bench_monitoring_{uuid.uuid4().hex[:8]}"
        root = create_engine(admin.set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT")
        with root.connect() as conn:
            fresh = not conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
            if fresh:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            run_on(admin.set(database=name).render_as_string(hide_password=False), fresh, "PostgreSQL", args)
        finally:
            if not args.pg_db:
                with root.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


if __name__ == "__main__":
    main()
