"""The service-agreement dashboard (داشبورد توافق‌نامه سطح خدمت): how long each stage of a case
takes against the target an administrator set (services.service_agreement), for the actor's area.

A stage lasts from the case first reaching the previous stage's state until it first reaches its
own (lib.service_agreement.stage_starts); the first stage («received») from the application date.
Days are calendar days, fractional (a stage done in 36 hours took 1.5 days). Every figure is an
aggregate computed in SQL and grouped — cases waiting per stage and county, those past their target,
the average and the 90th percentile (nearest rank, with window functions) per stage and county, and
per Tehran day for the monthly trend (rolled up to Jalali months here: a sum of at most a year of
days). No case row is loaded except the short list of the most overdue ones.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import Column, Float, Integer, MetaData, String, Table, and_, bindparam, case, func, literal, select, text, union_all
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement
from sqlalchemy.types import Date
from sqlmodel import Session

from db.models import Application, ApplicationEvent, County, Program
from db.models.reference import StageTarget
from lib.errors import InvalidInput
from lib.jalali import local_date, to_jalali
from lib.permissions import Action
from lib.service_agreement import STAGE_LABELS, stage_starts, stages_of, waiting_for
from lib.workflow import State
from services.base import Actor, area_conditions

__all__ = ["StageFigure", "WaitingFigure", "LateCase", "MonthFigure", "Dashboard", "sla_dashboard", "PERCENTILE",
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


def _literal_rows(name: str, rows: list[tuple], columns: tuple[str, ...]):
    """A small constant table as a CTE (UNION ALL of literal SELECTs: SQLite has no VALUES alias)."""
    selects = [select(*(literal(v).label(c) for v, c in zip(row, columns))) for row in rows]
    return (selects[0] if len(selects) == 1 else union_all(*selects)).cte(name)


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
) -> Dashboard:
    """The dashboard of the actor's area (a provincial manager: her province; national: the
    country) for stages finished between ``since`` and ``until`` (Tehran days, inclusive; default
    the year up to today) and the cases waiting at ``now``."""
    actor.require(Action.view_reports)
    now = now or datetime.now(timezone.utc)
    today = local_date(now)
    start, end = _period(since, until, today)
    programs = {pid: code for pid, code in session.execute(select(Program.id, Program.code)).all()}
    ids = {code: pid for pid, code in programs.items()}
    counties = dict(session.execute(select(County.id, County.name)).all())
    targets = {(programs[t.program_id], t.stage): t.target_days
               for t in session.execute(select(StageTarget)).scalars() if t.program_id in programs}
    all_targets = {(code, stage): targets.get((code, stage)) for code in sorted(ids) for stage in stages_of(code)}

    area = area_conditions(actor, Application)
    connection = session.connection()
    reach = _REACH.c
    for table in (_REACH, _DURATIONS):
        connection.execute(text(f"DROP TABLE IF EXISTS {table.name}"))  # left on a pooled connection by an error
        table.create(connection)
    try:
        connection.execute(_REACH.insert().from_select([c.name for c in _REACH.columns], _first_reaching(area)))
        # One branch per programme and stage, reading the two columns it needs (no per-row CASE over
        # the states, which cost more than the scans): a stage starts when the case first reached the
        # previous stage's state.
        later = [
            select(reach.program_id, reach.county_id, literal(stage).label("stage"),
                   days_between(reach[f"at_{stage}"], reach[f"at_{start_state}"]).label("days"),
                   reach[f"at_{stage}"].label("done_at"))
            .where(reach.program_id == ids[c], reach[f"at_{start_state}"].isnot(None), reach[f"at_{stage}"].isnot(None))
            for c in sorted(ids) for stage, start_state in stage_starts(c).items()
            if start_state in _STAGE_STATES and stage in _STAGE_STATES
        ]
        received = reach[f"at_{State.received.value}"]
        first = (
            select(reach.program_id, reach.county_id, literal(State.received.value).label("stage"),
                   days_between(received, reach.applied_on).label("days"), received.label("done_at"))
            .where(received.isnot(None))
        )
        both = union_all(*later, first).subquery("both_stages")
        day = tehran_day(both.c.done_at)
        connection.execute(_DURATIONS.insert().from_select(
            [c.name for c in _DURATIONS.columns],
            select(both.c.program_id, both.c.county_id, both.c.stage, both.c.days, day)
            .where(day.between(start, end)),  # BETWEEN: SQLite works each row's day out once, not twice
        ))
        durations = _DURATIONS
        for name, columns in (("sla_duration_county", "program_id, stage, county_id, days"),
                              ("sla_duration_area", "program_id, stage, days, day")):  # each window's order, read in order
            # (the day too: the monthly trend reads its columns from this index instead of the table)
            connection.execute(text(f"CREATE INDEX {name} ON {_DURATIONS.name} ({columns})"))
        figures = [
            _stage_figures(session, durations, StageTarget, programs, counties, by_county)
            for by_county in (True, False)
        ]
        return Dashboard(
            since=start, until=end, targets=all_targets,
            waiting=_waiting(session, ids, programs, counties, now),
            stages=figures[0], totals=figures[1],
            months=_months(session, durations, StageTarget, programs),
            late_cases=_late_cases(session, ids, programs, counties, now),
        )
    finally:
        for table in (_REACH, _DURATIONS):
            table.drop(connection)


# One row per case of the area read, with the first time it reached each stage's state: the
# timeline is read once (one pass over the cases' events) into this table of the connection, and
# every figure is an aggregate over it.
_STAGE_STATES = list(STAGE_LABELS)
_REACH = Table(
    "sla_reach", MetaData(),
    Column("application_id", Integer, primary_key=True), Column("program_id", Integer), Column("county_id", Integer),
    Column("state", String(30)), Column("applied_on", Date),
    *(Column(f"at_{s}", ApplicationEvent.__table__.c.at.type) for s in _STAGE_STATES),
    prefixes=["TEMPORARY"], postgresql_on_commit="DROP",
)
# Each stage a case finished in the period: how many days it took and the (Tehran) day it ended.
_DURATIONS = Table(
    "sla_duration", MetaData(),
    Column("program_id", Integer), Column("county_id", Integer), Column("stage", String(30)), Column("days", Float),
    Column("day", Date), prefixes=["TEMPORARY"], postgresql_on_commit="DROP",
)


def _first_reaching(area):
    """Each case of the area and the first time it reached each stage's state (None: never)."""
    A, E = Application, ApplicationEvent
    return (
        select(A.id, A.program_id, A.county_id, A.state, A.applied_on,
               *(func.min(case((E.to_state == s, E.at))) for s in _STAGE_STATES))
        .select_from(A).outerjoin(E, and_(E.application_id == A.id, E.to_state.in_(_STAGE_STATES)))
        .where(*area).group_by(A.id)  # the case's other columns follow from its id (PostgreSQL: the primary key)
    )


