"""Administrator: users, their roles and areas; create, deactivate; see and clear sign-in throttles."""
import pandas as pd
import streamlit as st

from services.reference import counties_of, provinces
from services.sign_in import clear_throttle, list_throttles
from services.users import create_user, list_users, set_active
from ui.context import act, read, require_actor
from lib.jalali import local_date
from ui.fmt import ROLE_LABELS, format_jalali, ltr, md_escape, to_persian_digits
from ui.tables import rtl_table
from lib.permissions import Role

THROTTLE_KINDS = {"account": "حساب", "client": "رایانه (نشانی)", "status": "پیگیری درخواست (نشانی)"}
NEW_USER = "users_new_generation"  # bumped after a user is created: the form starts empty again
CREATED = "users_created"

actor = require_actor()
st.title("کاربران")

users = act(list_users)
if users:
    rtl_table(
        pd.DataFrame(
            [
                {
                    "نام کاربری": u.username,
                    "نام": u.full_name,
                    "نقش": ROLE_LABELS[Role(u.role)],
                    "فعال": "بله" if u.active else "خیر",
                    "آخرین ورود": format_jalali(local_date(u.last_login_at)) if u.last_login_at else "—",
                }
                for u in users
            ]
        ),
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
if created_name := st.session_state.pop(CREATED, None):
    st.success(f"کاربر «{md_escape(created_name)}» ساخته شد.", icon="✅")
generation = st.session_state.get(NEW_USER, 0)
# A refused form keeps what was typed to fix it; a created user empties it for the next one.
with st.form(f"new_user_{generation}", clear_on_submit=False):
    username = st.text_input("نام کاربری (حروف لاتین)", key=f"new_username_{generation}")
    full_name = st.text_input("نام و نام خانوادگی", key=f"new_full_name_{generation}")
    password = st.text_input("گذرواژه آغازین", type="password", key=f"new_password_{generation}")
    if st.form_submit_button("ساخت کاربر", type="primary"):
        created = act(
            create_user, username=username, full_name=full_name, password=password,
            role=role, province_id=province_id, county_id=county_id,
        )
        if created is not None:
            st.session_state[CREATED] = created.username
            st.session_state[NEW_USER] = generation + 1
            st.rerun()

if users:
    st.subheader("فعال‌سازی")
    by_name = {u.username: u for u in users}
    chosen = st.selectbox("کاربر", list(by_name), key="manage_user")
    user = by_name[chosen]
    if st.button("غیرفعال کردن" if user.active else "فعال کردن", key="toggle_active"):
        if act(set_active, user.id, not user.active) is not None:
            st.success("وضعیت حساب تغییر کرد؛ نشست‌های بازِ حسابِ غیرفعال همان دم بسته می‌شوند.", icon="✅")

st.subheader("محدودیت‌های ورود")
st.caption(
    "پس از چند ورود نادرست، هر تلاش تازه از همان نام کاربری یا همان رایانه باید چند ثانیه (تا یک دقیقه برای حساب، "
    "تا پانزده دقیقه برای رایانه) صبر کند. هیچ حسابی قفل نمی‌شود. نام‌هایی که حسابی ندارند هم شمرده می‌شوند."
)
throttles = act(list_throttles)
if not throttles:
    st.info("در یک ساعت گذشته ورود نادرستی ثبت نشده است.", icon="ℹ️")
else:
    rtl_table(
        pd.DataFrame(
            [
                {
                    "نوع": THROTTLE_KINDS.get(t.kind, t.kind),
                    "نام یا نشانی": ltr(t.subject),
                    "ورود نادرست": to_persian_digits(t.failures),
                    "انتظار (ثانیه)": to_persian_digits(int(t.waiting.total_seconds())) if t.waiting else "—",
                }
                for t in throttles
            ]
        ),
    )
    labels = {(t.kind, t.subject): f"{THROTTLE_KINDS.get(t.kind, t.kind)}: {t.subject}" for t in throttles}
    key = st.selectbox("محدودیت", list(labels), format_func=labels.get, key="throttle_key")
    if st.button("پاک کردن محدودیت", key="clear_throttle"):
        if act(clear_throttle, *key):
            st.success("محدودیت پاک شد؛ از این پس تلاش‌ها از صفر شمرده می‌شوند.", icon="✅")
