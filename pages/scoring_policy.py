"""Administrator: the scoring policy (دستورالعمل امتیازدهی) — the versions adopted, and a new version:
the table's points changed line by line, a preview of who would move up or down in each county's
ranking, then adoption from today (new cards use it; saved cards keep their version)."""
import pandas as pd
import streamlit as st

from lib.errors import InvalidInput
from lib.scoring_policy import policy_lines
from lib.text import parse_int
from services.applications import current_policy
from services.scoring_policy import MOVES_LISTED, adopt_policy, draft_policy, policy_versions, preview_policy
from ui.context import act, read, require_actor
from ui.fmt import format_jalali, format_number, md_escape, to_persian_digits
from ui.tables import rtl_editor, rtl_table
from ui.versioned import current_version, versioned

FLASH = "policy_flash"
PREVIEW = "policy_preview"  # (version, points) previewed → its Preview

actor = require_actor()
st.title("دستورالعمل امتیازدهی", anchor=False)
st.caption("نسخه تازه از امروز برای برگه‌های امتیاز تازه به کار می‌رود؛ برگه‌هایی که پیش‌تر ثبت شده‌اند نسخه و "
           "امتیاز خود را نگه می‌دارند. پیش از ثبت، پیش‌نمایش نشان می‌دهد رتبه چه کسانی در شهرستانشان جابه‌جا می‌شود.")
if FLASH in st.session_state:
    st.success(st.session_state.pop(FLASH), icon="✅")

versions = versioned(policy_versions, current_version()) or []  # counts every card: once per data version
rtl_table(pd.DataFrame({
    "نسخه": [v.version for v in versions],
    "تاریخ اجرا": [format_jalali(v.adopted_on) for v in versions],
    "بیشترین امتیاز": [to_persian_digits(v.maximum_total) for v in versions],
    "برگه‌های امتیاز": [format_number(v.cards) for v in versions],
    "وضعیت": ["در حال اجرا" if v.current else "" for v in versions],
    "دلیل یا مصوبه": [v.note or "" for v in versions],
}))

st.subheader("نسخه تازه", anchor=False)
base = read(current_policy)
lines = policy_lines(base)
table = pd.DataFrame({
    "criterion": [line.criterion for line in lines],
    "case": [line.case for line in lines],
    "now": [to_persian_digits(line.points) for line in lines],
    "new": [to_persian_digits(line.points) for line in lines],
})
edited = rtl_editor(table, column_config={
    "criterion": st.column_config.TextColumn("معیار"),
    "case": st.column_config.TextColumn("حالت"),
    "now": st.column_config.TextColumn(f"امتیاز در نسخه {base.version}"),
    "new": st.column_config.TextColumn("امتیاز تازه", max_chars=4),
}, disabled=["criterion", "case", "now"], num_rows="fixed", key=f"policy_editor_{base.version}")
version = st.text_input("نام نسخه تازه (مثلاً 1404-v2)", key="policy_version", max_chars=40)
note = st.text_area("دلیل یا شماره و تاریخ مصوبه", key="policy_note", max_chars=300)

points: dict[str, int] = {}
problems = []
for line, typed in zip(lines, edited["new"].fillna("")):
    try:
        points[line.key] = parse_int(str(typed), field="points", label_fa=f"{line.criterion} — {line.case}",
                                     minimum=0, maximum=1000)
    except InvalidInput as exc:
        problems.append(exc.message)
for message in problems:
    st.error(md_escape(message), icon="⚠️")
draft_key = (version.strip(), tuple(sorted(points.items())))


def _draft(session, _actor):
    return draft_policy(session, version, points)


if st.button("پیش‌نمایش تغییر رتبه‌ها", key="policy_preview_button", disabled=bool(problems)):
    draft = act(_draft)
    if draft is not None:
        preview = act(preview_policy, draft)
        if preview is not None:
            st.session_state[PREVIEW] = (draft_key, preview)

shown = st.session_state.get(PREVIEW)
if shown is not None and shown[0] == draft_key:
    preview = shown[1]
    if preview.cases == 0:
        st.info("اکنون پرونده باز امتیازدهی‌شده‌ای نیست که رتبه‌اش تغییر کند.")
    else:
        cols = st.columns(4)
        cols[0].metric("پرونده‌های بررسی‌شده", format_number(preview.cases))
        cols[1].metric("بالاتر می‌روند", format_number(preview.up))
        cols[2].metric("پایین‌تر می‌روند", format_number(preview.down))
        cols[3].metric("بی‌تغییر", format_number(preview.same))
        if preview.moves:
            st.caption(f"بزرگ‌ترین جابه‌جایی‌ها (حداکثر {to_persian_digits(MOVES_LISTED)} پرونده)، رتبه در شهرستان خود:")
            rtl_table(pd.DataFrame({
                "کد رهگیری": [m.tracking_code for m in preview.moves],
                "شهرستان": [m.county for m in preview.moves],
                "امتیاز کنونی": [to_persian_digits(m.old_total) for m in preview.moves],
                "امتیاز با نسخه تازه": [to_persian_digits(m.new_total) for m in preview.moves],
                "رتبه کنونی": [to_persian_digits(m.old_rank) for m in preview.moves],
                "رتبه تازه": [to_persian_digits(m.new_rank) for m in preview.moves],
                "جابه‌جایی": [("▲ " if m.new_rank < m.old_rank else "▼ ") + to_persian_digits(abs(m.old_rank - m.new_rank))
                              for m in preview.moves],
            }))
    if st.button("ثبت نسخه تازه از امروز", type="primary", key="policy_adopt"):
        adopted = act(adopt_policy, version=version, points=points, note=note)
        if adopted is not None:
            st.session_state.pop(PREVIEW, None)
            st.session_state[FLASH] = md_escape(f"نسخه «{adopted.version}» از امروز به اجرا درآمد.")
            st.rerun()
else:
    st.caption("پیش از ثبت، پیش‌نمایش را ببینید؛ دکمه ثبت پس از پیش‌نمایش همین تغییرها نشان داده می‌شود.")
