"""Quota and credit monitoring for managers (issue 8): one row per area of the level asked for.

The country → its provinces; a province → its counties; every figure for one Jalali year:

* seats (programme B): announced to counties (``Quota``), used (introductions of the year SSO
  did not refuse), waiting (cases found eligible, not yet introduced — the waiting list);
* credit (both programmes, allotted to provinces by funding source, so a county has none of its
  own), committed (the premiums of every running case's granted months that fall in the year, at
  the month's days, the year's wage, the contract rate and the share — ``lib.monitoring``), paid
  (live payment lines, top-ups added and reversals taken off) and confirmed by SSO (the paid lines
  SSO confirmed);
* people active, suspended and completed.

Every figure is one grouped query over the tallies the database keeps in the transaction of every
write (``db.models.tallies``, read by ``services.tallies``): a few rows per county, whatever the
number of cases and payment lines; the committed cost is computed from the running cases grouped
by what their premiums depend on. Read-only; the actor needs ``view_reports`` and sees only her area.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd
from sqlalchemy import func
from sqlmodel import Session, select

from db.models import (
    Budget,
    County,
    MinimumWage,
    Program,
    Province,
    Quota,
)
from lib.errors import InvalidInput
from lib.jalali import current_year_month
from lib.monitoring import SOURCE_BUCKETS, CostGroup, closeness_bp, committed_by_month, forecast_year, level_of
from lib.permissions import Action, Area, Scope, scope_of
from lib.workflow import State
from services.program_parameters import share_weights
from services import tallies
from services.base import Actor

RUNNING_STATES = (State.active.value, State.suspended.value)
PEOPLE_STATES = (State.active.value, State.suspended.value, State.completed.value)
BUCKETS = ("A", "relief_committee", "government")

AREA_COLUMNS = [
    "area_id", "area", "seats", "seats_used", "waiting", "seats_bp", "seats_level",
    "credit_rial", "committed_rial", "paid_rial", "confirmed_rial", "credit_bp", "credit_level",
    "active", "suspended", "completed", "closeness_bp",
]
FORECAST_COLUMNS = ["area_id", "area", "source", "credit_rial", "paid_rial", "forecast_rial", "runs_out_month"]
SOURCE_COLUMNS = ["area_id", "area", "source", "credit_rial", "committed_rial", "paid_rial", "confirmed_rial"]


@dataclass(frozen=True)
class Scope_:
    level: str  # "national" (rows are provinces) or "province" (rows are counties)
    province_id: int | None
    title: str


def _scope(session: Session, actor: Actor, province_id: int | None) -> Scope_:
    actor.require(Action.view_reports)
    scope = scope_of(actor.role, actor.area)
    if scope is not Scope.national:
        # A provincial user always sees her province; a county user never gets here (no view_reports).
        if province_id is not None and province_id != actor.province_id:
            actor.require(Action.view_reports, Area(province_id=province_id))
        province_id = actor.province_id
    if province_id is None:
        return Scope_("national", None, "کل کشور")
    province = session.get(Province, province_id)
    if province is None:
        raise InvalidInput("استان انتخاب‌شده در فهرست نیست؛ استان را از فهرست انتخاب کنید.", field="province_id")
    actor.require(Action.view_reports, Area(province_id=province_id))
    return Scope_("province", province_id, f"استان {province.name}")


def _year(jalali_year: object) -> int:
    if isinstance(jalali_year, bool) or not isinstance(jalali_year, int) or not 1300 <= jalali_year <= 1500:
        raise InvalidInput("سال را به شمسی و چهاررقمی وارد کنید، مثلاً ۱۴۰۴.", field="jalali_year")
    return jalali_year


def _areas(session: Session, sc: Scope_) -> dict[int, str]:
    if sc.level == "national":
        return dict(session.exec(select(Province.id, Province.name).order_by(Province.name)).all())
    return dict(
        session.exec(select(County.id, County.name).where(County.province_id == sc.province_id).order_by(County.name)).all()
    )


def _by(sc: Scope_) -> str:
    """How the scope's rows group the tallies: the country per province, a province per county."""
    return "province" if sc.level == "national" else "county"