def _reached(state_column):
    """The first reaching of the state named in ``state_column`` (a stage's state), from the table."""
    return case(*((state_column == s, _REACH.c[f"at_{s}"]) for s in _STAGE_STATES))


def _late_flag(days, target):
    return func.sum(case((and_(target.isnot(None), days > target), 1), else_=0))


def _stage_figures(session: Session, durations, T, programs, counties, by_county: bool) -> list[StageFigure]:
    d = durations.c
    keys = (d.program_id, d.stage, d.county_id) if by_county else (d.program_id, d.stage)
    # Counts, averages and lateness: one grouped pass over the index in the keys' order (no sort).
    totals = session.execute(
        select(*keys, func.count(), func.avg(d.days), func.max(T.target_days), _late_flag(d.days, T.target_days))
        .select_from(durations)
        .outerjoin(T, and_(T.program_id == d.program_id, T.stage == d.stage))
        .group_by(*keys)
    ).all()
    # The percentile: the row of nearest rank ⌈n·p/100⌉ of each group. Both window functions share
    # one window (the frame does not change ROW_NUMBER), so the rows are ranked in one pass over the
    # index and only one row per group leaves it.
    window = dict(partition_by=keys, order_by=d.days, rows=(None, None))
    ranked = select(
        *keys, d.days, func.row_number().over(**window).label("rn"), func.count().over(**window).label("n"),
    ).subquery("ranked")
    r = ranked.c
    p90 = {tuple(row[:-1]): row[-1] for row in session.execute(
        select(*(r[k.name] for k in keys), r.days)
        .where(r.rn * 100 >= r.n * PERCENTILE, (r.rn - 1) * 100 < r.n * PERCENTILE)
    ).all()}
    out = []
    for row in totals:
        program, stage = programs[row[0]], row[1]
        county_id = row[2] if by_county else None
        key, rest = (tuple(row[:3]), row[3:]) if by_county else (tuple(row[:2]), row[2:])
        done, average, target, late = rest
        out.append(StageFigure(program, stage, county_id, counties.get(county_id) if county_id else None, int(done),
                               float(average), float(p90[key]), target, int(late or 0)))
    order = {(c, s): i for i, (c, s) in enumerate((c, s) for c in sorted(set(programs.values())) for s in stages_of(c))}
    return sorted(out, key=lambda f: (order.get((f.program, f.stage), 99), f.county or ""))


