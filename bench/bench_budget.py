"""The budget estimate and the monitoring screen's figures, the services alone, as the national manager
(issue 11: their first render after a write is mostly these reads).

On a SQLite demo file (a copy: it is migrated to head and a manager is added if it has none), the
median CPU and wall ms of ``services.forecast.budget_request`` (next Jalali year, a 45 % wage rise)
and ``services.monitoring.monitoring`` (this year, the country), and of their parts: the running
cases' groups from the case tally, the people paid on another case, the committed cost's groups.

``--against REV`` also loads these services as they were at git revision REV (their modules only,
over today's database) and alternates old and new calls in this process, after checking that both
give the same figures: the machine is shared, so only calls taken side by side compare.

    .venv/bin/python bench/bench_budget.py --db /tmp/copy-of-demo-100000.db [--repeat 9] [--against dbb1101]
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import argparse  # noqa: E402
import os  # noqa: E402
import subprocess  # noqa: E402
import types  # noqa: E402

from sqlmodel import select  # noqa: E402

from bench.timing import timed_cpu  # noqa: E402
from db import migrate  # noqa: E402
from db.engine import make_engine, new_session  # noqa: E402
from db.models import Program, User  # noqa: E402
from lib.jalali import current_year_month  # noqa: E402
from services import budget_request_counts, forecast, monitoring, tallies  # noqa: E402
from services.base import SYSTEM  # noqa: E402
from services.users import actor_for, create_user  # noqa: E402

MODULES = {  # module → (file, the imports of the other old modules it must use)
    "budget_request_counts": ("services/budget_request_counts.py", ()),
    "forecast": ("services/forecast.py", (("from services.budget_request_counts import", "from old_budget_request_counts import"),)),
    "tallies": ("services/tallies.py", ()),
    "monitoring": ("services/monitoring.py", (("from services import tallies\n", "import old_tallies as tallies\n"),)),
}


def old_services(rev: str) -> dict[str, types.ModuleType]:
    """The four modules as they were at ``rev``, importable as ``old_<name>``."""
    out = {}
    for name, (path, imports) in MODULES.items():
        source = subprocess.run(["git", "-C", str(ROOT), "show", f"{rev}:{path}"], capture_output=True, text=True,
                                check=True).stdout
        for before, after in imports:
            if before not in source:
                raise SystemExit(f"{path} at {rev} does not import as expected: {before!r}")
            source = source.replace(before, after)
        module = types.ModuleType(f"old_{name}")
        sys.modules[module.__name__] = module
        exec(compile(source, f"{rev}:{path}", "exec"), module.__dict__)  # noqa: S102 - our own code at REV
        out[name] = module
    return out


def manager(engine):
    with new_session(engine) as session:
        user = session.exec(select(User).where(User.role == "manager", User.province_id.is_(None))).first()  # type: ignore[union-attr]
        if user is None:
            user = create_user(session, SYSTEM, username=f"bench.budget.{os.getpid()}", full_name="کاربر سنجش",
                               password="bench-pass-1", role="manager")
        return actor_for(user)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, required=True, help="a copy of a demo SQLite file")
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--against", metavar="REV", help="alternate with the services as they were at git revision REV")
    args = parser.parse_args()
    engine = make_engine(f"sqlite:///{args.db}")
    migrate.upgrade(engine)
    actor = manager(engine)
    year = current_year_month().year
    with open("/proc/loadavg") as f:
        load = " ".join(f.read().split()[:3])

    def runs(f, m) -> dict:
        return {
            "budget estimate (country, next year)":
                lambda s: f.budget_request(s, actor, jalali_year=year + 1, wage_rise_percent="45"),
            "monitoring (country, this year)": lambda s: m.monitoring(s, actor, jalali_year=year),
        }

    calls = runs(forecast, monitoring)
    if args.against:
        old = old_services(args.against)
        before = runs(old["forecast"], old["monitoring"])
        with new_session(engine) as s:
            for (name, new), was in zip(calls.items(), before.values()):
                a, b = was(s), new(s)
                same = (a.rows.equals(b.rows) and a.total_rial == b.total_rial and a.by_source == b.by_source
                        if hasattr(a, "rows") else
                        a.areas.equals(b.areas) and a.months.equals(b.months) and a.forecast.equals(b.forecast))
                if not same:
                    raise SystemExit(f"{name}: the figures differ from {args.against}'s")
        paired = {}
        for name, new in calls.items():
            paired[f"{name}, {args.against}"] = before[name]
            paired[f"{name}, now"] = new
        calls = paired
    with new_session(engine) as s:
        programs = {p.id: p for p in s.exec(select(Program)).all()}
        caps = {pid: cap for pid, cap in ((p.id, forecast._cap(p)) for p in programs.values()) if cap is not None}
        running = forecast.RUNNING_STATES
        calls.update({
            "  part: running cases' months per run of equal days (case tally)":
                lambda s: budget_request_counts.running_months(s, year + 1, None, caps, running),
            "  part: people paid on another case":
                lambda s: budget_request_counts._paid_elsewhere(s, None, tuple(caps), running),
            "  part: committed cost's groups (per province)":
                lambda s: tallies.cost_groups(s, year, running, by="province"),
        })
    print(f"{args.db.name}: median of {args.repeat}, ms (load {load})")
    results = {name: [] for name in calls}
    for _ in range(args.repeat):  # round-robin, so old and new meet the same moments of the machine
        for name, call in calls.items():
            with new_session(engine) as s:
                results[name].append(timed_cpu(lambda: call(s), 1))
    for name, figures in results.items():
        walls = sorted(w for w, _ in figures)
        cpus = sorted(c for _, c in figures)
        print(f"  {name:<62} CPU {cpus[len(cpus) // 2] * 1000:7.1f}   wall {walls[len(walls) // 2] * 1000:7.1f}")


if __name__ == "__main__":
    main()
