"""The audit chain's timestamp text: remembered per value for speed, always the UTC text of that instant."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from hypothesis import example, given
from hypothesis import strategies as hst

from lib.audit_chain import canonical_at

ZONES = (None, timezone.utc, timezone(timedelta(hours=3, minutes=30)), ZoneInfo("Asia/Tehran"), ZoneInfo("Europe/London"))


def _expected(value: datetime) -> str:
    utc = value if value.tzinfo is None else value.astimezone(timezone.utc)
    return utc.replace(tzinfo=None).isoformat(timespec="microseconds")


@given(hst.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1)), hst.sampled_from(ZONES),
       hst.sampled_from([0, 1]))
@example(datetime(2021, 9, 21, 23, 30), ZoneInfo("Asia/Tehran"), 0)  # the last fall-back hour Iran had (DST ended 1401)
@example(datetime(2021, 9, 21, 23, 30), ZoneInfo("Asia/Tehran"), 1)
@example(datetime(2024, 10, 27, 1, 30), ZoneInfo("Europe/London"), 1)
@example(datetime(2024, 10, 27, 1, 30), None, 1)
def test_the_text_is_the_instants_utc_time_whatever_was_asked_before(wall, zone, fold):
    value = wall.replace(tzinfo=zone, fold=fold)
    # the same wall time with the other fold and in UTC first: a remembered text must not leak
    for other in (value.replace(fold=1 - fold), value.replace(tzinfo=timezone.utc), value.replace(tzinfo=None), value):
        assert canonical_at(other) == _expected(other)
        assert canonical_at(other.isoformat()) == _expected(datetime.fromisoformat(other.isoformat()))
