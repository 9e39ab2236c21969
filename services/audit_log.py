"""Reading the append-only audit log."""
from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import Session, select

from db.models import AuditLog, utc_midnight
from lib.permissions import Action
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
    actor.require(Action.view_audit)
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
