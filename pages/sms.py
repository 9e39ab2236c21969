"""Administrator: the SMS outbox — what is waiting, what failed and why, what was sent; retry a
failed message or cancel one that waits. The sender itself is `bimeyar send-sms` (its own process)."""
import pandas as pd
import streamlit as st

from lib.sms_templates import EVENTS
from services.sms_sender import (
    SORT_RANK, STATUS_LABELS, cancel_message, last_heartbeat, list_messages, message_counts, retry_message,
)
from ui.context import act, read, require_actor
from ui.errors import guarded
from ui.fmt import format_jalali, ltr, md_escape, to_persian_digits
from ui.tables import rtl_table
from ui.versioned import current_version, versioned

FLASH = "sms_flash"
PAGES = "sms_pages"  # status → the (rank, id) each page of the list starts after (None: the first page)
PAGE_SIZE = 200

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

# Read once per data version and sender round: the services' writes (a retry, a cancel, a message queued
# by a case's move) are audited and raise the version; the sender's are followed by its heartbeat.
version = (current_version(), beat)
counts = versioned(message_counts, version)
if counts is None:
    st.stop()
columns = st.columns(len(STATUS_LABELS))
for column, (status, label) in zip(columns, STATUS_LABELS.items()):
    column.metric(label, to_persian_digits(f"{counts.get(status, 0):,}"))

choices = [None, *STATUS_LABELS]
status = st.selectbox("وضعیت", choices, format_func=lambda s: "همه (ناموفق‌ها اول)" if s is None else STATUS_LABELS[s],
                      key="sms_status")
pages = st.session_state.setdefault(PAGES, {}).setdefault(status, [None])
frame = versioned(list_messages, version, status=status, limit=PAGE_SIZE + 1, after=pages[-1])
if frame is None:
    st.stop()
more, frame = len(frame) > PAGE_SIZE, frame.head(PAGE_SIZE)
if frame.empty and len(pages) > 1:  # the page's messages moved on meanwhile: back to the first page
    del pages[1:]
    st.rerun()
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
if len(pages) == 1:
    st.caption(f"{to_persian_digits(len(frame))} پیامک آخر نشان داده شده است.")
else:
    st.caption(f"صفحه {to_persian_digits(len(pages))} — {to_persian_digits(len(frame))} پیامک.")


def _older(pages: list, last: tuple[int, int]) -> None:
    pages.append(last)


def _newer(pages: list) -> None:
    del pages[-1]


previous, following = st.columns(2)
if len(pages) > 1:
    previous.button("صفحه قبل", key="sms_newer", on_click=guarded(_newer), args=(pages,))
if more:
    last = frame.iloc[-1]
    following.button("صفحه بعد", key="sms_older", on_click=guarded(_older),
                     args=(pages, (SORT_RANK[last["status"]] if status is None else 0, int(last["id"]))))

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
