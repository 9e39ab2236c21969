"""What every service shares: the acting user, permission checks and the audit record.

A service is one function per user action. It takes a ``Session`` and the acting user
(``Actor``), checks role and area with ``lib.permissions``, validates with ``lib``, writes,
appends the audit record and commits once. Nothing here imports Streamlit.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timezone
from enum import Enum
from typing import Any, TypeVar

from sqlalchemy import BigInteger
from sqlmodel import Session, SQLModel

from db.models import AuditLog, County, utcnow
from lib.audit_chain import case_of, province_of
from lib.errors import InvalidInput
from lib.permissions import Action, Area, Role, require
from lib.validate import INT32_MAX, record_id


@dataclass(frozen=True)
class Actor:
    """The signed-in user as services see it (plain data, safe to keep in a UI session)."""

    id: int | None
    username: str
    full_name: str
    role: Role
    province_id: int | None = None
    county_id: int | None = None

    @property
    def area(self) -> Area:
        return Area(province_id=self.province_id, county_id=self.county_id)

    def require(self, action: Action, target: Area | None = None) -> None:
        require(self.role, action, self.area, target)


def as_utc(value: datetime) -> datetime:
    """``value`` as an aware UTC datetime; a naive value is taken to be UTC already.

    The timestamp columns (``UTCDateTime``) refuse naive values, and comparing a naive
    ``datetime`` with one read from the database (aware) raises ``TypeError``."""
    if value.utcoffset() is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


T = TypeVar("T")

SYSTEM = Actor(id=None, username="system", full_name="سامانه", role=Role.admin)


def _jsonable(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_jsonable(v) for v in value]
    return value


def snapshot(obj: SQLModel | dict | None, *, exclude: tuple[str, ...] = ()) -> dict | None:
    """A JSON-safe copy of a row for the audit log (secrets excluded by the caller)."""
    if obj is None:
        return None
    data = obj if isinstance(obj, dict) else obj.model_dump()
    return {k: _jsonable(v) for k, v in data.items() if k not in exclude}


def audit(
    session: Session,
    actor: Actor,
    action: str,
    entity: str,
    entity_id: Any = None,
    *,
    before: dict | None = None,
    after: dict | None = None,
    province_id: int | None = None,
) -> AuditLog:
    """Append an audit record to the current transaction (committed with the write). Its area
    (``province_id``) is given, or found from the snapshots, the case, or the actor; the database
    layer chains it to the record before (db/audit_chain.py)."""
    record = AuditLog(
        at=utcnow(),
        user_id=actor.id,
        username=actor.username,
        action=action,
        entity=entity,
        entity_id=None if entity_id is None else str(entity_id),
        before=json.loads(json.dumps(before, default=str)) if before is not None else None,
        after=json.loads(json.dumps(after, default=str)) if after is not None else None,
    )
    record.application_id = case_of(entity, entity_id, record.before, record.after)
    record.province_id = province_id if province_id is not None else _audit_area(session, actor, record)
    session.add(record)
    return record


def _audit_area(session: Session, actor: Actor, record: AuditLog) -> int | None:
    """The province an audit record concerns: a ``province_id`` in its snapshots, else the
    province of its case or of a county they name, else the acting user's; none = national."""
    from db.models import Application

    found = province_of(record.before, record.after)
    if found is not None:
        return found
    if record.application_id is not None and (case := session.get(Application, record.application_id)) is not None:
        return case.province_id
    snaps = [s for s in (record.after, record.before) if isinstance(s, dict)]
    county_id = next((s["county_id"] for s in snaps if isinstance(s.get("county_id"), int)), None) or actor.county_id
    if county_id is not None and (county := session.get(County, county_id)) is not None:
        return county.province_id
    return actor.province_id


def find(session: Session, model: type[T], row_id: object, **kwargs: Any) -> T | None:
    """The row of ``model`` with this id, or None — also for an id that cannot be one (a bool, a
    string, a number beyond 64 bits that the database driver would refuse with an OverflowError)."""
    if isinstance(row_id, bool) or row_id is None or record_id(row_id) != row_id:
        return None
    key = model.__table__.primary_key.columns.values()[0]  # type: ignore[attr-defined]
    if row_id > INT32_MAX and not isinstance(key.type, BigInteger):  # PostgreSQL: "integer out of range"
        return None
    return session.get(model, row_id, **kwargs)


def county_area(session: Session, county_id: int) -> Area:
    county = find(session, County, county_id)
    if county is None:
        raise InvalidInput("شهرستان انتخاب‌شده در فهرست نیست؛ شهرستان را از فهرست انتخاب کنید.", field="county_id")
    return Area(province_id=county.province_id, county_id=county.id)


def area_conditions(actor: Actor, model: Any) -> list:
    """SQL conditions limiting ``model`` (with province_id / county_id columns) to the actor's area."""
    from lib.permissions import Scope, scope_of

    scope = scope_of(actor.role, actor.area)
    if scope == Scope.county:
        return [model.county_id == actor.county_id]
    if scope == Scope.province:
        return [model.province_id == actor.province_id]
    return []
