"""Time the case list's search on PostgreSQL demo databases, read a window of case numbers at a time
(migration 0023, ``db.search.newest_window``; a word in fewer than one case in 80 reads the whole
trigram bitmap after the first window) against the whole trigram bitmap as before, for words
matching many cases, some and one.

Each figure is what the case page asks for a search (``list_cases`` and ``count_cases`` up to
«more than 500», one database session), as the national manager; the two ways alternate call by
call so that they share the machine's load. Printed per size and word: the matches in all, and
median wall ms, the app's CPU ms and the database server's CPU ms (the backend's user + system
time from /proc, averaged over the calls: the steadier figure on a shared machine).

    .venv/bin/python bench/bench_search.py --url 'postgresql://…/demo_{n}' [--sizes 10000 100000] [--repeat 21]

The databases are read only (brought to the newest migration first).
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import argparse  # noqa: E402
import os  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from unittest import mock  # noqa: E402

from sqlalchemy import func, text  # noqa: E402
from sqlmodel import select  # noqa: E402

import services.cases  # noqa: E402
from db import migrate  # noqa: E402
from db.engine import make_engine, new_session  # noqa: E402
from db.models import Applicant, User  # noqa: E402
from services.cases import SEARCH_CAP, count_cases, list_cases  # noqa: E402
from services.users import actor_for  # noqa: E402

WIDE = "زاده"  # in several surnames: some 6 % of the cases
SURNAME = "تهرانی"  # one surname: about 1 %
TICKS = os.sysconf("SC_CLK_TCK")


def _backend_cpu(pid: int) -> float:
    """Seconds of CPU the database backend ``pid`` has used (user + system)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def _search(engine, actor, word: str) -> tuple[float, float, float]:
    """(wall, app CPU, server CPU) seconds of one search as the case page makes it."""
    with new_session(engine) as session:
        pid = session.exec(text("SELECT pg_backend_pid()")).one()[0]
        server, started, cpu = _backend_cpu(pid), time.perf_counter(), time.process_time()
        list_cases(session, actor, text=word)
        count_cases(session, actor, text=word, at_most=SEARCH_CAP + 1)
        wall, app = time.perf_counter() - started, time.process_time() - cpu
        return wall, app, _backend_cpu(pid) - server


def _whole_bitmap():
    """The search as before migration 0023: every match from the trigram index, the highest kept."""
    return mock.patch.object(services.cases, "_registered_last", lambda *args: None)


def figures(engine, actor, words: dict[str, str], repeat: int) -> dict[tuple[str, str], tuple[float, float, float]]:
    """(word label, way) → (median wall, median app CPU, mean server CPU) in ms."""
    runs: dict[tuple[str, str], list[tuple[float, float, float]]] = {}
    for label, word in words.items():
        _search(engine, actor, word)  # warm-up: caches and the connection
        with _whole_bitmap():
            _search(engine, actor, word)
        for _ in range(repeat):
            runs.setdefault((label, "windows"), []).append(_search(engine, actor, word))
            with _whole_bitmap():
                runs.setdefault((label, "whole bitmap"), []).append(_search(engine, actor, word))
    return {key: (1000 * statistics.median(r[0] for r in rows), 1000 * statistics.median(r[1] for r in rows),
                  1000 * statistics.fmean(r[2] for r in rows)) for key, rows in runs.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True, help="a PostgreSQL URL with {n} for the size")
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--repeat", type=int, default=21)
    args = parser.parse_args()
    for n in args.sizes:
        engine = make_engine(args.url.format(n=n))
        migrate.upgrade(engine)
        with new_session(engine) as session:
            manager = session.exec(select(User).where(User.role == "manager", User.province_id.is_(None))).first()
            actor = actor_for(manager)
            # one national code about half way through the cases: one match, the rarest search
            middle = session.exec(select(func.max(Applicant.id))).one() // 2
            national = session.exec(select(Applicant.national_code).where(Applicant.id >= middle)
                                    .order_by(Applicant.id)).first()
            words = {f"{WIDE} (wide)": WIDE, f"{SURNAME} (surname)": SURNAME, "a national code (one case)": national}
            matches = {label: count_cases(session, actor, text=word) for label, word in words.items()}
        load = open("/proc/loadavg").read().split()[:3]
        results = figures(engine, actor, words, args.repeat)
        print(f"\n{n:,} applicants, load average {' '.join(load)} → {' '.join(open('/proc/loadavg').read().split()[:3])}; "
              f"median of {args.repeat}, ms (server: the backend's CPU, mean)")
        print(f"{'word (matches)':40} {'way':>13} {'wall':>7} {'app CPU':>8} {'server CPU':>11}")
        for (label, way), (wall, app, server) in results.items():
            print(f"{label + f' ({matches[label]:,})':40} {way:>13} {wall:7.1f} {app:8.1f} {server:11.1f}")


if __name__ == "__main__":
    main()
