"""Programme B: the county's quota gauge, its ranked waiting list (and why other open requests
are not on it yet), introducing a woman to one of the county's SSO branches (checked, then
confirmed in a dialog), the introduction letters, SSO's answer: cover activated, or refused
(the quota seat returns).

After a successful introduction or activation the form starts empty for the next person. Each
table shows ``PAGE`` rows at a time (a choice of page when there are more), read once per data
version: a run costs the same in a county of any size.
Deep link: ``?county=<id>&year=<jalali year>``.
"""
from datetime import date

import pandas as pd
import streamlit as st

from lib.errors import InvalidInput
from lib.jalali import current_year_month, jalali_year_of, parse_jalali_date, parse_year_month, local_today
from lib.permissions import Action, Scope, can, scope_of
from lib.workflow import state_label
from services.base import Actor
from services.branches import county_branches
from services.dashboard import area_label
from services.introductions import (
    Activation,
    branch_title,
    count_introductions,
    introduce,
    introductions,
    mark_active,
    record_sso_refusal,
    waiting_list,
)
from services.printing import introduction_letter_pdf
from services.relief_eligibility import count_not_yet_waiting, not_yet_waiting
from services.quotas import county_quota
from services.reference import counties_of, provinces
from ui.context import act, read, require_actor
from ui.fmt import format_jalali, format_number, format_rial, format_year_month, md_escape, to_persian_digits
from ui.paging import page_start
from ui.tables import rtl_table
from ui.versioned import current_version, versioned
from ui.widgets import link_to

PENDING = "introduce_pending"
DONE = "introduce_done"
ACTIVATED = "activate_done"
REFUSED = "sso_refused_done"
PAGE = 100  # rows of each table shown at once
GENERATION = "introduce_generation"  # bumped after each success: the forms start empty again


def gkey(name: str) -> str:
    return f"{name}_{st.session_state.get(GENERATION, 0)}"


def next_person() -> None:
    st.session_state[GENERATION] = st.session_state.get(GENERATION, 0) + 1


def _query_int(name: str) -> int | None:
    value = st.query_params.get(name, "")
    return int(value) if value.isdigit() else None


def choose_county(actor: Actor) -> int:
    """The county to work on: fixed for county staff, chosen by everyone else."""
    scope = scope_of(actor.role, actor.area)
    if scope == Scope.county:
        st.markdown(f"**{md_escape(versioned(area_label, current_version()) or '')}**")
        return actor.county_id
    wanted = _query_int("county")
    province_id = actor.province_id
    if scope == Scope.national:
        names = {p.id: p.name for p in read(provinces)}
        province_id = st.selectbox("استان", list(names), format_func=names.get, key="intro_province")
    counties = {c.id: c.name for c in read(counties_of, province_id)}
    ids = list(counties)
    index = ids.index(wanted) if wanted in ids else 0
    return st.selectbox("شهرستان", ids, index=index, format_func=counties.get, key="intro_county")


def choose_year() -> int:
    this_year = jalali_year_of(local_today())
    years = list(range(this_year - 3, this_year + 2))
    wanted = _query_int("year")
    index = years.index(wanted) if wanted in years else years.index(this_year)
    return st.selectbox("سال", years, index=index, format_func=to_persian_digits, key="intro_year")


def show_gauge(gauge: dict) -> None:
    slots, used = gauge["slots"], gauge["introduced"]
    cols = st.columns(4)
    cols[0].metric("سهمیه سال", "اعلام نشده" if slots is None else format_number(slots))
    cols[1].metric("معرفی‌شده", format_number(used))
    cols[2].metric("باقی‌مانده", "—" if slots is None else format_number(gauge["remaining"]))
    cols[3].metric("در فهرست انتظار", format_number(gauge["waiting"]))
    if slots:
        st.progress(min(used / slots, 1.0), text=f"{format_number(used)} از {format_number(slots)} نفر معرفی شده")
    elif slots is None:
        st.warning("برای این شهرستان و سال سهمیه‌ای اعلام نشده است؛ معرفی پس از اعلام سهمیه ممکن است.", icon="ℹ️")


def waiting_table(frame: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "رتبه": frame["rank"].map(to_persian_digits),
            "کد رهگیری": frame["tracking_code"],
            "نام": frame["full_name"],
            "کد ملی": frame["national_code"].map(to_persian_digits),
            "تاریخ درخواست": frame["applied_on"].map(format_jalali),
            "اولویت کمیته": frame["priority_override"].map(lambda v: "" if pd.isna(v) else to_persian_digits(int(v))),
            "دلیل اولویت": frame["priority_reason"].fillna(""),
            "در سهمیه امسال": frame["within_quota"].map({True: "بله", False: "خیر"}),
        }
    )


