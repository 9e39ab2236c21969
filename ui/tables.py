"""Tables laid out as Persian reads: the first column on the right, headers whole.

Streamlit's grid (glide-data-grid, drawn on a canvas) lays columns out left to right whatever
the page's direction. Giving it the columns in reverse order puts a frame's first column at the
right edge; the stylesheet (ui.style) opens a grid wider than the page scrolled to that edge.
Pinned columns are always drawn on the left, so these tables pin none."""
from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

# Pixels per character of a header in Vazirmatn at the grid's size, and room for the sort/edit icons.
_PX_PER_CHAR = 8
_HEADER_ICONS_PX = 34


def header_width(label: str, *, at_least: int = 0) -> int:
    """A column width (pixels) that shows the whole header ``label``."""
    return max(at_least, len(label) * _PX_PER_CHAR + _HEADER_ICONS_PX)


def rtl_order(columns: list[str]) -> list[str]:
    """A grid's ``column_order`` that draws ``columns`` from right to left."""
    return list(columns)[::-1]


def _unpinned(config: dict[str, Any] | None) -> dict[str, Any] | None:
    """Column configs with their pinning removed (a pinned column is drawn at the left edge)."""
    if not config:
        return config
    out: dict[str, Any] = {}
    for name, column in config.items():
        if isinstance(column, dict) and column.get("pinned"):
            column = {**column, "pinned": False}
        out[name] = column
    return out


def _fitted(config: dict[str, Any] | None) -> dict[str, Any] | None:
    """Column configs in which a width set in pixels is widened to show its whole header (a
    column without a width is sized by Streamlit to its header and cells)."""
    if not config:
        return config
    out: dict[str, Any] = {}
    for name, column in config.items():
        if isinstance(column, dict) and isinstance(column.get("width"), int):
            column = {**column, "width": header_width(str(column.get("label") or name), at_least=column["width"])}
        out[name] = column
    return out


def rtl_table(frame: pd.DataFrame, *, height: int | None = None, column_config: dict[str, Any] | None = None,
              columns: list[str] | None = None, **kwargs: Any) -> Any:
    """``st.dataframe`` of ``frame`` (no index) with its first column on the right and every
    header whole. ``columns`` picks and orders the columns shown (default: all); other keyword
    arguments (key, on_select, selection_mode…) go to ``st.dataframe``."""
    shown = list(columns or frame.columns)
    if height:
        kwargs["height"] = height
    return st.dataframe(
        frame, hide_index=True, width="stretch", column_order=rtl_order(shown),
        column_config=_fitted(_unpinned(column_config)), **kwargs,
    )


def rtl_editor(frame: pd.DataFrame, *, column_config: dict[str, Any], columns: list[str] | None = None,
               **kwargs: Any) -> pd.DataFrame:
    """``st.data_editor`` read right to left like every other table (first column on the right,
    headers whole, nothing pinned to the left). Other keyword arguments go to ``st.data_editor``."""
    shown = list(columns or column_config)
    return st.data_editor(
        frame, hide_index=True, width="stretch", column_order=rtl_order(shown),
        column_config=_fitted(_unpinned(column_config)), **kwargs,
    )
