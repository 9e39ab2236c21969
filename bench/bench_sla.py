"""Time the service-agreement dashboard (services.sla_dashboard): the whole country (a national
manager) and one province (a provincial manager), on the demo's data with every stage target set.

    .venv/bin/python bench/bench_sla.py [--applicants 10000 100000] [--repeat 3] [--db-dir /tmp]
        [--url postgresql://…/demo_{n}]

Each size is generated once into ``--db-dir`` (``sla-N.db``, reused when it exists), or ``--url`` names a
database per size holding the demo already (PostgreSQL, say: migrated to the head and given the
targets here, so use a copy). Figures:
median wall and CPU seconds of the bench process (SQLite: the whole work) over ``--repeat`` runs of the
whole dashboard (both programmes, every county) and of what the page reads (programme A without
counties, then its first stage's counties), the events read, and the load average (the machine is
shared: CPU is the steadier figure).
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import argparse  # noqa: E402
import os  # noqa: E402

from sqlalchemy import func, select  # noqa: E402

from db import migrate  # noqa: E402
from db.engine import make_engine, new_session  # noqa: E402
from db.models import Application, ApplicationEvent, Province  # noqa: E402
from db.seed import load_reference_data  # noqa: E402
from demo import generate_demo  # noqa: E402
from lib.permissions import Role  # noqa: E402
from lib.service_agreement import stages_of  # noqa: E402
from services.base import SYSTEM, Actor  # noqa: E402
from services.service_agreement import set_stage_target  # noqa: E402
from services.sla_dashboard import sla_dashboard, stage_by_county  # noqa: E402
from timing import timed_cpu  # noqa: E402


def database(path: Path, applicants: int, url: str | None = None):
    if url:
        engine = make_engine(url.format(n=applicants))
        migrate.upgrade(engine)
    else:
        engine = make_engine(f"sqlite:///{path}")
    if url or not path.exists() or path.stat().st_size == 0:
        if not url:
            migrate.upgrade(engine)
            with new_session(engine) as session:
                load_reference_data(session)
            generate_demo(engine, applicants)
        with new_session(engine) as session:
            for code in ("A", "B"):
                for i, stage in enumerate(stages_of(code)):
                    set_stage_target(session, SYSTEM, program=code, stage=stage, target_days=7 + 7 * i, visits=1)
    return engine


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--applicants", type=int, nargs="+", default=[10_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--db-dir", default="/tmp")
    parser.add_argument("--url", default=None, help="a database per size with the demo, {n} for the size")
    args = parser.parse_args()
    for n in args.applicants:
        engine = database(Path(args.db_dir) / f"sla-{n}.db", n, args.url)
        with new_session(engine) as session:
            events = session.execute(select(func.count()).select_from(ApplicationEvent)).scalar_one()
            busiest = session.exec(select(Application.province_id, func.count()).group_by(Application.province_id)
                                   .order_by(func.count().desc()).limit(1)).first()
            name = session.get(Province, busiest[0]).name
        national = Actor(id=None, username="bench", full_name="bench", role=Role.manager)
        provincial = Actor(id=None, username="bench", full_name="bench", role=Role.manager, province_id=busiest[0])
        for label, actor in (("the country", national), (f"province {name} ({busiest[1]} cases)", provincial)):
            def run(actor=actor):
                with new_session(engine) as session:
                    return sla_dashboard(session, actor)

            def page(actor=actor, program="A"):  # what the page reads: one programme, then one stage's counties
                with new_session(engine) as session:
                    board = sla_dashboard(session, actor, program=program, by_county=False)
                    for figure in board.totals[:1]:
                        stage_by_county(session, actor, program=program, stage=figure.stage)
            for what, call in (("both programmes, every county", run), ("the page's reads, programme A", page)):
                wall, cpu = timed_cpu(call, args.repeat)
                print(f"{n:>8} applicants, {events} events — {label}, {what}: {wall * 1000:,.0f} ms wall, "
                      f"{cpu * 1000:,.0f} ms CPU (load {os.getloadavg()[0]:.1f})")
        engine.dispose()


if __name__ == "__main__":
    main()
