"""Published service information (اطلاعات خدمت), open without sign-in: for each programme what is
needed, how long each stage takes and how many visits — from the targets an administrator set,
with who set each and when; printable (the browser's print, or the page as a file to print)."""

import pandas as pd
import streamlit as st

from lib.jalali import local_today
from services.service_agreement import agreements
from ui.context import read
from ui.fmt import md_escape
from ui.service_info import TITLE, days_text, period_text, service_info_html, set_by_text, visits_text
from ui.tables import rtl_table

st.title(TITLE)
st.html("<style>@media print{[data-testid=stSidebar],[data-testid=stHeader],"
        "[data-testid=stDownloadButton]{display:none!important}}</style>")
views = read(agreements)
today = local_today()
st.download_button("دریافت برای چاپ", data=service_info_html(views, today), file_name="service-information.html",
                   mime="text/html", icon=":material/print:", key="service_info_print")
for view in views:
    st.header(md_escape(view.program_name))
    st.caption(md_escape(view.agency))
    st.subheader("مدارک لازم")
    st.markdown("\n".join(f"- {md_escape(d)}" for d in view.documents))
    st.subheader("مرحله‌ها و مهلت هر یک")
    rtl_table(pd.DataFrame({
        "مرحله": [s.label for s in view.stages],
        "مهلت": [days_text(s.target_days) for s in view.stages],
        "مراجعه حضوری": [visits_text(s.visits) for s in view.stages],
        "تعیین‌کننده و زمان": [set_by_text(s.set_by_name, s.set_at) for s in view.stages],
    }), key=f"service_info_{view.program_code}")
    if view.complete:
        st.markdown(f"کل زمان: {days_text(view.total_days)}؛ کل مراجعه حضوری: {visits_text(view.total_visits)}")
    else:
        st.info("مهلت برخی مرحله‌ها هنوز تعیین نشده است.")
    st.caption(period_text(view))
