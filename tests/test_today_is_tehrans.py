"""Every "today" the app decides with is Tehran's (``lib.jalali.local_today``), never the server's.

Servers run on UTC: between 20:30 and 24:00 UTC Tehran is already on the next day, and a page
that offers Tehran's date while a service checks against ``date.today()`` refuses a date the user
was given (a complaint's deadline of today, an application made today). A call of ``.today()`` on
``date``, ``datetime`` or ``jdatetime`` anywhere in the app's code is that bug waiting for the
evening; this test names the file and line."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APP_CODE = sorted(
    [p for folder in ("services", "pages", "ui", "lib", "db", "demo") for p in (ROOT / folder).rglob("*.py")]
    + list(ROOT.glob("cli*.py")) + [ROOT / "app.py"]
)


def server_today_calls(source: str) -> list[int]:
    """Lines calling ``<date|datetime|jdatetime…>.today()``."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "today"
                and "date" in ast.unparse(node.func.value)):
            lines.append(node.lineno)
    return lines


def test_the_check_sees_each_way_of_asking_the_server():
    source = "a = date.today()\nb = datetime.date.today()\nc = jdatetime.date.today()\nd = local_today()\n"
    assert server_today_calls(source) == [1, 2, 3]


def test_no_app_code_asks_the_server_for_today():
    found = [f"{path.relative_to(ROOT)}:{line}" for path in APP_CODE
             for line in server_today_calls(path.read_text(encoding="utf-8"))]
    assert found == [], f"use lib.jalali.local_today() (Tehran's today), not the server's date: {found}"
