"""A page picker for long tables: only the rows of the page shown are read and built."""
from __future__ import annotations

import streamlit as st

from lib.text import format_number, to_persian_digits


def page_start(total: int, size: int, key: str, *, label: str = "صفحه") -> int:
    """The offset of the first row of the page chosen (0 when everything fits on one page; no
    picker is shown then). A page number left over from a longer table goes back to the first."""
    pages = max(1, -(-total // size))
    if pages == 1:
        st.session_state.pop(key, None)
        return 0
    if st.session_state.get(key) not in range(1, pages + 1):
        st.session_state.pop(key, None)
    page = st.selectbox(f"{label} (از {format_number(pages)})", range(1, pages + 1), format_func=to_persian_digits,
                        key=key)
    return (page - 1) * size


def rows_caption(start: int, shown: int, total: int) -> str:
    """«ردیف ۲۶ تا ۵۰ از ۱٬۲۳۴»."""
    return f"ردیف {format_number(start + 1)} تا {format_number(start + shown)} از {format_number(total)}"
