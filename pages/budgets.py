"""Budgets (اعتبار): a province's credit for a programme and Jalali year, by funding source.

The provincial committee and the system administrator enter and change it (any digits; never
below what finalised runs used — the service says how low it may go), or import it from Excel
(checked first, all or nothing). A manager sees it."""
from datetime import date

import pandas as pd
import streamlit as st

from lib.jalali import jalali_year_of, local_date, local_today
from lib.permissions import Role, Scope, scope_of
from services.budgets import MAX_IMPORT_BYTES, budget_overview, budget_template, change_summary, import_budgets, set_budget
from services.reference import provinces
from ui.context import act, read, require_actor
from ui.tables import rtl_table
from ui.widgets import file_input
from ui.fmt import PROGRAM_LABELS, format_jalali, format_number, format_rial, to_persian_digits

SAVED = "budget_saved"
VERSION = "budget_version"  # fresh inputs (showing the stored amounts) after each save
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

actor = require_actor()
may_edit = actor.role in (Role.province_committee, Role.admin)
st.title("اعتبار")
st.caption("اعتبار هر برنامه در هر استان و سال، به تفکیک منبع تأمین؛ مبلغ‌ها به ریال")

left, middle, right = st.columns([2, 2, 1])
with left:
    program = st.radio("برنامه", ["A", "B"], format_func=lambda c: PROGRAM_LABELS[c], horizontal=True, key="budget_program")
with middle:
    names = {p.id: p.name for p in read(provinces)}
    if scope_of(actor.role, actor.area) == Scope.national:
        province_id = st.selectbox("استان", list(names), format_func=names.get, key="budget_province")
    else:
        province_id = actor.province_id
        st.markdown(f"**استان {names.get(province_id, '')}**")
with right:
    this_year = jalali_year_of(local_today())
    years = list(range(this_year - 2, this_year + 2))
    year = st.selectbox("سال", years, index=years.index(this_year), format_func=to_persian_digits, key="budget_year")

if saved := st.session_state.pop(SAVED, None):
    st.success(saved, icon="✅")

position, table = read(budget_overview, actor, program=program, province_id=province_id, jalali_year=year)
cols = st.columns(3)
cols[0].metric("اعتبار کل", format_rial(position.credit_rial))
cols[1].metric("مصرف نوبت‌های قطعی", format_rial(position.used_rial))
cols[2].metric("مانده", format_rial(position.left_rial))
if program == "A":
    st.caption("سه منبع برنامه الف یک‌جا مصرف می‌شوند: جمع آن‌ها نباید از مصرف نوبت‌های قطعی کمتر شود.")
else:
    st.caption("سهم کمیته امداد (۸٪) و سهم دولت (۱۰٪) هر ردیف، هر کدام از منبع خودش کم می‌شود.")

shown = pd.DataFrame({
    "منبع": table["label"],
    "اعتبار (ریال)": table["credit_rial"].map(format_number),
    "کمترین مبلغ مجاز (ریال)": table["minimum_rial"].map(format_number),
    "آخرین تغییر": [
        f"{by} — {format_jalali(local_date(at))}" if by and at is not None and not pd.isna(at) else "—"
        for by, at in zip(table["updated_by"], table["updated_at"])
    ],
})
if program == "B":  # each source has its own use
    shown.insert(2, "مصرف (ریال)", table["used_rial"].map(format_number))
    shown.insert(3, "مانده (ریال)", table["left_rial"].map(format_number))
rtl_table(shown)

if may_edit:
    with st.form(f"budget_form-{program}-{province_id}-{year}-{st.session_state.get(VERSION, 0)}"):
        st.subheader("ثبت یا تغییر اعتبار")
        typed = {}
        for source, label, amount, least in zip(table["source"], table["label"], table["credit_rial"], table["minimum_rial"]):
            typed[source] = st.text_input(
                f"{label} (ریال)", value=format_number(int(amount)), key=f"budget_amount_{source}",
                help=f"رقم فارسی، عربی یا لاتین؛ کمترین مبلغ مجاز {format_rial(int(least))}",
            )
        submitted = st.form_submit_button("ذخیره اعتبار", type="primary")
    if submitted:
        before = {s: format_number(int(a)) for s, a in zip(table["source"], table["credit_rial"])}
        changed = {s: v for s, v in typed.items() if v.strip() != before[s]}
        if not changed:
            st.info("مبلغی تغییر نکرده است.")
        elif act(set_budget, program=program, province_id=province_id, jalali_year=year, amounts=changed) is not None:
            st.session_state[SAVED] = f"اعتبار {format_number(len(changed))} منبع ذخیره شد."
            st.session_state[VERSION] = st.session_state.get(VERSION, 0) + 1
            st.rerun()

    with st.expander("ورود اعتبار از فایل اکسل"):
        st.caption("هر ردیف: برنامه (الف/ب)، استان، سال، منبع اعتبار، مبلغ به ریال. اگر حتی یک ردیف مشکل داشته باشد هیچ "
                   "مبلغی ثبت نمی‌شود و فهرست مشکلات ردیف به ردیف نشان داده می‌شود.")
        st.download_button("دریافت فایل نمونه", data=budget_template, file_name="bimeyar-budgets.xlsx", mime=XLSX,
                           key="budget_template")
        upload = file_input("فایل اکسل اعتبار (xlsx)", key="budget_file", types=["xlsx"],
                            max_mb=MAX_IMPORT_BYTES // (1024 * 1024))
        dry = st.checkbox("فقط بررسی آزمایشی (چیزی ثبت نشود)", value=True, key="budget_dry_run")
        if upload is not None and st.button("بررسی و ثبت فایل" if not dry else "بررسی فایل", key="budget_import"):
            with st.status("در حال بررسی فایل…", expanded=False) as status:
                report = act(import_budgets, upload.getvalue(), dry_run=dry)
                status.update(label="بررسی فایل تمام شد", state="complete")
            if report is not None:
                if report.problems:
                    st.error(f"فایل {format_number(len(report.problems))} مشکل دارد و هیچ مبلغی ثبت نشد؛ ردیف‌های زیر را اصلاح کنید.",
                             icon="⚠️")
                    rtl_table(report.problems_frame())
                else:
                    verb = "ثبت می‌شود" if dry else "ثبت شد"
                    st.success(f"{format_number(len(report.changes))} مبلغ {verb}.", icon="✅")
                    rtl_table(read(change_summary, report))
else:
    st.info("اعتبار را کمیته استان یا مدیر سامانه ثبت می‌کند؛ شما آن را می‌بینید.", icon="ℹ️")
