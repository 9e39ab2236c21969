"""The case list: filters, a Persian table, and a chosen row opens the case page."""
import pandas as pd
import streamlit as st

from lib.workflow import State
from services.base import Actor
from services.cases import SEARCH_CAP, count_cases, counties_in_area, list_cases, provinces_in_area, search_tokens
from services.data_version import data_version
from ui.context import act, read, require_actor
from ui.fmt import CHANNELS, PROGRAM_LABELS, PROGRAM_SHORT_LABELS, STATE_LABELS, format_jalali, format_number, label, md_escape, to_persian_digits
from ui.widgets import case_link, field_error, jalali_date_input

LIMIT = 500
COUNT_LIMIT = 10_000  # counted exactly up to here; beyond, «more than»: a count costs the same in any area
# a search lists SEARCH_CAP cases at most (those registered last) and counts up to there


# Cached per area and filters until the next write anywhere (``version``: every audited write, on
# any app server, changes it); ``area`` is (role, province, county) of the user.
@st.cache_data(max_entries=256, show_spinner=False)
def counted(_session, _actor: Actor, area: tuple, filters: tuple, version: int) -> tuple[int, bool]:
    """How many cases match, counted up to one more than the list can show, and whether it is a search."""
    searched = bool(search_tokens(dict(filters)["text"]))
    return count_cases(_session, _actor, **dict(filters), at_most=(SEARCH_CAP if searched else COUNT_LIMIT) + 1), searched


@st.cache_data(max_entries=256, show_spinner=False)
def listed(_session, _actor: Actor, area: tuple, filters: tuple, page: int,
           version: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A page of the list and the same as the table shows it (Persian labels, digits and dates)."""
    frame = list_cases(_session, _actor, **dict(filters), limit=LIMIT, offset=(page - 1) * LIMIT)
    return frame, persian_table(frame)


def persian_table(frame: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "کد رهگیری": frame["tracking_code"],
            "متقاضی": frame["applicant"],
            "کد ملی": frame["national_code"].map(to_persian_digits),
            "برنامه": frame["program"].map(PROGRAM_SHORT_LABELS.get),
            "شهرستان": frame["county"],
            "وضعیت": frame["state"].map(lambda s: STATE_LABELS[State(s)]),
            "تاریخ درخواست": frame["applied_on"].map(format_jalali),
            "امتیاز": frame["total"].map(lambda t: "—" if pd.isna(t) else format_number(int(t))),
            "مسیر دریافت": frame["channel"].map(lambda c: label(CHANNELS, c)),
            "تخفیف بیمه‌ای": frame["discount_holder"].map(lambda d: "دارد" if d else ""),
        }
    )


actor = require_actor()
st.title("پرونده‌ها")

counties = dict(read(counties_in_area, actor))
provinces = dict(read(provinces_in_area, actor))
with st.form("case_filters"):
    c0, c1, c2, c3 = st.columns(4) if len(provinces) > 1 else (None, *st.columns(3))
    province_id = None
    if c0 is not None:
        province_id = c0.selectbox(
            "استان", [None, *provinces], format_func=lambda p: "همه استان‌ها" if p is None else provinces[p],
            key="cases_province",
        )
    program = c1.selectbox(
        "برنامه", [None, "A", "B"], format_func=lambda p: "همه برنامه‌ها" if p is None else PROGRAM_LABELS[p]
    )
    county_options = list(counties) if len(counties) == 1 else [None, *counties]
    county_id = c2.selectbox(
        "شهرستان", county_options, format_func=lambda c: "همه شهرستان‌ها" if c is None else counties[c]
    )
    state = c3.selectbox(
        "وضعیت", [None, *State], format_func=lambda s: "همه وضعیت‌ها" if s is None else STATE_LABELS[s]
    )
    d1, d2, d3 = st.columns([1, 1, 2])
    with d1:
        date_from = jalali_date_input("تاریخ درخواست از", key="cases_date_from")
    with d2:
        date_to = jalali_date_input("تا", key="cases_date_to")
    text = d3.text_input("جستجو", placeholder="نام، کد ملی یا کد رهگیری", key="cases_search")
    st.form_submit_button("نمایش پرونده‌ها", type="primary")
if field_error("cases_date_from") or field_error("cases_date_to"):
    st.stop()  # the date field already says what to fix

filters = (("program", program), ("province_id", province_id), ("county_id", county_id), ("state", state),
           ("date_from", date_from), ("date_to", date_to), ("text", text))
area, version = (str(actor.role), actor.province_id, actor.county_id), read(data_version)
counting = act(counted, area, filters, version)
if counting is None:
    st.stop()
total, searched = counting
cap = SEARCH_CAP if searched else COUNT_LIMIT
more = total > cap
pages = max(1, -(-min(total, cap) // LIMIT))
page = 1
if pages > 1:
    page = st.selectbox(f"صفحه (از {format_number(pages)})", range(1, pages + 1), format_func=to_persian_digits,
                        key="cases_page")
listing = act(listed, area, filters, page, version)
if listing is None:
    st.stop()
frame, shown = listing
if frame.empty:
    st.info("پرونده‌ای با این مشخصات پیدا نشد؛ فیلترها را کم‌تر کنید.")
    st.stop()

count = f"بیش از {format_number(cap)}" if more else format_number(total)
if pages > 1:
    first = (page - 1) * LIMIT + 1
    st.caption(
        f"{count} پرونده؛ ردیف‌های {format_number(first)} تا {format_number(first + len(frame) - 1)} "
        f"(صفحه {format_number(page)} از {format_number(pages)}، تازه‌ترین‌ها اول). برای باز کردن یک پرونده، ردیف آن را انتخاب کنید."
    )
else:
    st.caption(f"{count} پرونده. برای باز کردن یک پرونده، ردیف آن را انتخاب کنید.")
if more and searched:
    st.caption(f"از پرونده‌های یافته‌شده، {format_number(cap)} پرونده‌ای که آخر از همه ثبت شده‌اند نشان داده می‌شوند "
               "(تازه‌ترین درخواست‌ها اول)؛ برای یافتن پرونده‌ای دیگر، جستجو را دقیق‌تر کنید: نام و نام خانوادگی با هم، "
               "کد ملی یا کد رهگیری، یا استان، شهرستان، وضعیت یا بازه تاریخ را انتخاب کنید.")
elif more:
    st.caption(f"فهرست {format_number(cap)} پرونده تازه‌تر را نشان می‌دهد؛ برای دیدن پرونده‌های دیگر، "
               "استان، شهرستان، وضعیت، بازه تاریخ یا متن جستجو را انتخاب کنید.")
event = st.dataframe(
    shown, hide_index=True, width="stretch", column_order=list(shown.columns)[::-1],  # read from the right
    on_select="rerun", selection_mode="single-row", key="cases_table",
)
rows = event.selection.rows if event is not None else []
if rows:
    chosen = frame.iloc[rows[0]]
    case_link(int(chosen["id"]), f"باز کردن پرونده {chosen['tracking_code']} — {md_escape(chosen['applicant'])}")
