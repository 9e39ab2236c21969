"""CheckMemo: a check run once per distinct value gives what the check itself gives, every time."""
from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as hst

from lib import validate
from lib.errors import InvalidInput
from lib.memo import CheckMemo


def _direct(value: str) -> tuple[bool, str]:
    try:
        return True, validate.person_name(value, field="first_name", label_fa="نام", max_length=8)
    except InvalidInput as exc:
        return False, exc.message


@given(hst.lists(hst.sampled_from(["مریم", " مريم ", "Maryam", "", "زهرا‌سادات", "نام‌بسیاربلند"]), max_size=30))
@example([])
@example(["مریم", "مریم"])  # the second is remembered
@example(["Maryam", "Maryam"])  # a remembered refusal is given again, as a value, not raised
def test_remembered_outcomes_equal_the_check_itself(values):
    memo = CheckMemo()
    for value in values:
        ok, out = memo.outcome("first_name", value, validate.person_name, field="first_name", label_fa="نام", max_length=8)
        assert (ok, out if ok else out.message) == _direct(value)
    assert len(memo) == len(set(values))


def test_each_distinct_value_is_checked_once_per_site():
    calls = []

    def check(value):
        calls.append(value)
        if value == "bad":
            raise InvalidInput("نادرست است.", field="x")
        return value.upper()

    memo = CheckMemo()
    outcomes = [memo.outcome(site, v, check) for site in ("a", "b") for v in ("ok", "bad", "ok", "bad")]
    assert calls == ["ok", "bad", "ok", "bad"]  # once per value in each site
    assert outcomes[0] == (True, "OK") and outcomes[1][0] is False and outcomes[1][1].message == "نادرست است."


def test_an_unhashable_value_is_checked_every_time():
    calls = []
    memo = CheckMemo()
    for _ in range(2):
        assert memo.outcome("s", ["a"], lambda v: calls.append(v) or len(v)) == (True, 1)
    assert len(calls) == 2 and len(memo) == 0


def test_known_gives_what_outcome_gave_and_nothing_for_a_value_not_yet_checked():
    memo = CheckMemo()
    assert memo.known("first_name", "مریم") is None  # no site yet
    first = memo.outcome("first_name", "مریم", validate.person_name, field="first_name", label_fa="نام", max_length=8)
    refused = memo.outcome("first_name", "Maryam", validate.person_name, field="first_name", label_fa="نام", max_length=8)
    assert memo.known("first_name", "مریم") == first == (True, "مریم")
    assert memo.known("first_name", "Maryam") is refused and refused[0] is False
    assert memo.known("first_name", "زهرا") is None and memo.known("last_name", "مریم") is None
    assert memo.known("first_name", ["مریم"]) is None  # unhashable: never remembered
