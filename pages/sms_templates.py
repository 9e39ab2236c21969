"""Administrator: the SMS texts (متن پیامک‌ها) — one per event, with its placeholders; a text is
checked before it is saved (unknown or missing placeholder, too long) and every change is audited.
Messages queued after saving use the new text."""
import pandas as pd
import streamlit as st

from lib.errors import InvalidInput
from lib.sms_templates import EVENTS, MAX_CHARS, MAX_SEGMENTS, PLACEHOLDERS
from services.sms_templates import preview, save_template, template_rows
from ui.context import act, read, require_actor
from ui.errors import guarded
from ui.fmt import format_jalali, md_escape, to_persian_digits
from ui.tables import rtl_table

FLASH = "sms_templates_flash"
BODY_KEY = "sms_template_body_{}"

actor = require_actor()
st.title("متن پیامک‌ها")
st.caption(
    f"متن پیامکی که در هر مرحله برای متقاضی فرستاده می‌شود. جای‌نگهدارها مانند {{نام}} هنگام ثبت پیامک با مقدار "
    f"پرونده پر می‌شوند؛ هر متن، حتی با بلندترین مقدارها، باید در {to_persian_digits(MAX_SEGMENTS)} پیامک "
    f"({to_persian_digits(MAX_CHARS)} نویسه) جا شود. پیامک‌هایی که پیش‌تر در صف رفته‌اند متن خود را نگه می‌دارند."
)
if FLASH in st.session_state:
    st.success(st.session_state.pop(FLASH), icon="✅")

rows = read(template_rows, actor)


def _changed(row) -> str:
    if row.updated_at is None:
        return "متن اولیه"
    return f"{row.updated_by or '—'}، {format_jalali(row.updated_at.date())}"


rtl_table(pd.DataFrame({
    "رویداد": [r.label for r in rows],
    "متن": [r.body for r in rows],
    "حداکثر پیامک": [to_persian_digits(r.parts) for r in rows],
    "آخرین تغییر": [_changed(r) for r in rows],
}))

st.subheader("ویرایش متن یک رویداد")
by_event = {r.event: r for r in rows}
event = st.selectbox("رویداد", list(by_event), format_func=lambda e: EVENTS[e].label, key="sms_template_event")
row = by_event[event]
rtl_table(pd.DataFrame({
    "جای‌نگهدار": ["{" + key + "}" for key in row.allowed],
    "معنی": [PLACEHOLDERS[key].meaning for key in row.allowed],
    "لازم": ["بله" if key in row.required else "" for key in row.allowed],
    "بلندترین مقدار (نویسه)": [to_persian_digits(PLACEHOLDERS[key].longest) for key in row.allowed],
}))

body_key = BODY_KEY.format(event)
if body_key not in st.session_state:
    st.session_state[body_key] = row.body


def _restore_default() -> None:
    st.session_state[body_key] = EVENTS[event].default


body = st.text_area("متن پیامک", key=body_key, height=140)
try:
    sample = preview(event, body)
except InvalidInput as exc:
    st.error(md_escape(exc.message), icon="⚠️")
else:
    st.caption("پیش‌نمایش با مقدارهای نمونه:")
    st.info(md_escape(sample), icon="💬")

left, right = st.columns(2)
if left.button("ذخیره متن", type="primary", key="sms_template_save"):
    saved = act(save_template, event, body)
    if saved is not None:
        st.session_state.pop(body_key, None)
        st.session_state[FLASH] = md_escape(f"متن پیامک «{saved.label}» ذخیره شد؛ پیامک‌های بعدی با این متن فرستاده می‌شوند.")
        st.rerun()
right.button("بازگرداندن متن اولیه (بدون ذخیره)", key="sms_template_default", on_click=guarded(_restore_default))
