"""The scoring worksheet (کاربرگ امتیازدهی) of programme A and the priority ranking.

* :func:`save_worksheet_row` — one applicant's sheet: household, score card (with the policy
  version) and the move to «scored», in one transaction.
* :func:`pending_worksheet` / :func:`save_worksheet` — a county's cases awaiting scoring as a
  grid; every row is validated before anything is written, then all are saved in one transaction.
  :func:`pending_choices` — the same cases as the scoring page's picker names them.
* :func:`ranking` — the whole priority order of lib.ranking.rank_frame (committee overrides
  first, discount holders last); the ranking page reads it a page at a time (services.ranking).

The points come from :mod:`lib.scoring` with the current policy; nothing here re-implements them.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sqlmodel import Session, select

from db.models import (
    Applicant,
    Application,
    Household,
    Program,
    ScoreCardRecord,
)
from db.models.cases import RANKED_STATES as RANKED_STATE_NAMES
from lib import validate
from lib.errors import InvalidInput
from lib.permissions import Action, Area
from lib.scoring import CRITERIA, ScoreCard, ScoreInput, ScoringPolicy, score, score_many
from lib.text import ltr, to_persian_digits
from lib.workflow import STATE_LABELS, ProgramCode, State
from services.applications import SCORABLE_STATES, HouseholdData, current_policy, store_score_card
from services.base import Actor, audit, county_area, find, snapshot
from services.cases import latest_card
from services.ranking import ranking_page

# The grid's input columns as people read them (headers, and the column named in a message).
INPUT_LABELS: Mapping[str, str] = {
    "disabled_members": "تعداد معلول",
    "severity": "شدت معلولیت",
    "marital_status": "وضعیت تأهل",
    "dependants": "افراد تحت تکفل",
    "insured_years": "سابقه بیمه (سال)",
    "need_grade": "نمره نیازمندی",
}
# The grid's read-only points columns: criterion → column.
POINTS_COLUMNS: Mapping[str, str] = {name: f"points_{name}" for name in CRITERIA}

# Cases the ranking orders: scored and waiting for (or decided by) the committees, not yet paid
# (the ranking indexes of migration 0018 are written for these: db.models.cases.RANKED_STATES).
RANKED_STATES: tuple[State, ...] = tuple(State(s) for s in RANKED_STATE_NAMES)


def score_input(data: HouseholdData | Mapping[str, Any]) -> ScoreInput:
    """The scoring input of a household (dataclass or a grid row); NaN/NA count as empty."""
    values = data.__dict__ if isinstance(data, HouseholdData) else data
    return ScoreInput(**{name: _blank_to_none(values.get(name)) for name in CRITERIA})


def _blank_to_none(value: Any) -> Any:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, str) and not value.strip():
        return None
    return value


def preview_card(policy: ScoringPolicy, data: HouseholdData) -> ScoreCard:
    """The sheet as it stands while being filled: a missing need grade scores 0 (provisional)."""
    return score(score_input(data), policy, require_need_grade=False)


def card_frame(card: ScoreCard) -> pd.DataFrame:
    """The card as the paper form prints it: ردیف، موضوع، شرط گزینه، امتیاز، امتیاز مکتسبه (Persian digits)."""
    return pd.DataFrame(
        [
            {
                "ردیف": to_persian_digits(number),
                "موضوع": row.label,
                "وضعیت خانوار": row.input,
                "شرط گزینه": row.rule,
                "امتیاز": to_persian_digits(row.maximum),
                "امتیاز مکتسبه": to_persian_digits(row.points),
            }
            for number, row in enumerate(card.rows, start=1)
        ]
    )


# --------------------------------------------------------------------------- writing
@dataclass(frozen=True)
class _Checked:
    application: Application
    applicant: Applicant
    inp: ScoreInput
    card: ScoreCard


def _row_label(application: Application, applicant: Applicant) -> str:
    return f"پرونده {ltr(application.tracking_code)} ({applicant.first_name} {applicant.last_name})"


def _check_row(
    session: Session, actor: Actor, policy: ScoringPolicy, application_id: Any, values: Mapping[str, Any]
) -> _Checked:
    """Permission, programme, state and the scoring rules for one row; nothing is written."""
    application_id = _as_id(application_id)
    application = find(session, Application, application_id) if application_id is not None else None
    if application is None:
        raise InvalidInput("پرونده‌ای با این شماره پیدا نشد؛ فهرست را دوباره بارگذاری کنید.", field="application_id")
    target = Area(province_id=application.province_id, county_id=application.county_id)
    actor.require(Action.score, target)
    actor.require(Action.edit_household, target)
    applicant = find(session, Applicant, application.applicant_id)
    label = _row_label(application, applicant)
    program = find(session, Program, application.program_id)
    if program.code != ProgramCode.A:
        raise InvalidInput(f"{label}: جدول امتیازات فقط برای برنامه سهم بیمه خویش‌فرما است.")
    state = State(application.state)
    if state not in SCORABLE_STATES:
        raise InvalidInput(
            f"{label} در وضعیت «{STATE_LABELS[state]}» است و کمیته آن را بررسی کرده؛ "
            "امتیاز را پیش از تصمیم کمیته ثبت کنید یا تصمیم اصلاحی بگیرید.",
            field="state",
        )
    try:
        inp = score_input(values)
        card = score(inp, policy)
    except InvalidInput as error:
        column = INPUT_LABELS.get(error.field or "", error.field or "")
        raise InvalidInput(f"{label}، ستون «{column}»: {error.message}", field=error.field) from None
    return _Checked(application, applicant, inp, card)


def _write(session: Session, actor: Actor, checked: _Checked) -> ScoreCardRecord:
    """Household, score card and (if needed) the move to «scored»; the caller commits."""
    application, card = checked.application, checked.card
    household = find(session, Household, application.id)
    before = snapshot(household)
    household = household or Household(application_id=application.id)
    for key, value in checked.inp.to_dict().items():
        setattr(household, key, value)
    session.add(household)
    if snapshot(household) != before:
        audit(session, actor, "household.save", "household", application.id, before=before, after=snapshot(household))
    return store_score_card(session, actor, application, card)


def save_worksheet_row(session: Session, actor: Actor, application_id: int, data: HouseholdData) -> ScoreCardRecord:
    """One applicant's sheet: household + card (current policy) + «scored», in one commit."""
    checked = _check_row(session, actor, current_policy(session), application_id, data.__dict__)
    record = _write(session, actor, checked)
    session.commit()
    return record


