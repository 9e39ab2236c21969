"""Reads of reference data for forms (areas, programmes, wages), and the administrators' changes to
the list of counties (add, rename, retire — audited, with the checks that keep cases and users whole).

A retired county (``county.active`` false: merged into another, split) is no longer offered for new
users (services.users refuses it) nor in the lists that ask for ``active_only``; its cases, users,
payment lines and history keep it. It can be retired only once nothing is open in it: no open case,
no active user, no SSO branch still in use.

Retiring and intake are serialised on the county's row (:func:`hold_counties`): every path that opens a
case in a county (Form 1, the Excel import) — or adds a user or an active SSO branch to it — holds the row
shared and re-reads ``active``; retiring holds
it exclusively and counts the open cases after the lock. So of a retire and an intake at the same moment
one wins: either the case exists and the retire is refused, or the county is retired and the intake is."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from db.models import Application, County, MinimumWage, Program, Province, SsoBranch, User
from lib import validate
from lib.errors import InvalidInput
from lib.permissions import Action
from lib.text import format_number
from lib.workflow import TERMINAL_STATES
from services.base import Actor, audit, find, snapshot

MAX_COUNTY_NAME = int(County.__table__.c["name"].type.length)  # type: ignore[attr-defined]


def provinces(session: Session) -> list[Province]:
    return list(session.exec(select(Province).order_by(Province.name)).all())


def counties_of(session: Session, province_id: int, *, active_only: bool = False) -> list[County]:
    query = select(County).where(County.province_id == province_id)
    if active_only:
        query = query.where(County.active == True)  # noqa: E712
    return list(session.exec(query.order_by(County.name)).all())


def programs(session: Session) -> list[Program]:
    return list(session.exec(select(Program).order_by(Program.code)).all())


def minimum_wages(session: Session) -> dict[int, int]:
    return {w.jalali_year: w.daily_wage_rial for w in session.exec(select(MinimumWage)).all()}


# --------------------------------------------------------------------------- counties (administrators)
@dataclass(frozen=True)
class CountyRow:
    id: int
    name: str
    active: bool
    open_cases: int
    active_users: int
    active_branches: int


def county_table(session: Session, actor: Actor, province_id: int) -> list[CountyRow]:
    """A province's counties with what keeps each in use (grouped counts, one query each)."""
    actor.require(Action.manage_reference_data)
    counties = counties_of(session, province_id)
    ids = [c.id for c in counties]
    cases = dict(session.exec(
        select(Application.county_id, func.count()).where(Application.county_id.in_(ids),  # type: ignore[attr-defined]
                                                          Application.state.not_in(_TERMINAL))  # type: ignore[attr-defined]
        .group_by(Application.county_id)).all()) if ids else {}
    users = dict(session.exec(select(User.county_id, func.count()).where(
        User.county_id.in_(ids), User.active == True).group_by(User.county_id)).all()) if ids else {}  # type: ignore[attr-defined]  # noqa: E712
    branches = dict(session.exec(select(SsoBranch.county_id, func.count()).where(
        SsoBranch.county_id.in_(ids), SsoBranch.active == True).group_by(SsoBranch.county_id)).all()) if ids else {}  # type: ignore[attr-defined]  # noqa: E712
    return [CountyRow(c.id, c.name, c.active, cases.get(c.id, 0), users.get(c.id, 0), branches.get(c.id, 0))
            for c in counties]


_TERMINAL = sorted(s.value for s in TERMINAL_STATES)


def _county_name(value: object) -> str:
    return validate.clean_text(value, field="name", label_fa="نام شهرستان", max_length=MAX_COUNTY_NAME, required=True)


def _refuse_duplicate(session: Session, province_id: int, name: str, county_id: int | None = None) -> None:
    same = session.exec(select(County).where(County.province_id == province_id, County.name == name)).first()
    if same is not None and same.id != county_id:
        state = "" if same.active else " (غیرفعال؛ می‌توانید همان را دوباره فعال کنید)"
        raise InvalidInput(f"شهرستان «{name}» در همین استان هست{state}؛ نام دیگری بنویسید.", field="name")


def _commit_unique(session: Session) -> None:
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise InvalidInput("هم‌زمان شهرستانی با همین نام در همین استان ثبت شد؛ فهرست را تازه کنید.", field="name") from None


def add_county(session: Session, actor: Actor, province_id: object, name: object) -> County:
    """Add a county to a province (a new division); refused if the province already has that name."""
    actor.require(Action.manage_reference_data)
    province = find(session, Province, province_id)
    if province is None:
        raise InvalidInput("استان انتخاب‌شده در فهرست نیست؛ استان را از فهرست انتخاب کنید.", field="province_id")
    text = _county_name(name)
    _refuse_duplicate(session, province.id, text)
    county = County(province_id=province.id, name=text, active=True)
    session.add(county)
    session.flush()
    audit(session, actor, "county.create", "county", county.id, after=snapshot(county), province_id=province.id)
    _commit_unique(session)
    return county


