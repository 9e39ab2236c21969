"""The scoring worksheet (کاربرگ امتیازدهی) of one applicant, as on the paper form, computed live."""
import streamlit as st

from lib.errors import InvalidInput
from lib.scoring import (
    MARITAL_LABELS,
    MAX_DEPENDANTS,
    MAX_DISABLED_MEMBERS,
    MAX_INSURED_YEARS,
    SEVERITY_LABELS,
    MaritalStatus,
    Severity,
)
from lib.workflow import State
from services.applications import SCORABLE_STATES, HouseholdData, current_policy
from services.cases import case_detail, counties_in_area, format_moment, parse_case_id
from services.scoring_sheet import card_frame, pending_choices, preview_card, save_worksheet_row
from ui.context import act, read, require_actor
from ui.versioned import current_version, versioned
from ui.fmt import format_number, ltr, md_escape, to_persian_digits
from ui.tables import rtl_table
from ui.widgets import case_link, policy_version_text, whole_number_input

actor = require_actor()
st.title("کاربرگ امتیازدهی")
LEFT_KEY = "scoring_left"  # (data version, ids of cases that left the list read at that version)


def left_the_list(version: int) -> set[int]:
    """Cases seen to have left the list read at ``version`` (ruled on by a write that raised no
    data version): dropped from the picker until the version changes (the check after the case is read)."""
    left = st.session_state.get(LEFT_KEY)
    return left[1] if left and left[0] == version else set()


def choose_case() -> tuple[int | None, tuple[str, int] | None]:
    """The case of ?id=N, or one picked from a county's cases awaiting scoring (with the
    picker's key and the data version of the list it was picked from)."""
    raw = st.query_params.get("id", "")
    if raw:
        try:
            return parse_case_id(raw), None
        except InvalidInput as error:
            st.error(md_escape(error.message), icon="⚠️")
            return None, None
    counties = dict(read(counties_in_area, actor))
    county_id = st.selectbox(
        "شهرستان", list(counties), format_func=counties.get, disabled=len(counties) == 1, key="scoring_county"
    )
    version = current_version()  # the list is read once per data version (ui.versioned): a rerun reads nothing
    pending = versioned(pending_choices, version, county_id)
    if pending is None:
        return None, None
    left = left_the_list(version)
    names = {aid: name for aid, name in pending if aid not in left}
    if not names:
        st.info("در این شهرستان پرونده‌ای در انتظار امتیازدهی نیست.")
        return None, None
    # The select is keyed: its identity must not depend on the labels, which change when a save
    # moves a case to «امتیازدهی شده» (an unkeyed select then became a new widget showing the
    # first case, and the next save wrote onto that person's card). The chosen case is its id.
    key = f"scoring_case_{county_id}"
    if st.session_state.get(key) not in names:
        st.session_state.pop(key, None)  # the chosen case left the list (scored by the committee…)
    return st.selectbox("پرونده", list(names), format_func=names.get, key=key), (key, version)


application_id, picked = choose_case()
if application_id is None:
    st.stop()
detail = act(case_detail, application_id)
if detail is None:
    st.stop()
if picked is not None and State(detail.application["state"]) not in SCORABLE_STATES:
    # picked from a list read before the case was ruled on: drop it and show the list's next case
    key, version = picked
    st.session_state[LEFT_KEY] = (version, left_the_list(version) | {application_id})
    st.session_state.pop(key, None)
    st.rerun()
if detail.program_code != "A":
    st.warning("جدول امتیازات فقط برای برنامه سهم بیمه خویش‌فرما است؛ این پرونده از برنامه دیگری است.")
    st.stop()

person, app = detail.applicant, detail.application
st.subheader(f"{md_escape(person['first_name'])} {md_escape(person['last_name'])} — کد رهگیری {ltr(app['tracking_code'])}")
editable = State(app["state"]) in SCORABLE_STATES
if not editable:
    st.info(f"پرونده در وضعیت «{detail.state_label}» است و کمیته آن را بررسی کرده؛ کاربرگ فقط خواندنی است.")

