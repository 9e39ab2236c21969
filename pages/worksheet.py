"""A county's scoring worksheet as a grid: inputs editable, points recomputed on every edit,
every changed row saved in one transaction (or none, with the reason)."""
import json

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
from lib.workflow import STATE_LABELS
from services.applications import current_policy
from services.cases import counties_in_area
from services.scoring_sheet import (
    INPUT_LABELS,
    POINTS_COLUMNS,
    changed_worksheet_rows,
    pending_worksheet,
    persian_numbers,
    preview_worksheet,
    save_worksheet,
)
from ui.context import act, read, require_actor
from lib.errors import InvalidInput
from lib.text import parse_int
from ui.fmt import format_number, md_escape
from ui.tables import rtl_editor
from ui.widgets import policy_version_text

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
INPUT_WIDTH, POINTS_WIDTH = 125, 85  # pixels, widened by ui.tables until each Persian header is whole
GRID_KEY = "worksheet_grid"  # (what it was made from, the grid as shown, its problems): see shown_grid

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


LIMITS = {  # the allowed range of each typed column
    "disabled_members": (0, MAX_DISABLED_MEMBERS),
    "dependants": (0, MAX_DEPENDANTS),
    "insured_years": (0, MAX_INSURED_YEARS),
    "need_grade": (policy.need_grade_min, policy.need_grade_max),
}
OPTIONAL = {"need_grade"}  # a missing need grade scores provisionally; the other counts are required


def edited_rows() -> dict:
    """The grid's edits: {row position: {column: typed value}} (the editor keeps them in its state)."""
    return st.session_state.get(editor_key, {}).get("edited_rows", {})


def current_inputs() -> tuple[pd.DataFrame, list[str]]:
    """The loaded rows with the grid's edits applied (the editor keeps its edits in its state),
    and a Persian message for each typed cell that is not a whole number in its range, naming
    the row and the column (such a cell counts as empty until it is fixed)."""
    frame = base.astype({name: "Int64" for name in NUMERIC_INPUTS})
    problems: list[str] = []
    for position, changes in sorted(edited_rows().items(), key=lambda item: int(item[0])):
        row = frame.index[int(position)]
        for column, value in changes.items():
            if column not in CRITERIA:
                continue
            if column in LIMITS:
                value = typed_count(value, column, int(position), row, frame, problems)
            frame.loc[row, column] = pd.NA if value is None else value
    return frame, problems


def typed_count(value, column: str, position: int, row, frame: pd.DataFrame, problems: list[str]) -> int | None:
    """A typed cell (any digits) as an int, or None with its problem added to ``problems``."""
    if value is None or str(value).strip() == "":
        if column in OPTIONAL:
            return None
        value = ""
    low, high = LIMITS[column]
    try:
        return parse_int(value, field=column, label_fa=INPUT_LABELS[column], minimum=low, maximum=high)
    except InvalidInput as error:
        who = f"{frame.loc[row, 'tracking_code']}، {frame.loc[row, 'applicant']}"
        problems.append(f"ردیف {format_number(position + 1)} ({who})، ستون «{INPUT_LABELS[column]}»: {error.message}")
        return None


def changed_rows(frame: pd.DataFrame) -> list[dict]:
    """The rows whose inputs differ from what was loaded, as the service takes them (only the
    grid's edited rows can differ: the others are not compared)."""
    return changed_worksheet_rows(base, frame, [int(position) for position in edited_rows()])


grid_slot = st.container()
problems_slot = st.container()
b1, b2, _ = st.columns([1, 1, 3])
save = b1.button("ذخیره تغییرات", type="primary")
if b2.button("بارگذاری دوباره"):
    st.session_state.pop(base_key)
    st.session_state[version_key] = version + 1
    st.rerun()

frame, typing_problems = current_inputs()
if save and typing_problems:
    with problems_slot:
        st.error("هیچ کاربرگی ذخیره نشد؛ این خانه‌ها را اصلاح کنید:\n\n" + "\n".join(f"- {md_escape(p)}" for p in typing_problems),
                 icon="⚠️")
