"""The audit log as a Persian table: who, when, what, on which case, before → after by field.

A national manager reads every province's records; a provincial manager her own province's
(services.audit_log). Choosing a row shows its changes field by field.
"""
import pandas as pd
import streamlit as st

from lib.audit_labels import ACTION_LABELS, ENTITY_LABELS, action_label, changes, changes_text, local_time
from services.audit_log import audit_entries, audit_users
from ui.context import act, require_actor
from ui.fmt import md_escape, to_persian_digits
from ui.widgets import jalali_date_input

actor = require_actor()
st.title("رویدادنگار")
st.caption(
    "هر کار ثبت‌شده در سامانه: چه کسی، کی، چه کاری، روی کدام پرونده، و چه چیزی از چه به چه تغییر کرد. "
    + ("رویدادهای همه استان‌ها." if actor.province_id is None else "رویدادهای استان شما.")
)

users = act(audit_users)
if users is None:  # refused (the reason is shown)
    st.stop()
d1, d2 = st.columns(2)
with d1:
    since = jalali_date_input("از تاریخ", key="audit_since")
with d2:
    until = jalali_date_input("تا تاریخ", key="audit_until")
c1, c2, c3 = st.columns(3)
user_names = {uid: f"{name} ({username})" for uid, name, username in users}
with c1:
    user_id = st.selectbox("کاربر", [None, *user_names], format_func=lambda u: "همه" if u is None else user_names[u])
with c2:
    action = st.selectbox(
        "کار", [None, *sorted(ACTION_LABELS, key=ACTION_LABELS.get)],
        format_func=lambda a: "همه" if a is None else ACTION_LABELS[a],
    )
with c3:
    tracking_code = st.text_input("کد رهگیری پرونده", max_chars=20, key="audit_case")

entries = act(
    audit_entries, user_id=user_id, action=action, tracking_code=tracking_code or None, since=since, until=until,
)
if entries is None:
    st.stop()
if not entries:
    st.info("رویدادی با این مشخصات ثبت نشده است.")
    st.stop()


def _who(e) -> str:
    if e.full_name:
        return e.full_name
    return "سامانه" if e.username == "system" else f"کاربر «{e.username}»"


def _subject(e) -> str:
    label = ENTITY_LABELS.get(e.entity, "موضوع دیگر")
    return f"{label} {to_persian_digits(e.entity_id)}" if e.entity_id and e.entity not in ("import",) else label


frame = pd.DataFrame(
    [
        {
            "زمان": local_time(e.at),
            "کاربر": _who(e),
            "کار": action_label(e.action),
            "پرونده": f"/case?id={e.application_id}#{e.tracking_code}" if e.tracking_code else None,
            "موضوع": _subject(e),
            "تغییرات": changes_text(e.before, e.after, limit=4).replace("\n", " | "),
            "شماره": to_persian_digits(e.id),
        }
        for e in entries
    ]
)
st.caption(f"{to_persian_digits(len(entries))} رویداد، از تازه‌ترین؛ برای دیدن همه تغییرات یک رویداد، ردیف آن را برگزینید.")
chosen = st.dataframe(
    frame,
    hide_index=True,
    width="stretch",
    column_order=list(frame.columns)[::-1],  # the grid runs left to right: first column on the right
    column_config={"پرونده": st.column_config.LinkColumn("پرونده", display_text=r"#(.*)$")},
    on_select="rerun",
    selection_mode="single-row",
    key="audit_table",
)
rows = chosen.selection.rows if chosen is not None else []
if rows:
    e = entries[rows[0]]
    st.subheader(md_escape(f"{action_label(e.action)} — {_who(e)}، {local_time(e.at)}"))  # a name is typed text
    detail = changes(e.before, e.after)
    if detail:
        st.dataframe(
            pd.DataFrame(detail, columns=["ویژگی", "پیش از", "پس از"]),
            hide_index=True, width="stretch", column_order=["پس از", "پیش از", "ویژگی"],
        )
    else:
        st.info("این رویداد تغییری در داده‌ها ثبت نکرده است.")