def state_labels(states: pd.Series) -> pd.Series:
    """Programme B's Persian state names, each worded once (a county has thousands of rows, a few states)."""
    return states.map({s: state_label("B", s) for s in states.unique()})


def pager(total: int, key: str) -> int:
    """The first row (0-based) of the page of ``PAGE`` rows chosen among ``total``: a choice of
    page appears only when there is more than one."""
    first = page_start(total, PAGE, key)
    if total <= PAGE:
        return 0
    st.caption(f"ردیف‌های {format_number(first + 1)} تا {format_number(min(first + PAGE, total))} از {format_number(total)}")
    return first


# What a rerun shows is read and laid out once per data version, user and arguments (ui.versioned),
# a page of PAGE rows at a time: a rerun with nothing written reads nothing and formats nothing,
# and a first run reads the rows it shows, whatever the county's size.
def county_figures(session, viewer: Actor, county_id: int, year: int) -> dict:
    """What the page needs before its tables, in one database session: the quota gauge, how many
    open requests are not on the waiting list yet and how many letters the year has (for the
    choice of page) and the county's SSO branches."""
    return {
        "gauge": county_quota(session, viewer, county_id, year),
        "pending": count_not_yet_waiting(session, viewer, county_id),
        "introduced": count_introductions(session, viewer, county_id, year),
        "branches": {b.id: b.name for b in county_branches(session, viewer, county_id)},
    }


def waiting_view(session, viewer: Actor, county_id: int, year: int, first: int) -> tuple[pd.DataFrame, dict[int, tuple]]:
    """A page of the waiting list as its table shows it, and its cases for the form:
    {application id: (name, rank, label)}."""
    waiting = waiting_list(session, viewer, county_id, year, limit=PAGE, offset=first)
    cases = {
        int(app_id): (name, int(rank), f"{to_persian_digits(rank)} — {name} — {code}")
        for app_id, name, rank, code in zip(
            waiting["application_id"], waiting["full_name"], waiting["rank"], waiting["tracking_code"]
        )
    }
    return waiting_table(waiting), cases


def pending_view(session, viewer: Actor, county_id: int, first: int) -> pd.DataFrame:
    """A page of the open requests not on the waiting list yet, as their table shows them."""
    pending = not_yet_waiting(session, viewer, county_id, limit=PAGE, offset=first)
    return pd.DataFrame(
        {
            "کد رهگیری": pending["tracking_code"],
            "نام": pending["full_name"],
            "وضعیت": state_labels(pending["state"]),
            "چرا هنوز در فهرست نیست": pending["reason"],
        }
    )


def introduced_view(session, viewer: Actor, county_id: int, year: int, first: int) -> tuple[pd.DataFrame, dict, dict]:
    """A page of the year's introductions as their table shows them, its letters to pick from
    {introduction id: (letter number, label)} and those of the page awaiting SSO's answer
    {application id: name} (the forms below it offer the women of the page shown)."""
    made = introductions(session, viewer, county_id, year, limit=PAGE, offset=first)
    table = pd.DataFrame(
        {
            "شماره نامه": made["letter_no"].map(to_persian_digits),
            "تاریخ معرفی": made["introduced_on"].map(format_jalali),
            "نام": made["full_name"],
            "کد رهگیری": made["tracking_code"],
            "شعبه": made["branch"],
            "وضعیت": state_labels(made["state"]),
            "پاسخ تأمین اجتماعی": [
                f"نپذیرفت: {why}" if pd.notna(on) else "" for on, why in zip(made["refused_on"], made["refusal_reason"])
            ],
        }
    )
    letters = {
        int(i): (no, f"{to_persian_digits(no)} — {name}")
        for i, no, name in zip(made["introduction_id"], made["letter_no"], made["full_name"])
    }
    awaiting = {
        int(app_id): name
        for app_id, name, state in zip(made["application_id"], made["full_name"], made["state"])
        if state == "introduced"
    }
    return table, letters, awaiting


def introduce_with_text(session, actor, application_id: int, branch_id: int, day_text: str, reason: str):
    """Read the Jalali date as typed, then introduce (so a bad date shows like any refusal)."""
    return introduce(session, actor, application_id, branch_id, parse_jalali_date(day_text, field="introduced_on"), reason=reason)


