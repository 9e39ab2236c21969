"""Sign-in. In demo mode the demo accounts are listed, one per role."""
import streamlit as st

from services.users import demo_account_rows
from ui.context import NOTICE_KEY, read, sign_in_with
from ui.fmt import md_escape
from ui.nav import continue_after_login

st.title("بیمه‌یار")
st.caption("سامانه تصمیم‌گیری و پرداخت حق بیمه مددجویان")
notice = st.session_state.pop(NOTICE_KEY, None)
if notice:  # why this tab was signed out (session ended elsewhere, account deactivated, …)
    st.warning(notice, icon="🔒")

left, right = st.columns([3, 2], gap="large")
with left:
    with st.form("login", border=True):
        st.subheader("ورود به سامانه")
        username = st.text_input("نام کاربری", key="login_username")
        password = st.text_input("گذرواژه", type="password", key="login_password")
        submitted = st.form_submit_button("ورود", type="primary", width="stretch")
    if submitted:
        actor = sign_in_with(username, password)
        if actor is not None:
            continue_after_login(actor)
            st.rerun()

    st.page_link("pages/status.py", label="پیگیری درخواست (برای متقاضیان، بدون ورود)", icon=":material/search:")
    st.page_link("pages/service_info.py", label="اطلاعات خدمت: مدارک لازم و مهلت هر مرحله", icon=":material/info:")

with right:
    rows = read(demo_account_rows)
    if rows:
        st.subheader("حساب‌های نمایشی")
        st.caption("این پایگاه داده نمایشی است. گذرواژه همه حساب‌های نمایشی:")
        st.code(rows[0]["password"], language=None)
        st.table([{"نام کاربری": md_escape(r["username"]), "نقش": r["role"], "حوزه": md_escape(r["area"])} for r in rows])
