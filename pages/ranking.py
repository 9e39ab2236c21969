"""Priority ranking of scored cases: committee overrides first (with their reason), then total,
discount holders last. Committee roles set or clear a manual priority here."""
import pandas as pd
import streamlit as st

from lib.permissions import Action, Scope, can, scope_of
from lib.workflow import STATE_LABELS, State
from services.applications import set_priority
from services.base import Actor
from services.cases import counties_in_area
from services.data_version import data_version
from services.ranking import RankingPage, ranking_page, waiting_by_county
from ui.context import act, read, require_actor
from ui.fmt import format_jalali, format_number, md_escape, to_persian_digits
from ui.tables import rtl_table
from ui.widgets import whole_number_input

PAGE = 100  # rows of the ranking shown at once


@st.cache_data(max_entries=256, show_spinner=False)
def page_of(_session, _actor: Actor, role: str, province_id: int | None, county_of_actor: int | None,
            county_id: int | None, page: int, version: int) -> RankingPage:
    """A page of an area's ranking, shared by the users of that area until the next write anywhere
    (``version``: every audited write, on any app server, changes it)."""
    return ranking_page(_session, _actor, county_id=county_id, offset=(page - 1) * PAGE, limit=PAGE)


@st.cache_data(max_entries=256, show_spinner=False)
def waiting_of(_session, _actor: Actor, role: str, province_id: int | None, county_of_actor: int | None,
               version: int) -> dict[int, int]:
    """Cases waiting per county of an area, cached like the pages until the next write."""
    return waiting_by_county(_session, _actor)


actor = require_actor()
st.title("رتبه‌بندی")

counties = dict(read(counties_in_area, actor))
waiting = act(waiting_of, str(actor.role), actor.province_id, actor.county_id, read(data_version)) or {}
whole_province = scope_of(actor.role, actor.area) == Scope.province
# counties with cases waiting first (most first), then the rest by name: the page opens on one
by_waiting = sorted(counties, key=lambda c: -waiting.get(c, 0))
options = [None, *by_waiting] if whole_province else by_waiting


def county_label(c: int | None) -> str:
    if c is None:
        return f"همه شهرستان‌های استان ({to_persian_digits(sum(waiting.values()))} در انتظار)"
    return f"{counties[c]} ({to_persian_digits(waiting[c])} در انتظار)" if waiting.get(c) else counties[c]


county_id = st.selectbox("شهرستان", options, format_func=county_label, disabled=len(options) == 1)
pager_key = f"ranking_page_{county_id}"
pager_slot = st.container()
table_slot = st.container()


def fetch(page: int) -> RankingPage | None:
    return act(page_of, str(actor.role), actor.province_id, actor.county_id, county_id, page, read(data_version))


result = fetch(st.session_state.get(pager_key, 1))
if result is None:
    st.stop()
pages = max(1, -(-result.total // PAGE))
if result.offset // PAGE + 1 > pages:  # the ranking shrank under the page shown: its last page
    st.session_state[pager_key] = pages
    result = fetch(pages)
    if result is None:
        st.stop()
frame = result.frame
if pages > 1:
    pager_slot.selectbox(f"صفحه (از {format_number(pages)})", range(1, pages + 1), format_func=to_persian_digits,
                         key=pager_key)

if can(actor.role, Action.set_priority) and not frame.empty:
    st.subheader("اولویت دستی کمیته")
    st.caption("در موارد خاص، کمیته شهرستان یا استان می‌تواند اولویت متقاضی را با ذکر دلیل تعیین کند (تبصره ۱ دستورالعمل).")
    if pages > 1:
        st.caption("پرونده را از میان پرونده‌های صفحه‌ای که نشان داده شده انتخاب کنید.")
    names = {int(r.application_id): f"{r.tracking_code} — {r.applicant}" for r in frame.itertuples()}
    generation = st.session_state.get("priority_generation", 0)  # a fresh form after each change
    with st.form(f"priority_{generation}"):
        application_id = st.selectbox("پرونده", list(names), format_func=names.get, key=f"priority_case_{generation}")
        rank = whole_number_input("رتبه دستی", f"priority_rank_{generation}", minimum=1, default=1)
        reason = st.text_area("دلیل تصمیم کمیته", key=f"priority_reason_{generation}")
        c1, c2 = st.columns(2)
        set_clicked = c1.form_submit_button("ثبت اولویت دستی", type="primary")
        clear_clicked = c2.form_submit_button("برداشتن اولویت دستی")
    done = None
    if set_clicked and rank is not None and act(set_priority, application_id, rank, reason) is not None:
        done = "ثبت شد"  # (a rank that is not a whole number ≥ 1 is explained under its field)
    if clear_clicked and act(set_priority, application_id, None, None) is not None:
        done = "برداشته شد"
    if done:
        st.session_state["priority_done"] = f"اولویت دستی پرونده {md_escape(names[application_id])} {done}."
        st.session_state["priority_generation"] = generation + 1
        st.rerun()
    if message := st.session_state.pop("priority_done", None):
        st.success(message, icon="✅")

with table_slot:
    if frame.empty:
        st.info("پرونده امتیازدهی‌شده‌ای در انتظار کمیته نیست.")
    else:
        shown = pd.DataFrame(
            {
                "رتبه": frame["rank"].map(format_number),
                "کد رهگیری": frame["tracking_code"],
                "متقاضی": frame["applicant"],
                "شهرستان": frame["county"],
                "امتیاز": frame["total"].map(format_number),
                "اولویت دستی": frame["override_rank"].map(lambda r: "" if pd.isna(r) else format_number(int(r))),
                "دلیل اولویت دستی": frame["override_reason"].fillna(""),
                "ثبت‌کننده اولویت": frame["override_by"].fillna(""),
                "تخفیف بیمه‌ای": frame["discount_holder"].map(lambda d: "دارد — پس از همه" if d else ""),
                "تاریخ درخواست": frame["applied_on"].map(format_jalali),
                "وضعیت": frame["state"].map(lambda s: STATE_LABELS[State(s)]),
            }
        )
        rtl_table(shown, column_config={"دلیل اولویت دستی": st.column_config.TextColumn(width="large")})
        first = result.offset + 1
        st.caption(f"{format_number(result.total)} پرونده امتیازدهی‌شده"
                   + (f"؛ رتبه‌های {format_number(first)} تا {format_number(first + len(frame) - 1)}" if pages > 1 else ""))
        st.caption(
            "ترتیب: نخست پرونده‌هایی که کمیته اولویت دستی داده، سپس امتیاز بیشتر، و دارندگان تخفیف بیمه دولتی "
            "پس از همه؛ در امتیاز برابر، درخواست زودتر جلوتر است."
        )
