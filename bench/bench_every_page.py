"""Time every page of the navigation on demo databases of growing size (issue 11: «every page
interaction at 100,000 applicants under 100 ms on SQLite», constant in the area's size).

``bench_pages.py`` times the interactions the issue names one by one (the case list's search,
the ranking, the meeting view's steps, …). This script sweeps the rest: each page a user can open
from the sidebar, shown as the role that sees the most of it —

* the national manager for what a manager may open (home, cases, ranking, payments, monitoring,
  the SLA dashboard, the budget estimate, quotas, budgets, the audit log, …),
* the administrator for reference data and users,
* the committee secretary of the county with the most cases for intake, scoring, documents,
  introductions and the import page,
* the provincial committee of the province with the most cases for its sessions page,

a case page (``?id=`` the newest case of that county) included; the meeting view is timed by
``bench_sessions.py``. For each page: its first render with the data caches emptied (as after a
write) and a rerun (median of ``--repeat`` after a warm-up), CPU milliseconds of the process (the
steadier figure on a shared machine) and wall, with the ratio of each size to the smallest.

The bench writes four users into each database: use copies (``--reuse DIR`` of ``demo-<n>.db``
files, as ``bench_demo.py --keep DIR`` leaves them).

    .venv/bin/python bench/bench_every_page.py --reuse DIR [--sizes 10000 100000 300000] [--repeat 5]
        [--pages cases monitoring …]
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import argparse  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

from sqlalchemy import func  # noqa: E402
from sqlmodel import select  # noqa: E402

from bench.bench_pages import _compile_once, _ok, _patch_navigation, database, signed_in_app, use_database  # noqa: E402
from bench.timing import timed_cpu as timed  # noqa: E402
from db.engine import new_session  # noqa: E402
from db.models import Application  # noqa: E402
from lib.permissions import Action, can  # noqa: E402
from services.base import SYSTEM  # noqa: E402
from services.users import actor_for, create_user  # noqa: E402
from ui.nav import PAGES  # noqa: E402

PASSWORD = "bench-pass-1"
COUNTY_ACTIONS = {Action.intake, Action.score, Action.manage_documents, Action.introduce_to_insurer}
SKIPPED = {"pages/meeting.py"}  # needs an open session: bench_sessions.py times it


def name(path: str) -> str:
    return Path(path).stem


def accounts(engine, tag: str) -> tuple[dict, int]:
    """The four users the sweep signs in as, and the newest case of the secretary's county."""
    tag = f"{tag}.{time.time_ns()}"  # a reused database keeps the users of earlier runs
    with new_session(engine) as session:
        county, province = session.exec(
            select(Application.county_id, Application.province_id)
            .group_by(Application.county_id, Application.province_id).order_by(func.count().desc())
        ).first()
        newest = session.exec(select(func.max(Application.id)).where(Application.county_id == county)).one()

        def user(role: str, **area):
            return actor_for(create_user(session, SYSTEM, username=f"bench.{role}.{tag}", full_name="کاربر سنجش",
                                         password=PASSWORD, role=role, **area))

        users = {
            "manager": user("manager"),
            "admin": user("admin"),
            "committee_secretary": user("committee_secretary", province_id=province, county_id=county),
            "province_committee": user("province_committee", province_id=province),
        }
    return users, newest


def who(spec, users: dict):
    """The role that sees the most of the page."""
    if spec.action in COUNTY_ACTIONS:
        return users["committee_secretary"]
    if spec.action is Action.manage_session:
        return users["province_committee"]
    for role in ("manager", "admin", "province_committee"):
        if spec.action is None or can(users[role].role, spec.action):
            return users[role]
    raise LookupError(spec.path)


def page_figures(engine, users: dict, case_id: int, repeat: int, only: set[str] | None) -> dict[str, tuple]:
    import streamlit as st

    _patch_navigation()
    _compile_once()
    use_database(engine)
    figures: dict[str, tuple] = {}
    for spec in PAGES:
        if spec.path in SKIPPED or (only and name(spec.path) not in only):
            continue
        actor = who(spec, users)
        params = {"id": str(case_id)} if spec.path == "pages/case.py" else {}
        at = signed_in_app(engine, actor, spec.path, errors_allowed=True, **params)  # the complaints page warns of overdue ones

        def cold(at=at):
            st.cache_data.clear()
            _ok(at.run())

        for _ in range(2):  # a new process's first runs pay its garbage collector's full passes
            cold()
        label = f"{name(spec.path)} ({actor.role})"
        figures[f"{label}, first render"] = timed(cold, repeat)
        figures[f"{label}, rerun"] = timed(lambda at=at: _ok(at.run()), repeat)
        print(f"  {label}: first {figures[f'{label}, first render'][1] * 1000:.0f} ms CPU, "
              f"rerun {figures[f'{label}, rerun'][1] * 1000:.0f}", flush=True)
    return figures


def report(results: dict[int, dict[str, tuple]], column: int, title: str) -> None:
    sizes = list(results)
    ratios = [f"{n // 1000}k/{sizes[0] // 1000}k" for n in sizes[1:]]
    header = f"{title:<52}" + "".join(f"{n:>10,}" for n in sizes) + "".join(f"{r:>10}" for r in ratios)
    print("\n" + header)
    print("-" * len(header))
    for key in results[sizes[0]]:
        values = [results[n].get(key, (None, None))[column] for n in sizes]
        cells = "".join(f"{v * 1000:>10.0f}" if v is not None else f"{'':>10}" for v in values)
        base = values[0]
        cells += "".join(f"{v / base:>10.2f}" if v and base else f"{'':>10}" for v in values[1:])
        flag = "  over 100 ms" if column == 1 and any(v and v > 0.1 for v in values) else ""
        print(f"{key:<52}{cells}{flag}")


def main() -> None:
    import logging

    logging.getLogger("streamlit").setLevel(logging.ERROR)  # AppTest's notes on every run
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 300_000])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1404)
    parser.add_argument("--reuse", type=Path, default=None, help="a folder of demo-<n>.db files to use (copies)")
    parser.add_argument("--url", default=None, help="a database URL per size with {n} for the size")
    parser.add_argument("--pages", nargs="+", default=None, help="page file names (without .py) to time")
    args = parser.parse_args()
    results: dict[int, dict[str, tuple]] = {}
    with tempfile.TemporaryDirectory(prefix="bimeyar-bench-") as tmp:
        for n in args.sizes:
            engine = database(Path(tmp), args.reuse, n, args.seed, args.url)
            users, case_id = accounts(engine, str(n))
            print(f"{n:,} applicants ({engine.dialect.name})", flush=True)
            results[n] = page_figures(engine, users, case_id, args.repeat, set(args.pages or ()))
            engine.dispose()
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    print(f"\nevery page, median of {args.repeat}, ms; ratio = each size / the smallest; load average {load}")
    report(results, 1, "CPU of the process")
    report(results, 0, "wall")


if __name__ == "__main__":
    main()
