"""One case (opened with ?id=N): header, Form 1, household and score, documents, eligibility,
decisions, the timeline of state changes and the SMS sent."""
import pandas as pd
import streamlit as st

from lib import catalog
from lib.errors import InvalidInput
from lib.permissions import Action, can
from lib.scoring import MARITAL_LABELS, SEVERITY_LABELS
from lib.workflow import PROGRAM_LABELS, PROGRAM_SHORT_LABELS, State
from services.applications import SCORABLE_STATES
from services.cases import CaseDetail, case_detail, case_id_by_tracking_code, format_moment, parse_case_id
from services.lifecycle import REASON_MAX, LifecycleOption, applicant_history, apply_lifecycle, available_actions, case_months
from services.printing import form1_pdf
from services.scoring_sheet import card_frame
from ui.context import act, require_actor
from ui.errors import guarded
from ui.fmt import CHANNELS, format_jalali, format_number, format_percent_bp, label, ltr, md_escape, to_persian_digits
from ui.widgets import case_link, deferred, link_to

DIALOG_KEY = "case_lifecycle_dialog"  # (case id, action) while its confirmation is open
FLASH_KEY = "case_lifecycle_done"  # the message of the move just recorded, shown once

actor = require_actor()
st.title("پرونده")


def facts(rows: list[tuple[str, object]]) -> None:
    """A two-column table of «subject: value» lines."""
    show(pd.DataFrame([{"موضوع": k, "مقدار": "—" if v in (None, "") else str(v)} for k, v in rows]))


def show(frame: pd.DataFrame) -> None:
    """A read-only table whose first column is on the right, as Persian reads."""
    st.dataframe(frame, hide_index=True, width="stretch", column_order=list(frame.columns)[::-1])


def table(rows: list[dict], empty: str) -> None:
    if rows:
        show(pd.DataFrame(rows))
    else:
        st.info(empty)


def digits(value: object) -> str:
    return "—" if value in (None, "") else to_persian_digits(str(value))


raw_id = st.query_params.get("id", "")
with st.expander("باز کردن پرونده با کد رهگیری", expanded=not raw_id):
    with st.form("open_case"):
        typed = st.text_input("کد رهگیری", placeholder="A03…")
        if st.form_submit_button("باز کردن"):
            found = act(case_id_by_tracking_code, typed)
            if found is not None:
                st.query_params["id"] = str(found)
                raw_id = str(found)

if not raw_id:
    st.info("پرونده‌ای انتخاب نشده است؛ از فهرست پرونده‌ها یک پرونده را باز کنید یا کد رهگیری را بنویسید.")
    link_to("pages/cases.py", "فهرست پرونده‌ها", icon=":material/folder_open:")
    st.stop()
try:
    application_id = parse_case_id(raw_id)
except InvalidInput as error:
    st.error(md_escape(error.message), icon="⚠️")
    st.stop()

detail: CaseDetail | None = act(case_detail, application_id)
if detail is None:
    st.stop()
app, person = detail.application, detail.applicant

st.subheader(f"{md_escape(person['first_name'])} {md_escape(person['last_name'])} — کد رهگیری {ltr(app['tracking_code'])}")
m = st.columns([3, 2, 2, 2, 1])  # the state's label is the longest
m[0].metric("وضعیت", detail.state_label)
m[1].metric("برنامه", PROGRAM_SHORT_LABELS[detail.program_code], help=PROGRAM_LABELS[detail.program_code])
m[2].metric("شهرستان", detail.county_name)
m[3].metric("تاریخ درخواست", format_jalali(app["applied_on"]))
if detail.program_code == "A":  # programme B has no scoring table
    m[4].metric("امتیاز", "—" if detail.score is None else format_number(detail.score.card.total))
st.caption(PROGRAM_LABELS[detail.program_code])
if (flash := st.session_state.pop(FLASH_KEY, None)) is not None:
    st.success(flash, icon="✅")
if (
    detail.program_code == "A"
    and can(actor.role, Action.score)
    and State(app["state"]) in SCORABLE_STATES
):
    link_to("pages/scoring.py", "کاربرگ امتیازدهی این پرونده", icon=":material/calculate:", id=application_id)


def close_dialog() -> None:
    st.session_state.pop(DIALOG_KEY, None)


