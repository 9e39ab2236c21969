"""Managers: the service agreement kept or not (داشبورد توافق‌نامه) — cases waiting at each stage and
those past the target an administrator set, each stage's average and 90th-percentile time per
county, the trend by month; the actor's area only. Figures from services.sla_dashboard (SQL)."""
from datetime import date, datetime, timedelta, timezone

import pandas as pd
import streamlit as st

from lib.errors import InvalidInput
from lib.jalali import month_name, local_today
from lib.permissions import scope_of
from lib.service_agreement import STAGE_LABELS, stages_of
from services.base import Actor
from services.dashboard import area_label
from services.data_version import data_version
from services.sla_dashboard import PERCENTILE, Dashboard, StageFigure, sla_dashboard, stage_by_county
from ui.context import read, require_actor
from ui.fmt import PROGRAM_LABELS, format_number, md_escape, to_persian_digits
from ui.sla_charts import CHART_COUNTIES, LATE, ON_TIME, county_spec, stage_spec, trend_spec, waiting_spec
from ui.tables import rtl_table
from ui.widgets import field_error, jalali_date_input

UNSET = "تعیین نشده"
NONE_DONE = "در این بازه هیچ مرحله‌ای به پایان نرسیده است."
P90 = f"صدک {to_persian_digits(PERCENTILE)}"


@st.cache_data(max_entries=64, show_spinner=False)
def board_for(_actor: Actor, scope: str, province_id: int | None, county_id: int | None, since: date, until: date,
              program: str, hour: datetime, version: int) -> Dashboard:
    """The dashboard of an area and programme (the one shown: the other's rows are not read), reused
    until the next write anywhere (``version``) or the next hour (how long a waiting case has waited
    grows with the clock)."""
    return read(sla_dashboard, _actor, since=since, until=until, now=hour, program=program, by_county=False)


@st.cache_data(max_entries=64, show_spinner=False)
def counties_for(_actor: Actor, scope: str, province_id: int | None, county_id: int | None, since: date, until: date,
                 program: str, stage: str, version: int) -> list[StageFigure]:
    """One stage's figures per county (the stage chosen: only its rows are read), reused until the
    next write anywhere (finished stages do not change with the clock)."""
    return read(stage_by_county, _actor, program=program, stage=stage, since=since, until=until)


def days(value: float | None) -> str:
    return "—" if value is None else to_persian_digits(f"{value:.1f}").replace(".", "٫")


def target_text(value: int | None) -> str:
    return UNSET if value is None else to_persian_digits(value)


def chart_and_table(spec: dict, frame: pd.DataFrame) -> None:
    """A chart (a Vega-Lite spec of ui.sla_charts) with the same figures as a table under it, both the
    page's width: beside the chart (two fifths of the page) the tables of five or six columns scrolled
    sideways at 1440×900."""
    st.vega_lite_chart(spec=spec, width="stretch")
    rtl_table(frame)


actor = require_actor()
st.title("داشبورد توافق‌نامه سطح خدمت", anchor=False)
st.markdown(f"#### {md_escape(read(area_label, actor))}")
st.caption("هر مرحله از نخستین رسیدن پرونده به مرحله پیش تا نخستین رسیدن به همین مرحله شمرده می‌شود (روز تقویمی)؛ "
           "مرحله نخست از تاریخ درخواست تا ثبت آن. مهلت‌ها را مدیر سامانه در صفحه «توافق‌نامه سطح خدمت» تعیین می‌کند.")

today = local_today()
c1, c2 = st.columns(2)
with c1:
    since = jalali_date_input("از تاریخ", key="sla_since", default=today - timedelta(days=365))
with c2:
    until = jalali_date_input("تا تاریخ", key="sla_until", default=today)
if since is None or until is None or field_error("sla_since") or field_error("sla_until"):
    st.error("بازه گزارش را به شکل سال/ماه/روز وارد کنید.", icon="⚠️")
    st.stop()

program = st.selectbox("برنامه", sorted(p.value for p in PROGRAM_LABELS), format_func=lambda p: PROGRAM_LABELS[p],
                       key="sla_program")
hour = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0)
try:
    board = board_for(actor, scope_of(actor.role, actor.area).value, actor.province_id, actor.county_id, since, until,
                      program, hour, read(data_version))
except InvalidInput as exc:  # the period: shown in Persian, nothing else to draw
    st.error(md_escape(exc.message), icon="⚠️")
    st.stop()

stages = stages_of(program)
order = [STAGE_LABELS[s] for s in stages]
if not any(board.targets[program, s] is not None for s in stages):
    st.info("برای این برنامه هنوز مهلتی تعیین نشده است؛ زمان‌ها نشان داده می‌شوند ولی هیچ پرونده‌ای «دیرکرد» "
            "شمرده نمی‌شود.", icon="ℹ️")

# --------------------------------------------------------------------------- waiting now
st.subheader("پرونده‌های در انتظار هر مرحله", anchor=False)
waiting = [w for w in board.waiting if w.program == program]
if not waiting:
    st.info("اکنون پرونده‌ای در انتظار مرحله‌ای نیست.")
