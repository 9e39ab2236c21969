"""Administrator: programme parameters (پارامترهای برنامه) — the premium rate, programme B's funding
shares and the cap of months per person, saved as a new version with its reason; the history of
versions. The calculations read the version in force (services.program_parameters)."""
import pandas as pd
import streamlit as st

from lib.audit_labels import local_time
from services.program_parameters import MAX_CAP_MONTHS, current_parameters, parameter_history, set_parameters
from services.reference import programs
from ui.context import act, read, require_actor
from ui.fmt import PROGRAM_LABELS, format_percent_bp, md_escape, to_persian_digits
from ui.tables import rtl_table
from ui.widgets import field_error, whole_number_input

FLASH = "parameters_flash"
BP_HELP = "به واحد پایه: ۱۰۰ واحد یعنی یک درصد (۱۸۰۰ یعنی ۱۸٪)."

actor = require_actor()
st.title("پارامترهای برنامه", anchor=False)
st.caption("نرخ حق بیمه، سهم دستگاه و دولت و سقف ماه‌های حمایت هر نفر. هر ذخیره نسخه تازه‌ای است که از همان لحظه "
           "در محاسبه‌ها به کار می‌رود؛ فهرست‌های پرداختی که پیش‌تر تهیه شده‌اند ارقام خود را نگه می‌دارند.")
if FLASH in st.session_state:
    st.success(st.session_state.pop(FLASH), icon="✅")

codes = [p.code for p in read(programs)]
code = st.selectbox("برنامه", codes, format_func=lambda c: PROGRAM_LABELS.get(c, c), key="parameters_program")
now = read(current_parameters, code)
history = read(parameter_history, actor, code)


def percent(bp: int | None) -> str:
    return "—" if bp is None else format_percent_bp(bp)


st.subheader("نسخه‌ها", anchor=False)
rtl_table(pd.DataFrame({
    "نسخه": [to_persian_digits(p.version) for p in history],
    "نرخ حق بیمه": [percent(p.rate_bp) for p in history],
    "سهم دستگاه": [percent(p.agency_share_bp) for p in history],
    "سهم دولت": [percent(p.government_share_bp) for p in history],
    "سقف ماه‌ها": ["بدون سقف" if p.max_months is None else to_persian_digits(p.max_months) for p in history],
    "دلیل یا مصوبه": [p.note or "" for p in history],
    "ثبت‌کننده": [p.set_by_name for p in history],
    "زمان": [local_time(p.set_at) if p.set_at else "—" for p in history],
}))
if now.version == 0:
    st.caption("نسخه ۰ همان مقادیر داده‌های پایه است؛ با نخستین ذخیره، نسخه ۱ ساخته می‌شود.")

st.subheader("نسخه تازه", anchor=False)
rate = whole_number_input("نرخ حق بیمه (واحد پایه)", key=f"parameters_rate_{code}", minimum=1, maximum=10_000,
                          default=now.rate_bp, help=BP_HELP)
if rate is not None:
    st.caption(f"یعنی {format_percent_bp(rate)}")
agency = government = None
if code == "B":
    agency = whole_number_input("سهم دستگاه (واحد پایه)", key=f"parameters_agency_{code}", minimum=0, maximum=10_000,
                                default=now.agency_share_bp, help=BP_HELP)
    government = whole_number_input("سهم دولت (واحد پایه)", key=f"parameters_government_{code}", minimum=0,
                                    maximum=10_000, default=now.government_share_bp, help=BP_HELP)
    if agency is not None and government is not None:
        st.caption(f"سهم دستگاه {format_percent_bp(agency)} و سهم دولت {format_percent_bp(government)}؛ "
                   "روی هم باید برابر نرخ حق بیمه باشند.")
cap = whole_number_input("سقف ماه‌های حمایت هر نفر", key=f"parameters_cap_{code}", minimum=1, maximum=MAX_CAP_MONTHS,
                         default=now.max_months, required=code == "A",
                         help="برنامه الف: همه پرونده‌های هر نفر روی هم. برای برنامه ب خالی یعنی بدون سقف.")
note = st.text_area("دلیل تغییر یا شماره و تاریخ مصوبه", key=f"parameters_note_{code}", max_chars=300)
if st.button("ذخیره نسخه تازه", type="primary", key="parameters_save"):
    keys = [f"parameters_{k}_{code}" for k in ("rate", "agency", "government", "cap")]
    if rate is None or any(field_error(k) for k in keys) or (code == "B" and (agency is None or government is None)):
        st.error("مقادیر را درست وارد کنید؛ پیام زیر هر خانه می‌گوید چه چیزی را اصلاح کنید.", icon="⚠️")
    else:
        saved = act(set_parameters, program=code, rate_bp=rate, max_months=cap, agency_share_bp=agency,
                    government_share_bp=government, note=note)
        if saved is not None:
            st.session_state[FLASH] = md_escape(
                f"نسخه {to_persian_digits(saved.version)} پارامترهای «{PROGRAM_LABELS.get(code, code)}» ذخیره شد و از "
                "همین حالا در محاسبه‌ها به کار می‌رود.")
            st.rerun()
