"""Reading the append-only audit log, within the reader's area.

A national manager reads every record; a provincial manager reads the records of her province
(each record carries the province it concerns, filled when it was written: services.base.audit).
Records name the acting user (full name joined here), the case (tracking code) and the before and
after snapshots; the Persian labels of action codes and fields are in lib/audit_labels.py.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import or_
from sqlmodel import Session, select

from db.models import Application, AuditLog, User, utc_midnight
from lib.errors import Forbidden, InvalidInput
from lib.permissions import Action, Scope, scope_of
from lib.text import to_latin_digits
from services.base import Actor

MAX_ROWS = 5_000


@dataclass(frozen=True)
class AuditEntry:
    """One audit record as a reader sees it."""

    id: int
    at: datetime
    user_id: int | None
    username: str
    full_name: str | None  # None for the system (or a user since removed)
    action: str
    entity: str
    entity_id: str | None
    application_id: int | None
    tracking_code: str | None
    province_id: int | None
    before: dict | None
    after: dict | None


def _area_conditions(actor: Actor) -> list:
    actor.require(Action.view_audit)
    scope = scope_of(actor.role, actor.area)
    if scope == Scope.national:
        return []
    if scope == Scope.province and actor.province_id is not None:
        return [AuditLog.province_id == actor.province_id]
    raise Forbidden("رویدادنگار را مدیران استان (رویدادهای استان خود) و مدیران ستادی (همه) می‌بینند.")


def _case_id(session: Session, tracking_code: str) -> int:
    code = to_latin_digits(tracking_code).strip().upper()
    if not code or len(code) > 20 or not code.isalnum() or not code.isascii():
        raise InvalidInput(
            "کد رهگیری را همان‌طور که روی پرونده آمده بنویسید (حرف لاتین و رقم، حداکثر ۲۰ نویسه).",
            field="tracking_code",
        )
    found = session.exec(select(Application.id).where(Application.tracking_code == code)).first()
    if found is None:
        raise InvalidInput("پرونده‌ای با این کد رهگیری پیدا نشد؛ کد را دوباره بررسی کنید.", field="tracking_code")
    return found


def audit_entries(
    session: Session,
    actor: Actor,
    *,
    username: str | None = None,
    user_id: int | None = None,
    action: str | None = None,
    entity: str | None = None,
    tracking_code: str | None = None,
    since: date | None = None,
    until: date | None = None,
    limit: int = 500,
) -> list[AuditEntry]:
    """The newest audit records of the actor's area, filtered (by user, action, case, days)."""
    conditions = _area_conditions(actor)
    if since and until and since > until:
        raise InvalidInput("تاریخ «از» پس از تاریخ «تا» است؛ بازه را درست کنید.", field="since")
    if username:
        conditions.append(AuditLog.username == username.strip().lower())
    if user_id is not None:
        conditions.append(AuditLog.user_id == user_id)
    if action:
        conditions.append(AuditLog.action == action)
    if entity:
        conditions.append(AuditLog.entity == entity)
    if tracking_code and tracking_code.strip():
        conditions.append(AuditLog.application_id == _case_id(session, tracking_code))
    if since:
        conditions.append(AuditLog.at >= utc_midnight(since))
    if until:
        conditions.append(AuditLog.at < utc_midnight(until + timedelta(days=1)))
    query = (
        select(AuditLog, User.full_name, Application.tracking_code)
        .join(User, User.id == AuditLog.user_id, isouter=True)  # type: ignore[arg-type]
        .join(Application, Application.id == AuditLog.application_id, isouter=True)  # type: ignore[arg-type]
        .where(*conditions)
        .order_by(AuditLog.id.desc())  # type: ignore[union-attr]
        .limit(max(1, min(limit, MAX_ROWS)))
    )
    return [
        AuditEntry(
            id=rec.id, at=rec.at, user_id=rec.user_id, username=rec.username, full_name=full_name,
            action=rec.action, entity=rec.entity, entity_id=rec.entity_id, application_id=rec.application_id,
            tracking_code=code, province_id=rec.province_id, before=rec.before, after=rec.after,
        )
        for rec, full_name, code in session.exec(query).all()
    ]


def audit_users(session: Session, actor: Actor) -> list[tuple[int, str, str]]:
    """The users whose records the actor may filter by, as (id, full name, username): everyone for
    a national reader; for a provincial one her province's staff and the national staff."""
    conditions = _area_conditions(actor)
    query = select(User.id, User.full_name, User.username)
    if conditions:
        query = query.where(or_(User.province_id == actor.province_id, User.province_id.is_(None)))  # type: ignore[union-attr]
    return [(r[0], r[1], r[2]) for r in session.exec(query.order_by(User.full_name, User.id)).all()]
