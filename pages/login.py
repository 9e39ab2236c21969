"""Sign-in. In demo mode the demo accounts are listed, one per role."""
import streamlit as st

from services.users import authenticate, demo_account_rows
from ui.context import get_engine, read, sign_in
from db.engine import new_session
from lib.errors import InvalidInput

st.title("بیمه‌یار")
st.caption("سامانه تصمیم‌گیری و پرداخت حق بیمه مددجویان")

left, right = st.columns([3, 2], gap="large")
with left:
    with st.form("login", border=True):
        st.subheader("ورود به سامانه")
        username = st.text_input("نام کاربری", key="login_username")
        password = st.text_input("گذرواژه", type="password", key="login_password")
        submitted = st.form_submit_button("ورود", type="primary", width="stretch")
    if submitted:
        with new_session(get_engine()) as session:
            try:
                actor = authenticate(session, username, password)
            except InvalidInput as exc:
                st.error(exc.message, icon="⚠️")
            else:
                sign_in(actor)
                st.rerun()

with right:
    rows = read(demo_account_rows)
    if rows:
        st.subheader("حساب‌های نمایشی")
        st.caption("این پایگاه داده نمایشی است. گذرواژه همه حساب‌های نمایشی:")
        st.code(rows[0]["password"], language=None)
        st.table([{"نام کاربری": r["username"], "نقش": r["role"], "حوزه": r["area"]} for r in rows])
