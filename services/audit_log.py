"""Reading the append-only audit log."""
from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import Session, select

from db.models import AuditLog, utc_midnight
from lib.errors import Forbidden
from lib.permissions import Action, Scope, scope_of
from services.base import Actor


def audit_entries(
    session: Session,
    actor: Actor,
    *,
    username: str | None = None,
    entity: str | None = None,
    since: date | None = None,
    until: date | None = None,
    limit: int = 500,
) -> list[AuditLog]:
    """The newest audit records, filtered. The log holds every area's before/after snapshots
    (names, national codes) and has no area column, so only national-scope users read it."""
    actor.require(Action.view_audit)
    if scope_of(actor.role, actor.area) != Scope.national:
        raise Forbidden(
            "رویدادنگار همه استان‌ها را در بر دارد و فقط کاربران ستادی (کل کشور) آن را می‌بینند؛ "
            "برای بررسی رویدادهای استان از مدیر سامانه کمک بگیرید."
        )
    query = select(AuditLog)
    if username:
        query = query.where(AuditLog.username == username.strip().lower())
    if entity:
        query = query.where(AuditLog.entity == entity)
    if since:
        query = query.where(AuditLog.at >= utc_midnight(since))
    if until:
        query = query.where(AuditLog.at < utc_midnight(until + timedelta(days=1)))
    return list(session.exec(query.order_by(AuditLog.id.desc()).limit(min(limit, 5000))).all())  # type: ignore[attr-defined]
