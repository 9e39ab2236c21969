"""Intake (پذیرش): Form 1 — a new case; a national code already on file opens that person.

The national code, mobile and dates sit above the form and are checked as typed (a form
commits only on submit); the national code is looked up at once and, when the person is on
file, the form is prefilled from them — Form 1 and the household of their latest programme-A
case. ``?national_code=…`` opens the page on a person.

The applicant's sex is asked of everyone (letters and minutes address the person by it).
Programme B (women heading their household, Relief Committee) shows only its own fields: it asks
whether she heads her household and hides programme A's licence, job field, discount and
scoring household.
"""
from __future__ import annotations

from datetime import date

import streamlit as st

from lib.jalali import local_today
from lib import catalog
from lib.errors import Forbidden, InvalidInput
from lib.scoring import MARITAL_LABELS, MAX_DEPENDANTS, MAX_DISABLED_MEMBERS, MAX_INSURED_YEARS, SEVERITY_LABELS
from lib.text import normalize_persian, to_persian_digits
from lib.workflow import PROGRAM_LABELS, STATE_LABELS, ProgramCode
from services.applications import HouseholdData, IntakeData, submit_application
from services.applicants import ApplicantOnFile, applicant_on_file, county_choices
from ui.context import act, read, require_actor
from ui.fmt import format_jalali, md_escape
from ui.widgets import (
    case_link,
    field_error,
    jalali_date_input,
    link_to,
    mobile_input,
    national_code_input,
    show_tracking_code,
    tracking_code_spelled,
    whole_number_input,
)

GENERATION = "intake_generation"  # bumped after a submission: every field starts empty again
DONE = "intake_done"
PREFILLED = "intake_prefilled_for"
NONE_LABEL = "— انتخاب نشده —"


@st.cache_data(ttl=3600, show_spinner=False)
def counties() -> list[tuple[int, str, str]]:
    return read(county_choices)


def key(name: str) -> str:
    return f"intake_{name}_{st.session_state.get(GENERATION, 0)}"


PREFILL_KEYS = (
    "first_name", "last_name", "father_name", "birth_certificate_no", "birth_date", "mobile", "landline",
    "home_address", "work_address", "covering_domain", "target_group", "job_field", "discount_holder",
    "licence_no", "licence_date",
)
# Choices that start unanswered (None) and are prefilled from the person on file.
CHOICE_KEYS = ("gender", "head_of_household")
# The scoring household (programme A): counts and choices with their empty values.
# The counts are typed (Persian digits shown), so their values in session state are text.
HOUSEHOLD_DEFAULTS = {"disabled_members": "۰", "severity": "", "marital_status": "single", "dependants": "۰", "insured_years": "۰"}
HOUSEHOLD_COUNTS = (
    ("disabled_members", "تعداد اعضای معلول خانواده", MAX_DISABLED_MEMBERS),
    ("dependants", "تعداد افراد تحت تکفل", MAX_DEPENDANTS),
    ("insured_years", "سابقه پرداخت حق بیمه (سال)", MAX_INSURED_YEARS),
)
YES_NO = {True: "بله", False: "خیر"}


def clear_prefill() -> None:
    """Empty what an earlier lookup filled in, when the national code changes to someone new."""
    if st.session_state.get(PREFILLED, (None,))[0] != st.session_state.get(GENERATION, 0):
        return
    for name in PREFILL_KEYS:
        st.session_state[key(name)] = False if name == "discount_holder" else ""
    for name in CHOICE_KEYS:
        st.session_state[key(name)] = None
    for name, empty in HOUSEHOLD_DEFAULTS.items():
        st.session_state[key(name)] = empty
    del st.session_state[PREFILLED]


def prefill(person: ApplicantOnFile) -> None:
    """Fill the fields from the person on file, once per person (never over the user's edits)."""
    marker = (st.session_state.get(GENERATION, 0), person.national_code)
    if st.session_state.get(PREFILLED) == marker:
        return
    values = {**person.fields, **person.last_case}
    for name in PREFILL_KEYS:
        value = values.get(name)
        if name in ("birth_date", "licence_date"):
            st.session_state[key(name)] = format_jalali(value) if value else ""
        elif name == "discount_holder":
            st.session_state[key(name)] = bool(value)
        else:
            st.session_state[key(name)] = value or ""
    for name in CHOICE_KEYS:
        st.session_state[key(name)] = values.get(name)
    for name, empty in HOUSEHOLD_DEFAULTS.items():
        value = person.household.get(name)
        if value is None:
            st.session_state[key(name)] = empty
        else:
            st.session_state[key(name)] = to_persian_digits(value) if isinstance(value, int) else value
    st.session_state[PREFILLED] = marker


actor = require_actor()
st.title("ثبت درخواست")