def activate_with_text(session, actor, application_id: int, month_text: str) -> Activation:
    return mark_active(session, actor, application_id, parse_year_month(month_text, field="start"))


@st.dialog("تأیید معرفی به تأمین اجتماعی")
def confirm_introduction(pending: dict) -> None:
    st.markdown(
        f"**{md_escape(pending['name'])}** (رتبه {to_persian_digits(pending['rank'])} فهرست انتظار) به "
        f"**{md_escape(branch_title(pending['branch_name']))}** در تاریخ {format_jalali(pending['date'])} معرفی می‌شود."
    )
    st.caption("این کار یک سهمیه سال را مصرف می‌کند، برای متقاضی پیامک می‌فرستد و برگشت‌پذیر نیست.")
    left, right = st.columns(2)
    if left.button("تأیید و معرفی", type="primary", key="confirm_introduce"):
        made = act(introduce_with_text, pending["application_id"], pending["branch_id"], pending["day"], pending["reason"])
        if made is not None:
            st.session_state[DONE] = {"id": made.id, "letter": made.letter_no, "name": pending["name"]}
            del st.session_state[PENDING]
            next_person()
            st.rerun()
    if right.button("انصراف", key="cancel_introduce"):
        del st.session_state[PENDING]
        st.rerun()


def letter_button(actor: Actor, introduction_id: int, letter_no: str, key: str) -> None:
    """The letter's PDF, built only when the button is clicked."""
    st.download_button(
        "دریافت معرفی‌نامه (PDF)",
        data=lambda: read(introduction_letter_pdf, actor, introduction_id),
        file_name=f"introduction-{letter_no}.pdf",
        mime="application/pdf",
        key=key,
        icon=":material/download:",
    )


actor = require_actor()
st.title("معرفی به تأمین اجتماعی")
st.caption("بیمه اجتماعی زنان سرپرست خانوار نیازمند — معرفی به شعب تأمین اجتماعی در سقف سهمیه اعلامی")

left, right = st.columns([3, 1])
with left:
    county_id = choose_county(actor)
with right:
    year = choose_year()
st.query_params.update({"county": str(county_id), "year": str(year)})

version = current_version()
figures = versioned(county_figures, version, county_id, year)
if figures is None:
    st.stop()
show_gauge(figures["gauge"])

done = st.session_state.pop(DONE, None)
if done:
    st.success(
        f"{md_escape(done['name'])} با نامه شماره {md_escape(to_persian_digits(done['letter']))} معرفی شد و پیامک برایش در صف ارسال است.",
        icon="✅",
    )
    letter_button(actor, done["id"], done["letter"], key="letter_just_made")

if activated := st.session_state.pop(ACTIVATED, None):
    st.success(activated, icon="✅")
if refused_note := st.session_state.pop(REFUSED, None):
    st.success(refused_note, icon="✅")

st.subheader("فهرست انتظار")
waiting_first = pager(figures["gauge"]["waiting"], key=f"intro_waiting_page_{county_id}")
waiting, cases = versioned(waiting_view, version, county_id, year, waiting_first) or (None, {})
if not cases:
    st.info("پرونده‌ای در فهرست انتظار این شهرستان نیست.")
else:
    rtl_table(waiting)
    branches = figures["branches"]
    if not branches:
        st.warning(
            "برای این شهرستان هنوز شعبه‌ای از تأمین اجتماعی ثبت نشده است؛ مدیر سامانه شعب را در صفحه «سهمیه‌ها» "
            "اضافه می‌کند.",
            icon="⚠️",
        )
    with st.form("introduce"):
        st.markdown("**معرفی به شعبه**")
        chosen = st.selectbox("پرونده", list(cases), format_func=lambda i: cases[i][2], key=gkey("introduce_case"))
        branch_id = st.selectbox(
            "شعبه تأمین اجتماعی", list(branches), format_func=branches.get, index=None,
            placeholder="شعبه را از فهرست شعب شهرستان انتخاب کنید", key=gkey("introduce_branch"),
        )
        day = st.text_input("تاریخ معرفی", value=format_jalali(local_today()), key=gkey("introduce_day"))
        reason = st.text_area(
            "دلیل معرفی خارج از نوبت (فقط برای پرونده‌ای که رتبه‌اش از سهمیه باقی‌مانده بیرون است)",
            key=gkey("introduce_reason"),
        )
        if st.form_submit_button("معرفی", type="primary"):
            name, rank, _ = cases[chosen]
            try:  # what can be checked before the dialog is checked here: nothing half-filled is confirmed
                if branch_id is None:
                    raise InvalidInput("شعبه تأمین اجتماعی را از فهرست انتخاب کنید.", field="branch")
                on = parse_jalali_date(day, field="introduced_on")
            except InvalidInput as exc:
                st.error(md_escape(exc.message), icon="⚠️")
            else:
                st.session_state[PENDING] = {
                    "application_id": int(chosen),
                    "name": name,
                    "rank": rank,
                    "branch_id": int(branch_id),
                    "branch_name": branches[branch_id],
                    "date": on,
                    "day": day,
                    "reason": reason,
                }
