"""The audit log's hash chain: each record's hash covers the previous record's hash and its own content.

Pure code (no SQL): the database layer (``db/audit_chain.py``) computes the hashes when it appends
records, and ``bimeyar verify-audit`` recomputes them with :func:`first_break` while it streams
the rows in id order. Changing a record, deleting one or inserting one in the middle breaks the
link of that record (or of the one after it). Rewriting the whole chain from the damaged record on
is only noticed against a head hash noted elsewhere; ``verify-audit`` prints the head for that.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any

GENESIS = "0" * 64
"""The "previous hash" of the first record."""

FIELDS = (
    "id", "at", "user_id", "username", "action", "entity", "entity_id", "before", "after", "province_id", "application_id",
)
"""The columns a record's hash covers, in this order."""


def canonical_at(value: datetime | str) -> str:
    """A timestamp as UTC ``YYYY-MM-DDTHH:MM:SS.ffffff`` (a naive value is taken to be UTC)."""
    if isinstance(value, datetime) and (value.tzinfo is None or value.tzinfo is timezone.utc):
        return _utc_text(value)  # equal values give one text here (fold cannot change the offset)
    return _canonical_at(value)


@lru_cache(maxsize=1024)  # a bulk write seals thousands of records with one timestamp
def _utc_text(value: datetime) -> str:
    return _canonical_at(value)


def _canonical_at(value: datetime | str) -> str:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.utcoffset():
        value = value.astimezone(timezone.utc)
    return value.replace(tzinfo=None).isoformat(timespec="microseconds")


def canonical(row: Mapping[str, Any]) -> bytes:
    """The record's content as one JSON text with sorted keys (the same on SQLite and PostgreSQL)."""
    values = [row.get(name) for name in FIELDS]
    values[_AT] = canonical_at(row["at"])
    return _encode(values).encode("utf-8")


_AT = FIELDS.index("at")


# json.dumps with these options, its encoder built once (not per record)
_encode = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str).encode


def link_hash(previous: str, row: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of the previous record's hash and this record's canonical content."""
    return hashlib.sha256(previous.encode("ascii") + b"\n" + canonical(row)).hexdigest()


def encode(snapshot: Any) -> str:
    """A before or after snapshot as the canonical content holds it (sorted keys, compact, letters
    as they are): valid JSON text, which a bulk writer can store as is (one encoding, not two)."""
    return _encode(snapshot)


_BEFORE, _AFTER = FIELDS.index("before"), FIELDS.index("after")
assert _AFTER == _BEFORE + 1


def link_hash_encoded(previous: str, row: Mapping[str, Any], before: str, after: str) -> str:
    """:func:`link_hash` of a record whose before and after snapshots are given as their
    :func:`encode` texts: the same hash, the snapshots not encoded again (a JSON array's items
    are their own encodings joined by commas)."""
    values = [row.get(name) for name in FIELDS]
    values[_AT] = canonical_at(row["at"])
    head, tail = _encode(values[:_BEFORE]), _encode(values[_AFTER + 1:])
    content = f"{head[:-1]},{before},{after},{tail[1:]}"
    return hashlib.sha256(previous.encode("ascii") + b"\n" + content.encode("utf-8")).hexdigest()


def province_of(before: Mapping | None, after: Mapping | None) -> int | None:
    """The province a before/after snapshot belongs to: a ``province_id`` at its top level or one
    level down (``{"application": {"province_id": …}}``), the after snapshot first."""
    for snap in (after, before):
        if not isinstance(snap, Mapping):
            continue
        found = _int_or_none(snap.get("province_id"))
        if found is not None:
            return found
        for value in snap.values():
            if isinstance(value, Mapping):
                found = _int_or_none(value.get("province_id"))
                if found is not None:
                    return found
    return None


CASE_ENTITIES = ("application", "household")
"""Entities whose id is the case's (application's) id."""


def case_of(entity: str, entity_id: Any, before: Mapping | None, after: Mapping | None) -> int | None:
    """The case (application id) a record is about: its entity id for a case or household, else
    an ``application_id`` in a snapshot, or an ``{"application": {"id": …}}`` part."""
    if entity in CASE_ENTITIES:
        found = _int_or_none(entity_id)
        if found is not None:
            return found
    for snap in (after, before):
        if not isinstance(snap, Mapping):
            continue
        found = _int_or_none(snap.get("application_id"))
        if found is None and isinstance(snap.get("application"), Mapping):
            found = _int_or_none(snap["application"].get("id"))
        if found is not None:
            return found
    return None


def _int_or_none(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit() and len(value) < 10:
        return int(value)
    return None


@dataclass(frozen=True)
class Break:
    """The first record whose stored hash is not what its content and its predecessor give."""

    id: int
    at: Any
    stored: str | None
    expected: str
    previous_id: int | None
    reason: str


@dataclass(frozen=True)
class Walk:
    rows: int
    head: str
    broken: Break | None


def first_break(rows: Iterable[Mapping[str, Any]]) -> Walk:
    """Walk records in id order (each a mapping with :data:`FIELDS` and ``hash``); stop at the first
    broken link. Streams: holds one record at a time."""
    previous, previous_id, count = GENESIS, None, 0
    for row in rows:
        count += 1
        expected = link_hash(previous, row)
        stored = row.get("hash")
        if stored != expected:
            if stored is None:
                reason = "the record has no hash (added without the chain)"
            else:
                reason = _why(row, stored, previous, previous_id)
            return Walk(count, previous, Break(row["id"], row["at"], stored, expected, previous_id, reason))
        previous, previous_id = stored, row["id"]
    return Walk(count, previous, None)


def _why(row: Mapping[str, Any], stored: str, previous: str, previous_id: int | None) -> str:
    """Say whether the record itself changed or the record before it is gone or changed."""
    if previous_id is not None and row["id"] != previous_id + 1:
        return (
            f"the hash does not match: records {previous_id + 1}…{row['id'] - 1} are missing before it "
            "(deleted), or its content changed"
        )
    return "its content (who, when, action, entity, before, after, area or case) differs from what was hashed"
