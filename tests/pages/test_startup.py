"""The warm-up after a fresh server's first page imports what every page imports (ui/startup.py)."""
from __future__ import annotations

import ast

from ui.startup import PAGES, STREAMLIT_MODULES, page_imports


def imports_by_ast() -> set[str]:
    names = set(STREAMLIT_MODULES)
    for path in PAGES.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.add(node.module)
    return names


def test_warm_up_imports_every_module_a_page_imports_and_nothing_else():
    found = page_imports()
    assert set(found) == imports_by_ast()
    assert len(found) == len(set(found))  # each once
    assert "services.payments.ledger" in found  # imported inside a function of a page
