"""The monitoring page's two charts written as Vega-Lite specs (as ui/state_chart.py does for the
home page): Altair validated every channel against the Vega-Lite JSON schema on every run, about
a third of the page's rerun. ``tests/ui/test_monitoring_charts.py`` checks each spec is the one the
Altair chart built (marks, fields, order, colours, axes, legend, font and data).

* use by area: per area one bar for the seats used and one for the credit, in percent, with
  dashed rules at 80 % and 100 %;
* the year month by month for one funding source: paid per month (bars), the forecast running
  total (line with points), the paid running total (dashed line) and the credit (a rule).
"""
from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from ui.charts import FONT
from ui.state_chart import SCHEMA

AREA, MEASURE, PERCENT = "حوزه", "شاخص", "درصد"
MONTH, CUMULATIVE_PAID = "ماه", "پرداخت تجمعی"
# Vega labels in Persian digits, grouping as «٬» (the page's rewriting: no decimal separator swap).
FA_DIGITS = "datum.label"
for _d, _f in zip("0123456789", "۰۱۲۳۴۵۶۷۸۹"):
    FA_DIGITS = f"replace({FA_DIGITS}, /{_d}/g, '{_f}')"
FA_DIGITS = f"replace({FA_DIGITS}, /,/g, '٬')"
THRESHOLDS = [{"x": 80}, {"x": 100}]


def _rials(field: str) -> dict:
    """Every layer of the monthly chart on the same y axis: «ریال», Persian digits."""
    return {"axis": {"labelExpr": FA_DIGITS}, "field": field, "title": "ریال", "type": "quantitative"}


def use_spec(rows: list[dict], order: Sequence[str]) -> dict:
    """``rows``: {حوزه, شاخص, درصد} per area and measure; ``order``: the areas top to bottom."""
    return {
        "config": {"font": FONT},
        "layer": [
            {
                "data": {"values": rows},
                "mark": {"type": "bar"},
                "encoding": {
                    "color": {"field": MEASURE, "legend": {"orient": "top"}, "title": None, "type": "nominal"},
                    "x": {"axis": {"labelExpr": FA_DIGITS}, "field": PERCENT, "title": "درصد مصرف",
                          "type": "quantitative"},
                    "y": {"axis": {"labelLimit": 200, "orient": "right"}, "field": AREA, "sort": list(order),
                          "title": None, "type": "nominal"},
                    "yOffset": {"field": MEASURE, "type": "nominal"},
                },
            },
            {
                "data": {"values": THRESHOLDS},
                "mark": {"type": "rule", "color": "#b45309", "strokeDash": [4, 3]},
                "encoding": {"x": {"axis": {"labelExpr": FA_DIGITS}, "field": "x", "title": "درصد مصرف",
                                   "type": "quantitative"}},
            },
        ],
        "height": {"step": 14},
        "$schema": SCHEMA,
    }


def months_spec(rows: list[dict], credit: int | None) -> dict:
    """``rows``: {ماه, paid, cumulative, پرداخت تجمعی} per month in order; ``credit`` drawn as a
    horizontal rule when the source has one."""
    x = {"field": MONTH, "sort": [r[MONTH] for r in rows], "title": None, "type": "nominal"}
    data = {"values": rows}
    layers = [
        {"data": data, "mark": {"type": "bar", "color": "#0f766e"}, "encoding": {"x": x, "y": _rials("paid")}},
        {"data": data, "mark": {"type": "line", "color": "#7c3aed", "point": True},
         "encoding": {"x": x, "y": _rials("cumulative")}},
        {"data": data, "mark": {"type": "line", "color": "#0f766e", "strokeDash": [2, 2]},
         "encoding": {"x": x, "y": _rials(CUMULATIVE_PAID)}},
    ]
    if credit is not None:
        layers.append({"data": {"values": [{"credit": int(credit)}]},
                       "mark": {"type": "rule", "color": "#b91c1c", "strokeWidth": 2},
                       "encoding": {"y": _rials("credit")}})
    return {"config": {"font": FONT}, "layer": layers, "$schema": SCHEMA}


def draw(spec: dict) -> None:
    st.vega_lite_chart(spec=spec, width="stretch")
