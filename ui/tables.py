"""Read-only tables laid out as Persian reads: the first column on the right."""
from __future__ import annotations

import pandas as pd
import streamlit as st


def rtl_table(frame: pd.DataFrame, *, height: int | None = None) -> None:
    """``st.dataframe`` draws its grid left to right; reversing the column order puts the frame's
    first column on the right (as pages/case.py does)."""
    kwargs = {"height": height} if height else {}
    st.dataframe(frame, hide_index=True, width="stretch", column_order=list(frame.columns)[::-1], **kwargs)