if done := st.session_state.get(DONE):
    show_tracking_code(done["tracking_code"], heading=f"درخواست «{done['name']}» ثبت شد")
    left, right = st.columns(2)
    with left:
        case_link(done["id"], "باز کردن پرونده")
    with right:
        link_to("pages/documents.py", "مدارک و شرایط پذیرش", icon=":material/fact_check:", id=done["id"])

# ------------------------------------------------------------------ the person
st.subheader("متقاضی")
if key("national_code") not in st.session_state and st.query_params.get("national_code"):
    st.session_state[key("national_code")] = st.query_params["national_code"]
national_code = national_code_input("کد ملی", key=key("national_code"), help="با رقم فارسی یا لاتین؛ به محض ورود جست‌وجو می‌شود.")
if national_code:
    try:
        person = read(applicant_on_file, actor, national_code)
    except (Forbidden, InvalidInput) as exc:
        st.warning(md_escape(exc.message), icon="⚠️")
    else:
        if person is None:
            clear_prefill()
            st.caption("این کد ملی در سامانه نیست؛ متقاضی تازه ثبت می‌شود.")
        else:
            prefill(person)
            with st.container(border=True):
                st.info(f"این کد ملی متعلق به «{md_escape(person.full_name)}» است؛ فرم با اطلاعات او پر شد.", icon="👤")
                for case in person.cases:
                    status = "باز" if case.open else "بسته"
                    case_link(
                        case.application_id,
                        f"{tracking_code_spelled(case.tracking_code)} — {PROGRAM_LABELS[case.program]} — "
                        f"{STATE_LABELS[case.state]} ({status}) — {format_jalali(case.applied_on)}",
                    )

# ------------------------------------------------------------------ the request
st.subheader("درخواست")
left, right = st.columns(2)
with left:
    program = st.radio("برنامه", list(PROGRAM_LABELS), format_func=PROGRAM_LABELS.get, key=key("program"))
    is_b = program == ProgramCode.B
    channel = st.selectbox("مسیر دریافت درخواست", list(catalog.CHANNELS), format_func=catalog.CHANNELS.get, key=key("channel"))
    if actor.county_id is not None:
        county_id = actor.county_id
        names = {c: f"{name} (استان {province})" for c, name, province in counties()}
        st.markdown(f"**شهرستان:** {names.get(county_id, '—')}")
    else:
        names = {c: f"{name} — استان {province}" for c, name, province in counties()}
        county_id = st.selectbox("شهرستان", list(names), format_func=names.get, index=None,
                                 placeholder="شهرستان پرونده را انتخاب کنید", key=key("county"))
with right:
    applied_on = jalali_date_input("تاریخ درخواست", key=key("applied_on"), default=local_today())
    mobile_input("تلفن همراه", key=key("mobile"), help="برای پیامک مراحل؛ در برنامه ب لازم است.")
    birth_date = jalali_date_input("تاریخ تولد", key=key("birth_date"))
    licence_date = None
    if not is_b:
        licence_date = jalali_date_input("تاریخ مجوز", key=key("licence_date"), help="فرم شماره ۲: تاریخ مجوز کسب‌وکار")
if is_b:
    st.info(
        "برنامه بیمه زنان سرپرست خانوار فقط زنان سرپرست خانوار تحت پوشش کمیته امداد را می‌پذیرد. پس از ثبت، "
        "مدارک دریافت می‌شود و واحد شهرستان واجد شرایط بودن را تأیید می‌کند؛ سپس متقاضی در فهرست انتظار "
        "معرفی به تأمین اجتماعی قرار می‌گیرد.",
        icon="ℹ️",
    )
for name, empty in HOUSEHOLD_DEFAULTS.items():
    st.session_state.setdefault(key(name), empty)

