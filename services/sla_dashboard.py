"""The service-agreement dashboard (داشبورد توافق‌نامه سطح خدمت): how long each stage of a case
takes against the target an administrator set (services.service_agreement), for the actor's area.

A stage lasts from the case first reaching the previous stage's state until it first reaches its
own (lib.service_agreement.stage_starts); the first stage («received») from the application date.
Days are calendar days, fractional (a stage done in 36 hours took 1.5 days). Every figure is an
aggregate computed in SQL over ``stagereach`` — each case's first reaching of each stage's state
with the stage's days and Tehran day, kept by the triggers of migration 0025 in the transaction of
every event written — read through the index that matches it: counts, averages and lateness per
stage and county grouped in the county index's order; the 90th percentile (nearest rank) of each
group read from the top of its index (the larger tenth skipped); per Tehran day for the monthly
trend (rolled up to Jalali months here); the cases waiting now from the index of waiting cases by
programme, state and when their stage began (``application.stage_since``, kept by the triggers of
migration 0028). No case row is loaded except the short list of the most overdue ones.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import Float, Integer, and_, bindparam, case, func, literal, literal_column, select, text, union_all
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement
from sqlalchemy.types import Date
from sqlmodel import Session

from db.models import Application, ApplicationEvent, County, JalaliMonth, Program, StageMonthTally, StageReach
from db.models.cases import WAITING_WHERE
from db.models.reference import StageTarget
from lib.errors import InvalidInput
from lib.jalali import local_date, to_jalali
from lib.permissions import Action
from lib.service_agreement import STAGE_LABELS, stages_of, waiting_for
from services.base import Actor, area_conditions

__all__ = ["StageFigure", "WaitingFigure", "LateCase", "MonthFigure", "Dashboard", "sla_dashboard", "stage_by_county", "PERCENTILE",
           "MAX_PERIOD_DAYS"]

PERCENTILE = 90
MAX_PERIOD_DAYS = 3 * 366  # a longer period is refused (the trend would not fit a page)
LATE_LIST = 100  # the most overdue waiting cases listed by name of their tracking code


# --------------------------------------------------------------------------- SQL helpers
class days_between(FunctionElement):
    """(later − earlier) in days, fractional, on SQLite and PostgreSQL."""

    type = Float()
    inherit_cache = True


@compiles(days_between, "sqlite")
def _days_sqlite(element, compiler, **kw):
    later, earlier = list(element.clauses)
    return f"(julianday({compiler.process(later, **kw)}) - julianday({compiler.process(earlier, **kw)}))"


@compiles(days_between, "postgresql")
def _days_pg(element, compiler, **kw):
    later, earlier = list(element.clauses)
    return (f"(EXTRACT(EPOCH FROM ({compiler.process(later, **kw)} - {compiler.process(earlier, **kw)}))"
            " / 86400.0)")


class tehran_day(FunctionElement):
    """The day (in Tehran, UTC+03:30) a stored UTC timestamp falls on."""

    type = Date()
    inherit_cache = True


@compiles(tehran_day, "sqlite")
def _day_sqlite(element, compiler, **kw):
    return f"date({compiler.process(list(element.clauses)[0], **kw)}, '+210 minutes')"


@compiles(tehran_day, "postgresql")
def _day_pg(element, compiler, **kw):
    return f"CAST(({compiler.process(list(element.clauses)[0], **kw)} AT TIME ZONE 'Asia/Tehran') AS DATE)"


# --------------------------------------------------------------------------- results
@dataclass(frozen=True)
class StageFigure:
    """Stages finished in the period, per stage and county (county None: the whole area)."""

    program: str
    stage: str
    county_id: int | None
    county: str | None
    done: int
    average_days: float
    p90_days: float
    target_days: int | None
    late: int  # finished after their target (0 when no target is set)


@dataclass(frozen=True)
class WaitingFigure:
    """Open cases waiting for a stage to finish now, per county."""

    program: str
    stage: str
    county_id: int
    county: str
    waiting: int
    target_days: int | None
    late: int  # already past the target


@dataclass(frozen=True)
class LateCase:
    application_id: int
    tracking_code: str
    program: str
    stage: str
    county: str
    days: float
    target_days: int


@dataclass(frozen=True)
class MonthFigure:
    program: str
    stage: str
    jalali_year: int
    jalali_month: int
    done: int
    average_days: float
    late: int


@dataclass(frozen=True)
class Dashboard:
    since: date
    until: date
    targets: dict[tuple[str, str], int | None]  # (programme, stage) → days, None unset
    waiting: list[WaitingFigure]
    stages: list[StageFigure]  # per county
    totals: list[StageFigure]  # the whole area, one per programme and stage
    months: list[MonthFigure]
    late_cases: list[LateCase]

    @property
    def any_target(self) -> bool:
        return any(v is not None for v in self.targets.values())


# --------------------------------------------------------------------------- the dashboard
def _period(since: object, until: object, today: date) -> tuple[date, date]:
    end = until if isinstance(until, date) else today
    start = since if isinstance(since, date) else end - timedelta(days=365)
    if (since is not None and not isinstance(since, date)) or (until is not None and not isinstance(until, date)):
        raise InvalidInput("بازه گزارش را با تاریخ شمسی (سال/ماه/روز) وارد کنید.", field="period")
    if start > end:
        raise InvalidInput("آغاز بازه گزارش پس از پایان آن است؛ تاریخ‌ها را جابه‌جا کنید.", field="period")
    if (end - start).days > MAX_PERIOD_DAYS:
        raise InvalidInput("بازه گزارش حداکثر سه سال است؛ بازه کوتاه‌تری انتخاب کنید.", field="period")
    return start, end


def sla_dashboard(
    session: Session, actor: Actor, *, since: object = None, until: object = None, now: datetime | None = None,
    program: str | None = None, by_county: bool = True,
) -> Dashboard:
    """The dashboard of the actor's area (a provincial manager: her province; national: the
    country) for stages finished between ``since`` and ``until`` (Tehran days, inclusive; default
    the year up to today) and the cases waiting at ``now``; of one programme's cases only when
    ``program`` is given (its figures are those of the whole dashboard, the most overdue cases its own
    hundred; ``targets`` still every programme's). ``by_county=False`` leaves the per-county figures
    out (``stages`` empty; the page asks :func:`stage_by_county` for the one stage it shows)."""
    now = now or datetime.now(timezone.utc)
    view = _view(session, actor, since, until, now, program)
    if by_county:
        stages, sums = _county_figures(session, view.period, view.targets, view.programs, view.counties)
    else:  # the area's counts, sums and late per stage: grouped by programme and stage only
        stages, sums = [], _stage_sums(session, view.period, view.targets, view.programs)
    cases = [*area_conditions(actor, Application), *([Application.program_id == view.ids[program]] if program else [])]
    waiting, late_cases = _waiting(session, cases, view.ids, view.programs, view.counties, view.targets, now)
    return Dashboard(
        since=view.period.since, until=view.period.until, targets=view.all_targets,
        waiting=waiting, stages=stages, totals=_area_figures(session, view.period, sums, view.targets, view.programs),
        months=_months(session, view.period, view.targets, view.programs), late_cases=late_cases,
    )


def stage_by_county(
    session: Session, actor: Actor, *, program: str, stage: str, since: object = None, until: object = None,
    now: datetime | None = None,
) -> list[StageFigure]:
    """One stage's figures per county of the actor's area (the dashboard's ``stages`` of that programme
    and stage): only that stage's rows and percentiles are read."""
    view = _view(session, actor, since, until, now or datetime.now(timezone.utc), program)
    if stage not in stages_of(program):
        raise InvalidInput("مرحله گزارش شناخته نیست.", field="stage")
    period = replace(view.period, only=[*view.period.only, R.state == stage],
                     tally=[*view.period.tally, T.state == stage])
    return _county_figures(session, period, view.targets, view.programs, view.counties)[0]


@dataclass(frozen=True)
class _View:
    """What every part of the dashboard reads first: the programmes shown (id → code, and back), the
    county names, the targets set (of the programmes shown; ``all_targets``: every programme's stages,
    None unset) and the period with the actor's area."""

    programs: dict[int, str]
    ids: dict[str, int]
    counties: dict[int, str]
    targets: dict[tuple[str, str], int]
    all_targets: dict[tuple[str, str], int | None]
    period: _Period


def _view(session: Session, actor: Actor, since: object, until: object, now: datetime, program: str | None) -> _View:
    actor.require(Action.view_reports)
    start, end = _period(since, until, local_date(now))
    programs = {pid: code for pid, code in session.execute(select(Program.id, Program.code)).all()}
    ids = {code: pid for pid, code in programs.items()}
    counties = dict(session.execute(select(County.id, County.name)).all())
    targets = {(programs[t.program_id], t.stage): t.target_days
               for t in session.execute(select(StageTarget)).scalars() if t.program_id in programs}
    all_targets = {(code, stage): targets.get((code, stage)) for code in sorted(ids) for stage in stages_of(code)}
    only: list = []  # the programme asked for: its rows alone are read (the page shows one at a time)
    if program is not None:
        if program not in ids:
            raise InvalidInput("برنامه گزارش شناخته نیست.", field="program")
        programs, ids = {ids[program]: program}, {program: ids[program]}
        only = [R.program_id == ids[program]]
    # (a state that is no stage of the case's programme has no days: the migration's stage starts)
    whole, edges = _whole_months(session, start, end)
    period = _Period(start, end, area_conditions(actor, StageReach), whole, edges, only,
                     [*area_conditions(actor, StageMonthTally), *([T.program_id == ids[program]] if only else [])])
    return _View(programs, ids, counties, targets, all_targets, period)


# Each case's first reaching of each stage's state, with the stage's time in days (kept by the
# triggers of migration 0025 in the transaction of every event written): every figure below reads it
# through the index that matches it.
R = StageReach.__table__.c
# The same stage times counted per programme, stage, Jalali month and county (kept by the triggers of
# migration 0029): the period's whole months are read here, its partial months at the ends from R.
T = StageMonthTally.__table__.c
M = JalaliMonth.__table__.c


def _late_flag(days, target):
    return func.sum(case((and_(target.isnot(None), days > target), 1), else_=0))


def _late_count(targets, programs):
    """How many of a group's stage times are over their stage's target: the targets written into the
    query (a few constants) instead of a join per row."""
    ids = {code: pid for pid, code in programs.items()}
    known = [(and_(R.program_id == ids[code], R.state == stage), literal(days))
             for (code, stage), days in sorted(targets.items()) if days is not None and code in ids]
    if not known:
        return literal(0)
    return func.sum(case((R.days > case(*known, else_=None), 1), else_=0))


def _rank(n: int) -> int:
    """The nearest rank of the percentile among ``n`` values (⌈n·p/100⌉, at least 1)."""
    return max((n * PERCENTILE + 99) // 100, 1)


@dataclass(frozen=True)
class _Period:
    since: date
    until: date
    area: list  # the actor's area: equalities over StageReach's province or county (services.base.area_conditions)
    whole: tuple[date, date] | None  # the first and last day of the Jalali months wholly inside the period
    edges: list[tuple[date, date]]  # the rest of the period (at most a partial month at each end)
    only: list  # the programme asked for (none: every programme), a condition over StageReach
    tally: list  # the area and programme: conditions over the stage tally


def _whole_months(session: Session, start: date, end: date) -> tuple[tuple[date, date] | None, list[tuple[date, date]]]:
    """The Jalali months wholly inside ``start``–``end`` (their first and last day, None for none) and
    the days of the period outside them."""
    first, last = session.execute(
        select(func.min(M.first_day), func.max(M.last_day)).where(M.first_day >= start, M.last_day <= end)).one()
    if first is None:
        return None, [(start, end)]
    edges = [(start, first - timedelta(days=1)), (last + timedelta(days=1), end)]
    return (first, last), [(a, b) for a, b in edges if a <= b]


def _finished_groups(session: Session, period: _Period, keys, tally_keys, targets, programs) -> list[tuple]:
    """(``keys``…, done, sum of days, late) of the stages finished in the period: the whole months' from
    the tally, the partial months' from the stage times (grouped by ``keys`` over R's day index), a key
    in both added up; groups of none left out. ``tally_keys`` are T's columns standing for ``keys``."""
    # the partial months: ranges of the day index per stage (keys past the stage as expressions, so that
    # SQLite does not walk the county index in its order instead, reading every day of the stage)
    stages = sorted({s for code in programs.values() for s in stages_of(code)})
    grouped = [*keys[:2], *(k if k is R.day else (k + 0).label(k.name) for k in keys[2:])]
    parts = [select(*grouped, func.count(), func.sum(R.days), _late_count(targets, programs))
             .where(R.day.between(a, b), R.days.isnot(None), R.state.in_(stages), *period.area, *period.only)
             .group_by(*grouped)
             for a, b in period.edges]
    if period.whole:
        parts.append(select(*tally_keys, func.sum(T.done), func.sum(T.days_sum), func.sum(T.late))
                     .where(T.month.between(*period.whole), *period.tally).group_by(*tally_keys))
    acc: dict[tuple, list] = {}
    for *key, done, total, late in session.execute(union_all(*parts)).all():
        cell = acc.setdefault(tuple(key), [0, 0.0, 0])
        cell[0] += int(done)
        cell[1] += float(total or 0.0)
        cell[2] += int(late or 0)
    return [(*key, *cell) for key, cell in sorted(acc.items()) if cell[0]]


def _percentiles(session: Session, period: _Period, groups: list[tuple[tuple, int]], columns) -> list[float]:
    """The percentile of each group ((its values of ``columns``), count) of the stages finished in
    the period (in the actor's area): the value of nearest rank, read from the top of the group's index (the ``n − rank``
    larger values skipped: about a tenth of the group)."""
    if not groups:
        return []
    connection = session.connection()
    area = [(c.left.name, c.right.value) for c in period.area]
    top = (f"SELECT days FROM {StageReach.__tablename__} WHERE {{where}} AND day BETWEEN {{since}} AND {{until}} "
           "AND days IS NOT NULL ORDER BY days DESC LIMIT 1 OFFSET {skip}")
    if connection.dialect.name == "postgresql":
        # one statement: the groups as arrays, and OFFSET may read the group's row there
        names = [c.name for c in columns]
        where = " AND ".join([*(f"{n} = g.{n}" for n in names), *(f"{n} = :area_{n}" for n, _ in area)])
        arrays = ", ".join(f"CAST(:g_{n} AS {'text' if n == 'state' else 'int'}[])" for n in [*names, "skip"])
        sql = (f"SELECT ({top.format(where=where, since=':since', until=':until', skip='g.skip')}) "
               f"FROM unnest({arrays}) WITH ORDINALITY AS g({', '.join(names)}, skip, i) ORDER BY g.i")
        params = {"since": period.since, "until": period.until, **{f"area_{n}": v for n, v in area},
                  **{f"g_{n}": [key[j] for key, _ in groups] for j, n in enumerate(names)},
                  "g_skip": [n - _rank(n) for _, n in groups]}
        return [float(v) for v in session.execute(text(sql), params).scalars()]
    # SQLite: OFFSET cannot read a row of the query, so one small statement a group (the group's
    # columns and the area's equalities, plus the period), run on the driver's cursor: microseconds each
    where = " AND ".join(f"{name} = ?" for name in [*(c.name for c in columns), *(n for n, _ in area)])
    sql = top.format(where=where, since="?", until="?", skip="?")
    fixed = (*(v for _, v in area), period.since.isoformat(), period.until.isoformat())
    cursor = connection.connection.driver_connection.cursor()
    try:
        return [float(cursor.execute(sql, (*key, *fixed, n - _rank(n))).fetchone()[0]) for key, n in groups]
    finally:
        cursor.close()


def _county_figures(session: Session, period: _Period, targets, programs, counties):
    """Per programme, stage and county (the tally's rows of the whole months and the partial months'
    stage times, added up); with each stage's count, sum of days and late cases over the area, for
    :func:`_area_figures`."""
    keys = (R.program_id, R.state, R.province_id, R.county_id)
    rows = _finished_groups(session, period, keys, (T.program_id, T.state, T.province_id, T.county_id), targets,
                            programs)
    p90 = _percentiles(session, period, [(tuple(r[:4]), r[4]) for r in rows], keys)
    out = [StageFigure(programs[p], stage, county_id, counties.get(county_id), done, total / done, days,
                       targets.get((programs[p], stage)), late)
           for (p, stage, _, county_id, done, total, late), days in zip(rows, p90)]
    sums: dict[tuple[str, str], list] = defaultdict(lambda: [0, 0.0, 0])
    for p, stage, _, _, done, total, late in rows:
        cell = sums[programs[p], stage]
        cell[0] += done
        cell[1] += total
        cell[2] += late
    return _in_order(out, programs), sums


def _stage_sums(session: Session, period: _Period, targets, programs) -> dict[tuple[str, str], list]:
    """(programme, stage) → [done, sum of days, late] over the area: :func:`_county_figures`' sums
    without the counties."""
    rows = _finished_groups(session, period, (R.program_id, R.state), (T.program_id, T.state), targets, programs)
    return {(programs[p], stage): [done, total, late] for p, stage, done, total, late in rows}


def _area_figures(session: Session, period: _Period, acc, targets, programs) -> list[StageFigure]:
    """The whole area per programme and stage: the counties' counts and sums added up, the
    percentile read from the area index."""
    ids = {code: pid for pid, code in programs.items()}
    groups = [((ids[p], stage), n) for (p, stage), (n, _, _) in acc.items()]
    p90 = _percentiles(session, period, groups, (R.program_id, R.state))
    out = [StageFigure(p, stage, None, None, n, total / n, days, targets.get((p, stage)), late)
           for ((p, stage), (n, total, late)), days in zip(acc.items(), p90)]
    return _in_order(out, programs)


def _in_order(figures: list[StageFigure], programs) -> list[StageFigure]:
    order = {(c, s): i for i, (c, s) in enumerate((c, s) for c in sorted(set(programs.values())) for s in stages_of(c))}
    return sorted(figures, key=lambda f: (order.get((f.program, f.stage), 99), f.county or ""))


def _months(session: Session, period: _Period, targets, programs) -> list[MonthFigure]:
    """The trend: the whole months per month from the tally (a month's first day standing for it),
    the partial months per Tehran day (read over the day index), rolled up to Jalali months here."""
    rows = _finished_groups(session, period, (R.program_id, R.state, R.day), (T.program_id, T.state, T.month),
                            targets, programs)
    return by_month(rows, programs)


def by_month(rows, programs) -> list[MonthFigure]:
    """(programme id, stage, Tehran day, done, sum of days, late) rows rolled up to Jalali months."""
    acc: dict[tuple[str, str, int, int], list] = defaultdict(lambda: [0, 0.0, 0])
    months: dict[object, tuple[int, int]] = {}  # each day's Jalali month, worked out once (stages share days)
    for program_id, stage, day, done, total, late in rows:
        if day not in months:
            when = to_jalali(day if isinstance(day, date) else date.fromisoformat(str(day)))
            months[day] = (when.year, when.month)
        cell = acc[(programs[program_id], stage, *months[day])]
        cell[0] += int(done)
        cell[1] += float(total)
        cell[2] += int(late or 0)
    return [MonthFigure(p, s, y, m, n, total / n, late) for (p, s, y, m), (n, total, late) in sorted(acc.items())]


def _waiting(session: Session, area, ids, programs, counties, targets, now) -> tuple[list[WaitingFigure], list[LateCase]]:
    """The waiting cases per county and the most overdue of them, from the index of the cases waiting
    for a stage (``ix_application_waiting``: programme, state, when the stage began — kept by the
    triggers of migration 0028 — province, county): the counts grouped from it alone, and each timed
    stage's most overdue read from its first entries (the oldest start first), merged here."""
    A = Application
    waiting_where = text(WAITING_WHERE)  # the index's condition, repeated as a literal (a partial index)
    elapsed = days_between(bindparam("now", now, type_=ApplicationEvent.__table__.c.at.type), A.stage_since)
    arms = [(ids[c], state, targets.get((c, stage))) for c in sorted(ids) for state, stage in waiting_for(c).items()]
    timed = [arm for arm in arms if arm[2] is not None]
    # one range of the index per programme and state (its target a constant there), grouped by county
    grouped = session.execute(union_all(*(
        select(literal_column(str(i)).label("arm"), A.county_id, func.count(),
               func.sum(case((elapsed > days, 1), else_=0)) if days is not None else literal_column("0"))
        .where(waiting_where, A.program_id == p, A.state == state, *area).group_by(A.county_id)
        for i, (p, state, days) in enumerate(arms)))).all()
    acc: dict[tuple[str, str, int], list[int]] = defaultdict(lambda: [0, 0])
    for arm, county_id, n, late in grouped:
        p, state, _ = arms[arm]  # «received» and «documents incomplete» wait for the same stage
        cell = acc[programs[p], waiting_for(programs[p])[state], county_id]
        cell[0] += int(n)
        cell[1] += int(late or 0)
    order = {s: i for i, s in enumerate(STAGE_LABELS)}
    out = [WaitingFigure(p, stage, county_id, counties.get(county_id, "—"), n, targets.get((p, stage)), late)
           for (p, stage, county_id), (n, late) in acc.items()]
    return sorted(out, key=lambda w: (w.program, order[w.stage], w.county)), _most_overdue(
        session, area, timed, elapsed, waiting_where, programs, counties)


def _most_overdue(session: Session, area, timed, elapsed, waiting_where, programs, counties) -> list[LateCase]:
    """The LATE_LIST cases furthest past their stage's target: of each timed (programme, state) the
    first LATE_LIST past it in the index's order (the earliest start: the longest wait), in one
    statement, then merged by how far past the target (ties: the lower case id)."""
    if not timed:
        return []
    A = Application
    parts = [select(literal_column(str(i)).label("arm"), A.id, A.tracking_code, A.county_id, elapsed.label("elapsed"))
             .where(waiting_where, A.program_id == p, A.state == state, A.stage_since.isnot(None), elapsed > days, *area)
             .order_by(A.stage_since, A.id).limit(LATE_LIST).subquery()
             for i, (p, state, days) in enumerate(timed)]
    rows = session.execute(union_all(*(select(part) for part in parts))).all()
    late = [LateCase(i, code, programs[timed[arm][0]], waiting_for(programs[timed[arm][0]])[timed[arm][1]],
                     counties.get(county_id, "—"), float(days), timed[arm][2])
            for arm, i, code, county_id, days in rows]
    late.sort(key=lambda c: (-(c.days - c.target_days), c.application_id))
    return late[:LATE_LIST]