def _program_ids(session: Session) -> dict[int, str]:
    return dict(session.exec(select(Program.id, Program.code)).all())


def _wage(session: Session, year: int) -> tuple[int | None, bool]:
    """(the year's minimum daily wage or None, whether it is confirmed)."""
    row = session.get(MinimumWage, year)
    return (None, False) if row is None else (int(row.daily_wage_rial), bool(row.confirmed))


def _seats(session: Session, sc: Scope_, year: int, b_id: int | None) -> tuple[dict, dict, dict]:
    if b_id is None:
        return {}, {}, {}
    area_q = Quota.province_id if sc.level == "national" else Quota.county_id
    q = select(area_q, func.sum(Quota.slots)).where(
        Quota.program_id == b_id, Quota.jalali_year == year, Quota.county_id.is_not(None)  # type: ignore[union-attr]
    )
    if sc.level == "province":
        q = q.where(Quota.province_id == sc.province_id)
    seats = {int(a): int(n) for a, n in session.exec(q.group_by(area_q)).all()}
    used = tallies.seats_used(session, year, by=_by(sc), province_id=sc.province_id)
    counts = tallies.case_counts(session, [State.county_decision.value], by=_by(sc), province_id=sc.province_id,
                                 program_id=b_id)
    waiting = {int(area): n for (area, _, _), n in counts.items()}
    return seats, used, waiting


def _people(session: Session, sc: Scope_) -> dict[tuple[int, str], int]:
    counts = tallies.case_counts(session, PEOPLE_STATES, by=_by(sc), province_id=sc.province_id)
    out: dict[tuple[int, str], int] = {}
    for (area, _, state), n in counts.items():
        out[int(area), state] = out.get((int(area), state), 0) + n
    return out


def _credit(session: Session, sc: Scope_, year: int, programs: dict[int, str]) -> dict[tuple[int, str], int]:
    """(province, bucket) → credit; programme A's three sources pooled into bucket "A"."""
    q = select(Budget.province_id, Budget.program_id, Budget.source, func.sum(Budget.amount_rial)).where(
        Budget.jalali_year == year
    )
    if sc.province_id is not None:
        q = q.where(Budget.province_id == sc.province_id)
    out: dict[tuple[int, str], int] = {}
    for province, program_id, source, amount in session.exec(
        q.group_by(Budget.province_id, Budget.program_id, Budget.source)
    ).all():
        bucket = "A" if programs.get(program_id) == "A" else source
        out[int(province), bucket] = out.get((int(province), bucket), 0) + int(amount or 0)
    return out


def _spend(session: Session, sc: Scope_, year: int, programs: dict[int, str]) -> tuple[dict, dict]:
    """(paid, confirmed): (area, bucket) → twelve months of live spending of ``year`` (reversals
    negative); confirmed: the lines SSO confirmed.

    A line counts in its case's county (``paymentline.county_id``) and that county's province —
    the run's, as the credit check counts it (services.budgets): a run pays one province's cases.
    Read from the spend tally (lines summed per county, programme, month, SSO status and kind);
    programme B's agency and government parts add up to the line's amount (a check constraint)."""
    paid: dict[tuple[int, str], list[int]] = {}
    confirmed: dict[tuple[int, str], list[int]] = {}
    for area, program_id, month, status, kind, agency, government in tallies.spend(
        session, year, by=_by(sc), province_id=sc.province_id
    ):
        sign = -1 if kind == "reversal" else 1
        if programs.get(program_id) == "A":
            parts = {"A": sign * (int(agency or 0) + int(government or 0))}
        else:
            parts = {"relief_committee": sign * int(agency or 0), "government": sign * int(government or 0)}
        for bucket, value in parts.items():
            paid.setdefault((int(area), bucket), [0] * 12)[int(month) - 1] += value
            if status == "confirmed":
                confirmed.setdefault((int(area), bucket), [0] * 12)[int(month) - 1] += value
    return paid, confirmed