def save_worksheet(session: Session, actor: Actor, rows: list[dict]) -> int:
    """Save a county grid: every row is checked first; one bad row and nothing is written.

    Each row is a dict with ``application_id`` and the six inputs (``CRITERIA``). Returns the
    number of cards saved."""
    if not rows:
        raise InvalidInput("ردیفی تغییر نکرده است؛ ابتدا اطلاعات خانوار را در جدول وارد کنید.")
    policy = current_policy(session)
    seen: set[Any] = set()
    checked: list[_Checked] = []
    for row in rows:
        application_id = _as_id(row.get("application_id"))
        if application_id in seen:
            raise InvalidInput("یک پرونده دو بار در جدول آمده است؛ جدول را دوباره بارگذاری کنید.", field="application_id")
        seen.add(application_id)
        checked.append(_check_row(session, actor, policy, application_id, row))
    for item in checked:
        _write(session, actor, item)
    session.commit()
    return len(checked)


def _as_id(value: Any) -> int | None:
    try:
        return int(value) if value is not None and not isinstance(value, bool) else None
    except (TypeError, ValueError):
        return None


# --------------------------------------------------------------------------- reading
def _awaiting_scoring(query: Any, county_id: int) -> Any:
    """``query`` (of Application and Applicant columns) over the county's programme-A cases
    awaiting scoring, oldest first."""
    return (
        query.join(Program, Program.id == Application.program_id)
        .join(Applicant, Applicant.id == Application.applicant_id)
        .where(
            Program.code == ProgramCode.A.value,
            Application.county_id == county_id,
            Application.state.in_([s.value for s in SCORABLE_STATES]),  # type: ignore[attr-defined]
        )
        .order_by(Application.applied_on, Application.id)
    )


