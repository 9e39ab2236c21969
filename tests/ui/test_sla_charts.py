"""The SLA dashboard's charts: each hand-written Vega-Lite spec draws what the Altair chart the page built
before drew (marks, fields, order, colours, axes, legend, font and data). The page's own check of
Persian titles and digits: tests/pages/test_sla_dashboard.py."""
from __future__ import annotations

import altair as alt
import pandas as pd
from hypothesis import example, given, settings
from hypothesis import strategies as st

from tests.ui.test_monitoring_charts import _inlined
from ui.charts import fa_axis, finished
from ui.sla_charts import (
    COUNT, COUNTY, DAYS, LATE, MEASURE, MONTH, ON_TIME, STAGE, STATUS, county_spec, stage_spec, trend_spec,
    waiting_spec,
)

ORDER = ["ثبت درخواست", "بررسی مدارک", "تصمیم کمیته"]
NAMES = st.lists(st.text(alphabet="کاشنتهر ", min_size=1, max_size=6), min_size=1, max_size=5, unique=True)
DAY_FIGURES = st.floats(0, 400, allow_nan=False).map(lambda d: round(d, 1))


def _stages(data) -> list[str]:
    return data.draw(st.lists(st.sampled_from(ORDER), min_size=1, max_size=3, unique=True))


@settings(deadline=None, max_examples=20)  # Altair validates each chart: slow
@given(st.data())
def test_the_waiting_spec_is_the_one_altair_built(data):
    stages = _stages(data)
    rows = [{STAGE: s, STATUS: status, COUNT: data.draw(st.integers(0, 10**6))} for status in (ON_TIME, LATE)
            for s in stages]
    chart = alt.Chart(pd.DataFrame(rows)).mark_bar().encode(
        y=alt.Y(f"{STAGE}:N", sort=ORDER, title=None, axis=alt.Axis(orient="right", labelLimit=260)),
        x=alt.X(f"{COUNT}:Q", title="تعداد پرونده", axis=fa_axis()),
        color=alt.Color(f"{STATUS}:N", title=None, scale=alt.Scale(domain=[ON_TIME, LATE], range=["#4c78a8", "#d62728"])),
    ).properties(height=alt.Step(28))
    assert _inlined(finished(chart)) == waiting_spec(rows, ORDER)


@settings(deadline=None, max_examples=20)
@given(st.data(), st.booleans())
def test_the_stage_spec_is_the_one_altair_built(data, with_target):
    stages = _stages(data)
    rows = [{STAGE: s, MEASURE: m, DAYS: data.draw(DAY_FIGURES)} for m in ("میانگین", "صدک ۹۰") for s in stages]
    rows += [{STAGE: s, MEASURE: "مهلت", DAYS: data.draw(st.integers(1, 90))} for s in stages if with_target]
    chart = alt.Chart(pd.DataFrame(rows)).mark_bar().encode(
        y=alt.Y(f"{STAGE}:N", sort=ORDER, title=None, axis=alt.Axis(orient="right", labelLimit=260)),
        yOffset=alt.YOffset(f"{MEASURE}:N"),
        x=alt.X(f"{DAYS}:Q", title="روز", axis=fa_axis()),
        color=alt.Color(f"{MEASURE}:N", title=None),
    ).properties(height=alt.Step(14))
    assert _inlined(finished(chart)) == stage_spec(rows, ORDER)


@settings(deadline=None, max_examples=20)
@given(NAMES, st.data(), st.none() | st.integers(1, 90))
@example(["کاشان"], None, None)  # one county, no target: a single view, no rule
def test_the_county_spec_is_the_one_altair_built(counties, data, target):
    rows = [{COUNTY: c, DAYS: 2.5 if data is None else data.draw(DAY_FIGURES)} for c in counties]
    chart = alt.Chart(pd.DataFrame(rows)).mark_bar().encode(
        y=alt.Y(f"{COUNTY}:N", sort=list(counties), title=None, axis=alt.Axis(orient="right", labelLimit=200)),
        x=alt.X(f"{DAYS}:Q", title="صدک ۹۰ (روز)", axis=fa_axis()),
    ).properties(height=alt.Step(16))
    if target is not None:
        chart = chart + alt.Chart(pd.DataFrame({DAYS: [target]})).mark_rule(color="#d62728", strokeDash=[4, 3]).encode(
            x=f"{DAYS}:Q")
    assert _inlined(finished(chart)) == county_spec(rows, "صدک ۹۰ (روز)", target)


@settings(deadline=None, max_examples=20)
@given(NAMES, st.data())
def test_the_trend_spec_is_the_one_altair_built(months, data):
    rows = [{MONTH: m, STAGE: s, DAYS: data.draw(DAY_FIGURES)} for m in months for s in _stages(data)]
    chart = alt.Chart(pd.DataFrame(rows)).mark_line(point=True).encode(
        x=alt.X(f"{MONTH}:N", sort=months, title=None),
        y=alt.Y(f"{DAYS}:Q", title="میانگین (روز)", axis=fa_axis()),
        color=alt.Color(f"{STAGE}:N", sort=ORDER, title=None),
    )
    assert _inlined(finished(chart)) == trend_spec(rows, months, ORDER)