saved = detail.household or {}
k = f"scoring_{application_id}_"


def count_input(column, label: str, name: str, maximum: int) -> int | None:
    """A household count typed in any digits and shown in Persian digits, checked by lib."""
    with column:
        return whole_number_input(label, k + name, minimum=0, maximum=maximum, default=int(saved.get(name) or 0),
                                  disabled=not editable)


c1, c2, c3 = st.columns(3)
disabled_members = count_input(c1, "تعداد اعضای معلول خانواده", "disabled_members", MAX_DISABLED_MEMBERS)
severity = c2.selectbox(
    "شدت معلولیت (شدیدترین عضو معلول)", [None, *Severity],
    index=[None, *Severity].index(Severity(saved["severity"])) if saved.get("severity") else 0,
    format_func=lambda s: "ندارد" if s is None else SEVERITY_LABELS[s],
    key=k + "severity", disabled=not editable,
)
marital_status = c3.selectbox(
    "وضعیت تأهل", list(MaritalStatus), index=list(MaritalStatus).index(MaritalStatus(saved.get("marital_status") or "single")),
    format_func=MARITAL_LABELS.get, key=k + "marital_status", disabled=not editable,
)
c4, c5, c6 = st.columns(3)
dependants = count_input(c4, "تعداد افراد تحت تکفل", "dependants", MAX_DEPENDANTS)
insured_years = count_input(c5, "سابقه پرداخت حق بیمه (سال کامل)", "insured_years", MAX_INSURED_YEARS)
policy = read(current_policy)
need_grade = c6.segmented_control(
    "نظر مددکار / کارشناس: میزان نیازمندی خانواده",
    list(range(policy.need_grade_min, policy.need_grade_max + 1)),
    default=saved.get("need_grade"), format_func=to_persian_digits, key=k + "need_grade", disabled=not editable,
)
counts_ok = None not in (disabled_members, dependants, insured_years)  # a bad count is explained under its field
data = HouseholdData(
    disabled_members=disabled_members or 0, severity=severity.value if severity else None,
    marital_status=marital_status.value, dependants=dependants or 0, insured_years=insured_years or 0,
    need_grade=need_grade,
)

card = None
if counts_ok:
    try:
        card = preview_card(policy, data)
    except InvalidInput as error:
        st.error(md_escape(error.message), icon="⚠️")
if card is not None:
    st.markdown(f"### امتیاز کل: {format_number(card.total)} از {format_number(card.maximum)}")
    sheet = card_frame(card)
    rtl_table(sheet)
    st.caption(f"محاسبه با {policy_version_text(card.policy_version)}")
    if card.provisional:
        st.info("نمره نیازمندی (نظر مددکار) هنوز وارد نشده است؛ امتیاز بالا موقت است و برای ذخیره، نمره را انتخاب کنید.")

if editable and st.button("ذخیره کاربرگ", type="primary", key=k + "save", disabled=not counts_ok):
    record = act(save_worksheet_row, application_id, data)
    if record is not None:
        st.success(
            f"کاربرگ پرونده {ltr(app['tracking_code'])} ({md_escape(person['first_name'])} {md_escape(person['last_name'])}) ذخیره شد: "
            f"امتیاز {format_number(record.total)} با {policy_version_text(record.policy_version)}.",
            icon="✅",
        )
        detail = act(case_detail, application_id) or detail

if detail.score is not None:
    st.caption(
        f"آخرین کاربرگ ذخیره‌شده: امتیاز {format_number(detail.score.card.total)}، "
        f"{policy_version_text(detail.score.card.policy_version)}، امتیازدهی: {detail.score.scored_by}، {format_moment(detail.score.scored_at)}"
    )
else:
    st.caption("برای این پرونده هنوز کاربرگی ذخیره نشده است.")
case_link(application_id, "بازگشت به پرونده")