def pending_worksheet(session: Session, actor: Actor, county_id: int) -> pd.DataFrame:
    """The county's programme-A cases awaiting scoring, oldest first, with their household inputs.

    Columns: application_id, tracking_code, applicant, state, applied_on, the six inputs
    (``CRITERIA``), saved_total and policy_version of the current card (empty if none)."""
    actor.require(Action.score, county_area(session, county_id))
    query = (
        select(
            Application.id,
            Application.tracking_code,
            Applicant.first_name,
            Applicant.last_name,
            Application.state,
            Application.applied_on,
            Household.disabled_members,
            Household.severity,
            Household.marital_status,
            Household.dependants,
            Household.insured_years,
            Household.need_grade,
            latest_card(ScoreCardRecord.total),
            latest_card(ScoreCardRecord.policy_version),
        )
        .outerjoin(Household, Household.application_id == Application.id)
    )
    query = _awaiting_scoring(query, county_id)
    records = [
        {
            "application_id": aid,
            "tracking_code": code,
            "applicant": f"{first} {last}",
            "state": state,
            "applied_on": applied,
            "disabled_members": disabled or 0,
            "severity": severity or None,
            "marital_status": marital or "single",
            "dependants": dependants or 0,
            "insured_years": years or 0,
            "need_grade": grade,
            "saved_total": total,
            "policy_version": version,
        }
        for aid, code, first, last, state, applied, disabled, severity, marital, dependants, years, grade, total, version in session.exec(query).all()
    ]
    frame = pd.DataFrame(
        records,
        columns=[
            "application_id", "tracking_code", "applicant", "state", "applied_on", *CRITERIA, "saved_total", "policy_version",
        ],
    )
    for name in ("disabled_members", "dependants", "insured_years"):
        frame[name] = frame[name].astype("int64")
    for name in ("need_grade", "saved_total"):
        frame[name] = frame[name].astype("Int64")
    for name in ("severity", "marital_status", "policy_version"):
        frame[name] = frame[name].astype("string")
    return frame


def pending_choices(session: Session, actor: Actor, county_id: int) -> tuple[tuple[int, str], ...]:
    """The cases of :func:`pending_worksheet` in its order as the scoring page's picker names
    them: (case id, «tracking code — applicant (state)»). Reads only those columns: no household,
    no score card (the picker shows neither)."""
    actor.require(Action.score, county_area(session, county_id))
    rows = session.connection().execute(_awaiting_scoring(  # plain rows: no ORM processing of ~4,000 rows
        select(Application.id, Application.tracking_code, Applicant.first_name, Applicant.last_name, Application.state),
        county_id,
    )).all()
    labels = {s.value: STATE_LABELS[s] for s in SCORABLE_STATES}
    return tuple((aid, f"{code} — {first} {last} ({labels[state]})") for aid, code, first, last, state in rows)


def changed_worksheet_rows(base: pd.DataFrame, frame: pd.DataFrame, positions: Iterable[int] | None = None) -> list[dict]:
    """The rows of ``frame`` whose inputs (``CRITERIA``) differ from ``base`` (the grid as
    loaded, the same rows in the same order), as :func:`save_worksheet` takes them: the case id
    and the six inputs, a missing one as None. ``positions``: the only rows that may differ (the
    grid's edited rows), the others are not compared."""
    if positions is not None:
        rows = sorted(set(positions))
        if not rows:  # nothing edited (most reruns): no frame work at all
            return []
        base, frame = base.iloc[rows], frame.iloc[rows]
    columns = list(CRITERIA)
    now = frame[columns].astype(object).where(frame[columns].notna(), None)
    then = base[columns].astype(object).where(base[columns].notna(), None)
    changed = (now.to_numpy() != then.to_numpy()).any(axis=1)
    rows = pd.concat([frame[["application_id"]].astype(object), now], axis=1)[changed]
    return rows.to_dict("records")


