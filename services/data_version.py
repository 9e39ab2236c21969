"""The data version: a number that every audited write raises, read from the database.

Every write that matters is audited (services.base.audit) and audit records get ids in the order
they are committed (db.audit_chain serialises appenders), so the newest audit id changes exactly
when committed data may have changed — on this app server or any other sharing the database.
Pages key cached figures by it (with the area), so a cache is reused until the next write and a
write on one server is seen on another at its next rerun. One primary-key lookup: constant cost.
"""
from __future__ import annotations

from sqlalchemy import func
from sqlmodel import Session, select

from db.models import AuditLog


def data_version(session: Session) -> int:
    """The id of the newest audit record (0 for an empty log)."""
    return int(session.exec(select(func.max(AuditLog.id))).one() or 0)
