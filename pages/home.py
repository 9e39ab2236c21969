"""Home: the signed-in user's area at a glance — cases by state, this year's quota and budget."""
import streamlit as st

from datetime import date

from lib.jalali import local_today
from lib.permissions import scope_of
from services.base import Actor
from services.dashboard import AreaSummary, area_summary
from services.data_version import data_version
from ui.context import read, require_actor
from ui.fmt import PROGRAM_LABELS, PROGRAM_SHORT_LABELS, format_number, format_rial, md_escape, to_persian_digits
from ui.state_chart import cases_by_state_chart


@st.cache_data(max_entries=256, show_spinner=False)
def summary_for(_actor: Actor, scope: str, province_id: int | None, county_id: int | None, day: date,
                version: int) -> AreaSummary:
    """The figures of an area, shared by every user of that area until the next write anywhere
    (``version``, read from the database: right across several app servers) or the next day."""
    return read(area_summary, _actor, today=day)


actor = require_actor()
summary = summary_for(actor, scope_of(actor.role, actor.area).value, actor.province_id, actor.county_id,
                      local_today(), read(data_version))
st.title("پیشخوان", anchor=False)
st.markdown(f"#### {md_escape(summary.area_label)} — سال {to_persian_digits(summary.jalali_year)}")

total_cases = sum(summary.cases_by_state.values())
cols = st.columns(2 + len(summary.use))
cols[0].metric("همه پرونده‌ها", format_number(total_cases))
cols[1].metric("پرونده‌های باز", format_number(summary.open_cases))
for col, use in zip(cols[2:], summary.use):
    active = sum(n for (p, s), n in summary.cases_by_state.items() if p == use.program and s == "active")
    col.metric(f"بیمه‌شدگان فعال {PROGRAM_SHORT_LABELS[use.program]}", format_number(active))

st.divider()
for use in summary.use:
    st.subheader(PROGRAM_LABELS[use.program], anchor=False)
    budget_col, quota_col = st.columns(2)
    with budget_col:
        if use.budget_rial:
            st.markdown(f"**اعتبار امسال:** {format_rial(use.paid_rial)} از {format_rial(use.budget_rial)} پرداخت شده")
            st.progress(min(use.paid_rial / use.budget_rial, 1.0))
        else:
            st.markdown(f"**اعتبار امسال:** اعتباری ثبت نشده است؛ پرداخت‌شده: {format_rial(use.paid_rial)}")
    with quota_col:
        if use.quota_slots:
            st.markdown(
                f"**سهمیه امسال:** {format_number(use.quota_used)} از {format_number(use.quota_slots)} نفر معرفی شده"
            )
            st.progress(min(use.quota_used / use.quota_slots, 1.0))
        elif use.quota_used or use.quota_slots == 0:
            st.markdown("**سهمیه امسال:** سهمیه‌ای برای این حوزه اعلام نشده است.")

st.divider()
st.subheader("پرونده‌ها بر پایه وضعیت", anchor=False)
if not summary.cases_by_state:
    st.info("هنوز پرونده‌ای در حوزه شما ثبت نشده است.")
else:
    cases_by_state_chart(summary.cases_by_state)
