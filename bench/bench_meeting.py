"""Time the meeting view (نمای جلسه) on demo databases of growing size: one step must cost the
same whatever the size of the area.

For each size: a fresh SQLite file with ``generate_demo``; a new open session of the committee
(county or province, programme A) whose agenda is the largest; then, through AppTest as a member
of that committee, the first render (reads the agenda's order once) and a step (a click on «بعدی»:
one case, the names in the strip's window and this session's decisions), median of ``--repeat`` runs. For comparison, the service
reads alone: the whole agenda with every case's details (what a step read before) and what a step
reads now.

    .venv/bin/python bench/bench_meeting.py [--sizes 10000 100000 300000] [--repeat 5]
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import argparse  # noqa: E402
import os  # noqa: E402
import tempfile  # noqa: E402

from sqlalchemy import func  # noqa: E402
from sqlmodel import select  # noqa: E402

from bench.bench_demo import fresh_sqlite  # noqa: E402
from lib.jalali import local_today
from db.engine import new_session  # noqa: E402
from db.models import Application, Program  # noqa: E402
from demo import generate_demo  # noqa: E402
from services import committee as cm  # noqa: E402
from services.base import SYSTEM  # noqa: E402
from services.committee import meeting as mt  # noqa: E402
from services.users import actor_for, create_user  # noqa: E402
from bench.timing import timed  # noqa: E402

APP = str(Path(__file__).resolve().parent.parent / "app.py")
PASSWORD = "bench-pass-1"
MEMBERS = {
    "county": [cm.MemberInput("head", "رضا کریمی"), cm.MemberInput("employment_expert", "زهرا موسوی")],
    "province": [cm.MemberInput("deputy", "مهدی نوری"), cm.MemberInput("employment_expert", "نرگس شریفی")],
}


def committees(engine) -> list[tuple[str, int, int]]:
    """(level, area id, cases waiting) of the programme A committee of each level with the most
    cases waiting, most first."""
    with new_session(engine) as session:
        program = session.exec(select(Program.id).where(Program.code == "A")).one()
        county = session.exec(
            select(Application.county_id, func.count()).where(Application.program_id == program,
                                                              Application.state == "scored")
            .group_by(Application.county_id).order_by(func.count().desc())
        ).first()
        province = session.exec(
            select(Application.province_id, func.count()).where(Application.program_id == program,
                                                                Application.state == "county_decision")
            .group_by(Application.province_id).order_by(func.count().desc())
        ).first()
    candidates = [("county", *county)] if county else []
    candidates += [("province", *province)] if province else []
    return sorted(candidates, key=lambda c: -c[2])


def open_session(engine, n: int):
    """A new open session of the committee with the largest agenda (cases already on another open
    session's agenda are not on it: the demo's own open sessions may hold them)."""
    best = None
    for level, area, _ in committees(engine):
        with new_session(engine) as session:
            user = create_user(
                session, SYSTEM, username=f"bench.{level}", full_name="عضو کمیته (سنجش)", password=PASSWORD,
                role="committee_secretary" if level == "county" else "province_committee",
                **({"county_id": area} if level == "county" else {"province_id": area}),
            )
            actor = actor_for(user)
            cs = cm.create_session(session, actor, program="A", held_on=local_today(), number=f"bench-{n}",
                                   members=MEMBERS[level])
            size = len(cm.agenda_index(session, actor, cs.id).ids)
        if best is None or size > best[3]:
            best = (actor, cs.id, level, size)
    return best


def app_figures(engine, actor, session_id: int, repeat: int) -> tuple[float, float]:
    """(first render, one step) of the page through AppTest, seconds."""
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.testing.v1 import AppTest

    from services.sign_in import start_session

    original = PagesManager.__init__

    def init(self, *args, **kwargs):  # as the running server has it (see tests/pages/conftest.py)
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    PagesManager.__init__ = init
    os.environ["BIMEYAR_DATABASE_URL"] = str(engine.url)

    def fresh() -> AppTest:
        at = AppTest.from_file(APP, default_timeout=120)
        with new_session(engine) as session:
            at.session_state["session_token"] = start_session(session, actor.id)
        at.session_state["actor"] = actor
        at.run()
        at.query_params["session"] = str(session_id)
        return at

    def first_render() -> None:
        at = fresh()
        at.switch_page("pages/meeting.py").run()
        assert not at.exception, at.exception

    at = fresh()
    at.switch_page("pages/meeting.py").run()
    assert not at.exception and not at.error, (at.exception, [e.value for e in at.error])

    def step() -> None:
        button = at.button(key="meeting_next")
        if button.disabled:
            at.button(key="meeting_prev").click().run()
        else:
            button.click().run()
        assert not at.exception, at.exception

    return timed(first_render, repeat), timed(step, repeat)


def service_figures(engine, actor, session_id: int, repeat: int) -> tuple[float, float]:
    """(the whole agenda with details, what a step reads now), seconds."""
    with new_session(engine) as session:
        strip = cm.agenda_index(session, actor, session_id).ids
    middle = len(strip) // 2
    case, position = strip[middle], middle + 1

    def whole() -> None:
        with new_session(engine) as session:
            cm.agenda(session, actor, session_id)

    def one_step() -> None:
        with new_session(engine) as session:
            mt.meeting_state(session, actor, session_id)
            mt.meeting_step(session, actor, session_id, case, position, strip[max(position - 5, 0):position + 4])

    return timed(whole, repeat), timed(one_step, repeat)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1404)
    args = parser.parse_args()
    print(f"meeting view on SQLite demo data, median of {args.repeat} (ms)")
    header = (f"{'applicants':>10}  {'committee':>9}  {'agenda':>6}  {'first render':>12}  {'step':>6}  "
              f"{'whole agenda (before)':>21}  {'step reads (now)':>16}")
    print(header)
    print("-" * len(header))
    results = {}
    with tempfile.TemporaryDirectory(prefix="bimeyar-bench-") as tmp:
        for n in args.sizes:
            engine, _ = fresh_sqlite(Path(tmp), f"demo-{n}.db")
            generate_demo(engine, n, args.seed)
            actor, session_id, level, agenda_size = open_session(engine, n)
            first, step = app_figures(engine, actor, session_id, args.repeat)
            whole, reads = service_figures(engine, actor, session_id, args.repeat)
            results[n] = (step, reads)
            ratio = ""
            if len(results) > 1:  # printed as each size finishes: the largest sizes take long to generate
                base = results[args.sizes[0]]
                ratio = f"  ratio to {args.sizes[0]:,}: step {step / base[0]:.2f}, step reads {reads / base[1]:.2f}"
            print(f"{n:>10,}  {level:>9}  {agenda_size:>6,}  {first * 1000:>12.0f}  {step * 1000:>6.0f}  "
                  f"{whole * 1000:>21.0f}  {reads * 1000:>16.1f}{ratio}", flush=True)
            engine.dispose()


if __name__ == "__main__":
    main()
