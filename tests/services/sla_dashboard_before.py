"""The service-agreement dashboard as services.sla_dashboard computed it before it read each case's
timeline once into a table of the connection (issue 11): the first reaching of each stage's state
as a grouped CTE over the events, joined once per stage pair and per query. Kept here only as the
reference the faster computation must equal (tests/services/test_sla_dashboard_same.py)."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import and_, bindparam, func, literal, select, union_all
from sqlmodel import Session

from db.models import Application, ApplicationEvent, County, Program
from db.models.reference import StageTarget
from lib.jalali import local_date
from lib.permissions import Action
from lib.service_agreement import STAGE_LABELS, stage_starts, stages_of, waiting_for
from lib.workflow import State
from services.base import Actor, area_conditions
from services.sla_dashboard import (
    PERCENTILE, LATE_LIST, Dashboard, LateCase, MonthFigure, StageFigure, WaitingFigure, _late_flag,
    _period, by_month, days_between, tehran_day,
)


def _literal_rows(name: str, rows: list[tuple], columns: tuple[str, ...]):
    """A small constant table as a CTE (UNION ALL of literal SELECTs: SQLite has no VALUES alias)."""
    selects = [select(*(literal(v).label(c) for v, c in zip(row, columns))) for row in rows]
    return (selects[0] if len(selects) == 1 else union_all(*selects)).cte(name)


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
    A, E, T = Application, ApplicationEvent, StageTarget
    stage_states = sorted({s for code in ids for s in stages_of(code)})
    reach = (
        select(E.application_id, E.to_state, func.min(E.at).label("at"))
        .join(A, A.id == E.application_id).where(E.to_state.in_(stage_states), *area)
        .group_by(E.application_id, E.to_state).cte("reach")
    )
    pair_rows = [(ids[c], start_state, stage) for c in sorted(ids)
                 for stage, start_state in stage_starts(c).items() if start_state is not None]
    pairs = _literal_rows("stage_pair", pair_rows, ("program_id", "start_state", "stage"))
    r0, r1 = reach.alias("r0"), reach.alias("r1")
    later = (
        select(A.program_id, A.county_id, pairs.c.stage, days_between(r1.c.at, r0.c.at).label("days"),
               r1.c.at.label("done_at"))
        .select_from(A)
        .join(pairs, pairs.c.program_id == A.program_id)
        .join(r0, and_(r0.c.application_id == A.id, r0.c.to_state == pairs.c.start_state))
        # r1 by r0's case (not only A's): SQLite then probes r1 by (case, state), not by state alone
        .join(r1, and_(r1.c.application_id == r0.c.application_id, r1.c.to_state == pairs.c.stage))
        .where(*area)
    )
    first = (
        select(A.program_id, A.county_id, literal(State.received.value).label("stage"),
               days_between(r1.c.at, A.applied_on).label("days"), r1.c.at.label("done_at"))
        .select_from(A)
        .join(r1, and_(r1.c.application_id == A.id, r1.c.to_state == State.received.value))
        .where(*area)
    )
    both = union_all(later, first).subquery("both_stages")
    day = tehran_day(both.c.done_at)
    durations = (
        select(both.c.program_id, both.c.county_id, both.c.stage, both.c.days, day.label("day"))
        .where(day >= start, day <= end).cte("durations")
    )

    figures = [
        _stage_figures(session, durations, T, programs, counties, by_county)
        for by_county in (True, False)
    ]
    return Dashboard(
        since=start, until=end, targets=all_targets,
        waiting=_waiting(session, reach, area, ids, programs, counties, now),
        stages=figures[0], totals=figures[1],
        months=_months(session, durations, T, programs),
        late_cases=_late_cases(session, reach, area, ids, programs, counties, now),
    )


def _waiting_query(reach, area, ids, now):
    A, T = Application, StageTarget
    rows = [(ids[c], state, stage_starts(c)[stage], stage) for c in sorted(ids) for state, stage in waiting_for(c).items()]
    waits = _literal_rows("waiting_stage", rows, ("program_id", "state", "start_state", "stage"))
    r0 = reach.alias("w0")
    elapsed = days_between(bindparam("now", now, type_=ApplicationEvent.__table__.c.at.type), r0.c.at)
    base = (
        select(A.id).select_from(A)
        .join(waits, and_(waits.c.program_id == A.program_id, waits.c.state == A.state))
        .outerjoin(r0, and_(r0.c.application_id == A.id, r0.c.to_state == waits.c.start_state))
        .outerjoin(T, and_(T.program_id == A.program_id, T.stage == waits.c.stage))
        .where(*area)
    )
    return base, waits, elapsed, T


def _waiting(session: Session, reach, area, ids, programs, counties, now) -> list[WaitingFigure]:
    A = Application
    base, waits, elapsed, T = _waiting_query(reach, area, ids, now)
    rows = session.execute(
        base.with_only_columns(A.program_id, waits.c.stage, A.county_id, func.count(), func.max(T.target_days),
                               _late_flag(elapsed, T.target_days))
        .group_by(A.program_id, waits.c.stage, A.county_id)
    ).all()
    order = {s: i for i, s in enumerate(STAGE_LABELS)}
    out = [WaitingFigure(programs[p], stage, county_id, counties.get(county_id, "—"), int(n), target, int(late or 0))
           for p, stage, county_id, n, target, late in rows]
    return sorted(out, key=lambda w: (w.program, order[w.stage], w.county))


def _late_cases(session: Session, reach, area, ids, programs, counties, now) -> list[LateCase]:
    A = Application
    base, waits, elapsed, T = _waiting_query(reach, area, ids, now)
    rows = session.execute(
        base.with_only_columns(A.id, A.tracking_code, A.program_id, waits.c.stage, A.county_id, elapsed, T.target_days)
        .where(T.target_days.isnot(None), elapsed > T.target_days)
        .order_by((elapsed - T.target_days).desc(), A.id).limit(LATE_LIST)
    ).all()
    return [LateCase(i, code, programs[p], stage, counties.get(c, "—"), float(days), target)
            for i, code, p, stage, c, days, target in rows]


# the figures of the stage times, as the service computed them over its table of the period's stage times
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
    return by_month(rows, programs)