RETIRED_FOR_INTAKE = "شهرستانی را که اکنون محل سکونت متقاضی در آن است انتخاب کنید."


def hold_counties(session: Session, county_ids: object, *, exclusive: bool = False) -> list[County]:
    """Lock these counties' rows until the transaction ends and return them as they are now.

    PostgreSQL: ``SELECT … FOR SHARE`` (intake: many may share) or ``FOR UPDATE`` (``exclusive``:
    retiring), so a retire waits for the intakes in flight and they wait for it. SQLite has no row
    locks: a no-op ``UPDATE`` is the transaction's first write and takes the database's single
    write lock, so the check that follows and the writes after it are one serialised step."""
    ids = sorted(set(county_ids))  # type: ignore[call-overload]
    if not ids:
        return []
    where = County.id.in_(ids)  # type: ignore[union-attr]
    stmt = select(County).where(where).order_by(County.id)
    if session.get_bind().dialect.name == "sqlite":
        session.execute(update(County).where(where).values(active=County.active))
    else:
        stmt = stmt.with_for_update(read=not exclusive)
    return list(session.exec(stmt.execution_options(populate_existing=True)).all())


def refuse_retired(session: Session, county_ids: object, fix: str = RETIRED_FOR_INTAKE, *,
                   takes: str = "پرونده تازه") -> None:
    """Before a new case (or ``takes``: a user, a branch) is written into these counties: hold them
    (:func:`hold_counties`, shared) and refuse, in Persian and with nothing written, if one was
    retired — also a moment ago."""
    retired = next((c for c in hold_counties(session, county_ids) if not c.active), None)
    if retired is not None:
        message = f"شهرستان «{retired.name}» بازنشسته شده است و {takes} نمی‌پذیرد؛ {fix}"
        session.rollback()
        raise InvalidInput(message, field="county_id")


def _county(session: Session, county_id: object) -> County:
    county = find(session, County, county_id)
    if county is None:
        raise InvalidInput("شهرستان انتخاب‌شده در فهرست نیست؛ شهرستان را از فهرست انتخاب کنید.", field="county_id")
    return county


def rename_county(session: Session, actor: Actor, county_id: object, name: object) -> County:
    """Correct or change a county's name (its cases and history follow: they refer to it by id)."""
    actor.require(Action.manage_reference_data)
    county = _county(session, county_id)
    text = _county_name(name)
    if text == county.name:
        raise InvalidInput("نام تازه همان نام کنونی است؛ چیزی تغییر نکرد.", field="name")
    _refuse_duplicate(session, county.province_id, text, county.id)
    before = snapshot(county)
    county.name = text
    session.add(county)
    audit(session, actor, "county.rename", "county", county.id, before=before, after=snapshot(county))
    _commit_unique(session)
    return county


def set_county_active(session: Session, actor: Actor, county_id: object, active: object) -> County:
    """Retire a county or bring it back; retiring is refused while anything in it is still open."""
    actor.require(Action.manage_reference_data)
    county = _county(session, county_id)
    if not isinstance(active, bool):
        raise InvalidInput("فعال یا غیرفعال بودن شهرستان را مشخص کنید.", field="active")
    if not active:  # the open cases are counted after the lock: an intake in flight is either in or out
        hold_counties(session, [county.id], exclusive=True)
    if county.active == active:
        session.rollback()
        return county
    if not active:
        row = county_table(session, actor, county.province_id)
        mine = next(r for r in row if r.id == county.id)
        blockers = [f"{format_number(n)} {what}" for n, what in (
            (mine.open_cases, "پرونده باز"), (mine.active_users, "کاربر فعال"), (mine.active_branches, "شعبه فعال تأمین اجتماعی"))
            if n]
        if blockers:
            session.rollback()
            raise InvalidInput(
                f"شهرستان «{county.name}» هنوز {'، '.join(blockers)} دارد؛ پیش از غیرفعال کردن، پرونده‌ها را به پایان "
                "برسانید یا به شهرستان دیگر منتقل کنید، کاربران را غیرفعال یا جابه‌جا کنید و شعب را غیرفعال کنید.",
                field="county_id")
    before = snapshot(county)
    county.active = active
    session.add(county)
    audit(session, actor, "county.active", "county", county.id, before=before, after=snapshot(county))
    session.commit()
    return county
