"""Quota and credit monitoring (پایش سهمیه و اعتبار): the country's provinces, a province's
counties, a county's cases. Read-only; the figures come from services.monitoring."""
import functools

import pandas as pd
import streamlit as st

from lib.catalog import FUNDING_SOURCES
from lib.jalali import current_year_month, month_name
from lib.monitoring import LEVEL_LABELS, Level
from lib.xlsx import Sheet, workbook_bytes
from services.cases import list_cases
from services.monitoring import monitoring
from ui.context import act, require_actor
from ui.errors import guarded
from ui.fmt import PROGRAM_SHORT_LABELS, STATE_LABELS, format_jalali, format_number, to_persian_digits
from ui.monitoring_charts import AREA, CUMULATIVE_PAID, MEASURE, MONTH, PERCENT, draw, months_spec, use_spec
from ui.versioned import current_version, versioned

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SOURCE_LABELS = {"A": f"{PROGRAM_SHORT_LABELS['A']} (همه منابع)", "relief_committee": FUNDING_SOURCES["relief_committee"],
                 "government": FUNDING_SOURCES["government"]}
LEVEL_COLOURS = {Level.warn.value: "background-color: #fff3c4", Level.over.value: "background-color: #f8c7c3"}


def _percent(bp) -> str:
    return "—" if pd.isna(bp) else f"{to_persian_digits(int(bp) // 100)}٪"


def _rial(value) -> str:
    return "—" if value is None or pd.isna(value) else format_number(int(value))


def _level(seats_level, credit_level) -> str:
    levels = {seats_level, credit_level}
    for level in (Level.over.value, Level.warn.value):
        if level in levels:
            return level
    return Level.ok.value if levels - {None} else ""


def _excel(name: str, frame: pd.DataFrame) -> bytes:
    rows = [[None if v is None or pd.isna(v) else str(v) for v in row] for row in frame.itertuples(index=False)]
    return workbook_bytes([Sheet(name, list(frame.columns), rows)])


def _go(**params) -> None:
    st.query_params.clear()
    st.query_params.update({k: str(v) for k, v in params.items() if v is not None})


actor = require_actor()
st.title("پایش سهمیه و اعتبار", anchor=False)
now = current_year_month()
wanted_year = st.query_params.get("year", "")
years = sorted({*range(now.year - 5, now.year + 2), *([int(wanted_year)] if wanted_year.isdigit() else [])})
year = st.selectbox("سال", years, index=years.index(int(wanted_year) if wanted_year.isdigit() else now.year),
                    format_func=to_persian_digits, key="monitoring_year")
province_param = st.query_params.get("province")
county_param = st.query_params.get("county")

if county_param is not None:  # a county → its cases
    frame = act(list_cases, county_id=int(county_param), limit=500)
    if st.button("بازگشت به شهرستان‌های استان", key="monitoring_back_county"):
        _go(province=province_param, year=year)
        st.rerun()
    if frame is None:
        st.stop()
    st.subheader(f"پرونده‌های شهرستان {frame['county'].iloc[0] if len(frame) else ''}", anchor=False)
    shown = pd.DataFrame({
        "کد رهگیری": frame["tracking_code"], "متقاضی": frame["applicant"],
        "برنامه": frame["program"].map(PROGRAM_SHORT_LABELS.get), "وضعیت": frame["state"].map(lambda s: STATE_LABELS[s]),
        "تاریخ درخواست": frame["applied_on"].map(format_jalali),
    })
    st.caption(f"{format_number(len(frame))} پرونده (تازه‌ترین‌ها؛ همه پرونده‌ها در صفحه «پرونده‌ها»).")
    st.dataframe(shown, hide_index=True, width="stretch", column_order=list(shown.columns)[::-1])
    st.stop()

# the figures of a year and area: read once per data version (a write anywhere, or the next day)
data = versioned(monitoring, current_version(), jalali_year=year,
                 province_id=None if province_param is None else int(province_param))
if data is None:
    st.stop()
areas = data.areas.copy()
area_word = "استان" if data.level == "national" else "شهرستان"
st.markdown(f"#### {data.title} — سال {to_persian_digits(year)}")
if data.level == "province" and province_param is not None and st.button("بازگشت به کل کشور", key="monitoring_back"):
    _go(year=year)
    st.rerun()
if not data.wage_known:
    st.warning(f"حداقل دستمزد سال {to_persian_digits(year)} ثبت نشده است؛ هزینه تعهدشده محاسبه نمی‌شود.")
elif not data.wage_confirmed:
    st.warning(f"حداقل دستمزد سال {to_persian_digits(year)} هنوز قطعی نشده است؛ هزینه تعهدشده و پیش‌بینی با دستمزد "
               "«قطعی‌نشده» برآورد شده‌اند و با تأیید دستمزد تغییر می‌کنند.")
