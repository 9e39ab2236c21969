"""The signed-in user's account: who they are, changing the password, signing out."""
import streamlit as st

from services.dashboard import area_label
from services.users import change_password
from ui.context import act, read, renew_session, require_actor, sign_out
from ui.fmt import ROLE_LABELS, md_escape

actor = require_actor()
st.title("حساب کاربری")
st.markdown(f"**{md_escape(actor.full_name)}** — {ROLE_LABELS[actor.role]} — {md_escape(read(area_label, actor))}")

with st.form("password", clear_on_submit=True):
    st.subheader("تغییر گذرواژه")
    current = st.text_input("گذرواژه کنونی", type="password", key="current_password")
    new = st.text_input("گذرواژه تازه", type="password", key="new_password")
    again = st.text_input("تکرار گذرواژه تازه", type="password", key="new_password_again")
    if st.form_submit_button("ذخیره گذرواژه"):
        if new != again:
            st.error("دو گذرواژه یکسان نیستند؛ هر دو را دوباره بنویسید.", icon="⚠️")
        elif act(change_password, actor.id, new, current_password=current) is not None:
            renew_session()  # every session of the account ended; this tab goes on with a new one
            st.success("گذرواژه تغییر کرد. در زبانه‌ها و رایانه‌های دیگر باید دوباره وارد شوید.", icon="✅")

if st.button("خروج از سامانه", type="primary"):
    sign_out()
    st.rerun()