def _months(session: Session, durations, T, programs) -> list[MonthFigure]:
    d = durations.c
    rows = session.execute(
        select(d.program_id, d.stage, d.day, func.count(), func.sum(d.days), _late_flag(d.days, T.target_days))
        .select_from(durations)
        .outerjoin(T, and_(T.program_id == d.program_id, T.stage == d.stage))
        .group_by(d.program_id, d.stage, d.day)
    ).all()
    acc: dict[tuple[str, str, int, int], list] = defaultdict(lambda: [0, 0.0, 0])
    for program_id, stage, day, done, total, late in rows:
        when = to_jalali(day if isinstance(day, date) else date.fromisoformat(str(day)))
        cell = acc[programs[program_id], stage, when.year, when.month]
        cell[0] += int(done)
        cell[1] += float(total)
        cell[2] += int(late or 0)
    return [MonthFigure(p, s, y, m, n, total / n, late) for (p, s, y, m), (n, total, late) in sorted(acc.items())]


def _waiting_query(ids, now):
    T, R = StageTarget, _REACH.c
    rows = [(ids[c], state, stage_starts(c)[stage], stage) for c in sorted(ids) for state, stage in waiting_for(c).items()]
    waits = _literal_rows("waiting_stage", rows, ("program_id", "state", "start_state", "stage"))
    elapsed = days_between(bindparam("now", now, type_=ApplicationEvent.__table__.c.at.type), _reached(waits.c.start_state))
    base = (
        select(R.application_id).select_from(_REACH)
        .join(waits, and_(waits.c.program_id == R.program_id, waits.c.state == R.state))
        .outerjoin(T, and_(T.program_id == R.program_id, T.stage == waits.c.stage))
    )
    return base, waits, elapsed, T


def _waiting(session: Session, ids, programs, counties, now) -> list[WaitingFigure]:
    R = _REACH.c
    base, waits, elapsed, T = _waiting_query(ids, now)
    rows = session.execute(
        base.with_only_columns(R.program_id, waits.c.stage, R.county_id, func.count(), func.max(T.target_days),
                               _late_flag(elapsed, T.target_days))
        .group_by(R.program_id, waits.c.stage, R.county_id)
    ).all()
    order = {s: i for i, s in enumerate(STAGE_LABELS)}
    out = [WaitingFigure(programs[p], stage, county_id, counties.get(county_id, "—"), int(n), target, int(late or 0))
           for p, stage, county_id, n, target, late in rows]
    return sorted(out, key=lambda w: (w.program, order[w.stage], w.county))


def _late_cases(session: Session, ids, programs, counties, now) -> list[LateCase]:
    A, R = Application, _REACH.c
    base, waits, elapsed, T = _waiting_query(ids, now)
    rows = session.execute(
        base.with_only_columns(R.application_id, A.tracking_code, R.program_id, waits.c.stage, R.county_id, elapsed,
                               T.target_days)
        .join(A, A.id == R.application_id)
        .where(T.target_days.isnot(None), elapsed > T.target_days)
        .order_by((elapsed - T.target_days).desc(), R.application_id).limit(LATE_LIST)
    ).all()
    return [LateCase(i, code, programs[p], stage, counties.get(c, "—"), float(days), target)
            for i, code, p, stage, c, days, target in rows]
