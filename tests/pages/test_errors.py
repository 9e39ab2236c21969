"""Unexpected errors show a Persian message with a reference number — in page bodies and in
widget callbacks alike — and never Streamlit's English error with outside links."""
from __future__ import annotations

import ast
import logging
import re
import tomllib
from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
CALLBACK_ARGS = {"on_click", "on_change", "on_select", "on_dismiss", "on_submit"}
PERSIAN_REFERENCE = re.compile(r"شماره پیگیری: ([۰-۹]{8})")

CALLBACK_APP = '''
import streamlit as st
from ui.errors import guarded

def fail(what):
    raise RuntimeError(f"secret detail {what}")

st.button("دکمه", key="click", on_click=guarded(fail), args=("click",))
st.selectbox("گزینه", ["الف", "ب"], key="pick", on_change=guarded(fail), args=("pick",))
st.write("بدنه صفحه")
'''

BODY_APP = '''
import streamlit as st
from ui.errors import unexpected_error

try:
    raise ValueError("secret detail body")
except Exception as exc:
    unexpected_error(exc)
'''


def _run(tmp_path, source: str, name: str) -> AppTest:
    script = tmp_path / name
    script.write_text(source, encoding="utf-8")
    return AppTest.from_file(str(script), default_timeout=30).run()


def _reference_logged(caplog, shown: str) -> None:
    digits = PERSIAN_REFERENCE.search(shown).group(1)
    latin = digits.translate(str.maketrans("۰۱۲۳۴۵۶۷۸۹", "0123456789"))
    [record] = [r for r in caplog.records if r.name == "bimeyar.errors"]
    assert latin in record.getMessage() and "secret detail" in str(record.exc_info[1])


def test_an_exception_in_a_click_callback_shows_the_persian_message_and_logs_it(tmp_path, caplog):
    at = _run(tmp_path, CALLBACK_APP, "callback_app.py")
    with caplog.at_level(logging.ERROR, logger="bimeyar.errors"):
        at.button(key="click").click().run()
    assert not at.exception  # not Streamlit's English error
    [error] = at.error
    assert PERSIAN_REFERENCE.search(error.value) and "secret" not in error.value
    assert [m.value for m in at.markdown] == ["بدنه صفحه"]  # the page still draws
    _reference_logged(caplog, error.value)


def test_an_exception_in_a_change_callback_shows_the_persian_message(tmp_path, caplog):
    at = _run(tmp_path, CALLBACK_APP, "callback_app.py")
    with caplog.at_level(logging.ERROR, logger="bimeyar.errors"):
        at.selectbox(key="pick").select("ب").run()
    assert not at.exception
    [error] = at.error
    _reference_logged(caplog, error.value)


def test_an_exception_in_a_page_body_shows_the_persian_message(tmp_path, caplog):
    with caplog.at_level(logging.ERROR, logger="bimeyar.errors"):
        at = _run(tmp_path, BODY_APP, "body_app.py")
    assert not at.exception
    _reference_logged(caplog, at.error[0].value)


def test_streamlit_never_shows_error_details_or_outside_links():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["client"]["showErrorDetails"] == "none"
    assert config["client"]["showErrorLinks"] is False


def _unguarded_callbacks(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        for kw in node.keywords:
            if kw.arg not in CALLBACK_ARGS or (isinstance(kw.value, ast.Constant) and isinstance(kw.value.value, str)):
                continue  # on_select="rerun" runs no code of ours
            wrapped = isinstance(kw.value, ast.Call) and getattr(kw.value.func, "id", None) == "guarded"
            if not wrapped:
                found.append(f"{path.relative_to(ROOT)}:{kw.value.lineno} {kw.arg}")
    return found


def test_every_widget_callback_is_guarded():
    """A callback runs before the page, outside app.py's error handling: each one is passed
    through ui.errors.guarded so that its failure shows the Persian message too."""
    files = sorted((ROOT / "pages").glob("*.py")) + sorted((ROOT / "ui").glob("*.py")) + [ROOT / "app.py"]
    unguarded = [site for path in files for site in _unguarded_callbacks(path)]
    assert not unguarded, "wrap these callbacks in ui.errors.guarded(...): " + ", ".join(unguarded)
