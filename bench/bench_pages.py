"""Time the page interactions of issue 11 on demo databases of growing size; each must cost the
same whatever the size of the area (ratio of the 300,000 to the 10,000 figure under 1.5) and
answer at 100,000 applicants in under 100 ms on SQLite and 200 ms on PostgreSQL.

For each size: a fresh SQLite file with ``generate_demo`` (or ``--reuse DIR`` holding
``demo-<n>.db`` files made earlier; they are brought to the newest migration first; a bench
writes users and a session into them: use copies), or ``--url`` naming a database per size that
holds that demo already (PostgreSQL). Then, through AppTest (median of ``--repeat`` runs after one
warm-up run; the page scripts compiled once, as a running server keeps them):

* case list, manager (national): the first page (first render) and a search for a surname, each
  as a rerun (the page's cache, keyed by the data version, answers) and with the cache emptied
  (the surname finds 123 / 1,034 / 3,096 cases at 10,000 / 100,000 / 300,000: a page of 123
  rows, then 500), and with the cache emptied a word found 500 times or more at every size;
* ranking, provincial committee of the largest province: a rerun of its first page (cached by
  the data version), and the same with the cache emptied (the service runs);
* home, manager (national): the first render (its cache emptied before each run, as after a
  write) and a rerun;
* committee pages (``bench_sessions.py``), provincial committee of the province with the most
  cases waiting, a new open session of it: the sessions page (open, rerun, the agenda's next
  page) and the meeting view (open, one step);

and the service calls behind them alone. Finally (``fresh``) the first page of a freshly started
server: a new Python process renders the sign-in page through AppTest (imports included) and again.
Wall and CPU milliseconds (the machine is shared: CPU time is the steadier figure) and the ratio of
each size to the smallest.

    .venv/bin/python bench/bench_pages.py [--sizes 10000 100000 300000] [--repeat 5] [--reuse DIR]
        [--url postgresql://…/demo_{n}] [--only cases ranking home sessions fresh]
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import argparse  # noqa: E402
from functools import partial  # noqa: E402
import os  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

from sqlalchemy import func  # noqa: E402
from sqlmodel import select  # noqa: E402

from bench.bench_demo import fresh_sqlite  # noqa: E402
from bench.timing import timed_cpu as timed  # noqa: E402  ((wall, CPU) seconds)
from lib.jalali import local_today
from db import migrate  # noqa: E402
from db.engine import make_engine, new_session  # noqa: E402
from db.models import Application, Program  # noqa: E402
from services import committee as cm  # noqa: E402
from services.base import SYSTEM  # noqa: E402
from services.cases import SEARCH_CAP  # noqa: E402
from services.users import actor_for, create_user  # noqa: E402

APP = str(ROOT / "app.py")
PASSWORD = "bench-pass-1"
SEARCH = "تهرانی"  # a surname of the demo's vocabulary
WIDE_SEARCH = "زاده"  # in several surnames: 500 matches or more at every size (a full page, «more than 500»)
PARTS = ("cases", "ranking", "home", "sessions", "fresh")
COUNTED = 10_001  # the case list counts up to «more than 10,000» (pages/cases.py)
SEARCH_COUNTED = SEARCH_CAP + 1  # a search, up to «more than 500» (pages/cases.py)
RANKING_ROWS = 100  # a page of the ranking (pages/ranking.py)
MEMBERS = [cm.MemberInput("deputy", "مهدی نوری"), cm.MemberInput("employment_expert", "نرگس شریفی")]


def actors(engine, n: int | str):
    """(manager, provincial committee user of the province with the most cases awaiting it,
    a new open session of that committee)."""
    n = f"{n}.{time.time_ns()}"  # a reused database keeps the users of earlier runs
    with new_session(engine) as session:
        program = session.exec(select(Program.id).where(Program.code == "A")).one()
        province = session.exec(
            select(Application.province_id).where(Application.program_id == program,
                                                  Application.state == "county_decision")
            .group_by(Application.province_id).order_by(func.count().desc())
        ).first()
        manager = actor_for(create_user(session, SYSTEM, username=f"bench.manager.{n}", full_name="مدیر (سنجش)",
                                        password=PASSWORD, role="manager"))
        committee = actor_for(create_user(session, SYSTEM, username=f"bench.province.{n}", full_name="کمیته استان (سنجش)",
                                          password=PASSWORD, role="province_committee", province_id=province))
        opened = cm.create_session(session, committee, program="A", held_on=local_today(), number=f"bench-{n}",
                                   members=MEMBERS)
    return manager, committee, opened.id


def _patch_navigation() -> None:
    from streamlit.runtime.pages_manager import PagesManager

    original = PagesManager.__init__

    def init(self, *args, **kwargs):  # as the running server has it (see tests/pages/conftest.py)
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    PagesManager.__init__ = init


def _compile_once() -> None:
    """AppTest makes a new script cache per run; a server keeps one: share one, as a server does."""
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache
    from streamlit.testing.v1 import app_test, local_script_runner

    shared = ScriptCache()
    app_test.ScriptCache = local_script_runner.ScriptCache = lambda: shared


def use_database(engine) -> None:
    """Point the app at this size's database: its engine and caches start afresh."""
    import streamlit as st

    os.environ["BIMEYAR_DATABASE_URL"] = engine.url.render_as_string(hide_password=False)
    st.cache_resource.clear()  # the app's engine
    st.cache_data.clear()


