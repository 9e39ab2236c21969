"""Documents and eligibility of a case (مدارک و شرایط پذیرش): the programme's checklist, uploads,
paper seen at the desk, the documents check that moves the case, and programme A's conditions.

Opened as ``pages/documents.py?id=N`` from a case, or by typing a tracking code.
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from lib.permissions import Action, can
from lib.text import to_persian_digits
from lib.workflow import PROGRAM_LABELS, STATE_LABELS, state_label
from services.documents import (
    MAX_DOCUMENT_BYTES,
    CaseBrief,
    case_brief,
    check_documents,
    document_status,
    mark_received,
    read_document,
    upload_document,
)
from services.eligibility import confirm_condition, eligibility_status, is_eligible
from services.relief_eligibility import b_eligibility, confirm_b_eligibility, refuse_b_eligibility
from ui.context import act, require_actor
from services.cases import format_moment
from ui.fmt import md_escape
from ui.tables import rtl_editor, rtl_table
from ui.widgets import case_link, deferred, file_input, tracking_code_spelled

FLASH = "documents_flash"
UPLOAD_TYPES = ["pdf", "png", "jpg", "jpeg"]


def size_text(size: int | None) -> str:
    if not size:
        return "—"
    if size >= 1024 * 1024:
        return to_persian_digits(f"{size / (1024 * 1024):.1f}".replace(".", "٫")) + " مگابایت"
    return to_persian_digits(max(1, round(size / 1024))) + " کیلوبایت"


def flash(message: str) -> None:
    st.session_state[FLASH] = message
    st.rerun()


actor = require_actor()
st.title("مدارک و شرایط پذیرش")

brief: CaseBrief | None = None
tracking = st.text_input("کد رهگیری پرونده", key="documents_tracking", placeholder="A031234567",
                         help="برای باز کردن پرونده دیگری کد رهگیری آن را وارد کنید.")
requested = st.query_params.get("id", "")
if tracking.strip():
    brief = act(case_brief, tracking_code=tracking)
    if brief is not None:
        st.query_params["id"] = str(brief.application_id)
elif requested.isdigit():
    brief = act(case_brief, application_id=int(requested))
if brief is None:
    st.info("کد رهگیری پرونده را وارد کنید یا پرونده را از فهرست پرونده‌ها باز کنید.")
    st.stop()

if message := st.session_state.pop(FLASH, None):
    if st.session_state.pop(f"{FLASH}_warning", False):  # documents missing: a warning, not a success
        st.warning(message, icon="⚠️")
    else:
        st.success(message, icon="✅")

with st.container(border=True):
    st.markdown(
        f"**{md_escape(brief.applicant_name)}** — کد ملی {to_persian_digits(brief.national_code)}  \n"
        f"کد رهگیری {tracking_code_spelled(brief.tracking_code)} — {PROGRAM_LABELS[brief.program]} — "
        f"شهرستان {md_escape(brief.county)} — وضعیت: **{state_label(brief.program, brief.state)}**"
    )
    case_link(brief.application_id, "باز کردن پرونده")

# ------------------------------------------------------------------ documents
st.subheader("مدارک")
rows = act(document_status, brief.application_id) or []
rtl_table(
    pd.DataFrame(
        [
            {
                "مدرک": r.label,
                "وضعیت": "دریافت شده" if r.received else "ناقص",
                "فایل": r.original_name or ("نسخه کاغذی" if r.received else "—"),
                "حجم": size_text(r.size_bytes),
                "ثبت‌کننده": r.uploaded_by or "—",
                "زمان": format_moment(r.uploaded_at),
            }
            for r in rows
        ]
    ),
)
missing = [r.label for r in rows if not r.received]
if missing:
    st.warning("مدارک ناقص: " + "، ".join(missing), icon="📄")
else:
    st.success("همه مدارک این برنامه دریافت شده است.", icon="✅")

for row in rows:
    with st.expander(("✅ " if row.received else "❌ ") + row.label):
        if row.has_file and row.document_id is not None:
            fetch = deferred(read_document, row.document_id)
            st.download_button(
                f"دریافت فایل «{md_escape(row.download_name)}»",
                data=lambda fetch=fetch: fetch()[0],
                file_name=row.download_name,
                mime=row.mime_type,
                key=f"download_{row.kind}",
                icon=":material/download:",
            )
        with st.form(f"upload_{row.kind}", clear_on_submit=True):
            upload = file_input(  # the drop zone states the documents' own limit (5 MB), not the server's
                "فایل PDF یا تصویر (حداکثر ۵ مگابایت)" + (" — جایگزین فایل فعلی" if row.has_file else ""),
                key=f"file_{row.kind}", types=list(UPLOAD_TYPES), max_mb=MAX_DOCUMENT_BYTES // (1024 * 1024),
            )
            if st.form_submit_button("بارگذاری", icon=":material/upload:"):
                if upload is None:
                    st.error("ابتدا فایل مدرک را انتخاب کنید.", icon="⚠️")
                elif act(upload_document, brief.application_id, row.kind, upload.name, upload.getvalue()) is not None:
                    flash(f"«{row.label}» بارگذاری شد.")
        if not row.has_file:
            label = "لغو دریافت نسخه کاغذی" if row.received else "نسخه کاغذی در میز خدمت دیده و بایگانی شد"
            if st.button(label, key=f"paper_{row.kind}", icon=":material/inventory:"):
                if act(mark_received, brief.application_id, row.kind, not row.received) is not None:
                    flash(f"وضعیت «{row.label}» ثبت شد.")

if st.button("بررسی کامل بودن مدارک", type="primary", icon=":material/rule:"):
    result = act(check_documents, brief.application_id)
    if result is not None:
        moved = f" پرونده به وضعیت «{STATE_LABELS[result.state]}» رفت." if result.moved else ""
        st.session_state[f"{FLASH}_warning"] = bool(result.missing)
        flash(result.note + "." + moved)

# ------------------------------------------------------------------ eligibility (programme A)
if brief.program == "A":
    st.subheader("شرایط پذیرش برنامه سهم بیمه خویش‌فرما")
    if brief.discount_holder:
        st.info("متقاضی در رشته شغلی شناسه‌دار تخفیف بیمه دولتی می‌گیرد؛ در اولویت‌های بعدی قرار می‌گیرد.", icon="ℹ️")
    conditions = act(eligibility_status, brief.application_id) or []
    frame = pd.DataFrame(
        [
            {
                "شرط": c.label,
                "تأیید شده": bool(c.satisfied),
                "توضیح": c.note or "",
                "تأییدکننده": c.confirmed_by or "—",
                "زمان": format_moment(c.confirmed_at) if c.confirmed_at else "ثبت نشده",
            }
            for c in conditions
        ]
    )
    editable = can(actor.role, Action.confirm_eligibility)
    edited = rtl_editor(
        frame,
        columns=list(frame.columns),
        disabled=["شرط", "تأییدکننده", "زمان"] if editable else True,
        column_config={
            "تأیید شده": st.column_config.CheckboxColumn("تأیید شده", help="شرط احراز شده است"),
            "توضیح": st.column_config.TextColumn("توضیح", max_chars=400),
        },
        key=f"eligibility_{brief.application_id}",
    )
    if conditions and is_eligible(conditions):
        st.success("همه شرایط پذیرش احراز شده است.", icon="✅")
    if editable and st.button("ثبت شرایط", icon=":material/how_to_reg:"):
        changed = 0
        for condition, (_, before), (_, after) in zip(conditions, frame.iterrows(), edited.iterrows()):
            recorded = condition.satisfied is not None
            if recorded and before["تأیید شده"] == after["تأیید شده"] and before["توضیح"] == after["توضیح"]:
                continue
            if not recorded and not after["تأیید شده"] and not after["توضیح"]:
                continue
            if act(confirm_condition, brief.application_id, condition.condition, bool(after["تأیید شده"]), after["توضیح"]) is None:
                break
            changed += 1
        else:
            flash(f"{to_persian_digits(changed)} شرط ثبت شد." if changed else "تغییری برای ثبت نبود.")

# ------------------------------------------------------------------ eligibility (programme B)
if brief.program == "B":
    st.subheader("تأیید واجد شرایط بودن (کمیته امداد)")
    st.caption(
        "واحد شهرستان کمیته امداد بررسی می‌کند که متقاضی زن و سرپرست خانوار است، تحت پوشش کمیته امداد است و "
        "همه مدارک رسیده است؛ با تأیید، پرونده در فهرست انتظار معرفی به تأمین اجتماعی قرار می‌گیرد."
    )
    if brief.state in ("received", "documents_incomplete"):
        check = act(b_eligibility, brief.application_id)
        if check is not None and check.ok:
            st.success("همه شرایط احراز شده است؛ واجد شرایط بودن را تأیید کنید.", icon="✅")
        elif check is not None:
            st.warning("پیش از تأیید: " + "؛ ".join(check.missing) + ".", icon="⚠️")
        if can(actor.role, Action.confirm_eligibility):
            if st.button("تأیید واجد شرایط بودن", type="primary", key="b_confirm", icon=":material/how_to_reg:"):
                if act(confirm_b_eligibility, brief.application_id) is not None:
                    flash("واجد شرایط بودن تأیید شد و پرونده در فهرست انتظار معرفی به تأمین اجتماعی قرار گرفت.")
            with st.form("b_refuse", clear_on_submit=True):
                reason = st.text_area("دلیل رد درخواست (برای متقاضی پیامک می‌شود)", max_chars=300, key="b_refuse_reason")
                if st.form_submit_button("رد درخواست", icon=":material/block:"):
                    if act(refuse_b_eligibility, brief.application_id, reason) is not None:
                        flash("درخواست رد شد و برای متقاضی پیامک در صف ارسال است.")
    else:
        st.info(f"وضعیت پرونده «{state_label(brief.program, brief.state)}» است.", icon="ℹ️")
