"""The append-only audit log."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column, String
from sqlmodel import Field, SQLModel

from db.models.common import utcnow


# --------------------------------------------------------------------------- audit
class AuditLog(SQLModel, table=True):
    """Append-only (triggers; on PostgreSQL the app's role may only INSERT and SELECT it): who, when,
    what, before, after, in which province, chained to the record before it by ``hash``
    (``lib.audit_chain``; the database layer fills ``id`` and ``hash`` when the record is written)."""

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    user_id: int | None = Field(default=None, foreign_key="user.id")
    username: str = Field(default="system", max_length=60)
    action: str = Field(max_length=60)
    entity: str = Field(max_length=40)
    entity_id: str | None = Field(default=None, max_length=40, sa_type=String(40))
    before: dict | None = Field(default=None, sa_column=Column(JSON))
    after: dict | None = Field(default=None, sa_column=Column(JSON))
    province_id: int | None = Field(default=None, foreign_key="province.id", index=True)
    """The province the record concerns (its case's, user's, or the actor's); none = national."""
    application_id: int | None = Field(default=None, index=True)
    """The case the record is about (no foreign key: the log outlives what it describes)."""
    hash: str | None = Field(default=None, max_length=64, sa_type=String(64))
    """SHA-256 of the previous record's hash and this record's content (lib.audit_chain)."""


APPEND_ONLY_TABLES = ("decision", "auditlog")
