"""Payment runs (نوبت‌های پرداخت): prepare, fit to the credit, draft → approved → finalised, export,
reconcile with SSO's answer.

Preparing is a read (services.payments.prepare_run) kept in ``st.session_state`` until the area or
period changes: nothing is recomputed on a rerun. The what-if panel and the months × percentage
grid are computed once per credit typed. Approving and finalising sit behind a dialog that states
the total and the number of people. Money is shown in Persian digits with its unit."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from lib.errors import InvalidInput
from lib.jalali import months_between, parse_year_month
from lib.permissions import Action, Scope, can, scope_of
from lib.text import to_latin_digits
from lib.xlsx import Sheet, workbook_bytes
from services.budgets import budget_position_for, parse_amount
from services.payments import (
    approve_run,
    cancel_run,
    create_run,
    finalize_run,
    list_runs,
    months_percent_grid,
    prepare_run,
    what_if,
)
from services.payments.exports import payment_list, summary_pdf
from services.payments.prepare import preview_lines
from services.payments.reconcile import MAX_FILE_BYTES, SSO_STATUS_LABELS, follow_up_rejected, reconcile_run, rejected_lines
from services.payments.runs import run_lines
from services.reference import counties_of, provinces
from ui.context import act, read, require_actor
from ui.tables import rtl_table
from ui.fmt import PROGRAM_LABELS, PROGRAM_SHORT_LABELS, format_number, format_percent_bp, format_rial, to_persian_digits
from ui.versioned import current_version, versioned
from ui.widgets import deferred, file_input

PREVIEW = "pay_preview"  # (params, RunPreview)
WHAT_IF = "pay_what_if"  # (budget, WhatIf, grid)
PENDING = "pay_pending"  # the approval/finalisation/cancellation waiting for its dialog
DONE = "pay_done"
RECONCILED = "pay_reconciled"
LINES = "pay_preview_lines"  # (id of the preview, its lines): built once per preview
SHOWN = 1_000  # rows drawn in a table; the rest are in the Excel download
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ALL = "همه"

actor = require_actor()
st.title("نوبت‌های پرداخت")
st.caption("تهیه نوبت پرداخت حق بیمه، تطبیق با اعتبار، تأیید و قطعی‌کردن، فهرست پرداخت و پاسخ تأمین اجتماعی")

if done := st.session_state.pop(DONE, None):
    st.success(done, icon="✅")


def money_cols(frame: pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame:
    """``frame`` with the given columns renamed and shown as Persian numbers (text). Each distinct
    value is formatted once (a column repeats few: provinces, statuses, periods, names)."""
    shown = {}
    for source, title in columns.items():
        values = frame[source]
        if values.dtype.kind in "iu":
            label = format_number
        elif values.dtype.kind == "b":
            label = _yes_no
        else:
            label = _text
        cells = values.tolist()
        labels = {v: label(v) for v in dict.fromkeys(cells)}
        shown[title] = [labels[v] for v in cells]
    return pd.DataFrame(shown, index=frame.index, columns=list(shown), dtype=object)


def _yes_no(v) -> str:
    return "بله" if v else "خیر"


def _text(v) -> str:
    return "" if v is None or (isinstance(v, float) and pd.isna(v)) else to_persian_digits(str(v))


def xlsx_of(frame: pd.DataFrame, columns: dict[str, str], name: str) -> bytes:
    """The rows as an Excel sheet with Persian headers; numbers stay numbers."""
    part = frame[list(columns)]
    rows = ([v.item() if hasattr(v, "item") else v for v in row] for row in part.itertuples(index=False, name=None))
    return workbook_bytes([Sheet(name, list(columns.values()), rows)])


def show_table(frame: pd.DataFrame, columns: dict[str, str], *, download: str, file_name: str, key: str) -> None:
    """The first SHOWN rows formatted for reading, and the whole (filtered) list as Excel on click."""
    head = frame.head(SHOWN)
    shown = money_cols(head, columns)
    if "rate_bp" in columns:  # on screen as a percentage; the Excel file keeps basis points
        shown[columns["rate_bp"]] = head["rate_bp"].map(format_percent_bp)
        shown = shown.rename(columns={columns["rate_bp"]: "نرخ حق بیمه"})
    rtl_table(shown, height=320)
    if len(frame) > SHOWN:
        st.caption(f"{format_number(SHOWN)} ردیف از {format_number(len(frame))} ردیف نشان داده شده است؛ "
                   "همه را از فایل اکسل ببینید یا جستجو کنید.")
    st.download_button(download, data=lambda: xlsx_of(frame, columns, download), file_name=file_name, mime=XLSX,
                       key=key, icon=":material/download:")


def filtered(frame: pd.DataFrame, key: str, *, reason: bool = False) -> pd.DataFrame:
    """The rows matching a typed name or national code, a county and (held back) a reason."""
    a, b, c = st.columns([2, 1, 1])
    text = a.text_input("جستجوی نام یا کد ملی", key=f"{key}_search").strip()
    counties = [ALL, *sorted(frame["county"].dropna().unique())] if len(frame) else [ALL]
    county = b.selectbox("شهرستان", counties, key=f"{key}_county")
    mask = pd.Series(True, index=frame.index)
    if text:
        latin = to_latin_digits(text)
        mask &= frame["name"].str.contains(text, regex=False) | frame["national_code"].str.contains(latin, regex=False)
    if county != ALL:
        mask &= frame["county"] == county
    if reason:
        reasons = [ALL, *sorted(frame["reason_label"].unique())] if len(frame) else [ALL]
        chosen = c.selectbox("دلیل", reasons, key=f"{key}_reason")
        if chosen != ALL:
            mask &= frame["reason_label"] == chosen
    return frame[mask]


# --------------------------------------------------------------------------- prepare
def prepare_section() -> None:
    st.subheader("تهیه نوبت تازه")
    names = {p.id: p.name for p in read(provinces)}
    with st.form("pay_prepare"):
        a, b, c = st.columns(3)
        program = a.radio("برنامه", ["A", "B"], format_func=lambda code: PROGRAM_LABELS[code], key="pay_program")
        if scope_of(actor.role, actor.area) == Scope.national:
            province_id = b.selectbox("استان", list(names), format_func=names.get, key="pay_province")
        else:
            province_id = actor.province_id
            b.markdown(f"**استان {names.get(province_id, '')}**")
        county_names = {0: "همه شهرستان‌ها", **{cty.id: cty.name for cty in read(counties_of, province_id)}}
        county_id = c.selectbox("شهرستان", list(county_names), format_func=county_names.get, key="pay_county")
        d, e = st.columns(2)
        first = d.text_input("از ماه", key="pay_from", placeholder="۱۴۰۴/۰۱")
        last = e.text_input("تا ماه", key="pay_to", placeholder="۱۴۰۴/۰۳")
        submitted = st.form_submit_button("تهیه پیش‌نمایش", type="primary")
    if submitted:
        try:
            start = parse_year_month(first, field="from")
            end = parse_year_month(last or first, field="to")
        except InvalidInput as exc:  # the Persian message says how to type a month
            st.error(exc.message, icon="⚠️")
            return
        months = months_between(start, end) + 1
        params = (program, province_id, county_id or None, start, months)
        with st.status("در حال تهیه فهرست پرداخت…", expanded=False) as status:
            preview = act(prepare_run, program=program, province_id=province_id, county_id=county_id or None,
                          start=start, months=months)
            status.update(label="فهرست آماده شد", state="complete")
        if preview is not None:
            st.session_state[PREVIEW] = (params, preview)
            st.session_state.pop(WHAT_IF, None)
    if PREVIEW in st.session_state:
        show_preview(st.session_state[PREVIEW][1])


def show_preview(preview) -> None:
    is_b = preview.program == "B"
    held = preview.held_back
    cols = st.columns(4)
    cols[0].metric("پرداخت‌شوندگان", format_number(len(preview.people)))
    cols[1].metric("ردیف‌ها (نفر-ماه)", format_number(preview.line_count))
    cols[2].metric("هزینه کامل", format_rial(preview.total_cost_rial))
    cols[3].metric("بازماندگان", format_number(held["application_id"].nunique() if len(held) else 0))
    confirm_wage = False
    if preview.unconfirmed_years:
        years = "، ".join(to_persian_digits(y) for y in preview.unconfirmed_years)
        st.warning(f"حداقل دستمزد سال {years} هنوز قطعی نشده است؛ پرداخت با این رقم نیاز به تأیید صریح دارد.", icon="⚠️")
        confirm_wage = st.checkbox(f"حداقل دستمزد ثبت‌شده سال {years} را برای این نوبت تأیید می‌کنم", key="pay_confirm_wage")

    paid_tab, held_tab = st.tabs(["پرداخت‌شوندگان", "بازماندگان و دلیل"])
    with paid_tab:
        lines = st.session_state.get(LINES)
        if lines is None or lines[0] != id(preview):  # once per preview, not on every rerun
            lines = (id(preview), preview_lines(preview))
            st.session_state[LINES] = lines
        columns = {"national_code": "کد ملی", "name": "نام", "county": "شهرستان", "month_label": "ماه", "days": "روز",
                   "daily_wage_rial": "حداقل دستمزد روزانه (ریال)", "wage_confirmed": "دستمزد قطعی",
                   "rate_bp": "نرخ (واحد پایه، ۱۸۰۰ = ۱۸٪)", "share_percent": "سهم کمیته (٪)", "cost_rial": "حق بیمه (ریال)"}
        if is_b:
            columns |= {"agency_rial": "سهم کمیته امداد (ریال)", "government_rial": "سهم دولت (ریال)"}
        show_table(filtered(lines[1], "pay_lines"), columns, download="دریافت فهرست پرداخت‌شوندگان (اکسل)",
                   file_name="bimeyar-preview.xlsx", key="pay_preview_download")
    with held_tab:
        if held.empty:
            st.info("کسی از این نوبت باز نمانده است.")
        else:
            show_table(filtered(held, "pay_held", reason=True),
                       {"national_code": "کد ملی", "name": "نام", "county": "شهرستان", "reason_label": "دلیل",
                        "months_label": "ماه‌ها", "detail": "توضیح"},
                       download="دریافت فهرست بازماندگان (اکسل)", file_name="bimeyar-held-back.xlsx", key="pay_held_download")
    if len(preview.people):
        fit_section(preview, confirm_wage)


def fit_section(preview, confirm_wage: bool) -> None:
    st.subheader("تطبیق با اعتبار")
    position = read(budget_position_for, actor, program=preview.program, province_id=preview.province_id,
                    jalali_year=preview.start.year)
    if position is not None:
        st.caption(f"مانده اعتبار سال {to_persian_digits(preview.start.year)} این برنامه در استان: "
                   f"{format_rial(position.left_rial)}")
    raw = st.text_input("اعتبار این نوبت (ریال)", key="pay_budget",
                        value=format_number(position.left_rial) if position is not None and position.left_rial > 0 else "")
    try:
        budget = parse_amount(raw, field="budget_rial", label_fa="اعتبار این نوبت")
    except InvalidInput as exc:
        st.error(exc.message, icon="⚠️")
        return
    cached = st.session_state.get(WHAT_IF)
    if cached is None or cached[0] != (id(preview), budget):
        cached = ((id(preview), budget), what_if(preview, budget), months_percent_grid(preview))
        st.session_state[WHAT_IF] = cached
    _, panel, grid = cached
    table = panel.strategies
    columns = {"label": "روش", "percent": "درصد", "months": "ماه", "people_full": "کامل",
               "people_partial": "ناقص", "people_unpaid": "بی‌پرداخت", "total_rial": "جمع (ریال)", "left_rial": "مانده (ریال)"}
    if preview.program == "B":
        columns |= {"agency_rial": "سهم کمیته امداد", "government_rial": "سهم دولت"}
    shown = money_cols(table, columns)
    shown.insert(1, "ممکن", table["feasible"].map(lambda v: "بله" if v else "خیر (اعتبار کم است)"))
    left, right = st.columns(2)
    with left:
        st.markdown("**چه می‌شود اگر… (هر روش)**")
        rtl_table(shown)
        st.caption("روش «پرداخت کامل به ترتیب اولویت» هر کس را که جا نشود رد می‌کند و به نفر بعدی که جا شود می‌رسد.")
    with right:
        st.markdown("**جدول ماه × درصد (جمع به ریال؛ ✗ بیش از اعتبار)**")
        cells = grid.apply(lambda col: col.map(lambda v: format_number(int(v)) + ("" if v <= budget else " ✗")))
        cells.columns = [f"{to_persian_digits(p)}٪" for p in grid.columns]
        cells.insert(0, "ماه", [f"{to_persian_digits(m)} ماه" for m in grid.index])
        rtl_table(cells)
    strategy = st.radio("روش", list(table["strategy"]), format_func=dict(zip(table["strategy"], table["label"])).get,
                        key="pay_strategy", horizontal=True)
    months = percent = None
    if strategy == "combined":
        a, b = st.columns(2)
        months = a.selectbox("تعداد ماه", list(grid.index), index=len(grid.index) - 1, format_func=to_persian_digits,
                             key="pay_grid_months")
        percent = b.selectbox("درصد", list(grid.columns), format_func=lambda p: f"{to_persian_digits(p)}٪", key="pay_grid_percent")
    with st.expander("سهم هر شهرستان در این روش"):
        by = panel.by_county[panel.by_county["strategy"] == strategy]
        rtl_table(money_cols(by, {"county": "شهرستان", "people_full": "کامل", "people_partial": "ناقص",
                                     "people_unpaid": "بی‌پرداخت", "total_rial": "جمع (ریال)"}))
    note = st.text_input("توضیح (اختیاری)", key="pay_note")
    if st.button("ساخت پیش‌نویس نوبت", type="primary", key="pay_create"):
        with st.status("در حال ساخت پیش‌نویس…", expanded=False) as status:
            run = act(create_run, preview, budget_rial=budget, strategy=strategy, months=months, percent=percent,
                      confirm_unconfirmed_wage=confirm_wage, note=note or None)
            status.update(label="تمام شد", state="complete")
        if run is not None:
            st.session_state.pop(PREVIEW, None)
            st.session_state.pop(WHAT_IF, None)
            st.session_state[DONE] = (f"پیش‌نویس نوبت شماره {to_persian_digits(run.id)} ساخته شد: "
                                      f"{format_number(run.people)} نفر، {format_rial(run.total_rial)}.")
            st.session_state["pay_run"] = run.id
            st.rerun()


# --------------------------------------------------------------------------- runs
@st.dialog("تأیید کار روی نوبت پرداخت")
def confirm(pending: dict) -> None:
    verbs = {"approve": "تأیید", "finalize": "قطعی", "cancel": "لغو"}
    st.markdown(f"نوبت شماره **{to_persian_digits(pending['run_id'])}** — {pending['period']}")
    st.markdown(f"جمع پرداخت: **{format_rial(pending['total'])}** برای **{format_number(pending['people'])} نفر** "
                f"({format_number(pending['lines'])} ردیف)")
    if pending["action"] == "finalize":
        st.warning("نوبت قطعی‌شده دیگر تغییر نمی‌کند و ماه‌های آن در سقف هر نفر شمرده می‌شود.", icon="⚠️")
    reason = st.text_input("دلیل لغو", key="pay_cancel_reason") if pending["action"] == "cancel" else None
    left, right = st.columns(2)
    if left.button(f"بله، {verbs[pending['action']]} شود", type="primary", key="pay_confirm"):
        fn = {"approve": approve_run, "finalize": finalize_run, "cancel": cancel_run}[pending["action"]]
        args = (pending["run_id"], reason or "") if pending["action"] == "cancel" else (pending["run_id"],)
        with st.spinner("در حال ثبت…"):
            done = act(fn, *args)
        if done is not None:
            del st.session_state[PENDING]
            st.session_state[DONE] = f"نوبت شماره {to_persian_digits(pending['run_id'])} {verbs[pending['action']]} شد."
            st.rerun()
    if right.button("انصراف", key="pay_dismiss"):
        del st.session_state[PENDING]
        st.rerun()


def runs_table(runs: pd.DataFrame) -> pd.DataFrame:
    runs = runs.assign(program_label=runs["program"].map(PROGRAM_SHORT_LABELS))
    return money_cols(runs, {"run_id": "شماره", "program_label": "برنامه", "province": "استان", "county": "شهرستان",
                             "period": "دوره", "kind_label": "نوع", "status_label": "وضعیت", "people": "افراد",
                             "total_rial": "جمع (ریال)", "prepared_by": "تهیه‌کننده", "approved_by": "تأییدکننده",
                             "finalized_by": "قطعی‌کننده"})


def runs_listed(session, user) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The runs of the user's area and their table as shown (formatted once per data version)."""
    runs = list_runs(session, user)
    return runs, runs_table(runs)


