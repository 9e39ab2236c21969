"""Administrator: the SMS outbox — what is waiting, what failed and why, what was sent; retry a
failed message or cancel one that waits. The sender itself is `bimeyar send-sms` (its own process)."""
import pandas as pd
import streamlit as st

from lib.sms_templates import EVENTS
from services.sms_sender import STATUS_LABELS, cancel_message, last_heartbeat, list_messages, message_counts, retry_message
from ui.context import act, read, require_actor
from ui.fmt import format_jalali, ltr, md_escape, to_persian_digits
from ui.tables import rtl_table

FLASH = "sms_flash"

actor = require_actor()
st.title("پیامک‌ها")
if FLASH in st.session_state:
    st.success(st.session_state.pop(FLASH), icon="✅")

beat = read(last_heartbeat)
if beat is None:
    st.warning("ارسال‌کننده پیامک (`bimeyar send-sms`) هنوز اجرا نشده است؛ پیامک‌ها در صف می‌مانند.", icon="📭")
else:
    st.caption(f"آخرین دور ارسال‌کننده پیامک: {format_jalali(beat.date())} ساعت "
               f"{to_persian_digits(beat.strftime('%H:%M'))} (به وقت جهانی)")

counts = read(message_counts, actor)
columns = st.columns(len(STATUS_LABELS))
for column, (status, label) in zip(columns, STATUS_LABELS.items()):
    column.metric(label, to_persian_digits(f"{counts.get(status, 0):,}"))

choices = [None, *STATUS_LABELS]
status = st.selectbox("وضعیت", choices, format_func=lambda s: "همه (ناموفق‌ها اول)" if s is None else STATUS_LABELS[s],
                      key="sms_status")
frame = read(list_messages, actor, status=status)
if frame.empty:
    st.info("پیامکی با این وضعیت نیست.")
    st.stop()


def when(value) -> str:
    if value is None or pd.isna(value):
        return "—"
    stamp = pd.Timestamp(value)
    return f"{format_jalali(stamp.date())} {to_persian_digits(stamp.strftime('%H:%M'))}"


shown = pd.DataFrame({
    "شماره": frame["id"].map(lambda i: to_persian_digits(i)),
    "زمان ثبت": frame["created_at"].map(when),
    "همراه": frame["mobile"].map(lambda m: ltr(to_persian_digits(m)) if m else "—"),
    "رویداد": frame["event"].map(lambda e: EVENTS[e].label if e in EVENTS else e),
    "متن": frame["body"],
    "وضعیت": frame["status_label"],
    "تلاش": frame["attempts"].map(to_persian_digits),
    "خطا": frame["error_label"],
    "ارسال": frame["sent_at"].map(when),
    "تلاش بعدی": frame["next_attempt_at"].map(when),
})
rtl_table(shown)
st.caption(f"{to_persian_digits(len(frame))} پیامک آخر نشان داده شده است.")

actionable = frame[frame["status"].isin(["failed", "queued"])]
if actionable.empty:
    st.stop()
st.subheader("دوباره فرستادن یا لغو")
labels = {int(r.id): f"پیامک {to_persian_digits(r.id)} — {r.status_label}" for r in actionable.itertuples()}
chosen = st.selectbox("پیامک", list(labels), format_func=labels.get, key="sms_chosen")
row = actionable[actionable["id"] == chosen].iloc[0]
if row["error"]:
    st.caption("جزئیات خطا: " + md_escape(row["error"]))
left, right = st.columns(2)
if row["status"] == "failed" and left.button("دوباره فرستاده شود", type="primary", key="sms_retry"):
    if act(retry_message, chosen) is not None:
        st.session_state[FLASH] = "پیامک دوباره در صف ارسال قرار گرفت (با همان شناسه، تا دوبار فرستاده نشود)."
        st.rerun()
if right.button("لغو پیامک", key="sms_cancel"):
    if act(cancel_message, chosen) is not None:
        st.session_state[FLASH] = "پیامک لغو شد."
        st.rerun()
