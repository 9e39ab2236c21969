"""Time the first page of a freshly started server against the page after it (issue 11: under 1 s).

Each run starts ``streamlit run app.py`` (a new process, as systemd starts it) on a free port
against one SQLite demo database, and waits for ``/_stcore/health``: the server is up. Chromium,
already running, then opens the app in a new browser context and the clock stops when the
sign-in form is on screen: the first page. A second context (a new Streamlit session) opens it
again: the next page. The server's CPU seconds during each page (utime + stime of its process,
from /proc) are printed beside the wall time: the machine is shared and wall time is noisy.

    .venv/bin/python bench/bench_first_page.py [--repeat 5] [--applicants 10000 | --db FILE] [--launcher python]
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import argparse  # noqa: E402
import os  # noqa: E402
import socket  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import urllib.request  # noqa: E402

from bench.bench_demo import fresh_sqlite  # noqa: E402

CHROMIUM = os.environ.get("BIMEYAR_CHROMIUM", "/usr/bin/chromium")
SIGN_IN = "ورود به سامانه"  # the sign-in form's heading


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


LAUNCHERS = {
    "streamlit": [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py")],  # as `streamlit run app.py`
    "python": [sys.executable, str(ROOT / "app.py")],  # warmed up before serving (ui/startup.py)
}


def _start(url_db: str, log: Path, launcher: str) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    proc = subprocess.Popen(
        [*LAUNCHERS[launcher], "--server.port", str(port), "--server.address", "127.0.0.1", "--server.headless", "true"],
        cwd=ROOT, env={**os.environ, "BIMEYAR_DATABASE_URL": url_db}, stdout=log.open("w"), stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
                if resp.status == 200:
                    return proc, url
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                raise SystemExit(f"the app did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.2)


def _wait_idle(pid: int, timeout: float = 60) -> None:
    """Until the server has used no CPU for half a second."""
    deadline, last = time.monotonic() + timeout, _cpu_seconds(pid)
    while time.monotonic() < deadline:
        time.sleep(0.5)
        now = _cpu_seconds(pid)
        if now - last < 0.02:
            return
        last = now


def one_page(browser, url: str, pid: int) -> tuple[float, float]:
    """(wall seconds until the sign-in form shows, the server's CPU seconds meanwhile)."""
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    cpu, started = _cpu_seconds(pid), time.perf_counter()
    page.goto(url)
    page.get_by_text(SIGN_IN).first.wait_for(state="visible", timeout=120_000)
    wall = time.perf_counter() - started
    cpu = _cpu_seconds(pid) - cpu
    context.close()
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--applicants", type=int, default=10_000)
    parser.add_argument("--db", type=Path, default=None, help="an existing SQLite database to serve")
    parser.add_argument("--seed", type=int, default=1404)
    parser.add_argument("--launcher", choices=sorted(LAUNCHERS), default="streamlit",
                        help="streamlit: `streamlit run app.py`; python: `python app.py` (warmed up before serving)")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="bimeyar-bench-") as tmp:
        if args.db is None:
            from demo import generate_demo

            engine, path = fresh_sqlite(Path(tmp), "demo.db")
            generate_demo(engine, args.applicants, args.seed)
            engine.dispose()
        else:
            path = args.db
        firsts, nexts = [], []
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
            for run in range(args.repeat):
                proc, url = _start(f"sqlite:///{path}", Path(tmp) / f"server-{run}.log", args.launcher)
                try:
                    firsts.append(one_page(browser, url, proc.pid))
                    _wait_idle(proc.pid)  # the warm-up after the first page (ui/startup.py) is not the next page's
                    nexts.append(one_page(browser, url, proc.pid))
                finally:
                    proc.terminate()
                    proc.wait(timeout=20)
                print(f"run {run + 1}: first {firsts[-1][0] * 1000:,.0f} ms ({firsts[-1][1] * 1000:,.0f} ms server CPU), "
                      f"next {nexts[-1][0] * 1000:,.0f} ms ({nexts[-1][1] * 1000:,.0f} ms server CPU)", flush=True)
            browser.close()
    load = Path("/proc/loadavg").read_text().split()[:3]
    print(f"\nsign-in page of a freshly started server ({' '.join(LAUNCHERS[args.launcher][1:])}), median of "
          f"{args.repeat} (load average {' '.join(load)})")
    for name, runs in (("first page", firsts), ("next page", nexts)):
        print(f"{name:<12} {statistics.median(w for w, _ in runs) * 1000:>8,.0f} ms wall "
              f"{statistics.median(c for _, c in runs) * 1000:>8,.0f} ms server CPU")


if __name__ == "__main__":
    main()
