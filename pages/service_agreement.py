"""Administrator: the service agreement of each programme — its validity period and each stage's
target time and in-person visits. The seeds give no figure: nothing is shown as agreed until an
administrator sets it, and the published page (service information) names who set it and when."""

import pandas as pd
import streamlit as st

from lib.jalali import local_today
from lib.audit_labels import local_time
from services.service_agreement import MAX_TARGET_DAYS, MAX_VISITS, agreements, set_stage_target, set_validity
from ui.context import act, read, require_actor
from ui.fmt import format_jalali, md_escape, to_persian_digits
from ui.tables import rtl_table
from ui.widgets import field_error, jalali_date_input, whole_number_input

FLASH = "agreement_flash"
UNSET = "تعیین نشده"

actor = require_actor()
st.title("توافق‌نامه سطح خدمت")
st.caption("مهلت هر مرحله و دوره اعتبار توافق‌نامه را مدیر سامانه تعیین می‌کند؛ صفحه «اطلاعات خدمت» همین‌ها را "
           "با نام تعیین‌کننده و زمان آن منتشر می‌کند.")
if FLASH in st.session_state:
    st.success(st.session_state.pop(FLASH), icon="✅")

views = {a.program_code: a for a in read(agreements)}
code = st.selectbox("برنامه", list(views), format_func=lambda c: views[c].program_name, key="agreement_program")
view = views[code]

warning = view.warning(local_today())
if warning == "ended":
    st.error(f"اعتبار توافق‌نامه در {format_jalali(view.valid_until)} پایان یافته است؛ دوره تازه را ثبت کنید.", icon="⚠️")
elif warning == "ending":
    st.warning(f"اعتبار توافق‌نامه در {format_jalali(view.valid_until)} پایان می‌یابد (کمتر از یک ماه دیگر).", icon="⏳")

st.subheader("دوره اعتبار")
if view.valid_until is None:
    st.info("دوره اعتبار این توافق‌نامه هنوز ثبت نشده است.")
else:
    start = format_jalali(view.valid_from) if view.valid_from else "—"
    st.markdown(f"از {start} تا {format_jalali(view.valid_until)} — ثبت‌شده به دست "
                f"{md_escape(view.period_set_by)} در {local_time(view.period_set_at)}")
starts = jalali_date_input("آغاز اعتبار (اختیاری)", key=f"agreement_from_{code}", default=view.valid_from)
ends = jalali_date_input("پایان اعتبار", key=f"agreement_until_{code}", default=view.valid_until)
if st.button("ذخیره دوره اعتبار", key="agreement_save_period"):
    if ends is None or field_error(f"agreement_from_{code}") or field_error(f"agreement_until_{code}"):
        st.error("تاریخ پایان اعتبار را به شکل سال/ماه/روز وارد کنید.", icon="⚠️")
    elif act(set_validity, program=code, valid_from=starts, valid_until=ends) is not None:
        st.session_state[FLASH] = f"دوره اعتبار تا {format_jalali(ends)} ثبت شد."
        st.rerun()

st.subheader("مهلت مرحله‌ها")
rtl_table(pd.DataFrame({
    "مرحله": [s.label for s in view.stages],
    "مهلت (روز)": [UNSET if s.target_days is None else to_persian_digits(s.target_days) for s in view.stages],
    "مراجعه حضوری": [UNSET if s.visits is None else to_persian_digits(s.visits) for s in view.stages],
    "تعیین‌کننده": [s.set_by_name or "—" for s in view.stages],
    "زمان تعیین": [local_time(s.set_at) if s.set_at else "—" for s in view.stages],
}))
if not view.complete:
    st.caption("مرحله‌هایی که مهلت ندارند در صفحه اطلاعات خدمت «تعیین نشده» نوشته می‌شوند.")

labels = {s.stage: s for s in view.stages}
stage = st.selectbox("مرحله", list(labels), format_func=lambda s: labels[s].label, key="agreement_stage")
chosen = labels[stage]
days = whole_number_input("مهلت مرحله (روز)", key=f"agreement_days_{code}_{stage}", minimum=1,
                          maximum=MAX_TARGET_DAYS, default=chosen.target_days)
visits = whole_number_input("مراجعه حضوری در این مرحله", key=f"agreement_visits_{code}_{stage}", minimum=0,
                            maximum=MAX_VISITS, default=chosen.visits)
if st.button("ذخیره مهلت مرحله", type="primary", key="agreement_save_stage"):
    if days is None or visits is None:
        st.error("مهلت و تعداد مراجعه را درست وارد کنید؛ پیام زیر هر خانه می‌گوید چه چیزی را اصلاح کنید.", icon="⚠️")
    elif act(set_stage_target, program=code, stage=stage, target_days=days, visits=visits) is not None:
        st.session_state[FLASH] = f"مهلت مرحله «{chosen.label}» ثبت شد: {to_persian_digits(days)} روز."
        st.rerun()