def persian_numbers(column: pd.Series) -> pd.Series:
    """Whole numbers as text in Persian digits, a missing one as "" (the grid's cells): each
    distinct number is written once."""
    values = column.astype("Int64")
    missing = values.isna().to_numpy()
    distinct, codes = np.unique(values.to_numpy(dtype=np.int64, na_value=0), return_inverse=True)
    texts = np.array([to_persian_digits(int(v)) for v in distinct] + [""], dtype=object)
    return pd.Series(texts[np.where(missing, len(distinct), codes.reshape(-1))], index=column.index, dtype=object)


def _scoring_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """The six inputs as ``score_many`` reads them, a blank text as missing: a numeric column as
    it is (it holds no text; ``score_many`` reads its gaps as missing), a column of text with
    :func:`_blank_to_none` applied once per distinct value, any other column once per cell."""
    columns = {}
    for name in CRITERIA:
        column = frame[name]
        if pd.api.types.is_numeric_dtype(column.dtype):
            columns[name] = column
        elif isinstance(column.dtype, pd.StringDtype):
            codes, distinct = pd.factorize(column, use_na_sentinel=True)
            values = np.array([_blank_to_none(v) for v in distinct] + [None], dtype=object)
            columns[name] = pd.Series(values[codes], index=frame.index, dtype=object)
        else:
            columns[name] = column.astype(object).map(_blank_to_none)
    return pd.DataFrame(columns, index=frame.index)


def preview_worksheet(frame: pd.DataFrame, policy: ScoringPolicy) -> tuple[pd.DataFrame, list[str]]:
    """Points per criterion and total for the grid's inputs, by ``score_many``.

    A row whose inputs break a rule gets empty points; its problem is listed (Persian, naming
    the row and the column). A missing need grade scores 0 until it is entered."""
    columns = [*POINTS_COLUMNS.values(), "total"]
    try:
        points = score_many(_scoring_columns(frame), policy, require_need_grade=False)
        return points.rename(columns=POINTS_COLUMNS).astype("Int64"), []
    except InvalidInput:
        pass
    inputs = frame[list(CRITERIA)].astype(object).map(_blank_to_none)
    result = pd.DataFrame(pd.NA, index=frame.index, columns=columns, dtype="Int64")
    problems: list[str] = []
    for position, (index, values) in enumerate(inputs.iterrows()):
        try:
            card = score(score_input(values.to_dict()), policy, require_need_grade=False)
        except InvalidInput as error:
            column = INPUT_LABELS.get(error.field or "", error.field or "")
            who = frame.iloc[position]
            problems.append(
                f"پرونده {ltr(who['tracking_code'])} ({who['applicant']})، ستون «{column}»: {error.message}"
            )
            continue
        result.loc[index, list(POINTS_COLUMNS.values())] = [card.row(name).points for name in CRITERIA]
        result.loc[index, "total"] = card.total
    return result, problems


def ranking(
    session: Session, actor: Actor, *, program: str = "A", county_id: int | None = None
) -> pd.DataFrame:
    """The scored cases of a county (or the actor's whole area) in priority order, all of them
    (the ranking page reads a page at a time: :func:`services.ranking.ranking_page`).

    Columns: rank, application_id, tracking_code, applicant, county, state, total,
    discount_holder, applied_on, override_rank, override_reason, override_by."""
    return ranking_page(session, actor, program=program, county_id=county_id, limit=validate.INT32_MAX).frame