else:
    per_stage = {}
    for w in waiting:
        n, late = per_stage.get(w.stage, (0, 0))
        per_stage[w.stage] = (n + w.waiting, late + w.late)
    shown = [s for s in stages if s in per_stage]
    frame = pd.DataFrame({
        "مرحله": [STAGE_LABELS[s] for s in shown],
        "در انتظار": [format_number(per_stage[s][0]) for s in shown],
        "گذشته از مهلت": [format_number(per_stage[s][1]) for s in shown],
        "مهلت (روز)": [target_text(board.targets[program, s]) for s in shown],
    })
    bars = ([{"مرحله": STAGE_LABELS[s], "وضع": ON_TIME, "تعداد": per_stage[s][0] - per_stage[s][1]} for s in shown]
            + [{"مرحله": STAGE_LABELS[s], "وضع": LATE, "تعداد": per_stage[s][1]} for s in shown])
    chart_and_table(waiting_spec(bars, order), frame)

# --------------------------------------------------------------------------- time per stage
st.subheader("زمان هر مرحله (پرونده‌هایی که مرحله را در بازه گذرانده‌اند)", anchor=False)
totals = [f for f in board.totals if f.program == program]
if not totals:
    st.info(NONE_DONE)
else:
    frame = pd.DataFrame({
        "مرحله": [STAGE_LABELS[f.stage] for f in totals],
        "تعداد": [format_number(f.done) for f in totals],
        "میانگین (روز)": [days(f.average_days) for f in totals],
        f"{P90} (روز)": [days(f.p90_days) for f in totals],
        "مهلت (روز)": [target_text(f.target_days) for f in totals],
        "دیرتر از مهلت": [format_number(f.late) for f in totals],
    })
    long = ([{"مرحله": STAGE_LABELS[f.stage], "شاخص": "میانگین", "روز": round(f.average_days, 1)} for f in totals]
            + [{"مرحله": STAGE_LABELS[f.stage], "شاخص": P90, "روز": round(f.p90_days, 1)} for f in totals]
            + [{"مرحله": STAGE_LABELS[f.stage], "شاخص": "مهلت", "روز": f.target_days} for f in totals
               if f.target_days is not None])
    chart_and_table(stage_spec(long, order), frame)

    st.markdown("**هر شهرستان**")
    done_stages = [f.stage for f in totals]
    stage = st.selectbox("مرحله", done_stages, format_func=STAGE_LABELS.get, key="sla_stage")
    counties = sorted(counties_for(actor, scope_of(actor.role, actor.area).value, actor.province_id, actor.county_id,
                                   since, until, program, stage, read(data_version)), key=lambda f: -f.p90_days)
    frame = pd.DataFrame({
        "شهرستان": [f.county for f in counties],
        "تعداد": [format_number(f.done) for f in counties],
        "میانگین (روز)": [days(f.average_days) for f in counties],
        f"{P90} (روز)": [days(f.p90_days) for f in counties],
        "دیرتر از مهلت": [format_number(f.late) for f in counties],
    })
    bars = [{"شهرستان": f.county, "روز": round(f.p90_days, 1)} for f in counties[:CHART_COUNTIES]]
    if len(counties) > CHART_COUNTIES:
        st.caption(f"نمودار {to_persian_digits(CHART_COUNTIES)} شهرستانِ کندتر را نشان می‌دهد "
                   f"و جدول زیر آن هر {format_number(len(counties))} شهرستان را.")
    chart_and_table(county_spec(bars, f"{P90} (روز)", board.targets[program, stage]), frame)

# --------------------------------------------------------------------------- trend
st.subheader("روند ماهانه", anchor=False)
months = [m for m in board.months if m.program == program]
if not months:
    st.info(NONE_DONE)
else:
    ordered_months = sorted({(m.jalali_year, m.jalali_month) for m in months})
    month_label = {ym: f"{month_name(ym[1])} {to_persian_digits(ym[0])}" for ym in ordered_months}
    frame = pd.DataFrame({
        "ماه": [month_label[m.jalali_year, m.jalali_month] for m in months],
        "مرحله": [STAGE_LABELS[m.stage] for m in months],
        "تعداد": [format_number(m.done) for m in months],
        "میانگین (روز)": [days(m.average_days) for m in months],
        "دیرتر از مهلت": [format_number(m.late) for m in months],
    })
    lines = [{"ماه": month_label[m.jalali_year, m.jalali_month], "مرحله": STAGE_LABELS[m.stage],
              "روز": round(m.average_days, 1)} for m in months]
    chart_and_table(trend_spec(lines, [month_label[ym] for ym in ordered_months], order), frame)

# --------------------------------------------------------------------------- overdue cases
late = [c for c in board.late_cases if c.program == program]
st.subheader("پرونده‌های گذشته از مهلت (بیشترین تأخیر نخست)", anchor=False)
if not late:
    st.success("هیچ پرونده در انتظاری از مهلت مرحله‌اش نگذشته است.", icon="✅")
else:
    rtl_table(pd.DataFrame({
        "کد رهگیری": [c.tracking_code for c in late],
        "شهرستان": [c.county for c in late],
        "در انتظار مرحله": [STAGE_LABELS[c.stage] for c in late],
        "روز گذشته": [days(c.days) for c in late],
        "مهلت (روز)": [to_persian_digits(c.target_days) for c in late],
        "پرونده": [f"/case?id={c.application_id}" for c in late],
    }), column_config={"پرونده": st.column_config.LinkColumn("پرونده", display_text="باز کردن")})