def runs_section() -> None:
    st.subheader("نوبت‌ها")
    listed = versioned(runs_listed, current_version())  # read and formatted once per data version
    if listed is None:
        return
    runs, table = listed
    if runs.empty:
        st.info("هنوز نوبت پرداختی ساخته نشده است.")
        return
    rtl_table(table)
    ids = list(runs["run_id"])
    chosen = st.session_state.get("pay_run")
    run_id = st.selectbox("نوبت", ids, index=ids.index(chosen) if chosen in ids else 0, key="pay_run_select",
                          format_func=lambda i: f"نوبت {to_persian_digits(i)}")
    run = runs[runs["run_id"] == run_id].iloc[0]
    show_run(run)


def show_run(run) -> None:
    run_id, status = int(run["run_id"]), run["status"]
    cols = st.columns(4)
    cols[0].metric("وضعیت", run["status_label"])
    cols[1].metric("افراد", format_number(int(run["people"])))
    cols[2].metric("ردیف‌ها", format_number(int(run["line_count"])))
    cols[3].metric("جمع", format_rial(int(run["total_rial"])))
    if run["program"] == "B":
        a, b = st.columns(2)
        a.metric("سهم کمیته امداد (۸٪)", format_rial(int(run["agency_rial"])))
        b.metric("سهم دولت (۱۰٪)", format_rial(int(run["government_rial"])))
    pending = {"run_id": run_id, "period": run["period"], "total": int(run["total_rial"]),
               "people": int(run["people"]), "lines": int(run["line_count"])}
    buttons = st.columns(4)
    if status == "draft" and can(actor.role, Action.approve_payments):
        if buttons[0].button("تأیید نوبت", key="pay_approve", type="primary"):
            st.session_state[PENDING] = {**pending, "action": "approve"}
    if status == "approved" and can(actor.role, Action.finalize_payments):
        if buttons[1].button("قطعی کردن نوبت", key="pay_finalize", type="primary"):
            st.session_state[PENDING] = {**pending, "action": "finalize"}
    if status in ("draft", "approved") and (can(actor.role, Action.prepare_payments) or can(actor.role, Action.approve_payments)):
        if buttons[2].button("لغو نوبت", key="pay_cancel"):
            st.session_state[PENDING] = {**pending, "action": "cancel"}
    if PENDING in st.session_state and st.session_state[PENDING]["run_id"] == run_id:
        confirm(st.session_state[PENDING])

    if status in ("approved", "finalized"):
        a, b = st.columns(2)
        export = deferred(payment_list, run_id)  # the actor and engine are taken now, the file built on click
        a.download_button("فهرست پرداخت برای تأمین اجتماعی و بانک (اکسل)", key="pay_export",
                          data=lambda: export().content,
                          file_name=f"bimeyar-run-{run_id}.xlsx", mime=XLSX, icon=":material/download:")
        b.download_button("خلاصه نوبت (PDF)", key="pay_summary", data=deferred(summary_pdf, run_id),
                          file_name=f"bimeyar-run-{run_id}.pdf", mime="application/pdf", icon=":material/download:")
    with st.expander("ردیف‌های نوبت"):
        if st.button("نمایش ردیف‌ها", key="pay_show_lines"):
            st.session_state["pay_lines_of"] = run_id
        if st.session_state.get("pay_lines_of") == run_id:
            lines = read(run_lines, actor, run_id)
            shown = money_cols(lines, {"line_id": "شناسه ردیف", "national_code": "کد ملی", "name": "نام",
                                       "county": "شهرستان", "month_label": "ماه", "days": "روز",
                                       "amount_rial": "مبلغ (ریال)", "agency_rial": "سهم دستگاه (ریال)",
                                       "government_rial": "سهم دولت (ریال)", "line_kind_label": "نوع"})
            shown["پاسخ تأمین اجتماعی"] = lines["sso_status"].map(SSO_STATUS_LABELS)
            rtl_table(shown, height=320)
    if status == "finalized":
        reconcile_section(run_id)