def signed_in_app(engine, actor, page: str, *, errors_allowed: bool = False, **params):
    """An AppTest of the whole app, signed in as ``actor`` and showing ``page`` (query ``params``);
    ``errors_allowed``: the page may show an error of its own (never an exception)."""
    from streamlit.testing.v1 import AppTest

    from services.sign_in import start_session

    at = AppTest.from_file(APP, default_timeout=300)
    with new_session(engine) as session:
        at.session_state["session_token"] = start_session(session, actor.id)
    at.session_state["actor"] = actor
    at.run()
    for key, value in params.items():
        at.query_params[key] = value
    at.switch_page(page).run()
    assert not at.exception and (errors_allowed or not at.error), (at.exception, [e.value for e in at.error])
    return at


def app_figures(engine, manager, committee, session_id: int, repeat: int,
                parts: frozenset[str] = frozenset(PARTS)) -> dict[str, tuple[float, float]]:
    """(wall, CPU) seconds of each page interaction through AppTest."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    _patch_navigation()
    _compile_once()
    use_database(engine)
    signed_in = partial(signed_in_app, engine)

    def rerun(at: AppTest):
        return lambda: _ok(at.run())

    figures = {}
    if "cases" in parts:
        figures.update(case_list(signed_in(manager, "pages/cases.py"), repeat))
    if "ranking" in parts:
        figures.update(ranking_figures(signed_in(committee, "pages/ranking.py"), repeat))
    if "home" in parts:
        home = signed_in(manager, "pages/home.py")

        def home_cold():
            st.cache_data.clear()
            _ok(home.run())

        for _ in range(3):  # a new process's first runs pay its garbage collector's full passes (a running
            home_cold()  # server has paid them): otherwise the first size measured looks the slowest
        figures["home, manager, first render"] = timed(home_cold, repeat)
        figures["home, manager, rerun"] = timed(rerun(home), repeat)
    if "sessions" in parts:  # the sessions page and the meeting view
        from bench.bench_sessions import app_figures as committee_figures

        figures.update(committee_figures(engine, committee, session_id, repeat))
    return figures


def case_list(cases, repeat: int) -> dict[str, tuple[float, float]]:
    import streamlit as st

    def uncached(step):  # the page's caches (keyed by the data version) emptied: the services run
        def run():
            st.cache_data.clear()
            step()
        return run

    first_page = lambda: _ok(cases.switch_page("pages/cases.py").run())  # noqa: E731
    figures = {"case list, first page": timed(first_page, repeat),
               "case list, first page, uncached": timed(uncached(first_page), repeat)}
    cases.text_input(key="cases_search").input(SEARCH)
    search = lambda: _ok(cases.button[0].click().run())  # noqa: E731
    figures["case list, search"] = timed(search, repeat)
    figures["case list, search, uncached"] = timed(uncached(search), repeat)
    assert len(cases.dataframe[0].value), "the search found no case: the bench would time an empty list"
    cases.text_input(key="cases_search").input(WIDE_SEARCH)  # the same rows shown at any size
    figures["case list, search of 500+, uncached"] = timed(uncached(search), repeat)
    assert len(cases.dataframe[0].value) == SEARCH_CAP, "the wide search should fill a page"

    return figures


def ranking_figures(ranking, repeat: int) -> dict[str, tuple[float, float]]:
    import streamlit as st

    figures = {"ranking, province, rerun": timed(lambda: _ok(ranking.run()), repeat)}

    def ranking_cold():  # the page's cache (keyed by the data version) emptied: the service runs
        st.cache_data.clear()
        _ok(ranking.run())

    figures["ranking, province, uncached"] = timed(ranking_cold, repeat)
    return figures


def _ok(at) -> None:
    assert not at.exception, at.exception


def service_figures(engine, manager, committee, session_id: int, repeat: int,
                    parts: frozenset[str] = frozenset(PARTS)) -> dict[str, tuple[float, float]]:
    """(wall, CPU) seconds of the service calls behind the pages, alone."""
    from services.cases import count_cases, list_cases
    from services.dashboard import area_summary
    from services.ranking import ranking_page

    def call(fn, actor, *args, **kwargs):
        def run():
            with new_session(engine) as session:
                fn(session, actor, *args, **kwargs)
        return run

    def both(*calls):
        return lambda: [c() for c in calls]

    figures = {}
    if "cases" in parts:
        figures["list_cases + count_cases"] = timed(
            both(call(list_cases, manager), call(count_cases, manager, at_most=COUNTED)), repeat)
        figures["... with search"] = timed(both(call(list_cases, manager, text=SEARCH),
                                                call(count_cases, manager, text=SEARCH, at_most=SEARCH_COUNTED)), repeat)
    if "ranking" in parts:
        figures["ranking_page (province)"] = timed(call(ranking_page, committee, limit=RANKING_ROWS), repeat)
    if "home" in parts:
        figures["area_summary (national)"] = timed(call(area_summary, manager), repeat)
    if "sessions" in parts:
        from bench.bench_sessions import service_figures as committee_services

        figures.update(committee_services(engine, committee, session_id, repeat, before=False))
    return figures

FRESH = """
import sys, time
sys.path.insert(0, {root!r})
started = time.perf_counter()
from streamlit.testing.v1 import AppTest
from bench.bench_pages import _patch_navigation
_patch_navigation()
at = AppTest.from_file({app!r}, default_timeout=120)
at.run()
assert not at.exception, at.exception
first = time.perf_counter() - started
started = time.perf_counter()
AppTest.from_file({app!r}, default_timeout=120).run()
print(first, time.perf_counter() - started)
"""


def fresh_server(url: str, repeat: int) -> tuple[float, float]:
    """(first page in a new process, the same page again), median seconds over ``repeat`` processes."""
    firsts, laters = [], []
    for _ in range(repeat):
        out = subprocess.run([sys.executable, "-c", FRESH.format(root=str(ROOT), app=APP)], capture_output=True,
                             text=True, check=True, env={**os.environ, "BIMEYAR_DATABASE_URL": url}).stdout
        first, later = map(float, out.split()[-2:])
        firsts.append(first)
        laters.append(later)
    return statistics.median(firsts), statistics.median(laters)


def database(directory: Path, reuse: Path | None, n: int, seed: int, url: str | None = None):
    if url:  # a database holding the demo of this size already (PostgreSQL, say)
        engine = make_engine(url.format(n=n))
        migrate.upgrade(engine)
        return engine
    if reuse is not None and (reuse / f"demo-{n}.db").exists():
        engine = make_engine(f"sqlite:///{reuse / f'demo-{n}.db'}")
        migrate.upgrade(engine)
        return engine
    from demo import generate_demo

    engine, _ = fresh_sqlite(directory, f"demo-{n}.db")
    generate_demo(engine, n, seed)
    return engine


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 300_000])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1404)
    parser.add_argument("--reuse", type=Path, default=None, help="a folder of demo-<n>.db files to use")
    parser.add_argument("--url", default=None,
                        help="a database URL per size with {n} for the size, each holding that demo already "
                             "(e.g. postgresql://…/demo_{n})")
    parser.add_argument("--only", nargs="+", choices=PARTS, default=list(PARTS), help="the pages to time")
    args = parser.parse_args()
    parts = frozenset(args.only)
    results: dict[int, dict[str, tuple[float, float | None]]] = {}
    agendas: dict[int, int] = {}
    with tempfile.TemporaryDirectory(prefix="bimeyar-bench-") as tmp:
        for n in args.sizes:
            engine = database(Path(tmp), args.reuse, n, args.seed, args.url)
            dialect = engine.dialect.name
            manager, committee, session_id = actors(engine, n)
            if "sessions" in parts:
                with new_session(engine) as session:
                    agendas[n] = len(cm.agenda_index(session, committee, session_id))
            figures = app_figures(engine, manager, committee, session_id, args.repeat, parts)
            figures.update(service_figures(engine, manager, committee, session_id, args.repeat, parts))
            if n == args.sizes[0] and "fresh" in parts:
                first, later = fresh_server(engine.url.render_as_string(hide_password=False), args.repeat)
                figures["fresh server, first page"], figures["fresh server, next page"] = (first, None), (later, None)
            results[n] = figures
            engine.dispose()
            print(f"{n:,} applicants done", flush=True)
            sizes = list(results)  # the table so far: the largest sizes take long
            load = " ".join(Path("/proc/loadavg").read_text().split()[:3]) if Path("/proc/loadavg").exists() else "?"
            print(f"\npage interactions on {dialect} demo data, median of {args.repeat}, ms; ratio = each size / "
                  f"the smallest; load average {load}")
            if agendas:
                print("agenda of the provincial committee: " + ", ".join(f"{agendas[k]:,} cases at {k:,}" for k in sizes))
            for column, title in ((0, "wall"), (1, "CPU of the process (all threads)")):
                report(results, sizes, column, title)
            print(flush=True)


def report(results: dict[int, dict[str, tuple[float, float | None]]], sizes: list[int], column: int, title: str) -> None:
    ratios = [f"{n // 1000}k/{sizes[0] // 1000}k" for n in sizes[1:]]
    header = f"{title:<34}" + "".join(f"{n:>10,}" for n in sizes) + "".join(f"{r:>10}" for r in ratios)
    print("\n" + header)
    print("-" * len(header))
    for name in results[sizes[0]]:
        values = [(results[n].get(name) or (None, None))[column] for n in sizes]
        if all(v is None for v in values):
            continue
        cells = "".join(f"{'' if v is None else f'{v * 1000:.1f}':>10}" for v in values)
        cells += "".join(f"{'' if v is None or not values[0] else f'{v / values[0]:.2f}':>10}" for v in values[1:])
        print(f"{name:<34}{cells}")


if __name__ == "__main__":
    main()
