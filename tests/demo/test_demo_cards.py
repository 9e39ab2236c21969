"""The demo puts each score card together from rows made once per criterion and input
(demo.people.PeopleMixin._score): every card must be exactly the one ``lib.scoring.score`` gives
the household — the same total and, read back from the column, the same rows the services store."""
from __future__ import annotations

import json

from hypothesis import example, given, settings
from hypothesis import strategies as st

from demo.people import PeopleMixin
from lib.scoring import DEFAULT_POLICY, ScoreInput, score


class _Cards(PeopleMixin):
    def __init__(self, card_text: bool):
        self.policy = DEFAULT_POLICY
        self.card_text = card_text
        self.score_cache: dict = {}
        self.row_cache: dict = {}


_household = st.integers(0, 3).flatmap(lambda disabled: st.tuples(
    st.just(disabled),
    st.none() if disabled == 0 else st.sampled_from(("mild", "moderate", "severe", "very_severe")),
    st.sampled_from(("single", "married", "widowed", "divorced")),
    st.integers(0, 6),
    st.integers(0, 29),
    st.integers(1, 5),  # a scored household has its need grade
))

# one maker per text/objects, warmed across examples: later cards are put together from rows
# that earlier households made
_TEXT, _OBJECTS = _Cards(True), _Cards(False)


@given(_household)
@example((0, None, "single", 0, 0, 1))  # the least there is to score
@example((3, "very_severe", "divorced", 6, 29, 5))  # every criterion at its highest drawn input
@example((1, "mild", "married", 1, 1, 1))
@example((1, "severe", "married", 1, 1, 1))  # differs from the card above by one criterion only
@settings(deadline=None, max_examples=300)
def test_a_card_is_the_one_score_gives(household):
    card = score(ScoreInput(*household), DEFAULT_POLICY)
    expected = [row.to_dict() for row in card.rows]
    total, text = _TEXT._score(household)
    assert total == card.total
    assert json.loads(text) == expected
    total, rows = _OBJECTS._score(household)
    assert total == card.total and rows == expected


def test_the_text_keeps_persian_letters_and_is_shorter_than_escaped_json():
    household = (2, "moderate", "widowed", 3, 7, 4)
    _, text = _Cards(True)._score(household)
    escaped = json.dumps([row.to_dict() for row in score(ScoreInput(*household)).rows])
    assert "معلول" in text and "\\u" not in text
    assert len(text.encode()) < len(escaped) / 2
