"""The monitoring page's charts: each hand-written Vega-Lite spec draws what the Altair chart the page
built before drew (marks, fields, order, colours, axes, legend, font and data). The page's own check of
Persian titles and digits: tests/pages/test_monitoring.py."""
from __future__ import annotations

import json

import altair as alt
import pandas as pd
import pyarrow as pa
from hypothesis import example, given, settings
from hypothesis import strategies as st
from streamlit.elements.vega_charts import _convert_altair_to_vega_lite_spec

from ui.monitoring_charts import AREA, CUMULATIVE_PAID, FA_DIGITS, FONT, MEASURE, MONTH, PERCENT, months_spec, use_spec


def _inlined(chart) -> dict:
    """The spec Streamlit drew from an Altair chart, each layer's data as its rows (Streamlit sends
    them as Arrow tables named by a hash; data every layer shares is drawn the same way inlined in each)."""
    built = _convert_altair_to_vega_lite_spec(chart)
    datasets = {name: pa.ipc.open_stream(data).read_all().to_pylist() for name, data in built.pop("datasets").items()}
    if "layer" not in built:  # a single view
        built["data"] = {"values": datasets[built["data"]["name"]]}
        return json.loads(json.dumps(built))
    shared = built.pop("data", None)  # Altair hoists the data all layers share to the top
    for layer in built["layer"]:
        layer["data"] = {"values": datasets[layer.get("data", shared)["name"]]}
    return json.loads(json.dumps(built))


def altair_use(rows: list[dict], order: list[str]):
    """The use-per-area chart as pages/monitoring.py built it with Altair."""
    bars = alt.Chart(pd.DataFrame(rows, columns=[AREA, MEASURE, PERCENT])).mark_bar().encode(
        y=alt.Y(f"{AREA}:N", sort=order, title=None, axis=alt.Axis(orient="right", labelLimit=200)),
        x=alt.X(f"{PERCENT}:Q", title="درصد مصرف", axis=alt.Axis(labelExpr=FA_DIGITS)),
        color=alt.Color(f"{MEASURE}:N", title=None, legend=alt.Legend(orient="top")),
        yOffset=f"{MEASURE}:N",
    ).properties(height=alt.Step(14))
    rule = alt.Chart(pd.DataFrame({"x": [80, 100]})).mark_rule(strokeDash=[4, 3], color="#b45309").encode(
        x=alt.X("x:Q", title="درصد مصرف", axis=alt.Axis(labelExpr=FA_DIGITS)))
    return (bars + rule).configure(font=FONT)


def altair_months(rows: list[dict], credit: int | None):
    """The month-by-month chart as pages/monitoring.py built it with Altair."""
    frame = pd.DataFrame(rows, columns=[MONTH, "paid", "cumulative", CUMULATIVE_PAID])

    def rials(column: str) -> alt.Y:
        return alt.Y(f"{column}:Q", title="ریال", axis=alt.Axis(labelExpr=FA_DIGITS))

    base = alt.Chart(frame).encode(x=alt.X(f"{MONTH}:N", sort=list(frame[MONTH]), title=None))
    layers = [base.mark_bar(color="#0f766e").encode(y=rials("paid")),
              base.mark_line(point=True, color="#7c3aed").encode(y=rials("cumulative")),
              base.mark_line(color="#0f766e", strokeDash=[2, 2]).encode(y=rials(CUMULATIVE_PAID))]
    if credit is not None:
        layers.append(alt.Chart(pd.DataFrame({"credit": [credit]})).mark_rule(color="#b91c1c", strokeWidth=2)
                      .encode(y=rials("credit")))
    return alt.layer(*layers).configure(font=FONT)


AREAS = st.lists(st.text(alphabet="تهرانقمیزد ", min_size=1, max_size=8), min_size=1, max_size=6, unique=True)


@settings(deadline=None, max_examples=40)  # Altair validates each chart: slow
@given(AREAS, st.data())
@example(["تهران"], None)  # one area, seats only
def test_the_use_spec_is_the_one_altair_built(areas, data):
    percents = {} if data is None else {
        (a, m): data.draw(st.none() | st.integers(0, 50_000).map(lambda bp: bp / 100))
        for a in areas for m in ("سهمیه", "اعتبار")}
    percents = percents or {(areas[0], "سهمیه"): 80.0}  # the 80 % boundary
    rows = [{AREA: a, MEASURE: m, PERCENT: p} for m in ("سهمیه", "اعتبار") for a in areas
            if (p := percents.get((a, m))) is not None]
    if not rows:  # the page shows a note instead of an empty chart
        return
    assert _inlined(altair_use(rows, areas)) == use_spec(rows, areas)


@settings(deadline=None, max_examples=40)
@given(st.lists(st.tuples(st.integers(0, 10**12), st.integers(0, 10**12)), min_size=1, max_size=12),
       st.none() | st.integers(0, 10**13))
@example([(0, 0)] * 12, None)  # nothing paid, no credit: no credit line
@example([(5, 5)], 0)  # a credit of zero is still drawn
def test_the_months_spec_is_the_one_altair_built(figures, credit):
    paid_total = 0
    rows = []
    for i, (paid, cumulative) in enumerate(figures):
        paid_total += paid
        rows.append({MONTH: f"ماه {i + 1}", "paid": paid, "cumulative": cumulative, CUMULATIVE_PAID: paid_total})
    assert _inlined(altair_months(rows, credit)) == months_spec(rows, credit)
