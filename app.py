"""Bimeyar — the frame: page config, the RTL stylesheet, sign-in and role-built navigation.

Every run re-checks the account against its server-side session (ui.context.check_account). A page
that fails unexpectedly shows a Persian message with a reference number; the traceback goes to
the log under that number (ui.errors), never to the browser."""
import html
import sys

import streamlit as st
from streamlit import runtime

from ui.startup import serve, skip_repl_check, warm_up_once

if __name__ == "__main__" and not runtime.exists():  # `python app.py [streamlit options]`: warm up, then serve
    sys.exit(serve(sys.argv[1:]))
skip_repl_check()  # a fresh server's first page: see ui/startup.py
st.set_page_config(page_title="بیمه‌یار", page_icon=":material/shield:", layout="wide", initial_sidebar_state="expanded")

from ui.agreement_notice import warn_if_agreement_ending  # noqa: E402
from ui import style  # noqa: E402
from ui.context import check_account, demo_data, end_run, write_session_cookie  # noqa: E402
from ui.errors import unexpected_error  # noqa: E402
from ui.fmt import ROLE_LABELS  # noqa: E402
from ui.nav import navigation_for, signed_out_navigation  # noqa: E402

style.inject()
try:
    actor = check_account()
    if actor is None:
        page = signed_out_navigation()
    else:
        page = st.navigation(navigation_for(actor), expanded=True)
        with st.sidebar:  # the name as typed by an administrator: shown as text, never as Markdown
            st.html(f"<div><strong>{html.escape(actor.full_name)}</strong><br>{ROLE_LABELS[actor.role]}</div>")
        if demo_data():
            st.html('<div class="bm-demo">داده‌های این سامانه نمایشی است و به افراد واقعی تعلق ندارد.</div>')
        warn_if_agreement_ending(actor)
    write_session_cookie()
    page.run()
except Exception as exc:  # st.rerun/st.stop/st.switch_page are not Exceptions: they pass through
    unexpected_error(exc)
finally:
    end_run()  # what the account check read was this run's
    warm_up_once()  # after the first page is drawn: what the other pages import
