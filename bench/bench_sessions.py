"""Time the committee pages of issue 11 on demo databases of growing size: the sessions page of the
provincial committee (open, rerun, the agenda's next page) and the meeting view (open, one step)
must cost the same whatever the size of the area (ratio of the largest to the smallest size).

For each size: a fresh SQLite file with ``generate_demo`` (or ``--reuse DIR`` holding
``demo-<n>.db``, brought to the newest migration), the provincial committee of the province with
the most cases awaiting it, and a new open session of it. Then, through AppTest as that user
(median of ``--repeat`` runs after one warm-up; the page scripts compiled once, as a running
server keeps them — AppTest alone recompiles them on every run), and the service calls behind
them alone. Wall and CPU milliseconds: the machine is shared, CPU time is the steadier figure.
Each interaction's database statements and connections taken from the pool (on PostgreSQL each
connection also costs a ping and a rollback: round trips = statements + 2 × connections) are
counted on one more run and printed as the size finishes.

    .venv/bin/python bench/bench_sessions.py [--sizes 10000 100000] [--repeat 5] [--reuse DIR]
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import argparse  # noqa: E402
import tempfile  # noqa: E402
from collections.abc import Callable  # noqa: E402

from bench.bench_pages import (  # noqa: E402
    _compile_once, _patch_navigation, actors, database, signed_in_app, use_database,
)
from bench.timing import timed_cpu as _timed_cpu  # noqa: E402
from db.engine import new_session  # noqa: E402
from services import committee as cm  # noqa: E402
from services.committee import meeting as mt  # noqa: E402

PAGE = 25  # pages/sessions.py AGENDA_PAGE


def count_round_trips(fn: Callable[[], object]) -> tuple[int, int]:
    """(SQL statements, connections taken from the pool) of one call of ``fn``, in every engine."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine
    from sqlalchemy.pool import Pool

    counts = [0, 0]

    def statement(*_):
        counts[0] += 1

    def checkout(*_):
        counts[1] += 1

    event.listen(Engine, "before_cursor_execute", statement)
    event.listen(Pool, "checkout", checkout)
    try:
        fn()
    finally:
        event.remove(Engine, "before_cursor_execute", statement)
        event.remove(Pool, "checkout", checkout)
    return counts[0], counts[1]


def timed_cpu(fn: Callable[[], object], repeat: int, name: str | None = None) -> tuple[float, float]:
    """bench.timing.timed_cpu; with ``name``, then one more run whose database statements and
    connections are counted and printed."""
    figures = _timed_cpu(fn, repeat)
    if name is not None:
        statements, connections = count_round_trips(fn)
        print(f"  {name}: {statements} SQL statements, {connections} connections from the pool", flush=True)
    return figures


def app_figures(engine, committee, session_id: int, repeat: int) -> dict[str, tuple[float, float]]:
    use_database(engine)

    def signed_in(page: str, **params):
        return signed_in_app(engine, committee, page, **params)

    figures = {}
    sessions = signed_in("pages/sessions.py", session=str(session_id))
    figures["sessions page, open"] = timed_cpu(lambda: _ok(sessions.switch_page("pages/sessions.py").run()), repeat,
                                               "sessions page, open")
    figures["sessions page, rerun"] = timed_cpu(lambda: _ok(sessions.run()), repeat, "sessions page, rerun")
    def picker():
        return next((s for s in sessions.selectbox if s.key == f"agenda_page_{session_id}"), None)

    if picker() is None:
        print("no agenda page picker: " + "; ".join(c.value for c in sessions.caption), flush=True)
    else:
        last = len(picker().options)

        def turn() -> None:  # to and fro between the first and the last page of the agenda
            pages = picker()
            _ok(pages.select_index(last - 1 if pages.index == 0 else 0).run())

        figures["sessions page, agenda page"] = timed_cpu(turn, repeat, "sessions page, agenda page")

    meeting = signed_in("pages/meeting.py", session=str(session_id))

    def open_meeting() -> None:  # the agenda strip's order is taken when the meeting opens (once per meeting)
        del meeting.session_state[f"meeting_strip_{session_id}"]
        _ok(meeting.switch_page("pages/meeting.py").run())

    def open_after_write() -> None:  # every read of the data version gone, as after a write
        import streamlit as st

        st.cache_data.clear()
        open_meeting()

    # from the sessions page, the agenda's order is in the cache of this data version already
    figures["meeting view, open"] = timed_cpu(open_meeting, repeat, "meeting view, open")
    figures["meeting view, open after a write"] = timed_cpu(open_after_write, repeat,
                                                            "meeting view, open after a write")

    def step() -> None:
        button = meeting.button(key="meeting_next")
        _ok((meeting.button(key="meeting_prev") if button.disabled else button).click().run())

    figures["meeting view, step"] = timed_cpu(step, repeat, "meeting view, step")
    return figures