def reconcile_section(run_id: int) -> None:
    st.markdown("**پاسخ تأمین اجتماعی**")
    st.caption("همان فهرست پرداخت را که تأمین اجتماعی ستون‌های «مبلغ دریافتی»، «نتیجه» (تأیید/رد) و «دلیل رد» آن را پر "
               "کرده بارگذاری کنید. اگر حتی یک ردیف مشکل داشته باشد هیچ پاسخی ثبت نمی‌شود.")
    upload = file_input("فایل پاسخ تأمین اجتماعی (xlsx)", key=f"pay_sso_file_{run_id}", types=["xlsx"],
                        max_mb=MAX_FILE_BYTES // (1024 * 1024))
    dry = st.checkbox("فقط بررسی آزمایشی (چیزی ثبت نشود)", value=True, key="pay_sso_dry")
    if upload is not None and st.button("بررسی فایل" if dry else "ثبت پاسخ", key="pay_reconcile", type="primary"):
        with st.status("در حال بررسی پاسخ تأمین اجتماعی…", expanded=False) as status:
            report = act(reconcile_run, run_id, upload.getvalue(), dry_run=dry)
            status.update(label="بررسی تمام شد", state="complete")
        if report is not None:
            st.session_state[RECONCILED] = (run_id, report)
    if (saved := st.session_state.get(RECONCILED)) and saved[0] == run_id:
        report = saved[1]
        (st.error if report.problems else st.success)(report.summary(), icon="⚠️" if report.problems else "✅")
        if report.problems:
            rtl_table(report.problems_frame())
    rejected = versioned(rejected_lines, current_version(), run_id)  # once per data version
    if rejected is None:
        return
    if len(rejected):
        st.markdown(f"**{format_number(len(rejected))} ردیف را تأمین اجتماعی رد کرده است**")
        rtl_table(money_cols(rejected, {"national_code": "کد ملی", "first_name": "نام", "last_name": "نام خانوادگی",
                                           "amount_rial": "مبلغ (ریال)", "sso_reason": "دلیل رد"}))
        if can(actor.role, Action.prepare_payments) and st.button("ساخت نوبت اصلاحی (برگشت ردیف‌های ردشده)", key="pay_follow_up"):
            made = act(follow_up_rejected, run_id, "برگشت ردیف‌های ردشده تأمین اجتماعی")
            if made is not None:
                st.session_state[DONE] = f"نوبت اصلاحی شماره {to_persian_digits(made.id)} (پیش‌نویس) ساخته شد."
                st.session_state["pay_run"] = made.id
                st.rerun()


if can(actor.role, Action.prepare_payments):
    prepare_section()
runs_section()
