"""Programme B quotas: the introduction slots announced to each county for a Jalali year.

Seed 000 (SLA 19042711100): the executing unit introduces eligible women to SSO branches
«بر اساس سهمیه اعلامی» — within the quota announced to it. A quota is one ``Quota`` row per
county and Jalali year; its use is the number of ``Introduction`` rows of that county and year.
The quota row is also the lock that serialises introductions competing for the last slot
(:func:`lock_quota`).
"""
from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from db.models import Application, County, Introduction, Program, Province, Quota
from lib import validate
from lib.errors import InvalidInput
from lib.jalali import MAX_INPUT_YEAR, MIN_INPUT_YEAR
from lib.permissions import Action, Scope, scope_of
from lib.text import format_number, parse_int, to_persian_digits
from lib.workflow import ProgramCode, State
from services.applications import program_by_code
from services.base import Actor, audit, county_area, find, snapshot
from services.tallies import case_counts

MAX_SLOTS = 1_000_000
QUOTA_USE_COLUMNS = ("county_id", "province", "county", "slots", "introduced", "remaining", "waiting")

_CONCURRENT = (
    "کاربر دیگری هم‌زمان سهمیه همین شهرستان را تغییر داد؛ صفحه را تازه کنید و دوباره ذخیره کنید."
)


def lock_quota(session: Session, program_id: int, county_id: int, jalali_year: int) -> Quota | None:
    """The county's quota row for the year, locked until the transaction ends (None if none).

    PostgreSQL: ``SELECT … FOR UPDATE`` locks the row, so a second introduction or quota
    change for the same county and year waits until the first commits and then counts again.
    SQLite has no row locks: a no-op ``UPDATE`` takes the database's single write lock first
    (before anything is counted), which serialises the writers the same way.
    """
    where = (
        Quota.program_id == program_id,
        Quota.county_id == county_id,
        Quota.jalali_year == jalali_year,
    )
    if session.get_bind().dialect.name == "sqlite":
        session.execute(update(Quota).where(*where).values(slots=Quota.slots))
    return session.exec(select(Quota).where(*where).with_for_update()).first()


def quota_slots(session: Session, program_id: int, county_id: int, jalali_year: int) -> int | None:
    """The slots announced to the county for the year, or None when none were (no lock)."""
    return session.exec(
        select(Quota.slots).where(
            Quota.program_id == program_id,
            Quota.county_id == county_id,
            Quota.jalali_year == jalali_year,
        )
    ).first()


def introduced_count(session: Session, county_id: int, jalali_year: int) -> int:
    """How many women of the county were introduced to SSO in the Jalali year and not refused
    by it (a refused introduction gives its seat back)."""
    return int(
        session.exec(
            select(func.count(Introduction.id)).where(
                Introduction.county_id == county_id,
                Introduction.jalali_year == jalali_year,
                Introduction.refused_on.is_(None),  # type: ignore[union-attr]
            )
        ).one()
    )


def parse_year(value: int | str | None) -> int:
    """A Jalali year typed in any digits (InvalidInput in Persian otherwise)."""
    return parse_int(
        value, field="jalali_year", label_fa="سال", minimum=MIN_INPUT_YEAR, maximum=MAX_INPUT_YEAR
    )


def _set_one(session: Session, actor: Actor, program: Program, county_id: int, year: int, slots: object) -> Quota:
    """Validate and stage one county's quota (no commit); audit when it changes."""
    target = county_area(session, county_id)
    actor.require(Action.manage_quota, target)
    county = find(session, County, county_id)
    value = parse_int(
        slots,  # type: ignore[arg-type]
        field="slots",
        label_fa=f"سهمیه شهرستان {county.name}",
        minimum=0,
        maximum=MAX_SLOTS,
    )
    quota = lock_quota(session, program.id, county_id, year)
    used = introduced_count(session, county_id, year)
    if value < used:
        raise InvalidInput(
            f"در سال {to_persian_digits(year)} تاکنون {format_number(used)} نفر از شهرستان "
            f"{county.name} معرفی شده‌اند؛ سهمیه را نمی‌توان کمتر از {format_number(used)} نفر کرد.",
            field="slots",
        )
    before = snapshot(quota)
    if quota is None:
        quota = Quota(
            program_id=program.id,
            province_id=target.province_id,
            county_id=county_id,
            jalali_year=year,
            slots=value,
        )
    elif quota.slots == value:
        return quota
    else:
        quota.slots = value
    session.add(quota)
    session.flush()
    audit(session, actor, "quota.set", "quota", quota.id, before=before, after=snapshot(quota))
    return quota


def _county_id(value: object) -> int:
    county_id = validate.record_id(value)
    if county_id is None:
        raise InvalidInput("شهرستان انتخاب‌شده در فهرست نیست؛ شهرستان را از فهرست انتخاب کنید.", field="county_id")
    return county_id