# the exports carry the flag in the column names
estimate = "" if data.wage_confirmed or not data.wage_known else "، با دستمزد قطعی‌نشده"
if data.level == "province":
    st.caption("اعتبار به استان ابلاغ می‌شود؛ شهرستان‌ها اعتبار جداگانه ندارند و نزدیکی به سقف آن‌ها با سهمیه سنجیده می‌شود.")

names = dict(zip(data.areas["area_id"], data.areas["area"]))


def _picked(key: str) -> None:
    """Narrow to the area chosen in the list (the choice is then cleared for the way back)."""
    pick, st.session_state[key] = st.session_state[key], None
    if pick is not None:
        _go(**({"province": pick} if data.level == "national" else {"province": data.province_id, "county": pick}),
            year=year)


pick_key = f"monitoring_pick_{data.level}"
st.selectbox(f"نمایش جزئیات {area_word}", [None, *names], key=pick_key, on_change=guarded(_picked), args=(pick_key,),
             format_func=lambda a: f"همه {area_word}‌ها" if a is None else names[a])
order = st.radio("ترتیب", ["closeness", "name"], horizontal=True, key="monitoring_order",
                 format_func=lambda o: "نزدیک‌ترین به سقف" if o == "closeness" else "نام")
if order == "closeness":
    areas = areas.sort_values("closeness_bp", ascending=False, na_position="last", kind="stable")
areas = areas.reset_index(drop=True)
areas["level"] = [_level(s, c) for s, c in zip(areas["seats_level"], areas["credit_level"])]
table = pd.DataFrame({
    area_word: areas["area"],
    "وضعیت": areas["level"].map(lambda lv: LEVEL_LABELS[Level(lv)] if lv else "—"),
    "سهمیه (نفر)": areas["seats"].map(_rial), "معرفی‌شده": areas["seats_used"].map(format_number),
    "در نوبت": areas["waiting"].map(format_number), "مصرف سهمیه": areas["seats_bp"].map(_percent),
    "اعتبار (ریال)": areas["credit_rial"].map(_rial), f"تعهدشده (ریال{estimate})": areas["committed_rial"].map(_rial),
    "پرداخت‌شده (ریال)": areas["paid_rial"].map(_rial), "تأیید تأمین اجتماعی (ریال)": areas["confirmed_rial"].map(_rial),
    "مصرف اعتبار": areas["credit_bp"].map(_percent),
    "فعال": areas["active"].map(format_number), "معلق": areas["suspended"].map(format_number),
    "پایان‌یافته": areas["completed"].map(format_number),
})
row_colours = [LEVEL_COLOURS.get(level, "") for level in areas["level"]]
# each row's colour on every cell, set for the whole table at once (a function per row cost a fifth of a rerun)
styled = table.style.apply(lambda frame: pd.DataFrame([[c] * frame.shape[1] for c in row_colours], index=frame.index,
                                                      columns=frame.columns), axis=None)
st.caption(f"ردیف زرد: ۸۰٪ سهمیه یا اعتبار یا بیشتر مصرف شده؛ ردیف قرمز: بیش از سقف. برای دیدن جزئیات، ردیف یک {area_word} را انتخاب کنید.")


def _clicked(key: str) -> None:
    """A row clicked: narrow to its area (the selection is forgotten for the way back)."""
    state = st.session_state.get(key)  # gone when the table was not drawn in the run before
    if state is None:
        return
    rows = state.selection.rows
    del st.session_state[key]
    if rows:
        area_id = int(areas.iloc[rows[0]]["area_id"])
        _go(**({"province": area_id} if data.level == "national" else {"province": data.province_id, "county": area_id}),
            year=year)


table_key = f"monitoring_table_{data.level}"
st.dataframe(styled, hide_index=True, width="stretch", column_order=list(table.columns)[::-1],
             on_select=guarded(functools.partial(_clicked, table_key)), selection_mode="single-row", key=table_key)
st.download_button("خروجی اکسل جدول", data=lambda: _excel("پایش", table), file_name=f"bimeyar-monitoring-{year}.xlsx",
                   mime=XLSX, key="monitoring_xlsx")

st.divider()
tab_use, tab_months, tab_sources = st.tabs(["مصرف به تفکیک حوزه", "روند ماهانه و پیش‌بینی", "به تفکیک منبع اعتبار"])
with tab_use:
    use = [{AREA: name, MEASURE: measure, PERCENT: int(bp) / 100}
           for column, measure in (("seats_bp", "سهمیه"), ("credit_bp", "اعتبار"))
           for name, bp in zip(areas["area"], areas[column]) if not pd.isna(bp)]
    chart_col, table_col = st.columns([3, 2])
    with chart_col:
        if not use:
            st.info("برای این حوزه‌ها سهمیه یا اعتباری ثبت نشده است.")
        else:
            draw(use_spec(use, list(areas["area"])))
    with table_col:
        use_table = table[[area_word, "مصرف سهمیه", "مصرف اعتبار"]]
        st.dataframe(use_table, hide_index=True, width="stretch", column_order=list(use_table.columns)[::-1])
        st.download_button("خروجی اکسل", data=lambda: _excel("مصرف", use_table), file_name=f"bimeyar-use-{year}.xlsx",
                           mime=XLSX, key="monitoring_use_xlsx")

