"""Bimeyar — the frame: page config, the RTL stylesheet, sign-in and role-built navigation."""
import streamlit as st

st.set_page_config(page_title="بیمه‌یار", page_icon="🛡️", layout="wide", initial_sidebar_state="expanded")

from services.users import has_demo_data  # noqa: E402
from ui import style  # noqa: E402
from ui.context import current_actor, read  # noqa: E402
from ui.fmt import ROLE_LABELS  # noqa: E402
from ui.nav import navigation_for, signed_out_navigation  # noqa: E402

style.inject()
actor = current_actor()

if actor is None:
    page = signed_out_navigation()
else:
    page = st.navigation(navigation_for(actor), expanded=True)
    with st.sidebar:
        st.markdown(f"**{actor.full_name}**  \n{ROLE_LABELS[actor.role]}")
    if read(has_demo_data):
        st.html('<div class="bm-demo">داده‌های این سامانه نمایشی است و به افراد واقعی تعلق ندارد.</div>')
page.run()
