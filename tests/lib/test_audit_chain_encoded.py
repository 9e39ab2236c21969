"""A bulk writer hashes an audit record with its snapshots already encoded (and stores that text):
the hash is the one ``verify-audit`` recomputes from the stored record, and the text reads back as
the snapshot."""
from __future__ import annotations

import json
from datetime import datetime, timezone

from hypothesis import example, given
from hypothesis import strategies as hst

from lib.audit_chain import GENESIS, encode, link_hash, link_hash_encoded

AT = datetime(2026, 3, 20, 20, 30, 1, 5, tzinfo=timezone.utc)
scalars = hst.none() | hst.booleans() | hst.integers(-(2**53), 2**53) | hst.text(max_size=12)
snapshots = hst.none() | hst.recursive(
    hst.dictionaries(hst.text(max_size=8), scalars, max_size=6),
    lambda inner: hst.dictionaries(hst.text(max_size=8), inner | hst.lists(scalars, max_size=3), max_size=4),
    max_leaves=20,
)
ends = hst.none() | hst.integers(1, 10**6)


@given(snapshots, snapshots, ends, ends, hst.text(max_size=10))
@example(None, None, None, None, "")  # nothing before or after
@example({}, {}, 1, 1, "a")
@example(None, {"application": {"id": 7, "tracking_code": "الف-۱", "province_id": 3}, "applicant": {"last_name": "هاشمی‌نژاد"},
                "row": 2, "file_sha256": "ab" * 32}, 3, 7, "bench.expert")  # an import's record
@example({"z": 1, "a": [1, "b"], "«": "\u200c"}, {"a\"b": "\\", "\n": None}, None, 5, "x,y]")  # order, escapes
def test_the_hash_of_encoded_snapshots_is_the_records_hash(before, after, province, case, username):
    row = {"id": 42, "at": AT, "user_id": 3, "username": username, "action": "application.import",
           "entity": "application", "entity_id": "7", "before": before, "after": after,
           "province_id": province, "application_id": case}
    texts = [encode(snapshot) for snapshot in (before, after)]
    assert link_hash_encoded(GENESIS, row, *texts) == link_hash(GENESIS, row)
    assert [json.loads(text) for text in texts] == [before, after]
