"""The priority order of programme A applicants (lib.ranking): committee overrides first, then
total descending, government-discount holders last, ties by application date then id."""
from __future__ import annotations

import datetime

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lib.errors import InvalidInput
from lib.ranking import RankItem, rank, rank_frame


DAY = datetime.date(2024, 3, 1)


def item(app_id, total, *, holder=False, day=0, override=None, reason=None) -> RankItem:
    return RankItem(
        application_id=app_id,
        total=total,
        discount_holder=holder,
        applied_on=DAY + datetime.timedelta(days=day),
        override_rank=override,
        override_reason=reason,
    )


def ids(items) -> list[int]:
    return [i.application_id for i in items]


def test_higher_total_first():
    assert ids(rank([item(1, 10), item(2, 30), item(3, 20)])) == [2, 3, 1]


def test_discount_holders_come_after_everyone_else():
    ranked = rank([item(1, 50, holder=True), item(2, 5), item(3, 40, holder=True), item(4, 6)])
    assert ids(ranked) == [4, 2, 1, 3]


def test_committee_override_comes_first_by_its_rank():
    ranked = rank(
        [
            item(1, 50),
            item(2, 3, override=2, reason="شرایط خاص خانواده"),
            item(3, 1, holder=True, override=1, reason="حادثه"),
            item(4, 20),
        ]
    )
    assert ids(ranked) == [3, 2, 1, 4]


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_override_needs_a_reason(reason):
    with pytest.raises(InvalidInput) as caught:
        item(1, 10, override=1, reason=reason)
    assert caught.value.field == "override_reason"


@pytest.mark.parametrize("bad", [0, -2, 1.5, True])
def test_override_rank_is_a_positive_integer(bad):
    with pytest.raises(InvalidInput) as caught:
        item(1, 10, override=bad, reason="دلیل")
    assert caught.value.field == "override_rank"


def test_ties_go_to_the_earlier_application_then_the_lower_id():
    ranked = rank([item(5, 20, day=3), item(4, 20, day=1), item(9, 20, day=1), item(2, 20, day=2)])
    assert ids(ranked) == [4, 9, 2, 5]


def test_ties_among_overrides_and_among_holders():
    ranked = rank(
        [
            item(1, 10, override=1, reason="الف", day=2),
            item(2, 30, override=1, reason="ب", day=5),
            item(3, 7, holder=True, day=4),
            item(4, 7, holder=True, day=1),
        ]
    )
    assert ids(ranked) == [2, 1, 4, 3]


def test_duplicate_application_is_refused():
    with pytest.raises(InvalidInput) as caught:
        rank([item(1, 10), item(1, 20)])
    assert caught.value.field == "application_id"


@st.composite
def rank_items(draw):
    app_ids = draw(st.lists(st.integers(1, 10_000), unique=True, max_size=40))
    items = []
    for app_id in app_ids:
        overridden = draw(st.booleans()) and draw(st.booleans())
        items.append(
            item(
                app_id,
                draw(st.integers(0, 50)),
                holder=draw(st.booleans()),
                day=draw(st.integers(0, 5)),
                override=draw(st.integers(1, 4)) if overridden else None,
                reason="تصمیم کمیته" if overridden else None,
            )
        )
    return items


def group(i: RankItem) -> int:
    return 0 if i.override_rank is not None else (2 if i.discount_holder else 1)


@given(rank_items())
def test_rank_is_a_monotone_permutation(items):
    ranked = rank(items)
    assert sorted(ids(ranked)) == sorted(ids(items))
    groups = [group(i) for i in ranked]
    assert groups == sorted(groups)
    for before, after in zip(ranked, ranked[1:]):
        if group(before) != group(after):
            continue
        if group(before) == 0:
            assert before.override_rank <= after.override_rank
            if before.override_rank != after.override_rank:
                continue
        assert before.total >= after.total
        if before.total == after.total:
            assert (before.applied_on, before.application_id) < (after.applied_on, after.application_id)


def rank_table(items) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "application_id": [i.application_id for i in items],
            "total": [i.total for i in items],
            "discount_holder": [i.discount_holder for i in items],
            "applied_on": [i.applied_on for i in items],
            "override_rank": pd.array([i.override_rank for i in items], dtype="Int64"),
            "override_reason": [i.override_reason for i in items],
        }
    )


@given(rank_items())
def test_rank_frame_orders_as_rank(items):
    table = rank_table(items)
    expected = ids(rank(items))
    result = rank_frame(table)
    assert result["application_id"].tolist() == expected
    assert result["rank"].tolist() == list(range(1, len(items) + 1))
    with_datetimes = table.assign(applied_on=pd.to_datetime(table["applied_on"]))
    assert rank_frame(with_datetimes)["application_id"].tolist() == expected


def test_rank_frame_without_override_columns_and_keeps_the_index():
    table = rank_table([item(1, 10), item(2, 30, holder=True), item(3, 20)]).drop(
        columns=["override_rank", "override_reason"]
    )
    table.index = ["a", "b", "c"]
    result = rank_frame(table)
    assert result["application_id"].tolist() == [3, 1, 2]
    assert list(result.index) == ["c", "a", "b"]


def test_rank_frame_refuses_an_override_without_reason():
    table = rank_table([item(1, 10), item(2, 30)])
    table["override_rank"] = pd.array([None, 1], dtype="Int64")
    with pytest.raises(InvalidInput) as caught:
        rank_frame(table)
    assert caught.value.field == "override_reason"
    table["override_reason"] = [None, "  "]
    with pytest.raises(InvalidInput):
        rank_frame(table)
    table["override_reason"] = [None, "کمیته شهرستان، جلسه ۱۲"]
    assert rank_frame(table)["application_id"].tolist() == [2, 1]


def test_rank_frame_refuses_duplicates_and_missing_dates():
    table = rank_table([item(1, 10), item(1, 30)])
    with pytest.raises(InvalidInput) as caught:
        rank_frame(table)
    assert caught.value.field == "application_id"
    table = rank_table([item(1, 10), item(2, 30)])
    table["applied_on"] = [DAY, None]
    with pytest.raises(InvalidInput) as caught:
        rank_frame(table)
    assert caught.value.field == "applied_on"


def test_rank_frame_handles_a_million_rows():
    n = 1_000_000
    rng = np.random.default_rng(3)
    overrides = np.full(n, np.nan)
    chosen = rng.choice(n, 20, replace=False)
    overrides[chosen] = np.arange(1, 21)
    reasons = np.full(n, None, dtype=object)
    reasons[chosen] = "تصمیم کمیته"
    table = pd.DataFrame(
        {
            "application_id": rng.permutation(n),
            "total": rng.integers(0, 51, n),
            "discount_holder": rng.random(n) < 0.1,
            "applied_on": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 700, n), unit="D"),
            "override_rank": overrides,
            "override_reason": reasons,
        }
    )
    result = rank_frame(table)
    assert len(result) == n
    assert result["override_rank"].iloc[:20].tolist() == list(range(1, 21))
    rest = result.iloc[20:]
    holders = rest["discount_holder"].to_numpy()
    assert not holders[: (~holders).sum()].any()  # every non-holder before every holder
    regular = rest[~rest["discount_holder"]]
    assert regular["total"].is_monotonic_decreasing
