"""The priority ranking of scored cases awaiting a committee, a page at a time.

The order is :func:`lib.ranking.rank`'s: committee overrides first (by the rank the committee
gave), then everyone else by total descending, holders of a government insurance discount after
all others; ties by earlier application, then lower case number. The database walks its ranking
index (migration 0018: area, discount holder, override, total descending, date, id — only the
cases in a ranked state with a score) in three ranges, so a page reads its own rows and two
counts of the index, whatever the size of the area. :func:`lib.ranking.rank_frame` then checks
the page (an override needs its reason) and numbers it.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from sqlalchemy import func, text
from sqlmodel import Session, select

from db.models import Applicant, Application, County, Program, User
from db.models.cases import RANKED_WHERE
from lib import validate
from lib.errors import InvalidInput
from lib.permissions import Action, Scope, scope_of
from lib.ranking import rank_frame
from lib.workflow import ProgramCode, to_program
from services.base import Actor, area_conditions, county_area

COLUMNS = ("application_id", "tracking_code", "applicant", "county", "state", "total", "discount_holder",
           "applied_on", "override_rank", "override_reason", "override_by")


@dataclass(frozen=True)
class RankingPage:
    """Rows ``offset`` … of the area's ranking (``rank`` counts from the top of the whole area)
    and how many cases the whole ranking has."""

    frame: pd.DataFrame
    total: int
    offset: int


def _ranked(session: Session, actor: Actor, program: str) -> list:
    """The conditions of the ranking's partial indexes: the programme's scored cases awaiting a committee."""
    actor.require(Action.view_cases)
    if to_program(program) != ProgramCode.A:
        raise InvalidInput("رتبه‌بندی بر پایه جدول امتیازات فقط برای برنامه سهم بیمه خویش‌فرما است.", field="program")
    program_id = session.exec(select(Program.id).where(Program.code == ProgramCode.A.value)).one()
    return [Application.program_id == program_id, text(RANKED_WHERE)]


def _conditions(session: Session, actor: Actor, program: str, county_id: int | None) -> list:
    ranked = _ranked(session, actor, program)
    if county_id is not None:
        actor.require(Action.view_cases, county_area(session, county_id))
        return [Application.county_id == county_id, *ranked]  # (in the area: checked) one index, the county's
    return [*area_conditions(actor, Application), *ranked]


# the three ranges of the ranking indexes, in ranking order: (conditions, order) each
_BY_TOTAL = (Application.score_total.desc(), Application.applied_on, Application.id)  # type: ignore[union-attr]
_NOT_OVERRIDDEN = Application.priority_override.is_(None)  # type: ignore[union-attr]
_GROUPS = (
    ((Application.priority_override.is_not(None),), (Application.priority_override, *_BY_TOTAL)),  # type: ignore[union-attr]
    ((_NOT_OVERRIDDEN, Application.discount_holder.is_(False)), _BY_TOTAL),  # type: ignore[attr-defined]
    ((_NOT_OVERRIDDEN, Application.discount_holder.is_(True)), _BY_TOTAL),  # type: ignore[attr-defined]
)


def _count(session: Session, conditions: list) -> int:
    return int(session.exec(select(func.count()).select_from(Application).where(*conditions)).one())


def _rows(session: Session, conditions: list, order: tuple, offset: int, limit: int) -> list[tuple]:
    query = (
        select(
            Application.id, Application.tracking_code, Applicant.first_name, Applicant.last_name, County.name,
            Application.state, Application.score_total, Application.discount_holder, Application.applied_on,
            Application.priority_override, Application.priority_reason, User.full_name,
        )
        .join(Applicant, Applicant.id == Application.applicant_id)
        .join(County, County.id == Application.county_id)
        .outerjoin(User, User.id == Application.priority_set_by)
        .where(*conditions)
        .order_by(*order)
        .offset(offset)
        .limit(limit)
    )
    return [
        (aid, code, f"{first} {last}", county, state, total, bool(holder), applied, override, reason, by)
        for aid, code, first, last, county, state, total, holder, applied, override, reason, by in session.exec(query).all()
    ]


def ranking_page(
    session: Session, actor: Actor, *, program: str = "A", county_id: int | None = None, offset: int = 0,
    limit: int = 100,
) -> RankingPage:
    """``limit`` rows of the ranking of a county (or the actor's whole area) from rank ``offset + 1``.

    Columns: rank, application_id, tracking_code, applicant, county, state, total,
    discount_holder, applied_on, override_rank, override_reason, override_by."""
    offset = validate.integer(offset, field="offset", label_fa="ردیف آغاز", minimum=0, maximum=validate.INT32_MAX)
    limit = validate.integer(limit, field="limit", label_fa="تعداد ردیف", minimum=1, maximum=validate.INT32_MAX)
    base = _conditions(session, actor, program, county_id)
    rows: list[tuple] = []
    total = 0  # where the current range begins in the whole ranking; at the end, its length
    for group, order in _GROUPS:
        conditions = [*base, *group]
        size = _count(session, conditions)  # index entries only
        skip = max(0, offset - total)
        if skip < size and len(rows) < limit:
            rows += _rows(session, conditions, order, skip, min(limit - len(rows), size - skip))
        total += size
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    frame["total"] = frame["total"].astype("int64")
    frame["override_rank"] = frame["override_rank"].astype("Int64")
    ranked = rank_frame(frame).reset_index(drop=True)
    ranked["rank"] += offset
    return RankingPage(ranked[["rank", *COLUMNS]], total, offset)


def waiting_by_county(session: Session, actor: Actor, *, program: str = "A") -> dict[int, int]:
    """How many scored cases wait for a committee in each county of the actor's area (counties
    with none are left out): the ranking opens on a county where there is something to rank.

    Counts entries of the per-county ranking indexes only (the cases ordered by hand and the
    others, one query each), county by county: no case row is read, so the 15,000 cases waiting
    in a province of the 300,000 demo cost about 5 ms (grouping the province's cases read each
    row: 80 ms)."""
    ranked = _ranked(session, actor, program)
    counties = select(County.id)
    scope = scope_of(actor.role, actor.area)
    if scope == Scope.county:
        counties = counties.where(County.id == actor.county_id)
    elif scope == Scope.province:
        counties = counties.where(County.province_id == actor.province_id)
    waiting: dict[int, int] = {}
    for which in (_NOT_OVERRIDDEN, Application.priority_override.is_not(None)):  # type: ignore[union-attr]
        query = (select(Application.county_id, func.count())
                 .where(Application.county_id.in_(counties), *ranked, which)  # type: ignore[union-attr]
                 .group_by(Application.county_id))
        for county, n in session.exec(query).all():
            waiting[int(county)] = waiting.get(int(county), 0) + int(n)
    return waiting
