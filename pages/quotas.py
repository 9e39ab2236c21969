"""Programme B quotas: slots per county for a Jalali year, their use, and editing them
(one transaction for the whole table; a refused row saves nothing). The counties' SSO branches are
kept on «شهرستان‌ها و شعب» (pages/areas.py), linked from here for those who may change them."""

import pandas as pd
import streamlit as st

from lib.jalali import jalali_year_of, local_today
from lib.permissions import Action, Scope, can, scope_of
from services.dashboard import area_label
from services.quotas import quota_use, set_quotas
from services.reference import provinces
from ui.context import act, read, require_actor
from ui.tables import rtl_editor
from ui.fmt import format_number, md_escape, to_persian_digits

SAVED = "quotas_saved"
VERSION = "quotas_version"  # a new editor (no stale edits) after each save


def shown(value) -> str:
    """A count in Persian digits; empty when missing (no quota announced)."""
    return "" if pd.isna(value) else to_persian_digits(int(value))


actor = require_actor()
st.title("سهمیه‌ها")
st.caption("سهمیه معرفی زنان سرپرست خانوار به تأمین اجتماعی، برای هر شهرستان و هر سال")

left, right = st.columns([3, 1])
with left:
    province_id = None
    if scope_of(actor.role, actor.area) == Scope.national:
        names = {p.id: p.name for p in read(provinces)}
        province_id = st.selectbox("استان", list(names), format_func=names.get, key="quota_province")
    else:
        st.markdown(f"**{md_escape(read(area_label, actor))}**")
with right:
    this_year = jalali_year_of(local_today())
    years = list(range(this_year - 3, this_year + 2))
    year = st.selectbox("سال", years, index=years.index(this_year), format_func=to_persian_digits, key="quota_year")

if saved := st.session_state.pop(SAVED, None):
    st.success(saved, icon="✅")

use = read(quota_use, actor, year, province_id=province_id)
announced = use["slots"].notna()
cols = st.columns(3)
cols[0].metric("سهمیه اعلام‌شده", format_number(int(use.loc[announced, "slots"].sum())))
cols[1].metric("معرفی‌شده", format_number(int(use["introduced"].sum())))
cols[2].metric("در فهرست انتظار", format_number(int(use["waiting"].sum())))

st.caption(
    "ستون «سهمیه» را ویرایش کنید (رقم فارسی یا لاتین) و «ذخیره» را بزنید؛ "
    "سهمیه از تعداد معرفی‌شدگان کمتر نمی‌شود."
)


table = pd.DataFrame(
    {
        "county": use["county"],
        "slots": use["slots"].map(shown),
        "introduced": use["introduced"].map(shown),
        "remaining": use["remaining"].map(lambda v: "—" if pd.isna(v) else shown(v)),
        "waiting": use["waiting"].map(shown),
    }
).set_axis(use["county_id"].to_numpy())
edited = rtl_editor(
    table,
    column_config={
        "county": st.column_config.TextColumn("شهرستان"),
        "slots": st.column_config.TextColumn("سهمیه", max_chars=9),
        "introduced": st.column_config.TextColumn("معرفی‌شده"),
        "remaining": st.column_config.TextColumn("باقی‌مانده"),
        "waiting": st.column_config.TextColumn("در انتظار"),
    },
    disabled=["county", "introduced", "remaining", "waiting"],
    num_rows="fixed",
    key=f"quota_editor-{year}-{province_id}-{st.session_state.get(VERSION, 0)}",
)

if st.button("ذخیره سهمیه‌ها", type="primary", key="quota_save"):
    # Typed text goes to the service as is: it reads any digits and refuses bad values in Persian.
    changed = {
        int(county_id): typed
        for county_id, typed, before in zip(table.index, edited["slots"].fillna(""), table["slots"])
        if str(typed).strip() != before
    }
    if not changed:
        st.info("تغییری در سهمیه‌ها داده نشده است.")
    elif act(set_quotas, year, changed) is not None:
        st.session_state[SAVED] = f"سهمیه {format_number(len(changed))} شهرستان ذخیره شد."
        st.session_state[VERSION] = st.session_state.get(VERSION, 0) + 1
        st.rerun()

if can(actor.role, Action.manage_reference_data):  # the county's SSO branches are kept on their own page
    st.page_link("pages/areas.py", label="شعب تأمین اجتماعی هر شهرستان: «شهرستان‌ها و شعب»",
                 icon=":material/location_city:")
