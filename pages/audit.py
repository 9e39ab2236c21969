"""The audit log: who did what, when, before and after."""
import json

import pandas as pd
import streamlit as st

from services.audit_log import audit_entries
from ui.context import act, require_actor
from ui.fmt import format_jalali, to_persian_digits

require_actor()
st.title("رویدادنگار")
c1, c2 = st.columns(2)
username = c1.text_input("نام کاربری")
entity = c2.selectbox(
    "موضوع", [None, "application", "applicant", "user", "score_card", "household", "decision"],
    format_func=lambda e: "همه" if e is None else e,
)
entries = act(audit_entries, username=username or None, entity=entity) or []
if not entries:
    st.info("رویدادی با این مشخصات ثبت نشده است.")
else:
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "شماره": to_persian_digits(e.id),
                    "زمان": f"{format_jalali(e.at.date())} {to_persian_digits(e.at.strftime('%H:%M'))}",
                    "کاربر": e.username,
                    "کار": e.action,
                    "موضوع": f"{e.entity} {e.entity_id or ''}",
                    "پیش از": json.dumps(e.before, ensure_ascii=False) if e.before else "",
                    "پس از": json.dumps(e.after, ensure_ascii=False) if e.after else "",
                }
                for e in entries
            ]
        ),
        hide_index=True,
        width="stretch",
    )