if PENDING in st.session_state:
    confirm_introduction(st.session_state[PENDING])

pending_total = figures["pending"]
if pending_total:
    with st.expander(f"درخواست‌های باز که هنوز در فهرست انتظار نیستند ({format_number(pending_total)})"):
        pending_first = pager(pending_total, key=f"intro_pending_page_{county_id}")
        pending_cases = versioned(pending_view, version, county_id, pending_first)
        if pending_cases is not None:
            rtl_table(pending_cases)
        link_to("pages/documents.py", "مدارک و تأیید واجد شرایط بودن", icon=":material/fact_check:")

st.subheader(f"معرفی‌شدگان سال {to_persian_digits(year)}")
made_total = figures["introduced"]
if not made_total:
    st.info("در این سال هنوز کسی از این شهرستان معرفی نشده است.")
else:
    made_first = pager(made_total, key=f"intro_made_page_{county_id}_{year}")
    made, letters, waiting_cover = (
        versioned(introduced_view, version, county_id, year, made_first) or (pd.DataFrame(), {}, {})
    )
    rtl_table(made)
    if letters:
        picked = st.selectbox("معرفی‌نامه", list(letters), format_func=lambda i: letters[i][1], key="letter_pick")
        letter_button(actor, picked, letters[picked][0], key="letter_download")

    if waiting_cover:
        with st.form("activate"):
            st.markdown("**تأیید پوشش از سوی تأمین اجتماعی**")
            case = st.selectbox("متقاضی", list(waiting_cover), format_func=waiting_cover.get, key=gkey("activate_case"))
            this_month = current_year_month()
            start = st.text_input(
                "ماه آغاز پوشش",
                value=to_persian_digits(f"{this_month.year}/{this_month.month:02d}"),
                key=gkey("activate_start"),
            )
            if st.form_submit_button("ثبت آغاز پوشش"):
                activation = act(activate_with_text, case, start)
                if activation is not None:
                    message = f"پوشش بیمه {md_escape(waiting_cover[case])} از {format_year_month(activation.start)} فعال شد."
                    if activation.monthly_premium_rial is not None:
                        message += (
                            f" حق بیمه ماه نخست: {format_rial(activation.monthly_premium_rial)} "
                            f"(سهم کمیته امداد {format_rial(activation.agency_rial)}، سهم دولت "
                            f"{format_rial(activation.government_rial)})."
                        )
                        if not activation.wage_confirmed:
                            message += " این مبلغ برآورد است: حداقل دستمزد این سال هنوز قطعی نشده است."
                    st.session_state[ACTIVATED] = message
                    next_person()
                    st.rerun()
        if can(actor.role, Action.introduce_to_insurer):
            with st.form("sso_refused"):
                st.markdown("**تأمین اجتماعی نپذیرفت**")
                st.caption("پرونده بسته می‌شود و سهمیه او به شهرستان برمی‌گردد (برای نفر بعدی فهرست انتظار).")
                refused_case = st.selectbox(
                    "متقاضی", list(waiting_cover), format_func=waiting_cover.get, key=gkey("refuse_case")
                )
                why = st.text_area("دلیل نپذیرفتن از سوی شعبه", max_chars=300, key=gkey("refuse_reason"))
                if st.form_submit_button("ثبت نپذیرفتن"):
                    if act(record_sso_refusal, refused_case, why) is not None:
                        st.session_state[REFUSED] = (
                            f"نپذیرفتن {md_escape(waiting_cover[refused_case])} از سوی تأمین اجتماعی ثبت شد؛ سهمیه او آزاد شد."
                        )
                        next_person()
                        st.rerun()
