"""Priority ranking of scored cases: committee overrides first (with their reason), then total,
discount holders last. Committee roles set or clear a manual priority here."""
import pandas as pd
import streamlit as st

from lib.permissions import Action, Scope, can, scope_of
from lib.workflow import STATE_LABELS, State
from services.applications import set_priority
from services.cases import counties_in_area
from services.scoring_sheet import ranking
from ui.context import act, read, require_actor
from ui.fmt import format_jalali, format_number, md_escape
from ui.tables import rtl_table
from ui.widgets import whole_number_input

actor = require_actor()
st.title("رتبه‌بندی")

counties = dict(read(counties_in_area, actor))
whole_province = scope_of(actor.role, actor.area) == Scope.province
options = [None, *counties] if whole_province else list(counties)
county_id = st.selectbox(
    "شهرستان", options, format_func=lambda c: "همه شهرستان‌های استان" if c is None else counties[c],
    disabled=len(options) == 1,
)
table_slot = st.container()
frame = act(ranking, county_id=county_id)
if frame is None:
    st.stop()

if can(actor.role, Action.set_priority) and not frame.empty:
    st.subheader("اولویت دستی کمیته")
    st.caption("در موارد خاص، کمیته شهرستان یا استان می‌تواند اولویت متقاضی را با ذکر دلیل تعیین کند (تبصره ۱ دستورالعمل).")
    names = {int(r.application_id): f"{r.tracking_code} — {r.applicant}" for r in frame.itertuples()}
    generation = st.session_state.get("priority_generation", 0)  # a fresh form after each change
    with st.form(f"priority_{generation}"):
        application_id = st.selectbox("پرونده", list(names), format_func=names.get, key=f"priority_case_{generation}")
        rank = whole_number_input("رتبه دستی", f"priority_rank_{generation}", minimum=1, default=1)
        reason = st.text_area("دلیل تصمیم کمیته", key=f"priority_reason_{generation}")
        c1, c2 = st.columns(2)
        set_clicked = c1.form_submit_button("ثبت اولویت دستی", type="primary")
        clear_clicked = c2.form_submit_button("برداشتن اولویت دستی")
    done = None
    if set_clicked and rank is not None and act(set_priority, application_id, rank, reason) is not None:
        done = "ثبت شد"  # (a rank that is not a whole number ≥ 1 is explained under its field)
    if clear_clicked and act(set_priority, application_id, None, None) is not None:
        done = "برداشته شد"
    if done:
        st.session_state["priority_done"] = f"اولویت دستی پرونده {md_escape(names[application_id])} {done}."
        st.session_state["priority_generation"] = generation + 1
        st.rerun()
    if message := st.session_state.pop("priority_done", None):
        st.success(message, icon="✅")

with table_slot:
    if frame.empty:
        st.info("پرونده امتیازدهی‌شده‌ای در انتظار کمیته نیست.")
    else:
        shown = pd.DataFrame(
            {
                "رتبه": frame["rank"].map(format_number),
                "کد رهگیری": frame["tracking_code"],
                "متقاضی": frame["applicant"],
                "شهرستان": frame["county"],
                "امتیاز": frame["total"].map(format_number),
                "اولویت دستی": frame["override_rank"].map(lambda r: "" if pd.isna(r) else format_number(int(r))),
                "دلیل اولویت دستی": frame["override_reason"].fillna(""),
                "ثبت‌کننده اولویت": frame["override_by"].fillna(""),
                "تخفیف بیمه‌ای": frame["discount_holder"].map(lambda d: "دارد — پس از همه" if d else ""),
                "تاریخ درخواست": frame["applied_on"].map(format_jalali),
                "وضعیت": frame["state"].map(lambda s: STATE_LABELS[State(s)]),
            }
        )
        rtl_table(shown, column_config={"دلیل اولویت دستی": st.column_config.TextColumn(width="large")})
        st.caption(
            "ترتیب: نخست پرونده‌هایی که کمیته اولویت دستی داده، سپس امتیاز بیشتر، و دارندگان تخفیف بیمه دولتی "
            "پس از همه؛ در امتیاز برابر، درخواست زودتر جلوتر است."
        )
