"""A bulk write's audit records encoded and hashed a field at a time (lib.audit_columns) give the very
texts and hashes of one record at a time: what verify-audit recomputes from the stored records."""
from __future__ import annotations

import json
import math
from datetime import date, datetime, timezone

from hypothesis import example, given
from hypothesis import strategies as hst

from lib.audit_chain import GENESIS, encode, link_hash
from lib.audit_columns import encode_column, encode_many, link_hashes

AT = datetime(2026, 3, 20, 20, 30, 1, 5, tzinfo=timezone.utc)
keys = hst.text(max_size=6) | hst.sampled_from(["%", "%s", "a%%b", "\x00", "«نام»", "id"])
scalars = (
    hst.none() | hst.booleans() | hst.integers(-(2**70), 2**70) | hst.sampled_from([0, 1, 1.0, 0.0, -0.0, True, False])
    | hst.floats(allow_nan=True, allow_infinity=True) | hst.text(max_size=8)
    | hst.sampled_from(["", "\x00", "%s", "a\x00b", "\u200c", "\"\\", date(2024, 7, 19)])
)
values = hst.recursive(scalars, lambda inner: hst.lists(inner, max_size=3) | hst.dictionaries(keys, inner, max_size=3),
                       max_leaves=8)
snapshots = hst.none() | hst.dictionaries(keys, values, max_size=5) | hst.dictionaries(hst.integers(0, 3), values, max_size=3)
# (keys all text or all numbers: JSON cannot sort a mix)


@hst.composite
def bulk(draw) -> list:
    """Snapshots of one shape (the first one's keys, nested dicts the same), its leaves varied, with a
    few others mixed in (another shape, a leaf that is a dict here, None, not a dict)."""
    first = draw(hst.dictionaries(keys, values | hst.dictionaries(keys, values, max_size=4), max_size=6))

    def vary(snapshot):
        return {key: vary(value) if isinstance(value, dict) and draw(hst.integers(0, 9)) else draw(values)
                for key, value in snapshot.items()}

    out = [first]
    for _ in range(draw(hst.integers(0, 12))):
        out.append(vary(first) if draw(hst.integers(0, 4)) else draw(snapshots))
    return out


def _same_texts(found: list[str], expected: list[str]) -> None:
    assert found == expected
    for text in found:  # and each reads back (NaN aside, which equals nothing)
        json.loads(text)


@given(bulk())
@example([None, None])
@example([{}, {}, {"a": {}}])
@example([{"a": 1}, {"a": True}, {"a": 1.0}, {"a": 0.0}, {"a": -0.0}, {"a": False}, {"a": 0}])  # equal, told apart
@example([{"a": {"b": 1}}, {"a": 2}, {"a": {"b": {"c": None}}}, {"a": {"c": 1}}])  # a dict where a leaf was
@example([{"a": 1, "b": 2}, {"b": 3, "a": 4}, {"a": 1, "c": 2}, {"a": 1}])  # keys in another order, others, fewer
@example([{1: "a", 2: "b"}, {"1": "b"}, {1: "c", 2: "d"}])  # keys JSON turns into text
@example([{"b": "x", "a": "%s"}, {"a": "\x00", "b": "%%"}, {"a": "y", "b": "z"}])  # order, separators in text
@example([{"%s": [1, "a,b"], "z": {"%": date(2024, 7, 19)}}, {"%s": [], "z": {"%": math.nan}}])
@example([{"application": {"id": 1, "tracking_code": "B038890516", "province_id": 24, "created_at": "2026-12-01T03:05:37+00:00",
                           "discount_holder": False, "licence_date": None}, "applicant": {"last_name": "هاشمی‌نژاد", "id": 1},
           "row": 2, "file_sha256": "ab" * 32}] * 3)  # an import's records
def test_texts_of_many_snapshots_are_each_ones_text(snaps):
    _same_texts(encode_many(snaps), [encode(s) for s in snaps])


@given(hst.lists(scalars | values, max_size=12))
@example([1, True, 1.0, 1, True])
@example(["a", "a", None, "a\x00", "a"])
@example([0.0, -0.0, 0.0, math.nan, math.inf])
@example([date(2024, 7, 19), [1, 2], {"b": 1, "a": 2}, "\x00"])
def test_texts_of_a_column_are_each_values_text(column):
    assert encode_column(column) == [encode(v) for v in column]


@given(hst.lists(hst.tuples(snapshots, snapshots, hst.none() | hst.integers(1, 40), hst.text(max_size=6)), max_size=8),
       hst.sampled_from([GENESIS, "ab" * 32]))
@example([], GENESIS)
@example([(None, {"application": {"id": 7, "province_id": 3}, "row": 2}, 3, "bench.expert")] * 3, GENESIS)
def test_hashes_of_many_records_are_the_chain(records, head):
    rows = [{"id": 40 + i, "at": AT, "user_id": 3, "username": username, "action": "application.import",
             "entity": "application", "entity_id": str(40 + i), "before": before, "after": after,
             "province_id": province, "application_id": 40 + i}
            for i, (before, after, province, username) in enumerate(records)]
    expected, previous = [], head
    for row in rows:
        previous = link_hash(previous, row)
        expected.append(previous)
    befores, afters = encode_many([r["before"] for r in rows]), encode_many([r["after"] for r in rows])
    assert link_hashes(head, rows, befores, afters) == expected