elif save:
    saved = act(save_worksheet, changed_rows(frame))
    if saved is not None:
        st.session_state[version_key] = version + 1
        editor_key = f"worksheet_editor_{county_id}_{version + 1}"
        base = st.session_state[base_key] = read(pending_worksheet, actor, county_id)
        frame, typing_problems = current_inputs()
        st.success(f"{format_number(saved)} کاربرگ ذخیره شد ({policy_version_text(policy.version)}).", icon="✅")



def shown_grid() -> tuple[pd.DataFrame, list[str]]:
    """The grid as shown (points computed, every number in Persian digits) and the rules its
    rows break: made again only when the loaded rows (the editor's key), the edits or the
    policy changed since the last run, else the last run's (a rerun redraws it as it was)."""
    memo_key = (editor_key, policy.version, json.dumps(edited_rows(), sort_keys=True, default=str))
    memo = st.session_state.get(GRID_KEY)
    if memo is not None and memo[0] == memo_key:
        return memo[1], memo[2]
    points, problems = preview_worksheet(frame, policy)
    grid = pd.concat([frame, points], axis=1)
    grid["state"] = grid["state"].map({state.value: label for state, label in STATE_LABELS.items()})
    # Every number in Persian digits: the typed columns are text (read by lib on every edit), the
    # computed ones are shown as text too.
    for column in [*NUMERIC_INPUTS, *POINTS_COLUMNS.values(), "total", "saved_total"]:
        grid[column] = persian_numbers(grid[column])
    st.session_state[GRID_KEY] = (memo_key, grid, problems)
    return grid, problems


grid, problems = shown_grid()
text = st.column_config.TextColumn


def typed(name: str, help: str | None = None):
    low, high = LIMITS[name]
    return text(INPUT_LABELS[name], width=INPUT_WIDTH, max_chars=4,
                help=help or f"عددی از {format_number(low)} تا {format_number(high)}؛ رقم فارسی یا لاتین")


column_config = {
    "tracking_code": text("کد رهگیری", disabled=True),
    "applicant": text("متقاضی", disabled=True),
    "total": text("امتیاز کل", disabled=True, width=POINTS_WIDTH),
    "disabled_members": typed("disabled_members"),
    "severity": st.column_config.SelectboxColumn(
        INPUT_LABELS["severity"], options=[s.value for s in Severity], format_func=lambda s: SEVERITY_LABELS[Severity(s)],
        help="خالی بگذارید اگر عضو معلول ندارد",
    ),
    "marital_status": st.column_config.SelectboxColumn(
        INPUT_LABELS["marital_status"], options=[m.value for m in MaritalStatus],
        format_func=lambda m: MARITAL_LABELS[MaritalStatus(m)], required=True,
    ),
    "dependants": typed("dependants"),
    "insured_years": typed("insured_years"),
    "need_grade": typed("need_grade", help=(
        f"نظر مددکار / کارشناس درباره نیازمندی خانواده: از {format_number(policy.need_grade_min)} "
        f"تا {format_number(policy.need_grade_max)}")),
    **{
        column: text(POINTS_HEADERS[name], disabled=True, width=POINTS_WIDTH, help=CRITERION_LABELS[name])
        for name, column in POINTS_COLUMNS.items()
    },
    "saved_total": text("امتیاز ذخیره‌شده", disabled=True, width=INPUT_WIDTH),
    "state": text("وضعیت", disabled=True),
}
with grid_slot:
    rtl_editor(grid, key=editor_key, num_rows="fixed", column_config=column_config, placeholder="")
    st.caption(
        f"{format_number(len(grid))} پرونده، {format_number(len(changed_rows(frame)))} ردیف تغییر کرده؛ "
        f"{policy_version_text(policy.version)}. ردیفی که نمره نیازمندی ندارد امتیاز موقت دارد؛ برای ذخیره، نمره را وارد کنید."
    )
with problems_slot:
    if typing_problems and not save:
        st.error("\n".join(f"- {md_escape(p)}" for p in typing_problems), icon="⚠️")
    for problem in problems[:5]:
        st.warning(md_escape(problem), icon="⚠️")
