"""Administrator: the minimum wage table — a new year's daily wage, confirmed or not yet; an
unconfirmed wage is flagged here and wherever it is used (payment runs ask before using it)."""
import pandas as pd
import streamlit as st

from services.wages import FIRST_YEAR, LAST_YEAR, MAX_DAILY_WAGE, set_wage, wage_table
from ui.context import act, read, require_actor
from ui.fmt import format_rial, md_escape, to_persian_digits
from ui.tables import rtl_table
from ui.widgets import field_error, whole_number_input

FLASH = "wages_flash"

actor = require_actor()
st.title("حداقل دستمزد")
st.caption("حداقل دستمزد روزانه مصوب شورای عالی کار برای هر سال؛ مبنای محاسبه حق بیمه در فهرست‌های پرداخت "
           "و معرفی‌نامه‌ها.")
if FLASH in st.session_state:
    st.success(st.session_state.pop(FLASH), icon="✅")

rows = read(wage_table, actor)
unconfirmed = [r.jalali_year for r in rows if not r.confirmed]
if unconfirmed:
    years = "، ".join(to_persian_digits(y) for y in sorted(unconfirmed))
    st.warning(f"دستمزد سال {years} هنوز قطعی نشده است: هر فهرست پرداختی که از آن استفاده کند آن را "
               "«قطعی‌نشده» نشان می‌دهد و پیش از تهیه، تأیید جداگانه می‌خواهد.", icon="⚠️")
if rows:
    rtl_table(pd.DataFrame({
        "سال": [to_persian_digits(r.jalali_year) for r in rows],
        "حداقل دستمزد روزانه": [format_rial(r.daily_wage_rial) for r in rows],
        "وضعیت": ["قطعی" if r.confirmed else "⚠️ قطعی‌نشده" for r in rows],
        "یادداشت": [r.note or "" for r in rows],
    }))
else:
    st.info("هنوز دستمزدی ثبت نشده است.")

st.subheader("ثبت یا ویرایش دستمزد یک سال")
latest = rows[0].jalali_year if rows else None
year = whole_number_input("سال (خورشیدی)", key="wage_year", minimum=FIRST_YEAR, maximum=LAST_YEAR,
                          default=None if latest is None else min(latest + 1, LAST_YEAR))
known = {r.jalali_year: r for r in rows}
if year is not None and year in known:
    current = known[year]
    st.caption(f"دستمزد کنونی این سال: {format_rial(current.daily_wage_rial)} — "
               f"{'قطعی' if current.confirmed else 'قطعی‌نشده'}. ذخیره، آن را جایگزین می‌کند.")
wage = whole_number_input("حداقل دستمزد روزانه (ریال)", key="wage_rial", minimum=1, maximum=MAX_DAILY_WAGE)
confirmed = st.checkbox("قطعی است (مصوبه شورای عالی کار ابلاغ شده)", key="wage_confirmed", value=False)
note = st.text_area("یادداشت (مثلاً شماره و تاریخ مصوبه)", key="wage_note", max_chars=300)
if st.button("ذخیره دستمزد", type="primary", key="wage_save"):
    if year is None or wage is None or field_error("wage_year") or field_error("wage_rial"):
        st.error("سال و دستمزد را درست وارد کنید؛ پیام زیر هر خانه می‌گوید چه چیزی را اصلاح کنید.", icon="⚠️")
    else:
        saved = act(set_wage, jalali_year=year, daily_wage_rial=wage, confirmed=confirmed, note=note)
        if saved is not None:
            state = "قطعی" if saved.confirmed else "قطعی‌نشده"
            st.session_state[FLASH] = md_escape(
                f"دستمزد سال {to_persian_digits(saved.jalali_year)} ثبت شد: "
                f"{format_rial(saved.daily_wage_rial)} ({state}).")
            st.rerun()
