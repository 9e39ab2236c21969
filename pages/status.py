"""پیگیری درخواست: the applicant's own status lookup, open without sign-in (services.case_status).

It shows the stage, its date and the next step for a tracking code and national code pair, and
links only back to the sign-in page; the frame registers no other page for a signed-out visitor."""
import streamlit as st

from lib.errors import InvalidInput
from services.case_status import lookup_status
from ui.context import client_address, read
from ui.fmt import md_escape, to_persian_digits

st.title("پیگیری درخواست")
st.caption("کد رهگیری (روی رسید درخواست) و کد ملی خود را وارد کنید تا مرحله پرونده و کار بعدی را ببینید.")

with st.form("status", border=True):
    tracking = st.text_input("کد رهگیری", key="status_tracking", max_chars=40)
    national = st.text_input("کد ملی", key="status_national", max_chars=20)
    submitted = st.form_submit_button("پیگیری", type="primary")

if submitted:
    try:
        answer = read(lookup_status, tracking, national, client=client_address())
    except InvalidInput as exc:
        st.error(md_escape(exc.message), icon="⚠️")
    else:
        if not answer.found:
            st.warning(answer.message, icon="🔎")
        else:
            st.subheader("وضعیت پرونده")
            left, right = st.columns(2)
            left.metric("مرحله", answer.stage)
            right.metric("از تاریخ", answer.since)
            st.info(md_escape(to_persian_digits(answer.next_step)), icon="➡️")

st.page_link("pages/login.py", label="ورود کارکنان به سامانه", icon=":material/login:")
