"""The audit chain's JSON texts and hashes for many records at once (a bulk write's), a field at a time.

:func:`encode_many` gives exactly :func:`lib.audit_chain.encode` of each snapshot and
:func:`link_hashes` exactly the chained :func:`lib.audit_chain.link_hash_encoded` of each record;
only the way there is quicker. The records of a bulk write share their shape (the same keys, nested
the same way: an import's 20,000 ``{"application": {…}, "applicant": {…}, "row": …}``), so the
keys of a shape are written once, as a template, and each field's values are encoded together, as
a column: one pass of the C JSON encoder over the column, split on a character JSON text never
holds raw (NUL), a value that repeats (a timestamp, a county, a state) encoded once. A snapshot of
another kind (not a dict with text keys) is encoded on its own. Pure: no SQL, no I/O.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from json.encoder import encode_basestring
from operator import itemgetter
from typing import Any

from lib.audit_chain import FIELDS, _encode, canonical_at

_NONE = type(None)
_SCALARS = frozenset({str, int, bool, float, _NONE})
# the options of lib.audit_chain._encode, items separated by NUL (escaped as \u0000 inside a string)
_split_encode = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=("\x00", ":"), default=str).encode


def encode_column(values: Sequence[Any]) -> list[str]:
    """:func:`lib.audit_chain.encode` of each value. Plain values (text, whole numbers, booleans,
    decimals, None) go through the C encoder in one pass; each distinct value once where equal
    values cannot differ in kind (1 == 1.0 == True, 0.0 == -0.0: never mixed in one look-up)."""
    if not values:
        return []
    kinds = set(map(type, values))
    if not kinds <= _SCALARS:
        return [_encode(v) for v in values]
    kinds.discard(_NONE)
    if len(kinds) <= 1 and float not in kinds:
        distinct = list(dict.fromkeys(values))
        if len(distinct) < len(values):
            texts = dict(zip(distinct, _split_encode(distinct)[1:-1].split("\x00")))
            return list(map(texts.__getitem__, values))
    return _split_encode(list(values))[1:-1].split("\x00")


def _plan(snapshot: dict) -> tuple | None:
    """What a template is made of: the dict's keys in order and, for its values that are dicts
    themselves, their own plans (key → plan); None when a key is not text (JSON turns other keys
    into text: left to the encoder)."""
    if not all(type(key) is str for key in snapshot):
        return None
    nested = {}
    for key, value in snapshot.items():
        if type(value) is dict:
            sub = _plan(value)
            if sub is None:
                return None
            nested[key] = sub
    return tuple(snapshot), nested


def _fits(snapshot: Any, plan: tuple) -> bool:
    """Whether a snapshot has the keys of ``plan`` in its order, and dicts where it has plans.
    (Its other values may be anything: each is encoded on its own, :func:`encode_column`.)"""
    keys, nested = plan
    if type(snapshot) is not dict or tuple(snapshot) != keys:
        return False
    for key, sub in nested.items():
        if not _fits(snapshot[key], sub):
            return False
    return True


def _template(plan: tuple, path: tuple, leaves: list[tuple]) -> str:
    """The plan's JSON text with ``%s`` for each value that is not planned as a dict (its path
    added to ``leaves``, in the order of the text): keys sorted, as :func:`lib.audit_chain.encode`
    writes them."""
    keys, nested = plan
    parts = []
    for key in sorted(keys):
        name = encode_basestring(key).replace("%", "%%")
        if key in nested:
            parts.append(f"{name}:{_template(nested[key], (*path, key), leaves)}")
        else:
            leaves.append((*path, key))
            parts.append(f"{name}:%s")
    return "{" + ",".join(parts) + "}"


class _Misfit(Exception):
    """A snapshot without the keys of the plan, or not a dict where the plan has one."""


def _columns(members: list[Any], plan: tuple, path: tuple, into: dict[tuple, Sequence[Any]]) -> None:
    """The values of each leaf of ``plan`` across ``members``, by path (a level's values read
    together: one item getter per level). _Misfit or KeyError when a member is not a dict with the
    plan's keys (as many, each there: the same keys)."""
    keys, nested = plan
    if set(map(type, members)) != {dict} or set(map(len, members)) != {len(keys)}:
        raise _Misfit
    if len(keys) > 1:
        per_key: Any = zip(*map(itemgetter(*keys), members))
    else:
        per_key = [[member[key] for member in members] for key in keys]
    for key, values in zip(keys, per_key):
        if key in nested:
            _columns(list(values), nested[key], (*path, key), into)
        else:
            into[(*path, key)] = values


def encode_many(snapshots: Sequence[Any]) -> list[str]:
    """:func:`lib.audit_chain.encode` of each snapshot (None gives "null"), the same texts."""
    first = next((s for s in snapshots if type(s) is dict), None)
    plan = None if first is None else _plan(first)
    if plan is None:
        return ["null" if s is None else _encode(s) for s in snapshots]
    leaves: list[tuple] = []
    template = _template(plan, (), leaves)
    values: dict[tuple, Sequence[Any]] = {}
    fits = None
    try:  # commonly every snapshot has the plan's keys: read them all at once
        _columns(list(snapshots), plan, (), values)
    except (_Misfit, KeyError):  # else those that have them, and the others each on its own
        fits = [_fits(s, plan) for s in snapshots]
        values.clear()
        _columns([s for s, ok in zip(snapshots, fits) if ok], plan, (), values)
    columns = [encode_column(values[path]) for path in leaves]
    count = len(snapshots) if fits is None else sum(fits)
    texts = [template % row for row in zip(*columns)] if columns else [template % ()] * count
    if fits is None:
        return texts
    found = iter(texts)
    return [next(found) if ok else _encode(s) for s, ok in zip(snapshots, fits)]


_BEFORE, _AFTER = FIELDS.index("before"), FIELDS.index("after")
_ROW_TEMPLATE = "[" + ",".join(["%s"] * len(FIELDS)) + "]"


def link_hashes(previous: str, rows: Sequence[Mapping[str, Any]], befores: Sequence[str], afters: Sequence[str]) -> list[str]:
    """The hash of each record in turn, each linked to the one before it (the first to
    ``previous``): :func:`lib.audit_chain.link_hash_encoded` of each, with its before and after
    snapshots given as their :func:`encode_many` texts."""
    columns: list[Sequence[str]] = []
    for index, name in enumerate(FIELDS):
        if index == _BEFORE:
            columns.append(befores)
        elif index == _AFTER:
            columns.append(afters)
        elif name == "at":
            columns.append(encode_column([canonical_at(row["at"]) for row in rows]))
        else:
            columns.append(encode_column([row.get(name) for row in rows]))
    hashes = []
    sha256 = hashlib.sha256
    for values in zip(*columns):
        previous = sha256(f"{previous}\n{_ROW_TEMPLATE % values}".encode("utf-8")).hexdigest()
        hashes.append(previous)
    return hashes