@st.dialog("تأیید اقدام روی پرونده", width="medium", on_dismiss=guarded(close_dialog))
def confirm(option: LifecycleOption) -> None:
    """The move, what it means, a required reason; nothing is written until «ثبت»."""
    st.markdown(f"**{option.label}** — پرونده {ltr(app['tracking_code'])}")
    st.text(f"{person['first_name']} {person['last_name']}: «{detail.state_label}» ← «{option.target_label}»")
    (st.warning if option.irreversible else st.info)(option.effect)
    reason = st.text_area(
        "دلیل (الزامی)", key=f"case_lifecycle_reason_{option.action}", max_chars=REASON_MAX,
        placeholder="دلیل در گردش کار پرونده و رویدادنگاری ثبت می‌شود",
    )
    left, right = st.columns(2)
    if left.button(f"ثبت «{option.label}»", type="primary", key="case_lifecycle_confirm"):
        result = act(apply_lifecycle, application_id, option.action, reason)
        if result is not None:
            released = (
                f" {format_number(result.months_released)} ماه مصوبِ پرداخت‌نشده به سقف متقاضی برگشت."
                if result.months_released else ""
            )
            st.session_state[FLASH_KEY] = (
                f"«{option.label}» برای پرونده {ltr(result.tracking_code)} ثبت شد؛ وضعیت اکنون «{result.state_label}» است "
                f"و پیامک آن در صف ارسال است.{released}"
            )
            st.session_state.pop(f"case_lifecycle_reason_{option.action}", None)
            close_dialog()
            st.rerun()
    if right.button("بستن", key="case_lifecycle_close"):
        close_dialog()
        st.rerun()


options = act(available_actions, application_id) or ()
bar = st.container(horizontal=True)  # side by side from the right, as Persian reads
bar.download_button(
    "فرم ۱ (PDF)", data=deferred(form1_pdf, application_id), file_name=f"form1-{app['tracking_code']}.pdf",
    mime="application/pdf", icon=":material/picture_as_pdf:", key="case_form1_pdf",
)
for option in options:
    if bar.button(option.label, key=f"case_lifecycle_{option.action}", help=option.effect):
        st.session_state[DIALOG_KEY] = (application_id, option.action)
pending = st.session_state.get(DIALOG_KEY)
chosen = next((o for o in options if pending == (application_id, o.action)), None)
if chosen is not None:
    confirm(chosen)
elif pending is not None:
    close_dialog()  # another case, or the move is no longer possible

# Programme B has no scoring table and no eligibility conditions of the Welfare Organisation.
TAB_NAMES = ["فرم ۱", "خانوار و امتیاز", "مدارک", "شرایط", "تصمیم‌ها", "گردش کار", "پیامک‌ها", "سوابق متقاضی"]
shown_tabs = [n for n in TAB_NAMES if detail.program_code == "A" or n not in ("خانوار و امتیاز", "شرایط")]
tab = dict(zip(shown_tabs, st.tabs(shown_tabs)))
tabs = [tab.get(n) for n in TAB_NAMES]  # None: a tab this programme does not show

A_ONLY_FACTS = {"حوزه تحت پوشش", "جامعه هدف", "رشته شغلی", "شماره مجوز", "تاریخ مجوز", "نرخ قرارداد بیمه",
                "مدت مصوب (ماه)", "درصد سهم پرداختی"}
