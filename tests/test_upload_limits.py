"""A file too large is refused by its service in Persian, never by Streamlit in English.

Streamlit refuses a file above ``server.maxUploadSize`` with its own English message, so the
server's limit (and nginx's body limit in front of it) must lie above every service's own limit;
each uploader states its service's limit, and ``file_input`` refuses a limit at the server's.
"""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from services.budgets import MAX_IMPORT_BYTES as BUDGET_FILE_BYTES
from services.documents import MAX_DOCUMENT_BYTES
from services.import_sheet import MAX_IMPORT_BYTES as CASE_IMPORT_BYTES
from services.payments.reconcile import MAX_FILE_BYTES as SSO_ANSWER_BYTES
from ui.style import DEFAULT_UPLOAD_MB
from ui.widgets import file_input

ROOT = Path(__file__).resolve().parents[1]
MB = 1024 * 1024
SERVICE_LIMITS = {
    "documents": MAX_DOCUMENT_BYTES,
    "budget import": BUDGET_FILE_BYTES,
    "case import": CASE_IMPORT_BYTES,
    "SSO answer": SSO_ANSWER_BYTES,
}


def server_limit_mb() -> int:
    return tomllib.loads((ROOT / ".streamlit/config.toml").read_text())["server"]["maxUploadSize"]


def test_the_server_limit_is_the_one_the_stylesheet_states():
    assert server_limit_mb() == DEFAULT_UPLOAD_MB


def test_nginx_lets_through_what_streamlit_takes():
    conf = (ROOT / "deploy/nginx/bimeyar.conf").read_text()
    sizes = re.findall(r"client_max_body_size\s+(\d+)m;", conf)
    assert sizes and all(int(s) == server_limit_mb() for s in sizes)


@pytest.mark.parametrize("what", SERVICE_LIMITS)
def test_every_service_limit_lies_below_the_server_limit(what):
    assert SERVICE_LIMITS[what] < server_limit_mb() * MB, f"{what}: Streamlit would refuse in English first"


def test_an_uploader_cannot_claim_the_server_limit():
    with pytest.raises(ValueError):
        file_input("فایل", key="k", types=["xlsx"], max_mb=DEFAULT_UPLOAD_MB)


def calls(text: str, name: str) -> list[str]:
    """The argument text of every call of ``name`` in ``text`` (parentheses balanced)."""
    found = []
    for start in (m.end() for m in re.finditer(rf"\b{name}\(", text)):
        depth, end = 1, start
        while depth:
            depth += {"(": 1, ")": -1}.get(text[end], 0)
            end += 1
        found.append(text[start:end - 1])
    return found


def test_every_page_uploader_states_its_limit():
    """No page calls Streamlit's uploader directly (its drop zone would state the server's limit)."""
    pages = list((ROOT / "pages").glob("*.py"))
    uploaders = 0
    for page in pages:
        text = page.read_text()
        assert "st.file_uploader(" not in text, page.name
        for args in calls(text, "file_input"):
            uploaders += 1
            assert "max_mb=" in args, page.name
    assert uploaders >= 4  # documents, budgets, case import, SSO answer
