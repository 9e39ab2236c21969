"""SMS templates (lib.sms_templates): what a saved text may hold, and that a text accepted when saved
always renders within the SMS parts allowed, whatever the values."""
from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from lib.errors import InvalidInput
from lib.sms_templates import (
    EVENTS, MAX_CHARS, MAX_SEGMENTS, PLACEHOLDERS, check_template, render, segments, state_event, worst_case_length,
)
from lib.workflow import State

RECEIVED = "state.received"


def refusal(event: str, text: str) -> str:
    with pytest.raises(InvalidInput) as caught:
        check_template(event, text)
    return caught.value.message


def test_every_shipped_text_is_accepted_and_fits():
    for key, spec in EVENTS.items():
        check_template(key, spec.default)
        assert segments(worst_case_length(spec.default)) <= MAX_SEGMENTS
        assert set(spec.required) <= set(spec.allowed) <= set(PLACEHOLDERS)


@pytest.mark.parametrize("length, parts", [(0, 1), (70, 1), (71, 2), (134, 2), (135, 3), (MAX_CHARS, MAX_SEGMENTS)])
def test_persian_sms_parts(length, parts):
    assert segments(length) == parts


def test_an_unknown_placeholder_is_named_with_the_allowed_ones():
    message = refusal(RECEIVED, "{نام} گرامی، {کد_رهگیری} مبلغ {مبلغ}")
    assert "{مبلغ}" in message and "شناخته نیست" in message and "{کد_رهگیری}" in message


def test_a_missing_required_placeholder_is_named():
    message = refusal("state.introduced", "{نام} گرامی، به شعبه معرفی شدید.")
    assert "{شعبه}" in message and "باید" in message


def test_stray_braces_and_empty_texts_are_refused():
    assert "بی‌جفت" in refusal(RECEIVED, "{کد_رهگیری} {نام")
    assert "بی‌جفت" in refusal(RECEIVED, "{کد_رهگیری} }")
    assert "خالی" in refusal(RECEIVED, "   ")
    assert "رویداد" in refusal("state.unknown", "{کد_رهگیری}")


def test_the_length_limit_counts_each_placeholder_at_its_longest():
    base = "{کد_رهگیری}"
    room = MAX_CHARS - PLACEHOLDERS["کد_رهگیری"].longest
    check_template(RECEIVED, base + "ا" * room)  # exactly the limit
    message = refusal(RECEIVED, base + "ا" * (room + 1))
    assert "کوتاه‌تر" in message and "۱ نویسه" in message


def test_render_fills_cuts_and_marks_a_missing_value():
    text = "{نام}: {کد_رهگیری}"
    assert render(text, {"نام": "مریم", "کد_رهگیری": "B1"}) == "مریم: B1"
    assert render(text, {"نام": "م" * 80, "کد_رهگیری": ""}) == "م" * 49 + "…: —"


def test_moves_name_their_event():
    assert state_event(None, State.received) == "state.received"
    assert state_event(State.documents_incomplete, State.received) == "documents.complete"
    assert state_event(State.county_decision, State.scored) == "decision.deferred"
    assert state_event(State.received, State.scored) == "state.scored"
    assert state_event(State.suspended, State.active) == "state.active"


_pieces = st.lists(st.one_of(st.sampled_from([f"{{{k}}}" for k in EVENTS["state.introduced"].allowed]),
                             st.text(alphabet="ابپ گرامی،.۰۱۲ ", max_size=60)), max_size=12)


@given(_pieces, st.dictionaries(st.sampled_from(list(PLACEHOLDERS)), st.text(max_size=400)))
@example(["{شعبه}", "ا" * (MAX_CHARS - 60)], {"شعبه": "ش" * 400})
def test_an_accepted_text_always_renders_within_the_limit(pieces, values):
    text = "".join(pieces)
    try:
        check_template("state.introduced", text)
    except InvalidInput:
        return
    assert len(render(text, values)) <= MAX_CHARS
