"""Payment SMS at scale: queuing one message per person of a finalised run (services.notify.
queue_payment_sms, the INSERT … SELECT that finalize_run calls) for 100,000 beneficiaries who all
have a mobile, side by side with the floor: a raw ``executemany`` (SQLite) or ``COPY`` (PostgreSQL)
of the same rows with their bodies already rendered in Python. Each measurement is rolled back.

The beneficiaries and their year of finalised lines are bench_payment_runs.populate's.

    .venv/bin/python bench/bench_sms_payments.py [--beneficiaries 100000] [--pg postgresql://…/postgres [--no-sqlite]]
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import argparse  # noqa: E402
import os  # noqa: E402
import tempfile  # noqa: E402
import uuid  # noqa: E402

from sqlalchemy import func, select, text, update  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bench_payment_runs import populate  # noqa: E402
from db.bulk import insert_rows  # noqa: E402
from db.engine import make_engine, new_session  # noqa: E402
from db.models import Applicant, Notification, PaymentLine, PaymentRun, utcnow  # noqa: E402
from lib.sms_templates import EVENTS, render  # noqa: E402
from lib.text import format_number  # noqa: E402
from services.notify import queue_payment_sms  # noqa: E402
from timing import timed_cpu  # noqa: E402

PERIOD = "فروردین ۱۴۰۳ تا اسفند ۱۴۰۳"


def biggest_run(engine) -> int:
    with new_session(engine) as session:
        return session.execute(
            select(PaymentLine.run_id).group_by(PaymentLine.run_id).order_by(func.count().desc()).limit(1)
        ).scalar_one()


def services_path(engine, run_id: int) -> tuple[float, float, int]:
    counted = []

    def once() -> None:
        with new_session(engine) as session:
            queue_payment_sms(session, run_id, PERIOD)
            counted.append(session.execute(select(func.count(Notification.id))).scalar_one())
            session.rollback()

    wall, cpu = timed_cpu(once, repeat=3)
    return wall, cpu, counted[-1]


def raw_floor(engine, run_id: int) -> tuple[float, float]:
    """The same rows, bodies rendered in Python beforehand, written by db.bulk (executemany / COPY)."""
    with new_session(engine) as session:
        people = session.execute(
            select(PaymentLine.applicant_id, func.min(PaymentLine.application_id), func.sum(PaymentLine.amount_rial),
                   Applicant.first_name, Applicant.last_name, Applicant.mobile)
            .join(Applicant, Applicant.id == PaymentLine.applicant_id)
            .where(PaymentLine.run_id == run_id).group_by(PaymentLine.applicant_id, Applicant.first_name,
                                                          Applicant.last_name, Applicant.mobile)
        ).all()
    template, now = EVENTS["payment.paid"].default, utcnow()
    rows = [
        (applicant, case, "sms", mobile, "payment.paid", render(template, {
            "نام": f"{first} {last}", "مبلغ": format_number(int(amount)), "دوره": PERIOD}), "queued", now, 0, False)
        for applicant, case, amount, first, last, mobile in people
    ]
    columns = ("applicant_id", "application_id", "channel", "mobile", "event", "body", "status", "created_at",
               "attempts", "outcome_unknown")

    def once() -> None:
        with engine.connect() as conn:
            trans = conn.begin()
            insert_rows(conn, Notification, columns, rows)
            trans.rollback()

    return timed_cpu(once, repeat=3)


def bench(engine, beneficiaries: int, name: str) -> None:
    populate(engine, beneficiaries)
    with engine.begin() as conn:  # everyone has a mobile: every person gets a message
        conn.execute(update(Applicant).values(mobile="09121234567"))
    run_id = biggest_run(engine)
    wall, cpu, queued = services_path(engine, run_id)
    floor_wall, floor_cpu = raw_floor(engine, run_id)
    print(f"{name}: {beneficiaries:,} beneficiaries, run {run_id} → {queued:,} messages")
    print(f"  queue_payment_sms (INSERT … SELECT): wall {wall:.2f} s, CPU {cpu:.2f} s")
    print(f"  floor (bodies rendered in Python, then executemany/COPY): wall {floor_wall:.2f} s, CPU {floor_cpu:.2f} s")
    print(f"  ratio (wall) {wall / floor_wall:.2f}×   load {open('/proc/loadavg').read().split()[:3]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--beneficiaries", type=int, default=100_000)
    parser.add_argument("--pg", metavar="URL", help="also run against PostgreSQL (a server URL, e.g. …/postgres)")
    parser.add_argument("--no-sqlite", action="store_true", help="skip the SQLite half (with --pg)")
    args = parser.parse_args()
    if not args.no_sqlite:
        with tempfile.TemporaryDirectory() as folder:
            engine = make_engine(f"sqlite:///{os.path.join(folder, 'bench.db')}")
            bench(engine, args.beneficiaries, "SQLite")
            engine.dispose()
    if args.pg:
        server = make_url(args.pg)
        name = f"bench_sms_{uuid.uuid4().hex[:8]}"
        admin = make_engine(server.render_as_string(hide_password=False), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            engine = make_engine(server.set(database=name).render_as_string(hide_password=False))
            bench(engine, args.beneficiaries, "PostgreSQL")
            engine.dispose()
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
            admin.dispose()


if __name__ == "__main__":
    main()