def _committed(session: Session, sc: Scope_, year: int, programs: dict[int, str], wage: int | None) -> dict:
    """(area, bucket) → twelve months of the running cases' granted premiums in ``year``."""
    if wage is None:
        return {}
    rates = dict(session.exec(select(Program.id, Program.rate_bp)).all())
    groups = [
        CostGroup(a, programs[p], int(rates[p] if r is None else r), 100 if s is None else s, f, t - f + 1, n)
        for a, p, r, s, f, t, n in tallies.cost_groups(session, year, RUNNING_STATES, by=_by(sc),
                                                       province_id=sc.province_id)
        if programs.get(p) in SOURCE_BUCKETS
    ]
    b_program = next((p for p, code in programs.items() if code == "B"), None)
    b_shares = share_weights(session, b_program) if b_program is not None else None
    return committed_by_month(groups, year, wage, b_shares)


@dataclass(frozen=True, eq=False)
class Monitoring:
    """What the monitoring screen shows for one level of one year."""

    level: str  # national | province
    province_id: int | None
    title: str
    jalali_year: int
    current_month: int  # 1..12, or 13 once the year is over (0 before it began)
    wage_known: bool
    wage_confirmed: bool  # False: the committed cost and the forecast are estimates (the wage is not confirmed)
    areas: pd.DataFrame  # AREA_COLUMNS, one row per area
    sources: pd.DataFrame  # SOURCE_COLUMNS, one row per area and funding source
    months: pd.DataFrame  # month, source, credit, paid, committed, forecast, cumulative
    forecast: pd.DataFrame  # FORECAST_COLUMNS: per area and funding source, the year's forecast

    def runs_out(self) -> dict[str, int | None]:
        """Funding source → the first month whose forecast running total exceeds its credit."""
        out: dict[str, int | None] = {}
        m = self.months
        for month, source, credit, cumulative in zip(m["month"], m["source"], m["credit"], m["cumulative"]):
            first = out.setdefault(str(source), None)  # the months of a source in order
            if first is None and credit is not None and not pd.isna(credit) and cumulative > credit:
                out[str(source)] = int(month)
        return out


