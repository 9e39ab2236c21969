"""A county's scoring worksheet as a grid: inputs editable, points recomputed on every edit,
every changed row saved in one transaction (or none, with the reason)."""
import pandas as pd
import streamlit as st

from lib.scoring import (
    CRITERIA,
    CRITERION_LABELS,
    MARITAL_LABELS,
    MAX_DEPENDANTS,
    MAX_DISABLED_MEMBERS,
    MAX_INSURED_YEARS,
    SEVERITY_LABELS,
    MaritalStatus,
    Severity,
)
from lib.workflow import STATE_LABELS, State
from services.applications import current_policy
from services.cases import counties_in_area
from services.scoring_sheet import INPUT_LABELS, POINTS_COLUMNS, pending_worksheet, preview_worksheet, save_worksheet
from ui.context import act, read, require_actor
from ui.fmt import format_number, ltr, md_escape

actor = require_actor()

NUMERIC_INPUTS = ("disabled_members", "dependants", "insured_years", "need_grade")
POINTS_HEADERS = {
    "disabled_members": "امتیاز معلول",
    "severity": "امتیاز شدت",
    "marital_status": "امتیاز تأهل",
    "dependants": "امتیاز تکفل",
    "insured_years": "امتیاز سابقه",
    "need_grade": "امتیاز نیاز",
}
INPUT_WIDTH, POINTS_WIDTH = 125, 85  # pixels: the Persian headers stay whole

st.title("امتیازدهی گروهی")
st.caption("پرونده‌های برنامه سهم بیمه خویش‌فرما که در انتظار امتیازدهی‌اند. ستون‌های سفید را ویرایش کنید؛ امتیازها همان لحظه حساب می‌شوند.")

counties = dict(read(counties_in_area, actor))
county_id = st.selectbox("شهرستان", list(counties), format_func=counties.get, disabled=len(counties) == 1)
policy = read(current_policy)

version_key = f"worksheet_version_{county_id}"
base_key = f"worksheet_base_{county_id}"
version = st.session_state.setdefault(version_key, 0)
editor_key = f"worksheet_editor_{county_id}_{version}"
if base_key not in st.session_state:  # loaded once, kept while editing; «بارگذاری دوباره» refreshes
    loaded = act(pending_worksheet, county_id)
    if loaded is None:
        st.stop()
    if loaded.empty:
        st.info("در این شهرستان پرونده‌ای در انتظار امتیازدهی نیست.")
        st.stop()
    st.session_state[base_key] = loaded
base: pd.DataFrame = st.session_state[base_key]


def current_inputs() -> pd.DataFrame:
    """The loaded rows with the grid's edits applied (the editor keeps its edits in its state)."""
    frame = base.astype({name: "Int64" for name in NUMERIC_INPUTS})
    edits = st.session_state.get(editor_key, {}).get("edited_rows", {})
    for position, changes in edits.items():
        for column, value in changes.items():
            if column in CRITERIA:
                frame.loc[frame.index[int(position)], column] = pd.NA if value is None else value
    return frame


def changed_rows(frame: pd.DataFrame) -> list[dict]:
    """The rows whose inputs differ from what was loaded, as the service takes them."""
    now = frame[list(CRITERIA)].astype(object).where(frame[list(CRITERIA)].notna(), None)
    then = base[list(CRITERIA)].astype(object).where(base[list(CRITERIA)].notna(), None)
    changed = [any(a != b for a, b in zip(x, y)) for x, y in zip(now.itertuples(index=False), then.itertuples(index=False))]
    rows = pd.concat([frame[["application_id"]].astype(object), now], axis=1)[changed]
    return rows.to_dict("records")


grid_slot = st.container()
problems_slot = st.container()
b1, b2, _ = st.columns([1, 1, 3])
save = b1.button("ذخیره تغییرات", type="primary")
if b2.button("بارگذاری دوباره"):
    st.session_state.pop(base_key)
    st.session_state[version_key] = version + 1
    st.rerun()

frame = current_inputs()
if save:
    saved = act(save_worksheet, changed_rows(frame))
    if saved is not None:
        st.session_state[version_key] = version + 1
        editor_key = f"worksheet_editor_{county_id}_{version + 1}"
        base = st.session_state[base_key] = read(pending_worksheet, actor, county_id)
        frame = current_inputs()
        st.success(f"{format_number(saved)} کاربرگ ذخیره شد (جدول امتیازات نسخه {ltr(policy.version)}).", icon="✅")

points, problems = preview_worksheet(frame, policy)
grid = pd.concat([frame, points], axis=1)
grid["state"] = grid["state"].map(lambda s: STATE_LABELS[State(s)])
number = st.column_config.NumberColumn
# Identity and the live total stay pinned while the inputs scroll (pinned columns sit on the left).
column_config = {
    "tracking_code": st.column_config.TextColumn("کد رهگیری", disabled=True, pinned=True),
    "applicant": st.column_config.TextColumn("متقاضی", disabled=True, pinned=True),
    "total": number("امتیاز کل", disabled=True, pinned=True, width=POINTS_WIDTH),
    "disabled_members": number(INPUT_LABELS["disabled_members"], min_value=0, max_value=MAX_DISABLED_MEMBERS, step=1,
                               required=True, width=INPUT_WIDTH),
    "severity": st.column_config.SelectboxColumn(
        INPUT_LABELS["severity"], options=[s.value for s in Severity], format_func=lambda s: SEVERITY_LABELS[Severity(s)],
        help="خالی بگذارید اگر عضو معلول ندارد",
    ),
    "marital_status": st.column_config.SelectboxColumn(
        INPUT_LABELS["marital_status"], options=[m.value for m in MaritalStatus],
        format_func=lambda m: MARITAL_LABELS[MaritalStatus(m)], required=True,
    ),
    "dependants": number(INPUT_LABELS["dependants"], min_value=0, max_value=MAX_DEPENDANTS, step=1, required=True,
                         width=INPUT_WIDTH),
    "insured_years": number(INPUT_LABELS["insured_years"], min_value=0, max_value=MAX_INSURED_YEARS, step=1,
                            required=True, width=INPUT_WIDTH),
    "need_grade": number(INPUT_LABELS["need_grade"], min_value=policy.need_grade_min, max_value=policy.need_grade_max,
                         step=1, width=INPUT_WIDTH, help="نظر مددکار / کارشناس درباره نیازمندی خانواده"),
    **{
        column: number(POINTS_HEADERS[name], disabled=True, width=POINTS_WIDTH, help=CRITERION_LABELS[name])
        for name, column in POINTS_COLUMNS.items()
    },
    "saved_total": number("امتیاز ذخیره‌شده", disabled=True, width=INPUT_WIDTH),
    "state": st.column_config.TextColumn("وضعیت", disabled=True),
}
with grid_slot:
    st.data_editor(
        grid,
        key=editor_key,
        hide_index=True,
        width="stretch",
        num_rows="fixed",
        column_order=list(column_config),
        column_config=column_config,
        placeholder="",
    )
    st.caption(
        f"{format_number(len(grid))} پرونده، {format_number(len(changed_rows(frame)))} ردیف تغییر کرده؛ "
        f"جدول امتیازات نسخه {ltr(policy.version)}. ردیفی که نمره نیازمندی ندارد امتیاز موقت دارد؛ برای ذخیره، نمره را وارد کنید."
    )
with problems_slot:
    for problem in problems[:5]:
        st.warning(md_escape(problem), icon="⚠️")
