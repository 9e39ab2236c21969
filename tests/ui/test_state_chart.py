"""The home page's chart of cases by state: the hand-written Vega-Lite spec draws what the Altair
chart drew (same bars, order, colours, legend, tooltips, font). The page's own check: tests/pages/test_home.py."""
from __future__ import annotations

import json

import altair as alt
import pyarrow as pa
from streamlit.elements.vega_charts import _convert_altair_to_vega_lite_spec

from ui.charts import FONT
from ui.fmt import PROGRAM_SHORT_LABELS, STATE_LABELS, format_number
from ui.state_chart import COUNT, PROGRAM, SHOWN, STATE, rows, spec

COUNTS = {("A", "received"): 3, ("A", "active"): 1_250, ("B", "received"): 1}


def altair_chart(frame) -> alt.Chart:
    """The chart as pages/home.py built it with Altair before."""
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            y=alt.Y(f"{STATE}:N", sort=list(STATE_LABELS.values()), title=None,
                    axis=alt.Axis(labelFontSize=14, labelLimit=260, orient="right")),
            x=alt.X(f"{COUNT}:Q", title=None, scale=alt.Scale(reverse=True), axis=alt.Axis(labels=False, ticks=False)),
            color=alt.Color(f"{PROGRAM}:N", title=None, legend=alt.Legend(orient="top", labelFontSize=14, labelLimit=300)),
            tooltip=[PROGRAM, STATE, SHOWN],
        )
        .properties(height=alt.Step(26))
        .configure(font=FONT)
    )


def test_the_spec_is_the_one_altair_built():
    table = rows(COUNTS)
    built = _convert_altair_to_vega_lite_spec(altair_chart(table.to_pandas()))
    (data,) = built.pop("datasets").values()
    del built["data"]
    assert json.loads(json.dumps(built)) == spec()
    assert pa.ipc.open_stream(data).read_all().to_pylist() == table.to_pylist()


def test_rows_hold_each_programme_and_state_with_its_count_in_persian_digits():
    assert rows(COUNTS).to_pylist() == [
        {PROGRAM: PROGRAM_SHORT_LABELS[p], STATE: STATE_LABELS[s], COUNT: n, SHOWN: format_number(n)}
        for (p, s), n in COUNTS.items()
    ]
    assert format_number(1_250) == "۱٬۲۵۰"