with tabs[0]:
    facts(
        [fact for fact in [
            ("نام و نام خانوادگی", f"{person['first_name']} {person['last_name']}"),
            ("جنسیت", label(catalog.GENDERS, person["gender"]) if person.get("gender") else None),
            ("سرپرست خانوار", {True: "بله", False: "خیر"}.get(app.get("head_of_household"))),
            ("نام پدر", person["father_name"]),
            ("کد ملی", digits(person["national_code"])),
            ("شماره شناسنامه", digits(person["birth_certificate_no"])),
            ("تاریخ تولد", format_jalali(person["birth_date"]) if person["birth_date"] else None),
            ("تلفن همراه", digits(person["mobile"])),
            ("تلفن ثابت", digits(person["landline"])),
            ("نشانی منزل", person["home_address"]),
            ("نشانی محل کار", person["work_address"]),
            ("حوزه تحت پوشش", label(catalog.COVERING_DOMAINS, app["covering_domain"]) if app["covering_domain"] else None),
            ("جامعه هدف", label(catalog.TARGET_GROUPS, app["target_group"]) if app["target_group"] else None),
            ("رشته شغلی", app["job_field"]),
            ("شماره مجوز", digits(app["licence_no"])),
            ("تاریخ مجوز", format_jalali(app["licence_date"]) if app["licence_date"] else None),
            ("مسیر دریافت درخواست", label(CHANNELS, app["channel"])),
            ("ثبت‌کننده", detail.created_by),
            ("نرخ قرارداد بیمه", catalog.CONTRACT_RATES.get(app["contract_rate_bp"]) if app["contract_rate_bp"] else None),
            ("مدت مصوب (ماه)", digits(app["months_granted"])),
            ("درصد سهم پرداختی", format_percent_bp(app["share_percent"] * 100) if app["share_percent"] else None),
        ] if detail.program_code == "A" or fact[0] not in A_ONLY_FACTS]
    )

if tabs[1] is not None:
    with tabs[1]:
        household = detail.household
        if household is None:
            st.info("اطلاعات خانوار ثبت نشده است.")
        else:
            facts(
                [
                    ("تعداد اعضای معلول خانواده", digits(household["disabled_members"])),
                    ("شدت معلولیت", label(SEVERITY_LABELS, household["severity"]) if household["severity"] else "ندارد"),
                    ("وضعیت تأهل", label(MARITAL_LABELS, household["marital_status"])),
                    ("تعداد افراد تحت تکفل", digits(household["dependants"])),
                    ("سابقه پرداخت حق بیمه (سال)", digits(household["insured_years"])),
                    ("نمره نیازمندی (نظر مددکار)", digits(household["need_grade"]) if household["need_grade"] else "ثبت نشده"),
                ]
            )
        if detail.score is not None:
            card = detail.score
            st.markdown(
                f"#### کاربرگ امتیاز: {format_number(card.card.total)} از {format_number(card.card.maximum)}"
            )
            show(card_frame(card.card))
            st.caption(
                f"جدول امتیازات نسخه {ltr(card.card.policy_version)} — امتیازدهی: {md_escape(card.scored_by)}، "
                f"{format_moment(card.scored_at)}"
            )
        elif detail.program_code == "A":
            st.info("این پرونده هنوز امتیازدهی نشده است.")

with tabs[2]:
    missing = sum(not d.received for d in detail.documents)
    if detail.documents and not missing:
        st.success("همه مدارک لازم رسیده است.", icon="✅")
    elif missing:
        st.warning(f"{format_number(missing)} مدرک از {format_number(len(detail.documents))} مدرک لازم هنوز نرسیده است.")
    table(
        [
            {
                "مدرک": d.label,
                "وضعیت": "رسیده" if d.received else "نرسیده",
                "پرونده پیوست": d.original_name or "—",
                "ثبت‌کننده": d.uploaded_by or "—",
                "زمان": format_moment(d.uploaded_at),
            }
            for d in detail.documents
        ],
        "برای این برنامه فهرست مدارکی تعریف نشده است.",
    )

if tabs[3] is not None:
    with tabs[3]:
        outcome = {True: "برقرار است", False: "برقرار نیست", None: "هنوز بررسی نشده"}
        table(
            [
                {
                    "شرط": c.label,
                    "نتیجه": outcome[c.satisfied],
                    "تأییدکننده": c.confirmed_by or "—",
                    "زمان": format_moment(c.confirmed_at),
                    "توضیح": to_persian_digits(c.note) if c.note else "",
                }
                for c in detail.eligibility
            ],
            "برای این پرونده شرطی ثبت نشده است.",
        )
        if app["discount_holder"]:
            st.warning("متقاضی از تخفیف بیمه دولتی در رشته شغلی شناسه‌دار استفاده می‌کند؛ در اولویت‌های بعدی قرار می‌گیرد.")
        if app["priority_override"]:
            st.info(
                f"اولویت دستی کمیته: رتبه {format_number(app['priority_override'])} — دلیل: {md_escape(app['priority_reason'])} "
                f"(ثبت: {md_escape(detail.priority_set_by or '—')})"
            )

