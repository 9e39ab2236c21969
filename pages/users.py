"""Administrator: users, their roles and areas; create, unlock, deactivate."""
import pandas as pd
import streamlit as st

from services.reference import counties_of, provinces
from services.users import create_user, list_users, set_active, unlock
from ui.context import act, read, require_actor
from ui.fmt import ROLE_LABELS, format_jalali
from lib.permissions import Role

actor = require_actor()
st.title("کاربران")

users = act(list_users)
if users:
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "نام کاربری": u.username,
                    "نام": u.full_name,
                    "نقش": ROLE_LABELS[Role(u.role)],
                    "فعال": "بله" if u.active else "خیر",
                    "قفل تا": format_jalali(u.locked_until.date()) if u.locked_until else "—",
                    "آخرین ورود": format_jalali(u.last_login_at.date()) if u.last_login_at else "—",
                }
                for u in users
            ]
        ),
        hide_index=True,
        width="stretch",
    )

st.subheader("کاربر تازه")
province_rows = read(provinces)
role = st.selectbox("نقش", list(Role), format_func=lambda r: ROLE_LABELS[r], key="new_role")
province_id = county_id = None
if role in (Role.county_expert, Role.committee_secretary, Role.province_committee, Role.manager):
    names = {p.id: p.name for p in province_rows}
    options = ([None] if role == Role.manager else []) + list(names)
    province_id = st.selectbox(
        "استان", options, format_func=lambda i: "کل کشور" if i is None else names[i], key="new_province"
    )
    if role in (Role.county_expert, Role.committee_secretary) and province_id:
        counties = {c.id: c.name for c in read(counties_of, province_id)}
        county_id = st.selectbox("شهرستان", list(counties), format_func=counties.get, key="new_county")
with st.form("new_user", clear_on_submit=False):
    username = st.text_input("نام کاربری (حروف لاتین)")
    full_name = st.text_input("نام و نام خانوادگی")
    password = st.text_input("گذرواژه آغازین", type="password")
    if st.form_submit_button("ساخت کاربر", type="primary"):
        created = act(
            create_user, username=username, full_name=full_name, password=password,
            role=role, province_id=province_id, county_id=county_id,
        )
        if created is not None:
            st.success(f"کاربر «{created.username}» ساخته شد.", icon="✅")

if users:
    st.subheader("قفل و فعال‌سازی")
    by_name = {u.username: u for u in users}
    chosen = st.selectbox("کاربر", list(by_name), key="manage_user")
    user = by_name[chosen]
    c1, c2 = st.columns(2)
    if c1.button("باز کردن قفل", disabled=user.locked_until is None):
        if act(unlock, user.id) is not None:
            st.success("قفل حساب باز شد.", icon="✅")
    if c2.button("غیرفعال کردن" if user.active else "فعال کردن"):
        if act(set_active, user.id, not user.active) is not None:
            st.success("وضعیت حساب تغییر کرد.", icon="✅")