def _ok(at):
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    return at


def service_figures(engine, committee, session_id: int, repeat: int, *, before: bool = True
                    ) -> dict[str, tuple[float, float]]:
    """(wall, CPU) seconds of the service calls behind the committee pages; with ``before``, also
    the whole agenda as the sessions page built it on every run before it was paged."""
    with new_session(engine) as session:
        index = cm.agenda_index(session, committee, session_id)
        middle = len(index) // 2
        case, shown = index.ids[middle], index.ids[max(middle - 4, 0):middle + 5]

    def call(fn: Callable, *args, **kwargs):
        def run():
            with new_session(engine) as session:
                fn(session, committee, *args, **kwargs)
        return run

    def both(*calls):
        return lambda: [c() for c in calls]

    figures = {
        "agenda order (after a write)": timed_cpu(call(cm.agenda_index, session_id), repeat),
        "agenda page of 25": timed_cpu(call(cm.agenda_page, session_id, index, len(index) // 2, PAGE), repeat),
        "session + its decisions": timed_cpu(both(call(cm.session_view, session_id, decisions=False),
                                                  call(cm.session_decisions, session_id)), repeat),
        "sessions list": timed_cpu(call(cm.list_sessions, level="province"), repeat),
        "awaiting activation page": timed_cpu(both(call(cm.count_awaiting_activation),
                                                   call(cm.awaiting_activation, limit=50)), repeat),
        "meeting step reads": timed_cpu(both(call(mt.meeting_state, session_id),
                                             call(mt.meeting_step, session_id, case, middle + 1, shown)), repeat),
    }
    if before:
        figures["whole agenda (before)"] = timed_cpu(call(cm.agenda, session_id), max(1, repeat // 2))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1404)
    parser.add_argument("--reuse", type=Path, default=None, help="a folder of demo-<n>.db files to use")
    args = parser.parse_args()
    _patch_navigation()
    _compile_once()
    results: dict[int, dict[str, tuple[float, float]]] = {}
    agendas: dict[int, int] = {}
    with tempfile.TemporaryDirectory(prefix="bimeyar-bench-") as tmp:
        for n in args.sizes:
            engine = database(Path(tmp), args.reuse, n, args.seed)
            _, committee, session_id = actors(engine, n)
            with new_session(engine) as session:
                agendas[n] = len(cm.agenda_index(session, committee, session_id))
            figures = app_figures(engine, committee, session_id, args.repeat)
            figures.update(service_figures(engine, committee, session_id, args.repeat))
            results[n] = figures
            engine.dispose()
            print(f"{n:,} applicants done (agenda of {agendas[n]:,} cases)", flush=True)
    sizes = args.sizes
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    print(f"\ncommittee pages on SQLite demo data, median of {args.repeat}, wall / CPU ms; ratio = largest / smallest "
          f"size, of CPU (load average {load})")
    print("agenda of the provincial committee: " + ", ".join(f"{agendas[n]:,} cases at {n:,}" for n in sizes))
    header = f"{'interaction':<34}" + "".join(f"{n:>18,}" for n in sizes) + f"{'ratio':>8}"
    print(header)
    print("-" * len(header))
    for name in results[sizes[0]]:
        values = [results[n].get(name, (float("nan"), float("nan"))) for n in sizes]
        cells = "".join(f"{f'{w * 1000:.1f} / {c * 1000:.1f}':>18}" for w, c in values)
        ratio = f"{values[-1][1] / values[0][1]:.2f}" if len(sizes) > 1 and values[0][1] else ""
        print(f"{name:<34}{cells}{ratio:>8}")


if __name__ == "__main__":
    main()