def set_quotas(session: Session, actor: Actor, jalali_year: int | str, slots_by_county: Mapping[int, object]) -> list[Quota]:
    """Announce (or correct) the quotas of several counties in ONE transaction.

    Every county must be in the actor's area and every value valid; the first refusal
    rolls everything back. A quota cannot fall below the introductions already made.
    """
    try:
        year = parse_year(jalali_year)
        if not slots_by_county:
            raise InvalidInput("تغییری در سهمیه‌ها وارد نشده است.", field="slots")
        counties = {_county_id(county_id): slots for county_id, slots in slots_by_county.items()}
        program = program_by_code(session, ProgramCode.B)
        saved = [
            _set_one(session, actor, program, county_id, year, slots)
            for county_id, slots in sorted(counties.items())  # one lock order: no deadlock
        ]
        session.commit()
    except IntegrityError:
        session.rollback()
        raise InvalidInput(_CONCURRENT, field="slots") from None
    except BaseException:
        session.rollback()
        raise
    return saved


def set_quota(session: Session, actor: Actor, county_id: int, jalali_year: int | str, slots: int | str) -> Quota:
    """Announce (or correct) one county's programme-B quota for a Jalali year."""
    return set_quotas(session, actor, jalali_year, {_county_id(county_id): slots})[0]


def quota_use(
    session: Session,
    actor: Actor,
    jalali_year: int | str,
    *,
    province_id: int | None = None,
    county_id: int | None = None,
) -> pd.DataFrame:
    """Per county of the actor's area: slots (None: no quota announced), introduced, remaining
    and waiting (eligible, not yet introduced). ``province_id``/``county_id`` narrow the view
    (never widen it: the area conditions always apply).

    Columns: ``QUOTA_USE_COLUMNS``; one aggregate SQL statement.
    """
    actor.require(Action.view_cases)
    year = parse_year(jalali_year)
    program = program_by_code(session, ProgramCode.B)
    scope = scope_of(actor.role, actor.area)
    if scope == Scope.county:
        where = [County.id == actor.county_id]
    elif scope == Scope.province:
        where = [County.province_id == actor.province_id]
    else:
        where = []
    if province_id is not None:
        where.append(County.province_id == province_id)
    if county_id is not None:
        where.append(County.id == county_id)

    slots = (
        select(Quota.county_id, Quota.slots)
        .where(Quota.program_id == program.id, Quota.jalali_year == year)
        .subquery()
    )
    introduced = (
        select(Introduction.county_id, func.count(Introduction.id).label("n"))
        .where(Introduction.jalali_year == year, Introduction.refused_on.is_(None))  # type: ignore[union-attr]
        .group_by(Introduction.county_id)
        .subquery()
    )
    waiting = _waiting_counts(program.id).subquery()
    rows = session.exec(
        select(
            County.id,
            Province.name,
            County.name,
            slots.c.slots,
            func.coalesce(introduced.c.n, 0),
            func.coalesce(waiting.c.n, 0),
        )
        .join(Province, Province.id == County.province_id)
        .outerjoin(slots, slots.c.county_id == County.id)
        .outerjoin(introduced, introduced.c.county_id == County.id)
        .outerjoin(waiting, waiting.c.county_id == County.id)
        .where(*where)
        .order_by(Province.name, County.name)
    ).all()
    frame = pd.DataFrame(
        [(cid, prov, name, s, int(i), int(w)) for cid, prov, name, s, i, w in rows],
        columns=["county_id", "province", "county", "slots", "introduced", "waiting"],
    )
    frame["slots"] = frame["slots"].astype("Int64")
    frame["remaining"] = (frame["slots"] - frame["introduced"]).astype("Int64")
    return frame[list(QUOTA_USE_COLUMNS)]


def _waiting_counts(program_id: int):
    """Per county: programme-B cases found eligible and not yet introduced (the waiting list)."""
    return (
        select(Application.county_id, func.count(Application.id).label("n"))
        .where(Application.program_id == program_id, Application.state == State.county_decision.value)
        .group_by(Application.county_id)
    )


def county_quota(session: Session, actor: Actor, county_id: int, jalali_year: int | str) -> dict[str, int | None]:
    """One county's gauge: slots (None when not announced), introduced, remaining, waiting — the
    same figures as its row of :func:`quota_use`, read for that county alone (the slots, the count of
    its introductions through their index, the waiting cases from the case tally kept with every write)."""
    actor.require(Action.view_cases, county_area(session, county_id))
    year = parse_year(jalali_year)
    program = program_by_code(session, ProgramCode.B)
    slots = quota_slots(session, program.id, county_id, year)
    introduced = introduced_count(session, county_id, year)
    waiting = case_counts(session, [State.county_decision.value], by=None, county_id=county_id, program_id=program.id)
    return {
        "slots": slots,
        "introduced": introduced,
        "remaining": None if slots is None else slots - introduced,
        "waiting": sum(waiting.values()),
    }
