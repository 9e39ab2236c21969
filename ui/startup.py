"""A freshly started server's first page: what it no longer pays for, and the warm-up after it.

Streamlit runs nothing of the app before the first browser connects, so the first page of a new
server process paid for the process's one-off costs (issue 11: 6.9 s against 0.5 s for the next
page on the loaded test machine). Measured with ``python -X importtime`` and a profile of that
first run, besides the app's own imports (SQLModel, the models, the services) and bringing the
schema to head:

* Streamlit's emoji catalogue — one regular expression of every emoji, compiled when a page icon
  that is not plain ASCII is checked (about 0.8 s): the page icon is a Material icon, which is
  looked up without it;
* Streamlit's «are you in a REPL?» check before its first message (``inspect.stack()``, which
  reads the source file of every loaded module, about 0.5 s): a served app never is one, so
  :func:`skip_repl_check` tells Streamlit its warning was already considered.

What the other pages import (pandas, Altair, Typst, every service) is imported by a background
thread once the first page has been drawn (:func:`warm_up_once`), so that the page after
sign-in does not pay for it either.

The rest — the app's own imports and the schema check, about 2 s of CPU on the loaded test
machine — can only be paid before the first request by a process that does it before it starts
serving: ``python app.py [streamlit options]`` does exactly that (:func:`warm_up`, then Streamlit's
own ``streamlit run app.py``), so started that way a server's first page costs what any later
one does. ``bench/bench_first_page.py`` times a real server's first and next page both ways.
"""
from __future__ import annotations

import importlib
import logging
import re
import threading
from pathlib import Path

PAGES = Path(__file__).resolve().parent.parent / "pages"
# used by pages through Streamlit itself: emoji icons of st.success/st.warning, tables, charts
STREAMLIT_MODULES = ("streamlit.emojis", "pandas", "pyarrow", "altair")
# a page's imports, at the top level or in a function: ``import a, b as c`` and ``from a.b import c`` (not relative ones)
IMPORT_LINE = re.compile(r"^[ \t]*(?:import\s+(?P<names>[\w.]+(?:\s+as\s+\w+)?(?:\s*,\s*[\w.]+(?:\s+as\s+\w+)?)*)"
                         r"|from\s+(?P<module>\w[\w.]*)\s+import\b)", re.MULTILINE)
_lock = threading.Lock()
_started = False
log = logging.getLogger(__name__)


def skip_repl_check() -> None:
    """Spare the first page Streamlit's one-off REPL check (see the module docstring). Streamlit's
    flag is private: if a later Streamlit renames it, nothing changes but the time."""
    from streamlit import delta_generator

    if hasattr(delta_generator, "_use_warning_has_been_displayed"):
        delta_generator._use_warning_has_been_displayed = True


def page_imports() -> list[str]:
    """The modules the page scripts import (read from their source, not run).
    Read line by line, not with ``ast``: CPython 3.11's parser fails with «AST constructor
    recursion depth mismatch» when a thread parses while another compiles a page script."""
    names: list[str] = list(STREAMLIT_MODULES)
    for path in sorted(PAGES.glob("*.py")):
        for match in IMPORT_LINE.finditer(path.read_text(encoding="utf-8")):
            if match["module"]:
                names.append(match["module"])
            else:
                names += [part.split()[0] for part in match["names"].split(",")]
    return list(dict.fromkeys(names))


def _warm_up() -> None:
    for name in page_imports():
        try:
            importlib.import_module(name)
        except Exception:  # a page's own import error shows on that page, with its reference number
            log.warning("warm-up: %s could not be imported", name, exc_info=True)


def warm_up() -> None:
    """Before serving (``python app.py``): import what every page imports, open the engine (the
    schema brought to head, the reference data loaded) and Streamlit's emoji catalogue."""
    from ui.context import get_engine

    quiet = logging.getLogger("streamlit.runtime.caching.cache_data_api")  # «No runtime found»: none yet, rightly
    level = quiet.level
    quiet.setLevel(logging.ERROR)
    try:
        _warm_up()
        get_engine()
    finally:
        quiet.setLevel(level)


def serve(argv: list[str]) -> int:
    """``python app.py [options]``: warm this process up, then serve the app as ``streamlit run
    app.py [options]`` does, in the same process (so nothing warmed is lost)."""
    import sys

    from streamlit.web import cli

    warm_up()
    sys.argv = ["streamlit", "run", str(PAGES.parent / "app.py"), *argv]
    return cli.main(standalone_mode=False) or 0


def warm_up_once() -> None:
    """Start, once per process, a background import of what the other pages need."""
    global _started
    with _lock:
        if _started:
            return
        _started = True
    threading.Thread(target=_warm_up, name="bimeyar-warm-up", daemon=True).start()