def monitoring(
    session: Session, actor: Actor, *, jalali_year: int, province_id: int | None = None, today: date | None = None
) -> Monitoring:
    """The table of the country's provinces (``province_id`` None, national users) or of a
    province's counties. A provincial user always gets her own province."""
    year = _year(jalali_year)
    sc = _scope(session, actor, province_id)
    now = current_year_month(today)
    current_month = 0 if now.year < year else 13 if now.year > year else now.month
    programs = _program_ids(session)
    b_id = next((i for i, c in programs.items() if c == "B"), None)
    names = _areas(session, sc)

    seats, used, waiting = _seats(session, sc, year, b_id)
    people = _people(session, sc)
    credit = _credit(session, sc, year, programs) if sc.level == "national" else {}
    province_credit = _credit(session, sc, year, programs) if sc.level == "province" else {}
    paid, confirmed = _spend(session, sc, year, programs)
    wage, wage_confirmed = _wage(session, year)
    committed = _committed(session, sc, year, programs, wage)

    area_rows, source_rows = [], []
    for area_id, name in names.items():
        totals = {"credit": 0, "committed": 0, "paid": 0, "confirmed": 0}
        has_credit = False
        for bucket in BUCKETS:
            c = credit.get((area_id, bucket)) if sc.level == "national" else None
            figures = {
                "credit": c,
                "committed": sum(committed.get((area_id, bucket), [0])),
                "paid": sum(paid.get((area_id, bucket), [0])),
                "confirmed": sum(confirmed.get((area_id, bucket), [0])),
            }
            if c is not None:
                has_credit = True
            for k in totals:
                totals[k] += figures[k] or 0
            if any(figures.values()):
                source_rows.append([area_id, name, bucket, c, figures["committed"], figures["paid"], figures["confirmed"]])
        s = seats.get(area_id)
        u = used.get(area_id, 0)
        cr = totals["credit"] if has_credit else None
        spent = max(totals["committed"], totals["paid"])
        seats_bp, credit_bp = closeness_bp(u, s), closeness_bp(spent, cr)
        near = max((x for x in (seats_bp, credit_bp) if x is not None), default=None)
        seats_lvl, credit_lvl = level_of(u, s), level_of(spent, cr)
        area_rows.append([
            area_id, name, s, u, waiting.get(area_id, 0), seats_bp, None if seats_lvl is None else seats_lvl.value,
            cr, totals["committed"], totals["paid"], totals["confirmed"], credit_bp,
            None if credit_lvl is None else credit_lvl.value,
            people.get((area_id, State.active.value), 0), people.get((area_id, State.suspended.value), 0),
            people.get((area_id, State.completed.value), 0), near,
        ])
    areas = pd.DataFrame(area_rows, columns=AREA_COLUMNS)
    for column in ("seats", "seats_bp", "credit_rial", "credit_bp", "closeness_bp"):
        areas[column] = areas[column].astype("Int64")
    sources = pd.DataFrame(source_rows, columns=SOURCE_COLUMNS)
    sources["credit_rial"] = sources["credit_rial"].astype("Int64")

    # The year month by month, per funding source, for the whole scope (credit: the scope's).
    scope_credit = credit if sc.level == "national" else province_credit
    month_rows = []
    for bucket in BUCKETS:
        c_values = [v for (a, b), v in scope_credit.items() if b == bucket]
        c = sum(c_values) if c_values else None
        p = [sum(v[i] for (a, b), v in paid.items() if b == bucket) for i in range(12)]
        cm = [sum(v[i] for (a, b), v in committed.items() if b == bucket) for i in range(12)]
        if c is None and not any(p) and not any(cm):
            continue
        fc = forecast_year(p, cm, current_month, c)
        for i in range(12):
            month_rows.append([i + 1, bucket, c, p[i], cm[i], fc.forecast[i], fc.cumulative[i]])
    months = pd.DataFrame(month_rows, columns=["month", "source", "credit", "paid", "committed", "forecast", "cumulative"])
    return Monitoring(
        sc.level, sc.province_id, sc.title, year, current_month, wage is not None, wage_confirmed,
        areas, sources, months, _forecast_rows(names, paid, committed, credit, current_month),
    )


def area_forecast(session: Session, actor: Actor, *, jalali_year: int, province_id: int | None = None,
                  today: date | None = None) -> pd.DataFrame:
    """Per area and funding source: credit (provinces only: credit is allotted to them), paid so
    far, the forecast of the year's spend and the month the credit runs out (FORECAST_COLUMNS)."""
    return monitoring(session, actor, jalali_year=jalali_year, province_id=province_id, today=today).forecast


def _forecast_rows(names: dict[int, str], paid: dict, committed: dict, credit: dict, current_month: int) -> pd.DataFrame:
    rows = []
    for area_id, name in names.items():
        for bucket in BUCKETS:
            p = paid.get((area_id, bucket), [0] * 12)
            cm = committed.get((area_id, bucket), [0] * 12)
            c = credit.get((area_id, bucket))
            if c is None and not any(p) and not any(cm):
                continue
            fc = forecast_year(p, cm, current_month, c)
            rows.append([area_id, name, bucket, c, sum(p), fc.total, fc.runs_out_month])
    frame = pd.DataFrame(rows, columns=FORECAST_COLUMNS)
    frame["credit_rial"] = frame["credit_rial"].astype("Int64")
    frame["runs_out_month"] = frame["runs_out_month"].astype("Int64")
    return frame
