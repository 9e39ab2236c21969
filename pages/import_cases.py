"""Bulk import of cases from Excel (ورود گروهی): template, upload, every problem by row and
column, then import — all rows of a clean file, or (asked for and confirmed) the clean rows only."""
from __future__ import annotations

import hashlib

import pandas as pd
import streamlit as st

from lib.text import to_persian_digits
from services.import_sheet import MAX_IMPORT_BYTES
from services.imports import ImportReport, ImportResult, import_applications, import_template, validate_import
from ui.context import act, read, require_actor
from ui.errors import guarded
from ui.fmt import format_number
from ui.tables import rtl_table
from ui.widgets import file_input, tracking_code_spelled

CONFIRMING = "import_confirming"  # the «clean rows only» dialog is open
REPORT = "import_report"  # (file sha256, report) of the file on screen
RESULT = "import_result"
UPLOADER = "import_uploader_generation"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@st.cache_data(ttl=3600, show_spinner=False)
def template() -> bytes:
    return read(import_template)


def close_dialog() -> None:
    st.session_state.pop(CONFIRMING, None)


def run_import(content: bytes, *, only_clean: bool) -> None:
    close_dialog()
    result = act(import_applications, content, only_clean=only_clean)
    if result is not None:
        st.session_state[RESULT] = result
        st.session_state.pop(REPORT, None)
        st.session_state[UPLOADER] = st.session_state.get(UPLOADER, 0) + 1
        st.rerun()


@st.dialog("ورود فقط ردیف‌های سالم", on_dismiss=guarded(close_dialog))
def confirm_clean_only(content: bytes, report: ImportReport) -> None:
    skipped = len(report.problem_rows)
    st.markdown(
        f"{format_number(len(report.clean_rows))} ردیف سالم وارد می‌شود و {format_number(skipped)} ردیفِ دارای مشکل "
        "**وارد نمی‌شود**؛ آن ردیف‌ها را باید جداگانه اصلاح و دوباره بارگذاری کنید. این کار برگشت‌پذیر نیست."
    )
    left, right = st.columns(2)
    if left.button("بله، ردیف‌های سالم را وارد کن", type="primary", key="confirm_clean_only"):
        run_import(content, only_clean=True)
    if right.button("انصراف", key="cancel_clean_only"):
        close_dialog()
        st.rerun()


actor = require_actor()
st.title("ورود گروهی از اکسل")
st.markdown(
    "فایل نمونه را دریافت کنید، هر درخواست را در یک ردیف بنویسید (راهنمای ستون‌ها در برگه «راهنما» است) و فایل را "
    "بارگذاری کنید. همه ردیف‌ها بررسی می‌شوند و تا فایل مشکلی دارد چیزی وارد نمی‌شود."
)
st.download_button("دریافت فایل نمونه", data=template(), file_name="bimeyar-import.xlsx", mime=XLSX,
                   icon=":material/download:")

if (result := st.session_state.get(RESULT)) is not None:
    done: ImportResult = result
    st.success(f"{format_number(len(done.imported))} پرونده وارد شد و برای هر کدام پیامک دریافت درخواست در صف ارسال است.",
               icon="✅")
    rtl_table(
        pd.DataFrame(
            [{"ردیف": to_persian_digits(c.row), "متقاضی": c.full_name, "کد رهگیری": tracking_code_spelled(c.tracking_code)}
             for c in done.imported]
        ),
    )
    if done.skipped_rows:
        st.warning("ردیف‌های واردنشده: " + "، ".join(to_persian_digits(n) for n in done.skipped_rows), icon="⚠️")

upload = file_input("فایل اکسل (xlsx)", key=f"import_file_{st.session_state.get(UPLOADER, 0)}", types=["xlsx"],
                    max_mb=MAX_IMPORT_BYTES // (1024 * 1024))
if upload is None:
    st.stop()
content = upload.getvalue()
digest = hashlib.sha256(content).hexdigest()
cached = st.session_state.get(REPORT)
if cached is None or cached[0] != digest:
    st.session_state.pop(RESULT, None)
    with st.spinner("همه ردیف‌ها بررسی می‌شود…"):
        report = act(validate_import, content)
    if report is None:
        st.stop()
    st.session_state[REPORT] = (digest, report)
else:
    report = cached[1]

c1, c2, c3 = st.columns(3)
c1.metric("ردیف‌ها", format_number(report.total_rows))
c2.metric("ردیف‌های سالم", format_number(len(report.clean_rows)))
c3.metric("مشکل‌ها", format_number(len(report.problems)))

if report.problems:
    st.error(
        f"فایل {format_number(len(report.problems))} مشکل در {format_number(len(report.problem_rows))} ردیف دارد؛ "
        "آن‌ها را در فایل اصلاح کنید و دوباره بارگذاری کنید.",
        icon="⚠️",
    )
    rtl_table(
        pd.DataFrame([{"ردیف": to_persian_digits(p.row), "ستون": p.column, "مشکل": p.message} for p in report.problems]),
        column_config={"مشکل": st.column_config.TextColumn("مشکل", width="large")},
    )
else:
    st.success("همه ردیف‌ها سالم است و فایل آماده ورود است.", icon="✅")

left, right = st.columns(2)
if left.button("ورود همه ردیف‌ها", type="primary", disabled=not report.is_clean, key="import_all",
               icon=":material/upload:"):
    run_import(content, only_clean=False)
if report.problems and report.clean_rows:
    if right.button("فقط ردیف‌های سالم را وارد کن", key="import_clean_only", icon=":material/filter_alt:"):
        st.session_state[CONFIRMING] = digest
    if st.session_state.get(CONFIRMING) == digest:
        confirm_clean_only(content, report)