# ------------------------------------------------------------------ Form 1
counts: dict[str, int | None] = {}  # the household counts as checked under their fields
with st.form("form1", clear_on_submit=False, enter_to_submit=False):
    st.subheader("فرم شماره ۱ — مشخصات متقاضی")
    c1, c2 = st.columns(2)
    c1.text_input("نام", key=key("first_name"))
    c2.text_input("نام خانوادگی", key=key("last_name"))
    c1.radio("جنسیت", list(catalog.GENDERS), format_func=catalog.GENDERS.get, index=None, horizontal=True,
             key=key("gender"))
    if is_b:
        c2.radio("سرپرست خانوار است؟", list(YES_NO), format_func=YES_NO.get, index=None, horizontal=True,
                 key=key("head_of_household"))
    else:
        c2.empty()
    c1.text_input("نام پدر", key=key("father_name"))
    c2.text_input("شماره شناسنامه", key=key("birth_certificate_no"))
    domains = ["", *catalog.COVERING_DOMAINS]
    c1.selectbox("حوزه تحت پوشش", domains, format_func=lambda c: catalog.COVERING_DOMAINS.get(c, NONE_LABEL), key=key("covering_domain"))
    groups = ["", *catalog.TARGET_GROUPS]
    c2.selectbox("جامعه هدف", groups, format_func=lambda c: catalog.TARGET_GROUPS.get(c, NONE_LABEL), key=key("target_group"))
    if not is_b:  # programme A's own fields
        c1.text_input("رشته شغلی", key=key("job_field"))
        c2.text_input("شماره مجوز", key=key("licence_no"), help="فرم شماره ۲: شماره مجوز کسب‌وکار")
        st.checkbox(
            "در رشته شغلی شناسه‌دار از تخفیف بیمه دولتی استفاده می‌کند (در اولویت‌های بعدی قرار می‌گیرد)",
            key=key("discount_holder"),
        )
    c1.text_area("نشانی محل کار", key=key("work_address"), height=80)
    c2.text_area("نشانی منزل", key=key("home_address"), height=80)
    c1.text_input("تلفن ثابت", key=key("landline"), placeholder="۰۲۱۸۸۷۷۶۶۵۵")

    if not is_b:
        st.subheader("اطلاعات خانوار (برای جدول امتیازات)")
        h1, h2, h3 = st.columns(3)
        with h1:
            counts["disabled_members"] = whole_number_input(
                HOUSEHOLD_COUNTS[0][1], key("disabled_members"), minimum=0, maximum=MAX_DISABLED_MEMBERS)
        h2.selectbox("شدت معلولیت شدیدترین عضو", ["", *SEVERITY_LABELS],
                     format_func=lambda s: SEVERITY_LABELS.get(s, "— بدون عضو معلول —"), key=key("severity"))
        h3.selectbox("وضعیت تأهل", list(MARITAL_LABELS), format_func=MARITAL_LABELS.get, key=key("marital_status"))
        with h1:
            counts["dependants"] = whole_number_input(HOUSEHOLD_COUNTS[1][1], key("dependants"), minimum=0,
                                                      maximum=MAX_DEPENDANTS)
        with h2:
            counts["insured_years"] = whole_number_input(HOUSEHOLD_COUNTS[2][1], key("insured_years"), minimum=0,
                                                         maximum=MAX_INSURED_YEARS)
    submitted = st.form_submit_button("ثبت درخواست", type="primary")

if submitted:
    invalid = [
        label
        for label, name in (("تاریخ درخواست", "applied_on"), ("تاریخ تولد", "birth_date"), ("تاریخ مجوز", "licence_date"),
                            ("کد ملی", "national_code"), ("تلفن همراه", "mobile"))
        if field_error(key(name)) and not (is_b and name == "licence_date")  # B has no licence
    ]
    if not is_b:  # the household counts are programme A's
        invalid += [label for name, label, _ in HOUSEHOLD_COUNTS if field_error(key(name))]
    if invalid:
        st.error("پیش از ثبت، این خانه‌ها را اصلاح کنید: " + "، ".join(invalid) + ".", icon="⚠️")
    elif county_id is None:
        st.error("شهرستان پرونده را انتخاب کنید.", icon="⚠️")
    else:
        state = st.session_state

        def typed(name: str, empty=""):
            """A field's value; programme A's fields are not drawn for programme B."""
            return state.get(key(name), empty)


        data = IntakeData(
            program=program,
            county_id=county_id,
            channel=channel,
            national_code=state[key("national_code")],
            first_name=state[key("first_name")],
            last_name=state[key("last_name")],
            gender=state.get(key("gender")) or "",
            head_of_household=state.get(key("head_of_household")) if is_b else None,
            father_name=state[key("father_name")],
            birth_certificate_no=state[key("birth_certificate_no")],
            birth_date=birth_date,
            mobile=state[key("mobile")],
            landline=state[key("landline")],
            home_address=state[key("home_address")],
            work_address=state[key("work_address")],
            covering_domain=state[key("covering_domain")],
            target_group=state[key("target_group")],
            job_field=typed("job_field"),
            discount_holder=bool(typed("discount_holder", False)),
            licence_no=typed("licence_no"),
            licence_date=licence_date,
            applied_on=applied_on,
            household=HouseholdData() if is_b else HouseholdData(
                disabled_members=counts["disabled_members"] or 0,
                severity=typed("severity") or None,
                marital_status=typed("marital_status", "single"),
                dependants=counts["dependants"] or 0,
                insured_years=counts["insured_years"] or 0,
            ),
        )
        case = act(submit_application, data)
        if case is not None:
            st.session_state[DONE] = {
                "tracking_code": case.tracking_code,
                "id": case.id,
                "name": normalize_persian(f"{data.first_name} {data.last_name}"),
            }
            st.session_state[GENERATION] = st.session_state.get(GENERATION, 0) + 1
            st.rerun()
