"""The SLA dashboard's four charts written as Vega-Lite specs (as ui/state_chart.py does for the home
page): Altair validated each against the Vega-Lite JSON schema on every run of the page.
``tests/ui/test_sla_charts.py`` checks each spec is the one the Altair chart built (``ui.charts.finished``:
the app's font, legends on top and whole), data included.

* waiting now: per stage the cases within their target and those past it (blue / red);
* time per stage: the average, the 90th percentile and the target side by side per stage;
* per county: the 90th percentile of one stage, the target as a dashed rule;
* the monthly trend: each stage's average per month, one line per stage.
"""
from __future__ import annotations

from collections.abc import Sequence

from ui.charts import FA_DIGITS, FONT
from ui.state_chart import SCHEMA

STAGE, STATUS, COUNT, MEASURE, DAYS, COUNTY, MONTH = "مرحله", "وضع", "تعداد", "شاخص", "روز", "شهرستان", "ماه"
ON_TIME, LATE = "در مهلت", "گذشته از مهلت"
CONFIG = {"font": FONT, "legend": {"labelLimit": 320, "orient": "top"}}


def _days_axis(title: str, field: str = DAYS) -> dict:
    return {"axis": {"labelExpr": FA_DIGITS}, "field": field, "title": title, "type": "quantitative"}


def _stages_axis(order: Sequence[str]) -> dict:
    return {"axis": {"labelLimit": 260, "orient": "right"}, "field": STAGE, "sort": list(order), "title": None,
            "type": "nominal"}


def waiting_spec(rows: list[dict], order: Sequence[str]) -> dict:
    """``rows``: {مرحله, وضع (در مهلت | گذشته از مهلت), تعداد}; ``order``: the stages top to bottom."""
    return {
        "data": {"values": rows}, "mark": {"type": "bar"}, "config": CONFIG,
        "encoding": {
            "color": {"field": STATUS, "scale": {"domain": [ON_TIME, LATE], "range": ["#4c78a8", "#d62728"]},
                      "title": None, "type": "nominal"},
            "x": _days_axis("تعداد پرونده", COUNT),
            "y": _stages_axis(order),
        },
        "height": {"step": 28}, "$schema": SCHEMA,
    }


def stage_spec(rows: list[dict], order: Sequence[str]) -> dict:
    """``rows``: {مرحله, شاخص (میانگین | صدک ۹۰ | مهلت), روز}: one bar per measure beside each other."""
    return {
        "data": {"values": rows}, "mark": {"type": "bar"}, "config": CONFIG,
        "encoding": {
            "color": {"field": MEASURE, "title": None, "type": "nominal"},
            "x": _days_axis(DAYS),
            "y": _stages_axis(order),
            "yOffset": {"field": MEASURE, "type": "nominal"},
        },
        "height": {"step": 14}, "$schema": SCHEMA,
    }


CHART_COUNTIES = 30  # the per-county chart draws the slowest this many (a country has ~430 counties); the table all


def county_spec(rows: list[dict], title: str, target: int | None) -> dict:
    """``rows``: {شهرستان, روز} in the order drawn (slowest first); ``target`` a dashed red rule. The order
    is written out (not the data's order: when another stage's rows replace the chart's, the browser
    keeps the counties it already drew in their old places)."""
    bars = {
        "data": {"values": rows}, "mark": {"type": "bar"},
        "encoding": {
            "x": _days_axis(title),
            "y": {"axis": {"labelLimit": 200, "orient": "right"}, "field": COUNTY, "sort": [r[COUNTY] for r in rows],
                  "title": None, "type": "nominal"},
        },
    }
    if target is None:
        return {**bars, "config": CONFIG, "height": {"step": 16}, "$schema": SCHEMA}
    rule = {"data": {"values": [{DAYS: target}]}, "mark": {"type": "rule", "color": "#d62728", "strokeDash": [4, 3]},
            "encoding": {"x": {"field": DAYS, "type": "quantitative"}}}
    return {"layer": [bars, rule], "config": CONFIG, "height": {"step": 16}, "$schema": SCHEMA}


def trend_spec(rows: list[dict], months: Sequence[str], order: Sequence[str]) -> dict:
    """``rows``: {ماه, مرحله, روز}; ``months`` in time order; ``order``: the stages' colours in order."""
    return {
        "data": {"values": rows}, "mark": {"type": "line", "point": True}, "config": CONFIG,
        "encoding": {
            "color": {"field": STAGE, "sort": list(order), "title": None, "type": "nominal"},
            "x": {"field": MONTH, "sort": list(months), "title": None, "type": "nominal"},
            "y": _days_axis("میانگین (روز)"),
        },
        "$schema": SCHEMA,
    }