with tab_months:
    months = data.months
    if months.empty:
        st.info("در این سال اعتبار، پرداخت یا تعهدی ثبت نشده است.")
    else:
        runs_out = data.runs_out()
        for source, month in runs_out.items():
            if month is not None:
                st.error(f"پیش‌بینی: اعتبار «{SOURCE_LABELS[source]}» در {month_name(month)} {to_persian_digits(year)} تمام می‌شود.")
        source = st.selectbox("منبع اعتبار", list(months["source"].unique()), format_func=SOURCE_LABELS.get,
                              key="monitoring_source")
        frame = months[months["source"] == source].copy()
        frame["ماه"] = frame["month"].map(month_name)
        frame["پرداخت تجمعی"] = frame["paid"].cumsum()
        chart_col, table_col = st.columns([3, 2])
        with chart_col:
            draw(months_spec(
                [{MONTH: m, "paid": int(p), "cumulative": int(c), CUMULATIVE_PAID: int(t)}
                 for m, p, c, t in zip(frame["ماه"], frame["paid"], frame["cumulative"], frame["پرداخت تجمعی"])],
                int(frame["credit"].iloc[0]) if frame["credit"].notna().all() else None))
            st.caption("ستون‌ها: پرداخت هر ماه؛ خط بنفش: پیش‌بینی تجمعی هزینه سال؛ خط‌چین: پرداخت تجمعی؛ خط قرمز: اعتبار.")
        with table_col:
            month_table = pd.DataFrame({
                "ماه": frame["ماه"], "پرداخت‌شده": frame["paid"].map(format_number),
                f"تعهدشده{estimate}": frame["committed"].map(format_number), f"پیش‌بینی{estimate}": frame["forecast"].map(format_number),
                f"پیش‌بینی تجمعی{estimate}": frame["cumulative"].map(format_number),
                "اعتبار": frame["credit"].map(_rial),
            })
            st.dataframe(month_table, hide_index=True, width="stretch", column_order=list(month_table.columns)[::-1])
            st.download_button("خروجی اکسل", data=lambda: _excel("روند ماهانه", month_table),
                               file_name=f"bimeyar-months-{year}.xlsx", mime=XLSX, key="monitoring_months_xlsx")

    st.markdown("##### پیش‌بینی هزینه سال به تفکیک حوزه و منبع")
    fc = data.forecast
    if not fc.empty:
        fc_table = pd.DataFrame({
            area_word: fc["area"], "منبع": fc["source"].map(SOURCE_LABELS.get), "اعتبار (ریال)": fc["credit_rial"].map(_rial),
            "پرداخت‌شده (ریال)": fc["paid_rial"].map(_rial), f"پیش‌بینی هزینه سال (ریال{estimate})": fc["forecast_rial"].map(_rial),
            "پایان اعتبار": fc["runs_out_month"].map(lambda m: "—" if pd.isna(m) else month_name(int(m))),
        })
        st.dataframe(fc_table, hide_index=True, width="stretch", column_order=list(fc_table.columns)[::-1])
        st.download_button("خروجی اکسل", data=lambda: _excel("پیش‌بینی", fc_table), file_name=f"bimeyar-forecast-{year}.xlsx",
                           mime=XLSX, key="monitoring_forecast_xlsx")

with tab_sources:
    sources = data.sources
    if sources.empty:
        st.info("در این سال اعتبار، پرداخت یا تعهدی ثبت نشده است.")
    else:
        source_table = pd.DataFrame({
            area_word: sources["area"], "منبع": sources["source"].map(SOURCE_LABELS.get),
            "اعتبار (ریال)": sources["credit_rial"].map(_rial), f"تعهدشده (ریال{estimate})": sources["committed_rial"].map(_rial),
            "پرداخت‌شده (ریال)": sources["paid_rial"].map(_rial), "تأیید تأمین اجتماعی (ریال)": sources["confirmed_rial"].map(_rial),
        })
        st.dataframe(source_table, hide_index=True, width="stretch", column_order=list(source_table.columns)[::-1])
        st.download_button("خروجی اکسل", data=lambda: _excel("منابع", source_table),
                           file_name=f"bimeyar-sources-{year}.xlsx", mime=XLSX, key="monitoring_sources_xlsx")
