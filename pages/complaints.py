"""شکایات: the complaints register of the user's area — overdue ones first; register a complaint
(about an applicant, a case or a payment line), move it, answer it (the SMS is queued with the
answer) and see its history. Managers read only (services.complaints). The register is shown
100 rows a page, each page read once per data version: a run costs the same in an area of any size."""
import pandas as pd
import streamlit as st

from lib.permissions import Action, can
from lib.text import to_latin_digits
from services.complaints import (
    CHANNEL_LABELS, MOVES, STATUS_LABELS, ComplaintData, change_status, count_complaints, get_complaint,
    list_complaints, owners_for, register_complaint, suggested_deadline,
)
from ui.context import act, require_actor
from lib.jalali import format_moment, local_date
from ui.fmt import format_jalali, format_number, md_escape, to_persian_digits
from ui.paging import page_start
from ui.tables import rtl_table
from ui.versioned import current_version, versioned
from ui.widgets import jalali_date_input

FLASH = "complaints_flash"
PAGE = 100  # rows of the register shown at once

actor = require_actor()
handles = can(actor.role, Action.manage_complaints)
st.title("شکایات")
if FLASH in st.session_state:
    st.success(st.session_state.pop(FLASH), icon="✅")

status = st.selectbox("وضعیت", [None, *STATUS_LABELS], key="complaints_status",
                      format_func=lambda s: "همه (دیرکردها اول)" if s is None else STATUS_LABELS[s])


def register_table(session, viewer, wanted: str | None, first: int) -> tuple[list[int], pd.DataFrame]:
    """A page of the register as the table shows it (ids, the Persian table), built once per data
    version and day (ui.versioned): a rerun with nothing written reads nothing."""
    rows = list_complaints(session, viewer, status=wanted, limit=PAGE, offset=first)
    return [r.id for r in rows], pd.DataFrame({
        "شماره": [to_persian_digits(r.id) for r in rows],
        "دیرکرد": ["⏰ گذشته از مهلت" if r.overdue else "" for r in rows],
        "وضعیت": [STATUS_LABELS[r.status] for r in rows],
        "مهلت": [format_jalali(r.deadline) for r in rows],
        "موضوع": [r.subject for r in rows],
        "پرونده": [to_persian_digits(r.tracking_code) if r.tracking_code else "—" for r in rows],
        "راه دریافت": [CHANNEL_LABELS.get(r.channel, r.channel) for r in rows],
        "مسئول": [r.owner or "—" for r in rows],
        "ثبت": [format_jalali(local_date(r.created_at)) for r in rows],
    })


version = current_version()
total, late = versioned(count_complaints, version, status=status) or (0, 0)
if late:
    st.error(f"{to_persian_digits(late)} شکایت از مهلت رسیدگی گذشته است و هنوز پاسخ نگرفته است.", icon="⏰")
ids: list[int] = []
if total:
    first = page_start(total, PAGE, f"complaints_page_{status}")
    if total > PAGE:
        st.caption(f"ردیف‌های {format_number(first + 1)} تا {format_number(min(first + PAGE, total))} از "
                   f"{format_number(total)} (دیرکردها اول، سپس به ترتیب مهلت)")
    ids, table = versioned(register_table, version, status, first) or ([], None)
    if ids:
        rtl_table(table)
if not ids:
    st.info("شکایتی با این وضعیت در حوزه شما نیست.")


def line_number(typed: str) -> int | None:
    """The payment line typed in any digits; what is not a number is passed on as -1, which the
    service reports as a line that does not exist (in Persian)."""
    digits = to_latin_digits(typed or "").strip()
    if not digits:
        return None
    return int(digits) if digits.isdigit() and len(digits) <= 18 else -1


if handles:
    with st.expander("ثبت شکایت تازه", expanded=not ids):
        with st.form("complaint_new", border=False):
            st.caption("شکایت درباره کیست؟ یکی را وارد کنید: شماره ردیف پرداخت، کد رهگیری پرونده یا کد ملی متقاضی.")
            tracking = st.text_input("کد رهگیری پرونده", key="complaint_tracking")
            national = st.text_input("کد ملی متقاضی", key="complaint_national")
            line = st.text_input("شماره ردیف پرداخت", key="complaint_line", placeholder="مثلاً ۱۲۳۴ (اختیاری)")
            channel = st.selectbox("راه دریافت", list(CHANNEL_LABELS), format_func=CHANNEL_LABELS.get, key="complaint_channel")
            subject = st.text_input("موضوع", key="complaint_subject", max_chars=200)
            body = st.text_area("شرح شکایت", key="complaint_body", max_chars=2000)
            deadline = jalali_date_input("مهلت رسیدگی", "complaint_deadline", default=suggested_deadline())
            owners = versioned(owners_for, version) or {}
            owner = st.selectbox("مسئول رسیدگی", [None, *owners], key="complaint_owner",
                                 format_func=lambda u: "خودم" if u is None else owners[u])
            if st.form_submit_button("ثبت شکایت", type="primary"):
                made = act(register_complaint, ComplaintData(
                    channel=channel, subject=subject, body=body, deadline=deadline, national_code=national,
                    tracking_code=tracking, payment_line_id=line_number(line), owner_id=owner))
                if made is not None:
                    st.session_state[FLASH] = f"شکایت شماره {to_persian_digits(made.id)} ثبت شد."
                    st.rerun()

if not ids:
    st.stop()
st.subheader("یک شکایت")
chosen = st.selectbox("شکایت", ids, key="complaints_chosen",
                      format_func=lambda i: f"شکایت {to_persian_digits(i)}")
chosen_view = versioned(get_complaint, version, chosen)
if chosen_view is None:
    st.stop()
complaint, events = chosen_view
st.markdown(f"**موضوع:** {md_escape(complaint.subject)}")
st.markdown(md_escape(complaint.body))
if complaint.resolution:
    st.markdown(f"**نتیجه رسیدگی:** {md_escape(complaint.resolution)}")
if complaint.compensation:
    st.markdown(f"**جبران خسارت:** {md_escape(complaint.compensation)}")
rtl_table(pd.DataFrame({
    "زمان": [format_moment(e.at) for e in events],
    "از": [STATUS_LABELS.get(e.from_status, "—") for e in events],
    "به": [STATUS_LABELS[e.to_status] for e in events],
    "یادداشت": [e.note or "" for e in events],
}))

moves = MOVES[complaint.status]
if handles and moves:
    with st.form("complaint_move", border=True):
        target = st.selectbox("وضعیت تازه", list(moves), format_func=STATUS_LABELS.get, key="complaint_target")
        note = st.text_input("یادداشت", key="complaint_note", max_chars=400)
        resolution = st.text_area("نتیجه رسیدگی (برای پاسخ؛ برای متقاضی پیامک می‌شود)", key="complaint_resolution",
                                  value=complaint.resolution or "", max_chars=2000)
        compensation = st.text_input("جبران خسارت (اگر هست)", key="complaint_compensation", max_chars=400)
        if st.form_submit_button("ثبت تغییر", type="primary"):
            if act(change_status, chosen, target, note=note, resolution=resolution, compensation=compensation) is not None:
                st.session_state[FLASH] = f"شکایت {to_persian_digits(chosen)}: {STATUS_LABELS[target]}."
                st.rerun()
