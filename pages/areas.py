"""Administrator: counties and SSO branches (شهرستان‌ها و شعب) — add, rename, retire a county; add,
rename, retire a county's SSO branches (moving introductions awaiting an answer to another branch).
Checks and audit in services.reference and services.branches."""
import pandas as pd
import streamlit as st

from services.branches import add_branch, county_branches, open_introductions, rename_branch, set_branch_active
from services.reference import add_county, county_table, provinces, rename_county, set_county_active
from ui.context import act, read, require_actor
from ui.fmt import format_number, md_escape, to_persian_digits
from ui.tables import rtl_table
from ui.versioned import current_version, versioned

FLASH = "areas_flash"

actor = require_actor()
st.title("شهرستان‌ها و شعب", anchor=False)
st.caption("شهرستان‌های هر استان و شعب تأمین اجتماعی هر شهرستان.")
st.caption("شهرستانی که ادغام یا تقسیم شده غیرفعال می‌شود: دیگر برای کاربر تازه پیشنهاد نمی‌شود و سابقه‌اش می‌ماند. "
           "غیرفعال کردن فقط وقتی ممکن است که پرونده باز، کاربر فعال و شعبه فعالی در آن نمانده باشد.")
if FLASH in st.session_state:
    st.success(st.session_state.pop(FLASH), icon="✅")


def done(message: str) -> None:
    st.session_state[FLASH] = md_escape(message)
    st.rerun()


province_names = {p.id: p.name for p in read(provinces)}
province_id = st.selectbox("استان", list(province_names), format_func=province_names.get, key="areas_province")
rows = versioned(county_table, current_version(), province_id) or []  # counts the province's open cases: once per data version
rtl_table(pd.DataFrame({
    "شهرستان": [r.name for r in rows],
    "وضعیت": ["فعال" if r.active else "غیرفعال" for r in rows],
    "پرونده باز": [format_number(r.open_cases) for r in rows],
    "کاربر فعال": [format_number(r.active_users) for r in rows],
    "شعبه فعال": [format_number(r.active_branches) for r in rows],
}), height=300)

with st.form("county_add", clear_on_submit=True):
    name = st.text_input("نام شهرستان تازه", key="county_new_name", max_chars=80)
    if st.form_submit_button("افزودن شهرستان", icon=":material/add:"):
        added = act(add_county, province_id, name)
        if added is not None:
            done(f"شهرستان «{added.name}» به استان {province_names[province_id]} افزوده شد.")

st.subheader("یک شهرستان", anchor=False)
by_id = {r.id: r for r in rows}
county_id = st.selectbox("شهرستان", list(by_id), key="areas_county",
                         format_func=lambda i: by_id[i].name + ("" if by_id[i].active else " (غیرفعال)"))
county = by_id[county_id]
new_name = st.text_input("نام درست", value=county.name, key=f"county_rename_{county_id}", max_chars=80)
c1, c2 = st.columns(2)
if c1.button("ذخیره نام", key="county_rename"):
    if act(rename_county, county_id, new_name) is not None:
        done(f"نام شهرستان «{county.name}» به «{new_name.strip()}» تغییر کرد.")
toggle = "غیرفعال کردن شهرستان" if county.active else "فعال کردن دوباره شهرستان"
if c2.button(toggle, key="county_toggle"):
    if act(set_county_active, county_id, not county.active) is not None:
        done(f"وضعیت شهرستان «{county.name}» تغییر کرد.")

# --------------------------------------------------------------------------- branches of the county
st.subheader(f"شعب تأمین اجتماعی شهرستان {md_escape(county.name)}", anchor=False)
listed = read(county_branches, actor, county_id, active_only=False)
if listed:
    waiting = {b.id: len(read(open_introductions, b.id)) for b in listed}
    rtl_table(pd.DataFrame({
        "نام شعبه": [b.name for b in listed],
        "کد شعبه": [to_persian_digits(b.code) if b.code else "—" for b in listed],
        "وضعیت": ["فعال" if b.active else "غیرفعال" for b in listed],
        "معرفی در انتظار پاسخ": [format_number(waiting[b.id]) for b in listed],
    }))
else:
    st.info("برای این شهرستان هنوز شعبه‌ای ثبت نشده است.", icon="ℹ️")
if not county.active:  # services.branches refuses it too
    st.info("این شهرستان غیرفعال است و شعبه فعال نمی‌پذیرد؛ برای افزودن شعبه نخست شهرستان را دوباره فعال کنید.",
            icon="ℹ️")
else:
    with st.form("areas_branch_add", clear_on_submit=True):
        left, right = st.columns([3, 1])
        branch_name = left.text_input("نام شعبه تازه", key="areas_branch_name", max_chars=120)
        branch_code = right.text_input("کد شعبه (اختیاری)", key="areas_branch_code", max_chars=20)
        if st.form_submit_button("افزودن شعبه", icon=":material/add:"):
            added = act(add_branch, county_id, branch_name, branch_code)
            if added is not None:
                done(f"شعبه «{added.name}» افزوده شد.")
if listed:
    branches = {b.id: b for b in listed}
    picked = st.selectbox("شعبه", list(branches), key="areas_branch_pick",
                          format_func=lambda i: branches[i].name + ("" if branches[i].active else " (غیرفعال)"))
    branch = branches[picked]
    left, right = st.columns([3, 1])
    renamed = left.text_input("نام درست شعبه", value=branch.name, key=f"branch_rename_{picked}", max_chars=120)
    recoded = right.text_input("کد شعبه", value=branch.code, key=f"branch_recode_{picked}", max_chars=20)
    if st.button("ذخیره نام و کد شعبه", key="branch_rename"):
        if act(rename_branch, picked, renamed, recoded) is not None:
            done(f"شعبه «{branch.name}» ویرایش شد.")
    target = None
    others = {b.id: b.name for b in listed if b.active and b.id != picked}
    if branch.active and waiting[picked]:
        st.warning(f"{format_number(waiting[picked])} معرفی به این شعبه هنوز منتظر پاسخ تأمین اجتماعی است؛ برای "
                   "غیرفعال کردن، شعبه‌ای را که این معرفی‌ها به آن منتقل شوند انتخاب کنید.", icon="⚠️")
        target = st.selectbox("انتقال معرفی‌ها به شعبه", [None, *others], key="areas_branch_target",
                              format_func=lambda i: "— انتخاب کنید —" if i is None else others[i])
    label = "غیرفعال کردن شعبه" if branch.active else "فعال کردن دوباره شعبه"
    if st.button(label, key="areas_branch_toggle"):
        if act(set_branch_active, picked, not branch.active, reassign_to=target) is not None:
            done(f"وضعیت شعبه «{branch.name}» تغییر کرد.")
