"""Preparing a run: who is paid for a period, each line's figures, and who is held back and why.

``prepare_run`` is a pure read. For a programme, a province (optionally one county) and a
period of Jalali months it gathers every running case (A: active or suspended; B: active or
suspended) and, month by month:

* a month is owed when it lies in the case's approved months (from its start month,
  ``months_granted`` long; programme B without a duration: open-ended), nobody has been paid for
  it yet by either programme (a live payment line), and the programme's cap (A: 60 months per
  person, counting every finalised month) is not reached;
* a whole person is held back when the case is suspended, or (programme A) one of the four
  documents has not been received, or the proof of premium payment does not cover the period:
  the document «مدرک معتبر پرداخت حق بیمه خویش‌فرما» must have been received no earlier than
  ``PREMIUM_PROOF_VALID_MONTHS`` (12) months before the period's first month (a yearly proof;
  uploading a fresh one renews it).

Each line: the month, its calendar days, that year's minimum daily wage (a wage not yet confirmed
is flagged in ``unconfirmed_years``), the SSO contract rate, the committee's share (A: the
decision's share percent; B: 100 %), and the premium at that share, rounded half up.
People are ordered by priority (A: holders of a government discount after everyone else
(seed 003 condition 4), a committee's manual priority first, then the score, then the date
applied; B: the date applied).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, time, timezone

import numpy as np
import pandas as pd
from sqlalchemy import and_, case, func, text
from sqlmodel import Session, select

from db.models import (
    PAYMENT_LINE_PAID_ONCE_WHERE,
    Applicant,
    Application,
    County,
    Document,
    MinimumWage,
    PaymentLine,
    Province,
    ScoreCardRecord,
)
from lib import catalog
from lib.errors import InvalidInput
from lib.jalali import YearMonth, format_jalali, format_year_month, months_range, parse_year_month, to_gregorian
from lib.payments import premium_matrix, program_b_share_arrays
from lib.permissions import Action, Area
from lib.text import to_persian_digits
from lib.workflow import State
from services.base import Actor
from services.program_parameters import share_weights
from services.payments.common import (
    HELD_BACK_LABELS,
    PREMIUM_PROOF_VALID_MONTHS,
    HeldBack,
    fa,
    program_by_code,
)

MAX_RUN_MONTHS = 12
"""A run covers one to twelve consecutive Jalali months."""

RUNNING_STATES = (State.active.value, State.suspended.value)
PROOF_KIND = "sso_payment_proof"

PEOPLE_COLUMNS = [
    "application_id", "tracking_code", "applicant_id", "national_code", "name", "county_id", "county",
    "rate_bp", "share_percent", "months_owed", "full_rial", "cost_rial",
]
HELD_BACK_COLUMNS = [
    "application_id", "tracking_code", "applicant_id", "national_code", "name", "county_id", "county",
    "reason", "reason_label", "months", "months_label", "detail",
]


@dataclass(frozen=True, eq=False)
class RunPreview:
    """What a run would pay, before anything is written (see :func:`prepare_run`).

    ``people`` (one row per person owed something, in priority order) and ``costs`` / ``full``
    (people × months: each month's premium at the committee's share / at 100 %, 0 where nothing
    is owed) share their row order; ``held_back`` lists who (and which months) is left out."""

    program: str
    program_id: int
    province_id: int
    county_id: int | None
    start: YearMonth
    months: int
    periods: tuple[YearMonth, ...]
    wages: dict[int, int]
    unconfirmed_years: tuple[int, ...]
    rate_bp: np.ndarray
    share_percent: np.ndarray
    people: pd.DataFrame
    costs: np.ndarray
    full: np.ndarray
    held_back: pd.DataFrame
    county_names: dict[int, str] = field(default_factory=dict)
    share_weights: dict[str, int] | None = None  # programme B's split in force (services.program_parameters)

    @property
    def end(self) -> YearMonth:
        return self.periods[-1]

    @property
    def total_cost_rial(self) -> int:
        return int(self.costs.sum())

    @property
    def line_count(self) -> int:
        return int(np.count_nonzero(self.costs))

    @property
    def held_back_counts(self) -> dict[str, int]:
        """reason → number of people held back for it (a person may have several reasons)."""
        if self.held_back.empty:
            return {}
        counts = self.held_back.groupby("reason")["application_id"].nunique()
        return {str(reason): int(n) for reason, n in counts.items()}


def _start_and_months(start: object, months: object) -> tuple[YearMonth, int]:
    if isinstance(start, str):
        first = parse_year_month(start, field="start")
    else:
        try:
            year, month = start  # type: ignore[misc]
            first = YearMonth(int(year), int(month))
        except (TypeError, ValueError):
            raise InvalidInput("ماه شروع دوره را به شکل سال/ماه شمسی وارد کنید، مثلاً ۱۴۰۴/۰۱.", field="start") from None
        if not 1 <= first.month <= 12 or first.year < 1300:
            raise InvalidInput("ماه شروع دوره باید ماهی از ۱ تا ۱۲ در سالی شمسی باشد، مثلاً ۱۴۰۴/۰۱.", field="start")
    if isinstance(months, bool) or not isinstance(months, int) or not 1 <= months <= MAX_RUN_MONTHS:
        raise InvalidInput(
            f"دوره پرداخت باید از ۱ تا {fa(MAX_RUN_MONTHS)} ماه باشد؛ ماه پایان را دوباره انتخاب کنید.", field="months"
        )
    return first, months


def _area(session: Session, province_id: int, county_id: int | None) -> dict[int, str]:
    """The counties of the area (id → name), checked."""
    if isinstance(province_id, bool) or not isinstance(province_id, int) or session.get(Province, province_id) is None:
        raise InvalidInput("استان انتخاب‌شده در فهرست نیست؛ استان را از فهرست انتخاب کنید.", field="province_id")
    counties = dict(session.exec(select(County.id, County.name).where(County.province_id == province_id)).all())
    if county_id is not None and county_id not in counties:
        raise InvalidInput("شهرستان انتخاب‌شده در این استان نیست؛ شهرستانی از همین استان انتخاب کنید.", field="county_id")
    return counties


def _wages(session: Session, periods: list[YearMonth]) -> tuple[dict[int, int], tuple[int, ...]]:
    years = sorted({p.year for p in periods})
    rows = {w.jalali_year: w for w in session.exec(select(MinimumWage).where(MinimumWage.jalali_year.in_(years)))}
    missing = [y for y in years if y not in rows]
    if missing:
        raise InvalidInput(
            f"حداقل دستمزد روزانه سال {to_persian_digits(missing[0])} ثبت نشده است؛ ابتدا آن را در جدول حداقل "
            "دستمزد (اطلاعات پایه) وارد کنید.",
            field="start",
        )
    return {y: int(rows[y].daily_wage_rial) for y in years}, tuple(y for y in years if not rows[y].confirmed)


def _ints(column: pd.Series, missing: int) -> np.ndarray:
    """A nullable integer column as int64, ``missing`` where it is NULL."""
    return pd.to_numeric(column, errors="coerce").fillna(missing).to_numpy(dtype=np.int64)


def _case_filters(program_id: int, province_id: int, county_id: int | None) -> list:
    conditions = [
        Application.program_id == program_id,
        Application.province_id == province_id,
        Application.state.in_(RUNNING_STATES),  # type: ignore[attr-defined]
    ]
    if county_id is not None:
        conditions.append(Application.county_id == county_id)
    return conditions


def _cases(session: Session, conditions: list, program: str) -> pd.DataFrame:
    latest = (
        select(ScoreCardRecord.application_id, func.max(ScoreCardRecord.id).label("card_id"))
        .group_by(ScoreCardRecord.application_id)
        .subquery()
    )
    query = (
        select(
            Application.id, Application.tracking_code, Application.applicant_id, Application.county_id,
            Application.state, Application.months_granted, Application.start_year, Application.start_month,
            Application.share_percent, Application.contract_rate_bp, Application.discount_holder,
            Application.priority_override, Application.applied_on, Applicant.national_code,
            Applicant.first_name, Applicant.last_name, ScoreCardRecord.total,
        )
        .join(Applicant, Applicant.id == Application.applicant_id)
        .outerjoin(latest, latest.c.application_id == Application.id)
        .outerjoin(ScoreCardRecord, ScoreCardRecord.id == latest.c.card_id)
        .where(*conditions)
    )
    frame = pd.DataFrame(
        _rows(session, query),
        columns=[
            "application_id", "tracking_code", "applicant_id", "county_id", "state", "months_granted",
            "start_year", "start_month", "share_percent", "contract_rate_bp", "discount_holder",
            "priority_override", "applied_on", "national_code", "first_name", "last_name", "score",
        ],
    )
    if frame.empty:
        return frame
    if program == "A":
        frame["_override_missing"] = frame["priority_override"].isna()
        frame["_score"] = -_ints(frame["score"], -1)
        keys = ["discount_holder", "_override_missing", "priority_override", "_score", "applied_on", "application_id"]
    else:
        keys = ["applied_on", "application_id"]
    frame = frame.sort_values(keys, kind="stable", na_position="last").reset_index(drop=True)
    frame["name"] = frame["first_name"] + " " + frame["last_name"]
    return frame


def _rows(session: Session, query) -> list:
    """Many plain rows: Core execution on the session's connection, fetched from the driver's
    cursor as they come (no row objects; dates and booleans as the driver gives them, which
    sort alike: ISO text / date, 0/1 / bool)."""
    return session.connection().execute(query).cursor.fetchall()


def _documents(session: Session, conditions: list, proof_since: datetime) -> tuple[set[int], dict[int, list[str]], set[int], set[int]]:
    """Programme A's documents, aggregated in one pass in SQL: (cases with all four, {case: kinds
    received} of the others, cases whose proof was received, cases whose proof is older than
    ``proof_since``)."""
    required = list(catalog.DOCUMENTS["A"])
    received = (Document.received, Document.kind.in_(required))  # type: ignore[attr-defined]
    is_proof = Document.kind == PROOF_KIND
    area = select(Application.id).where(*conditions)  # a list to probe: cheaper than a join per document
    counts = _rows(session, select(
        Document.application_id,
        func.count(Document.id),
        func.sum(case((is_proof, 1), else_=0)),
        func.sum(case((and_(is_proof, Document.uploaded_at < proof_since), 1), else_=0)),
    ).where(*received, Document.application_id.in_(area))  # type: ignore[attr-defined]
        .group_by(Document.application_id))
    complete = {a for a, n, _, _ in counts if n >= len(required)}
    with_proof = {a for a, _, proof, _ in counts if proof}
    stale = {a for a, _, _, old in counts if old}
    partial: dict[int, list[str]] = defaultdict(list)
    incomplete = [a for a, n, _, _ in counts if n < len(required)]
    for k in range(0, len(incomplete), 500):
        for application_id, kind in _rows(session, select(Document.application_id, Document.kind).where(
                *received, Document.application_id.in_(incomplete[k:k + 500]))):  # type: ignore[attr-defined]
            partial[application_id].append(kind)
    return complete, partial, with_proof, stale


_LIVE_PAYMENT = text(PAYMENT_LINE_PAID_ONCE_WHERE)
"""Live payment lines, written as the partial index ``uq_paid_once_live`` states it (SQLite uses it)."""


def _paid_history(
    session: Session, conditions: list, program_id: int, lo: int, hi: int, cap: int | None
) -> tuple[dict[int, int], set[tuple[int, int]]]:
    """The area's live payment history in one grouped pass over the paid-once index: ({applicant:
    months this programme has paid so far, for those it may matter to}, {(applicant, month
    index) of the period already paid by either programme}). The pass counts every programme's
    months (the index's own columns); only people whose count could reach the ``cap`` within
    the period are counted again for this programme alone, and only the applicants with a paid
    month inside the period are read line by line."""
    applicants = select(Application.applicant_id).where(*conditions)
    index = PaymentLine.jalali_year * 12 + PaymentLine.jalali_month - 1
    in_period = and_(index >= lo, index <= hi)
    counts = _rows(session,
        select(PaymentLine.applicant_id, func.count(), func.sum(case((in_period, 1), else_=0)))
        .where(_LIVE_PAYMENT, PaymentLine.applicant_id.in_(applicants))  # type: ignore[attr-defined]
        .group_by(PaymentLine.applicant_id),
    )
    so_far: dict[int, int] = {}
    if cap is not None:  # below cap - months in every programme together: the cap cannot bind
        near = [a for a, n, _ in counts if n > cap - (hi - lo + 1)]
        for k in range(0, len(near), 500):
            so_far.update(_rows(session, select(PaymentLine.applicant_id, func.count()).where(
                _LIVE_PAYMENT, PaymentLine.program_id == program_id,
                PaymentLine.applicant_id.in_(near[k:k + 500]),  # type: ignore[attr-defined]
            ).group_by(PaymentLine.applicant_id)))
    overlapping = [a for a, _, p in counts if p]
    paid: set[tuple[int, int]] = set()
    for k in range(0, len(overlapping), 500):
        paid.update(_rows(session, select(PaymentLine.applicant_id, index).where(
            _LIVE_PAYMENT, in_period, PaymentLine.applicant_id.in_(overlapping[k:k + 500]),  # type: ignore[attr-defined]
        )))
    return so_far, paid


def _months_label(labels: list[str], mask_row: np.ndarray) -> str:
    return "، ".join(label for label, on in zip(labels, mask_row.tolist()) if on)


def prepare_run(
    session: Session,
    actor: Actor,
    *,
    program: str,
    province_id: int,
    county_id: int | None = None,
    start: YearMonth | tuple[int, int] | str,
    months: int,
) -> RunPreview:
    """Gather every beneficiary of the area whose approved months cover the period (a pure read).

    Bad input (an unknown programme, province or county, a period outside 1..12 months, a year
    without a minimum wage) raises ``InvalidInput`` with a Persian message; an area outside the
    user's raises ``Forbidden``."""
    prog = program_by_code(session, program)
    code = prog.code
    county_names = _area(session, province_id, county_id)
    actor.require(Action.view_payments, Area(province_id=province_id, county_id=county_id))
    first, months = _start_and_months(start, months)
    periods = months_range(first, months)
    wages, unconfirmed = _wages(session, periods)
    conditions = _case_filters(prog.id, province_id, county_id)
    lo, hi = periods[0].index, periods[-1].index
    proof_since = None
    if code == "A":
        oldest = YearMonth.from_index(lo - PREMIUM_PROOF_VALID_MONTHS)
        proof_since = datetime.combine(to_gregorian(oldest.year, oldest.month, 1), time.min, tzinfo=timezone.utc)
    cases = _cases(session, conditions, code)
    labels = [format_year_month(p) for p in periods]
    n = len(cases)
    idx = np.arange(lo, hi + 1, dtype=np.int64)

    if n == 0:
        empty = np.zeros((0, months), np.int64)
        return RunPreview(
            program=code, program_id=prog.id, province_id=province_id, county_id=county_id, start=first, months=months,
            periods=tuple(periods), wages=wages, unconfirmed_years=unconfirmed, rate_bp=np.zeros(0, np.int64),
            share_percent=np.zeros(0, np.int64), people=pd.DataFrame(columns=PEOPLE_COLUMNS), costs=empty, full=empty,
            held_back=pd.DataFrame(columns=HELD_BACK_COLUMNS), county_names=county_names,
            share_weights=share_weights(session, prog.id),
        )

    # --- the months each case may be paid for
    has_start = cases["start_year"].notna() & cases["start_month"].notna()
    grant_start = np.where(
        has_start, _ints(cases["start_year"], 0) * 12 + _ints(cases["start_month"], 1) - 1, np.iinfo(np.int64).max,
    )
    granted = cases["months_granted"]
    open_ended = granted.isna().to_numpy() & (code == "B")
    grant_end = np.where(open_ended, np.iinfo(np.int64).max, grant_start + _ints(granted, 0))
    grant_end = np.where(has_start, grant_end, np.iinfo(np.int64).min)
    in_grant = (grant_start[:, None] <= idx[None, :]) & (idx[None, :] < grant_end[:, None])

    so_far, paid_set = _paid_history(session, conditions, prog.id, lo, hi, prog.max_months)
    applicant_ids = cases["applicant_id"].to_numpy()
    paid = np.zeros((n, months), dtype=bool)
    if paid_set:
        position = {a: i for i, a in enumerate(applicant_ids.tolist())}
        for applicant_id, month_index in paid_set:
            i = position.get(applicant_id)
            if i is not None:
                paid[i, month_index - lo] = True

    # --- whole-person reasons
    person_reasons: dict[int, list[tuple[HeldBack, str]]] = defaultdict(list)
    suspended = (cases["state"] == State.suspended.value).to_numpy()
    for i in np.flatnonzero(suspended).tolist():
        person_reasons[i].append((HeldBack.suspended, "پرونده در وضعیت تعلیق است"))
    if proof_since is not None:
        complete, partial, with_proof, stale = _documents(session, conditions, proof_since)
        required = catalog.DOCUMENTS["A"]
        for i, application_id in enumerate(cases["application_id"].tolist()):
            if application_id in complete and application_id not in stale:
                continue
            got = required.keys() if application_id in complete else set(partial.get(application_id, ()))
            missing = [kind for kind in required if kind not in got and kind != PROOF_KIND]
            if missing:
                person_reasons[i].append(
                    (HeldBack.documents_missing, "، ".join(required[k] for k in missing))
                )
            if application_id not in with_proof:
                person_reasons[i].append((HeldBack.premium_proof_missing, "مدرک پرداخت حق بیمه دریافت نشده است"))
            elif application_id in stale:
                person_reasons[i].append((
                    HeldBack.premium_proof_missing,
                    f"مدرک پرداخت حق بیمه پیش از {format_jalali(proof_since.date())} دریافت شده و این دوره را "
                    "پوشش نمی‌دهد؛ مدرک تازه بارگذاری کنید",
                ))
    person_held = np.zeros(n, dtype=bool)
    if person_reasons:
        person_held[list(person_reasons)] = True

    owed = in_grant & ~paid & ~person_held[:, None]
    capped = np.zeros_like(owed)
    if prog.max_months:
        paid_so_far = cases["applicant_id"].map(so_far).fillna(0).to_numpy(dtype=np.int64)
        remaining = np.maximum(0, prog.max_months - paid_so_far)
        capped = owed & (np.cumsum(owed, axis=1) > remaining[:, None])
        owed &= ~capped

    # --- the figures
    rates = _ints(cases["contract_rate_bp"], prog.rate_bp)
    if code == "A":
        shares = _ints(cases["share_percent"], 100)
    else:
        rates = np.full(n, prog.rate_bp, np.int64)
        shares = np.full(n, 100, np.int64)
    full = premium_matrix(first, months, rates, wages) * owed
    costs = premium_matrix(first, months, rates, wages, percents=shares) * owed

    # --- the held-back list
    county_of = cases["county_id"].map(county_names).fillna("—")
    held_rows = []
    base = cases[["application_id", "tracking_code", "applicant_id", "national_code", "name", "county_id"]]
    base_rows = base.itertuples(index=False, name=None)
    month_reasons = (
        (HeldBack.outside_grant, ~in_grant & ~person_held[:, None]),
        (HeldBack.already_paid, in_grant & paid & ~person_held[:, None]),
        (HeldBack.cap_reached, capped),
    )
    month_any = {reason: mask.any(axis=1) for reason, mask in month_reasons}
    concerned = in_grant & ~paid
    listed = np.zeros(n, dtype=bool)
    listed[list(person_reasons)] = True
    for flags in month_any.values():
        listed |= flags
    for i, row in enumerate(base_rows):
        if not listed[i]:
            continue
        county = county_of.iat[i]
        for reason, detail in person_reasons.get(i, ()):
            mask = concerned[i] if concerned[i].any() else np.ones(months, bool)
            held_rows.append((*row, county, reason.value, HELD_BACK_LABELS[reason], int(mask.sum()),
                              _months_label(labels, mask), detail))
        for reason, mask in month_reasons:
            if month_any[reason][i]:
                detail = ""
                if reason is HeldBack.outside_grant:
                    detail = "ماه‌های مصوب کمیته این ماه‌ها را در بر نمی‌گیرد"
                elif reason is HeldBack.cap_reached:
                    detail = f"سقف {fa(prog.max_months or 0)} ماه پرداخت برای هر نفر"
                held_rows.append((*row, county, reason.value, HELD_BACK_LABELS[reason], int(mask[i].sum()),
                                  _months_label(labels, mask[i]), detail))
    held_back = pd.DataFrame(held_rows, columns=HELD_BACK_COLUMNS)

    # --- the people paid, in priority order
    keep = owed.any(axis=1)
    people = cases.loc[keep, ["application_id", "tracking_code", "applicant_id", "national_code", "name", "county_id"]].copy()
    people["county"] = county_of[keep]
    people["rate_bp"] = rates[keep]
    people["share_percent"] = shares[keep]
    people["months_owed"] = owed[keep].sum(axis=1)
    people["full_rial"] = full[keep].sum(axis=1)
    people["cost_rial"] = costs[keep].sum(axis=1)
    people = people.reset_index(drop=True)[PEOPLE_COLUMNS]
    full, costs = full[keep], costs[keep]
    full.setflags(write=False)
    costs.setflags(write=False)
    return RunPreview(
        program=code, program_id=prog.id, province_id=province_id, county_id=county_id, start=first, months=months,
        periods=tuple(periods), wages=wages, unconfirmed_years=unconfirmed, rate_bp=rates[keep],
        share_percent=shares[keep], people=people, costs=costs, full=full, held_back=held_back,
        county_names=county_names, share_weights=share_weights(session, prog.id),
    )


def preview_lines(preview: RunPreview, paid: np.ndarray | None = None) -> pd.DataFrame:
    """One row per person and month owed (the run's lines): month, days, wage, rate, share, the
    premium at the share (``cost_rial``) and, with ``paid`` (a fit's amounts), what is paid;
    programme B also its agency (8 %) and government (10 %) shares."""
    amounts = preview.costs if paid is None else np.asarray(paid, dtype=np.int64)
    rows, cols = np.nonzero(preview.costs)
    periods = preview.periods
    years = np.array([p.year for p in periods], np.int64)[cols]
    month_numbers = np.array([p.month for p in periods], np.int64)[cols]
    days = np.array([p.days for p in periods], np.int64)[cols]
    wages = np.array([preview.wages[p.year] for p in periods], np.int64)[cols]
    amount = amounts[rows, cols]
    if preview.program == "B":
        agency, government = program_b_share_arrays(amount, preview.share_weights)
    else:
        agency, government = amount, np.zeros_like(amount)
    people = preview.people
    frame = pd.DataFrame({
        "application_id": people["application_id"].to_numpy()[rows],
        "applicant_id": people["applicant_id"].to_numpy()[rows],
        "national_code": people["national_code"].to_numpy()[rows],
        "name": people["name"].to_numpy()[rows],
        "county_id": people["county_id"].to_numpy()[rows],
        "county": people["county"].to_numpy()[rows],
        "jalali_year": years,
        "jalali_month": month_numbers,
        "month_label": np.array([format_year_month(p) for p in periods], dtype=object)[cols],
        "days": days,
        "daily_wage_rial": wages,
        "wage_confirmed": ~np.isin(years, list(preview.unconfirmed_years)),
        "rate_bp": preview.rate_bp[rows],
        "share_percent": preview.share_percent[rows],
        "full_amount_rial": preview.full[rows, cols],
        "cost_rial": preview.costs[rows, cols],
        "amount_rial": amount,
        "agency_rial": agency,
        "government_rial": government,
    })
    return frame
