"""The home page's bar chart of cases by state, one colour per programme, written as the
Vega-Lite spec itself.

Altair built the same spec by validating every channel against the Vega-Lite JSON schema — about a
fifth of the home page's render on every run. Here the spec is a literal and the counts go to the
browser as an Arrow table; ``tests/ui/test_state_chart.py`` checks it is the spec the Altair chart
produced (the bars, their order, colours, legend, tooltips and font are the same).
"""
from __future__ import annotations

from collections.abc import Mapping

import pyarrow as pa
import streamlit as st

from ui.charts import FONT
from ui.fmt import PROGRAM_SHORT_LABELS, STATE_LABELS, format_number

PROGRAM, STATE, COUNT, SHOWN = "برنامه", "وضعیت", "تعداد", "شمار"
SCHEMA = "https://vega.github.io/schema/vega-lite/v5.20.1.json"


def spec() -> dict:
    """Horizontal bars growing leftwards, the states (in workflow order) labelled on the right."""
    return {
        "config": {"font": FONT},
        "mark": {"type": "bar"},
        "encoding": {
            "color": {"field": PROGRAM, "legend": {"labelFontSize": 14, "labelLimit": 300, "orient": "top"},
                      "title": None, "type": "nominal"},
            "tooltip": [{"field": PROGRAM, "type": "nominal"}, {"field": STATE, "type": "nominal"},
                        {"field": SHOWN, "type": "nominal"}],
            "x": {"axis": {"labels": False, "ticks": False}, "field": COUNT, "scale": {"reverse": True},
                  "title": None, "type": "quantitative"},
            "y": {"axis": {"labelFontSize": 14, "labelLimit": 260, "orient": "right"}, "field": STATE,
                  "sort": list(STATE_LABELS.values()), "title": None, "type": "nominal"},
        },
        "height": {"step": 26},
        "$schema": SCHEMA,
    }


def rows(cases_by_state: Mapping[tuple[str, str], int]) -> pa.Table:
    """One row per (programme, state): its short label, the state's label, the count and the count
    as shown (Persian digits) for the tooltip."""
    items = list(cases_by_state.items())
    return pa.table({
        PROGRAM: [PROGRAM_SHORT_LABELS[p] for (p, _), _ in items],
        STATE: [STATE_LABELS[s] for (_, s), _ in items],
        COUNT: pa.array([n for _, n in items], type=pa.int64()),
        SHOWN: [format_number(n) for _, n in items],
    })


def cases_by_state_chart(cases_by_state: Mapping[tuple[str, str], int]) -> None:
    st.vega_lite_chart(rows(cases_by_state), spec(), width="stretch")