with tabs[4]:
    table(
        [
            {
                "زمان": format_moment(d.decided_at),
                "مرجع": d.level_label,
                "تصمیم": d.outcome_label,
                "دلیل": to_persian_digits(d.reason) if d.reason else "",
                "مدت (ماه)": digits(d.months_granted),
                "درصد سهم": format_percent_bp(d.share_percent * 100) if d.share_percent else "—",
                "نرخ بیمه": format_percent_bp(d.contract_rate_bp) if d.contract_rate_bp else "—",
                "ثبت‌کننده": d.decided_by,
            }
            for d in detail.decisions
        ],
        "هنوز تصمیمی برای این پرونده ثبت نشده است.",
    )

with tabs[5]:
    table(
        [
            {
                "زمان": format_moment(e.at),
                "از وضعیت": e.from_label or "—",
                "به وضعیت": e.to_label,
                "انجام‌دهنده": e.by,
                "یادداشت": to_persian_digits(e.note) if e.note else "",
            }
            for e in detail.timeline
        ],
        "رویدادی ثبت نشده است.",
    )

with tabs[6]:
    if not detail.sms:
        st.info("پیامکی برای این پرونده فرستاده نشده است (شماره همراه ثبت نشده یا هنوز رویدادی نبوده).")
    for sms in reversed(detail.sms):  # the newest first
        with st.container(border=True):
            st.caption(f"{format_moment(sms.created_at)} — به {digits(sms.mobile)} — {sms.status_label}")
            st.markdown(md_escape(sms.body))

with tabs[7]:
    months = act(case_months, application_id)
    if months is not None:
        parts = [
            f"این پرونده: {digits(months.months_granted)} ماه مصوب، {format_number(months.months_paid)} ماه پرداخت‌شده."
        ]
        if months.months_left is not None:
            parts.append(f"از سقف ۶۰ ماه حمایت، برای این متقاضی {format_number(months.months_left)} ماه باقی مانده است.")
        st.caption(" ".join(parts))
    history = act(applicant_history, application_id) or ()
    table(
        [
            {
                "کد رهگیری": h.tracking_code,
                "برنامه": h.program_label,
                "وضعیت": h.state_label,
                "تاریخ درخواست": format_jalali(h.applied_on),
                "تاریخ بسته شدن": format_moment(h.ended_at) if h.ended_at else "—",
                "ماه مصوب": digits(h.months_granted),
                "ماه پرداخت‌شده": format_number(h.months_paid),
            }
            for h in history
        ],
        "این متقاضی پرونده دیگری ندارد.",
    )
    for h in history:
        if h.in_area:
            case_link(h.application_id, f"باز کردن پرونده {h.tracking_code} ({h.state_label})")
    if any(not h.in_area for h in history):
        st.caption("پرونده‌هایی که در محدوده شما نیستند فقط در این فهرست دیده می‌شوند.")

    from services.payments.ledger import beneficiary_ledger  # the person's payments (issue 7, helper H6)

    ledger = act(beneficiary_ledger, application_id)
    if ledger is not None:
        st.markdown("**حساب پرداخت‌ها**")
        st.caption(
            f"در این برنامه {format_number(ledger.months_paid)} ماه پرداخت‌شده ({format_number(ledger.amount_paid_rial)} ریال)، "
            f"{format_number(ledger.months_confirmed)} ماه تأییدشده و {format_number(ledger.months_rejected)} ماه ردشده "
            "تأمین اجتماعی."
        )
        st.caption(
            f"شماره بیمه تأمین اجتماعی: {to_persian_digits(ledger.insurance_no)}" if ledger.insurance_no
            else "شماره بیمه تأمین اجتماعی هنوز از پاسخ تأمین اجتماعی ثبت نشده است."
        )
        table(
            [
                {
                    "نوبت": to_persian_digits(r.run_id),
                    "نوع": r.kind_label,
                    "وضعیت نوبت": r.status_label,
                    "دوره": r.period,
                    "ماه": format_number(r.months),
                    "مبلغ (ریال)": format_number(r.amount_rial),
                    "تأیید تأمین اجتماعی": format_number(r.confirmed),
                    "رد تأمین اجتماعی": format_number(r.rejected),
                }
                for r in ledger.runs.itertuples()
            ],
            "هنوز نوبت پرداختی برای این متقاضی در این برنامه نیست.",
        )
