"""Benchmark: the printable PDFs at size — the committee minutes (Form 2) of a session with 100,
500 and 1,000 decided cases, programme B introduction letters, and a payment run's summary.

Builds a demo database on a fresh SQLite file (``generate_demo``), adds committee sessions with
the wanted number of decisions (two decisions on every tenth case, one reason in three long
enough to wrap; each session takes other cases than the previous one when there are enough, so
no document repeats another's paragraphs), then times each document: its first build, and the
median of ``--repeat`` builds again (Typst keeps what it laid out, so an unchanged document is
faster the second time). CPU seconds of this process (Typst's threads included) and wall
seconds, with the load average: the machine is shared. The first PDF of a fresh process also
loads the font and makes the compiler; it is printed on its own. Asserts nothing about time.

    .venv/bin/python bench/bench_pdf.py [--sizes 100 500 1000] [--applicants 4000] [--repeat 3]
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import argparse  # noqa: E402
import io  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from datetime import date  # noqa: E402

from pypdf import PdfReader  # noqa: E402
from sqlmodel import select  # noqa: E402

from db import migrate  # noqa: E402
from db.engine import make_engine, new_session  # noqa: E402
from db.models import Application, CommitteeSession, Decision, Introduction, PaymentRun, Program, SessionMember  # noqa: E402
from db.seed import load_reference_data  # noqa: E402
from demo import generate_demo  # noqa: E402
from services.base import SYSTEM  # noqa: E402
from services.payments.exports import summary_pdf  # noqa: E402
from services.printing import introduction_letter_pdf, minutes_pdf  # noqa: E402

REASONS = ("", "مدارک کامل است", "با توجه به بازدید از محل کار و گزارش کارشناس اجتماعی، فعالیت متقاضی "
           "پایدار است و درآمد خانوار کفاف حق بیمه را نمی‌دهد؛ سهم ۷۰٪ برای ۳۶ ماه پیشنهاد می‌شود (Form-2 / ref 12-B).")


def add_session(session, cases: list[Application], program_id: int) -> int:
    first = cases[0]
    meeting = CommitteeSession(level="county", program_id=program_id, province_id=first.province_id,
                               county_id=first.county_id, held_on=date(2025, 5, 20), number=f"bench-{len(cases)}",
                               status="closed")
    session.add(meeting)
    session.flush()
    for role, name in (("head", "رضا محمدی"), ("employment_expert", "زهرا کریمی"), ("social_expert", "علی رضایی")):
        session.add(SessionMember(session_id=meeting.id, role=role, full_name=name))
    for i, application in enumerate(cases):
        for _ in range(2 if i % 10 == 0 else 1):
            session.add(Decision(session_id=meeting.id, application_id=application.id, level="county",
                                 outcome="approve" if i % 4 else "defer", months_granted=36 if i % 4 else None,
                                 share_percent=70 if i % 4 else None, contract_rate_bp=1800 if i % 4 else None,
                                 reason=REASONS[i % 3]))
    session.commit()
    return meeting.id


def measure(make) -> tuple[float, float, bytes]:
    """(CPU seconds, wall seconds, result) of one call."""
    cpu, wall = time.process_time(), time.perf_counter()
    data = make()
    return time.process_time() - cpu, time.perf_counter() - wall, data


def timed(repeat: int, make) -> tuple[float, float, float, float, int]:
    """First build (CPU, wall), median of ``repeat`` builds again (CPU, wall), and the pages."""
    first_cpu, first_wall, data = measure(make)
    again = [measure(make)[:2] for _ in range(repeat)]
    return (first_cpu, first_wall, statistics.median(c for c, _ in again), statistics.median(w for _, w in again),
            len(PdfReader(io.BytesIO(data)).pages))


def row(label: str, pages: int, cpu: float, wall: float, again: tuple[float, float] | None = None) -> None:
    repeated = f"{again[0]:>8.2f} {again[1]:>8.2f}" if again else f"{'':>8} {'':>8}"
    print(f"{label:<44} {pages:>6} {cpu:>8.2f} {wall:>8.2f} {repeated} {cpu / pages * 1000:>8.1f}", flush=True)


def load() -> str:
    return Path("/proc/loadavg").read_text().split()[0] if Path("/proc/loadavg").exists() else "?"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 500, 1000])
    parser.add_argument("--applicants", type=int, default=4000)
    parser.add_argument("--letters", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bimeyar-bench-") as tmp:
        engine = make_engine(f"sqlite:///{tmp}/pdf.db")
        migrate.upgrade(engine)
        with new_session(engine) as session:
            load_reference_data(session)
        generate_demo(engine, args.applicants, 1404)
        print(f"load average before: {load()}")
        print(f"{'document':<44} {'pages':>6} {'CPU s':>8} {'wall s':>8} {'again CPU':>8} {'wall':>8} {'CPU ms/p':>8}")
        with new_session(engine) as session:
            program_id = session.exec(select(Program.id).where(Program.code == "A")).one()
            cases = session.exec(select(Application).order_by(Application.id)).all()
            letters = session.exec(select(Introduction.id).order_by(Introduction.id).limit(args.letters + 1)).all()
            cpu, wall, data = measure(lambda: introduction_letter_pdf(session, SYSTEM, letters[0]))
            row("first PDF of the process (font, compiler)", len(PdfReader(io.BytesIO(data)).pages), cpu, wall)
            start = 0
            for size in args.sizes:
                start = start if start + size <= len(cases) else 0
                meeting_id = add_session(session, cases[start:start + size], program_id)
                start += size
                first_cpu, first_wall, cpu, wall, pages = timed(args.repeat, lambda: minutes_pdf(session, SYSTEM, meeting_id))
                row(f"minutes (Form 2), {size:,} cases", pages, first_cpu, first_wall, (cpu, wall))
            cpu, wall, pages = 0.0, 0.0, 0
            for letter in letters[1:]:
                c, w, data = measure(lambda: introduction_letter_pdf(session, SYSTEM, letter))
                cpu, wall, pages = cpu + c, wall + w, pages + len(PdfReader(io.BytesIO(data)).pages)
            count = max(1, len(letters) - 1)
            row(f"introduction letters, {count:,} one by one (each)", pages // count, cpu / count, wall / count)
            run_id = session.exec(select(PaymentRun.id).where(PaymentRun.status == "finalized").order_by(PaymentRun.id)).first()
            first_cpu, first_wall, cpu, wall, pages = timed(args.repeat, lambda: summary_pdf(session, SYSTEM, run_id))
            row(f"payment run summary (run {run_id})", pages, first_cpu, first_wall, (cpu, wall))
        print(f"load average after: {load()}")
        engine.dispose()


if __name__ == "__main__":
    main()
