"""SSO branches: the branches of the Social Security Organisation each county's unit introduces
women to (programme B). Reference data kept by administrators, never invented: the project ships
no list of branches (we hold no authoritative one); an administrator adds a county's branches,
and can retire one (inactive: no longer offered, its past introductions keep its name).
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from db.models import County, SsoBranch
from lib.errors import InvalidInput
from lib.permissions import Action
from lib import validate
from lib.text import format_number, to_latin_digits
from services.base import Actor, audit, county_area, find, snapshot

__all__ = ["BranchRow", "county_branches", "add_branch", "set_branch_active", "get_branch"]

MAX_NAME = int(SsoBranch.__table__.c["name"].type.length)  # type: ignore[attr-defined]
MAX_CODE = int(SsoBranch.__table__.c["code"].type.length)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class BranchRow:
    id: int
    county_id: int
    name: str
    code: str
    active: bool


def _row(branch: SsoBranch) -> BranchRow:
    return BranchRow(branch.id, branch.county_id, branch.name, branch.code, branch.active)  # type: ignore[arg-type]


def county_branches(session: Session, actor: Actor, county_id: int, *, active_only: bool = True) -> list[BranchRow]:
    """The county's SSO branches by name (only those still in use unless ``active_only`` is False)."""
    actor.require(Action.view_cases, county_area(session, county_id))
    query = select(SsoBranch).where(SsoBranch.county_id == county_id)
    if active_only:
        query = query.where(SsoBranch.active == True)  # noqa: E712
    return [_row(b) for b in session.exec(query.order_by(SsoBranch.name, SsoBranch.id)).all()]


def get_branch(session: Session, county_id: int, branch_id: object) -> SsoBranch:
    """An active branch of the county, for an introduction; InvalidInput (field ``branch``) otherwise."""
    county = find(session, County, county_id)
    where = f"شهرستان {county.name}" if county else "این شهرستان"
    if branch_id in (None, ""):
        raise InvalidInput(f"شعبه تأمین اجتماعی را از فهرست شعب {where} انتخاب کنید.", field="branch")
    branch = find(session, SsoBranch, branch_id)
    if branch is None or branch.county_id != county_id:
        raise InvalidInput(f"این شعبه در فهرست شعب تأمین اجتماعی {where} نیست؛ شعبه را از فهرست انتخاب کنید.", field="branch")
    if not branch.active:
        raise InvalidInput(f"شعبه «{branch.name}» دیگر فعال نیست؛ شعبه دیگری از فهرست انتخاب کنید.", field="branch")
    return branch


def _clean_name(name: str | None) -> str:
    return validate.clean_text(name, field="name", label_fa="نام شعبه تأمین اجتماعی", max_length=MAX_NAME,
                               required=True)


def _clean_code(code: str | None) -> str:
    text = to_latin_digits(validate.clean_text(code, field="code", label_fa="کد شعبه", max_length=10 * MAX_CODE))
    text = text.replace(" ", "")
    if len(text) > MAX_CODE or not all(ch.isascii() and ch.isalnum() or ch == "-" for ch in text):
        raise InvalidInput(
            f"کد شعبه فقط رقم و حروف لاتین است و حداکثر {format_number(MAX_CODE)} نویسه؛ آن را اصلاح کنید یا خالی بگذارید.",
            field="code",
        )
    return text


def add_branch(session: Session, actor: Actor, county_id: int, name: str, code: str = "") -> SsoBranch:
    """Add an SSO branch to a county's list (administrators; audited). A name the county already
    has is refused."""
    try:
        actor.require(Action.manage_reference_data, county_area(session, county_id))
        branch = SsoBranch(county_id=county_id, name=_clean_name(name), code=_clean_code(code), active=True)
        same = session.exec(
            select(SsoBranch.id).where(SsoBranch.county_id == county_id, SsoBranch.name == branch.name)
        ).first()
        if same is not None:
            raise InvalidInput(f"شعبه «{branch.name}» در فهرست همین شهرستان هست.", field="name")
        session.add(branch)
        session.flush()
        audit(session, actor, "sso_branch.create", "sso_branch", branch.id, after=snapshot(branch))
        session.commit()
    except IntegrityError:
        session.rollback()
        raise InvalidInput("هم‌زمان شعبه‌ای با همین نام در همین شهرستان ثبت شد؛ فهرست را تازه کنید.", field="name") from None
    except BaseException:
        session.rollback()
        raise
    return branch


def set_branch_active(session: Session, actor: Actor, branch_id: int, active: bool) -> SsoBranch:
    """Retire a branch (no longer offered for introductions) or bring it back; audited."""
    branch = find(session, SsoBranch, branch_id)
    if branch is None:
        raise InvalidInput("شعبه‌ای با این شماره پیدا نشد.", field="branch")
    actor.require(Action.manage_reference_data, county_area(session, branch.county_id))
    if branch.active == bool(active):
        return branch
    before = snapshot(branch)
    branch.active = bool(active)
    session.add(branch)
    audit(session, actor, "sso_branch.active", "sso_branch", branch.id, before=before, after=snapshot(branch))
    session.commit()
    return branch
