"""SSO branches: the branches of the Social Security Organisation each county's unit introduces
women to (programme B). Reference data kept by administrators, never invented: the project ships
no list of branches (we hold no authoritative one); an administrator adds a county's branches,
and can retire one (inactive: no longer offered, its past introductions keep its name).
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from db.models import Application, County, Introduction, SsoBranch
from lib.errors import InvalidInput
from lib.permissions import Action
from lib import validate
from lib.text import format_number, to_latin_digits
from lib.workflow import State
from services.base import Actor, audit, county_area, find, snapshot
from services.reference import refuse_retired

__all__ = ["BranchRow", "county_branches", "add_branch", "set_branch_active", "get_branch", "rename_branch",
           "open_introductions"]

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


RETIRED_COUNTY_FIX = "اگر شهرستان باید شعبه داشته باشد، نخست آن را دوباره فعال کنید."


def add_branch(session: Session, actor: Actor, county_id: int, name: str, code: str = "") -> SsoBranch:
    """Add an SSO branch to a county's list (administrators; audited). A name the county already
    has is refused, and so is a retired county (held until commit: a retire waits, or was first)."""
    try:
        actor.require(Action.manage_reference_data, county_area(session, county_id))
        refuse_retired(session, [county_id], RETIRED_COUNTY_FIX, takes="شعبه فعال")
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


def open_introductions(session: Session, branch_id: int) -> list[Introduction]:
    """The branch's introductions still awaiting SSO's answer (the case introduced, not refused)."""
    return list(session.exec(
        select(Introduction).join(Application, Application.id == Introduction.application_id)
        .where(Introduction.branch_id == branch_id, Introduction.refused_on == None,  # noqa: E711
               Application.state == State.introduced.value)
        .order_by(Introduction.id)
    ).all())


def rename_branch(session: Session, actor: Actor, branch_id: object, name: str, code: str = "") -> SsoBranch:
    """Correct a branch's name or code (administrators; audited). Letters already written keep the
    name they were written with; a name the county already has is refused."""
    branch = find(session, SsoBranch, branch_id)
    if branch is None:
        raise InvalidInput("شعبه‌ای با این شماره پیدا نشد.", field="branch")
    actor.require(Action.manage_reference_data, county_area(session, branch.county_id))
    text, code_text = _clean_name(name), _clean_code(code)
    if (text, code_text) == (branch.name, branch.code):
        raise InvalidInput("نام و کد تازه همان نام و کد کنونی است؛ چیزی تغییر نکرد.", field="name")
    same = session.exec(select(SsoBranch.id).where(SsoBranch.county_id == branch.county_id, SsoBranch.name == text,
                                                   SsoBranch.id != branch.id)).first()
    if same is not None:
        raise InvalidInput(f"شعبه «{text}» در فهرست همین شهرستان هست؛ نام دیگری بنویسید.", field="name")
    before = snapshot(branch)
    branch.name, branch.code = text, code_text
    session.add(branch)
    audit(session, actor, "sso_branch.rename", "sso_branch", branch.id, before=before, after=snapshot(branch))
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise InvalidInput("هم‌زمان شعبه‌ای با همین نام در همین شهرستان ثبت شد؛ فهرست را تازه کنید.", field="name") from None
    return branch


def set_branch_active(session: Session, actor: Actor, branch_id: int, active: bool,
                      reassign_to: object = None) -> SsoBranch:
    """Retire a branch (no longer offered for introductions) or bring it back; audited. A branch
    with introductions still awaiting SSO's answer is retired only with ``reassign_to``: another
    active branch of the same county, to which those introductions move (audited with their cases)."""
    branch = find(session, SsoBranch, branch_id)
    if branch is None:
        raise InvalidInput("شعبه‌ای با این شماره پیدا نشد.", field="branch")
    actor.require(Action.manage_reference_data, county_area(session, branch.county_id))
    if branch.active == bool(active):
        return branch
    if active:  # a retired county keeps no active branch (services.reference)
        refuse_retired(session, [branch.county_id], RETIRED_COUNTY_FIX, takes="شعبه فعال")
    before = snapshot(branch)
    if not active:
        waiting = open_introductions(session, branch.id)
        if waiting and reassign_to in (None, ""):
            raise InvalidInput(
                f"{format_number(len(waiting))} معرفی به شعبه «{branch.name}» هنوز منتظر پاسخ تأمین اجتماعی است؛ "
                "شعبه‌ای را که این معرفی‌ها به آن منتقل شوند انتخاب کنید.", field="reassign_to")
        if waiting:
            target = get_branch(session, branch.county_id, reassign_to)
            if target.id == branch.id:
                raise InvalidInput("معرفی‌ها را به شعبه‌ای جز همین شعبه منتقل کنید.", field="reassign_to")
            for introduction in waiting:
                introduction.branch_id, introduction.branch = target.id, target.name
                session.add(introduction)
            audit(session, actor, "sso_branch.reassign", "sso_branch", branch.id,
                  before={"branch_id": branch.id, "county_id": branch.county_id},
                  after={"to_branch_id": target.id, "introductions_moved": [i.application_id for i in waiting],
                         "county_id": branch.county_id})
    branch.active = bool(active)
    session.add(branch)
    audit(session, actor, "sso_branch.active", "sso_branch", branch.id, before=before, after=snapshot(branch))
    session.commit()
    return branch
