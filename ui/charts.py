"""Altair charts read in Persian: the app's font and every axis label in Persian digits (Vega draws
a chart left to right inside the right-to-left page; its labels are rewritten digit by digit)."""
from __future__ import annotations

import altair as alt

FONT = "Vazirmatn, Tahoma, sans-serif"


def _persian_label_expr() -> str:
    expr = "datum.label"
    for latin, persian in zip("0123456789", "۰۱۲۳۴۵۶۷۸۹"):
        expr = f"replace({expr}, /{latin}/g, '{persian}')"
    return f"replace(replace({expr}, /,/g, '٬'), /\\./g, '٫')"


FA_DIGITS = _persian_label_expr()


def fa_axis(**kwargs) -> alt.Axis:
    """An axis whose tick labels are in Persian digits (grouping ٬, decimal ٫)."""
    return alt.Axis(labelExpr=FA_DIGITS, **kwargs)


def finished(chart: alt.TopLevelMixin) -> alt.TopLevelMixin:
    """The chart in the app's font, legend labels whole."""
    return chart.configure(font=FONT).configure_legend(labelLimit=320, orient="top")
