"""The application state machine of programmes A and B."""
from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lib.errors import InvalidInput
from lib.workflow import (
    INITIAL_STATE,
    OPEN_STATES,
    PROGRAM_LABELS,
    STATE_LABELS,
    TERMINAL_STATES,
    TRANSITIONS,
    IllegalTransition,
    ProgramCode,
    State,
    allowed_next,
    can_transition,
    is_terminal,
    states_of,
    transition,
)

A, B = ProgramCode.A, ProgramCode.B
S = State

# The expected tables, written out independently of the module, edge by edge.
EXPECTED = {
    A: {
        (S.received, S.documents_incomplete), (S.received, S.scored),
        (S.received, S.rejected), (S.received, S.withdrawn),
        (S.documents_incomplete, S.received), (S.documents_incomplete, S.scored),
        (S.documents_incomplete, S.rejected), (S.documents_incomplete, S.withdrawn),
        (S.scored, S.scored), (S.scored, S.documents_incomplete), (S.scored, S.county_decision),
        (S.scored, S.rejected), (S.scored, S.withdrawn),
        (S.county_decision, S.province_decision), (S.county_decision, S.scored),
        (S.county_decision, S.rejected), (S.county_decision, S.withdrawn),
        (S.province_decision, S.active), (S.province_decision, S.rejected),
        (S.province_decision, S.withdrawn),
        (S.active, S.suspended), (S.active, S.completed),
        (S.suspended, S.active), (S.suspended, S.completed),
    },
    B: {
        (S.received, S.documents_incomplete), (S.received, S.county_decision),
        (S.received, S.rejected), (S.received, S.withdrawn),
        (S.documents_incomplete, S.received), (S.documents_incomplete, S.county_decision),
        (S.documents_incomplete, S.rejected), (S.documents_incomplete, S.withdrawn),
        (S.county_decision, S.introduced), (S.county_decision, S.rejected),
        (S.county_decision, S.withdrawn),
        (S.introduced, S.active), (S.introduced, S.rejected), (S.introduced, S.withdrawn),
        (S.active, S.suspended), (S.active, S.completed),
        (S.suspended, S.active), (S.suspended, S.completed),
    },
}

ALL_PAIRS = [(p, src, dst) for p in ProgramCode for src in State for dst in State]


def test_labels_are_complete_and_persian():
    assert set(STATE_LABELS) == set(State)
    assert set(PROGRAM_LABELS) == set(ProgramCode)
    for label in [*STATE_LABELS.values(), *PROGRAM_LABELS.values()]:
        assert re.search(r"[\u0600-\u06FF]", label)
    assert STATE_LABELS[S.received] == "دریافت شده"
    assert STATE_LABELS[S.documents_incomplete] == "نقص مدارک"
    assert STATE_LABELS[S.withdrawn] == "انصراف"


def test_terminal_and_open_states_partition_all_states():
    assert TERMINAL_STATES == {S.completed, S.rejected, S.withdrawn}
    assert OPEN_STATES | TERMINAL_STATES == set(State)
    assert not OPEN_STATES & TERMINAL_STATES
    assert INITIAL_STATE is S.received
    assert is_terminal("rejected") and not is_terminal(S.active)


@pytest.mark.parametrize(("program", "src", "dst"), ALL_PAIRS)
def test_the_table_edge_by_edge(program, src, dst):
    expected = (src, dst) in EXPECTED[program]
    assert can_transition(program, src, dst) is expected
    if expected:
        assert transition(program, src, dst) is dst
    else:
        with pytest.raises(IllegalTransition):
            transition(program, src, dst)


def test_module_table_equals_the_expected_table():
    for program in ProgramCode:
        edges = {(src, dst) for src, dsts in TRANSITIONS[program].items() for dst in dsts}
        assert edges == EXPECTED[program]


def test_programme_b_never_enters_scoring_or_the_province_and_a_never_introduces():
    assert S.scored not in states_of(B)
    assert S.province_decision not in states_of(B)
    assert S.introduced not in states_of(A)
    assert allowed_next(B, S.scored) == frozenset()


def test_a_re_score_keeps_the_state_and_no_other_state_loops():
    assert transition(A, S.scored, S.scored) is S.scored
    for program in ProgramCode:
        for state in State:
            if (program, state) != (A, S.scored):
                assert not can_transition(program, state, state)


def test_province_can_send_a_case_back_to_scored():
    assert can_transition(A, S.county_decision, S.scored)


def test_sso_can_refuse_an_introduced_case():
    assert can_transition(B, S.introduced, S.rejected)


def test_a_running_case_cannot_be_rejected_or_withdrawn_only_completed():
    for program in ProgramCode:
        for state in (S.active, S.suspended):
            assert not can_transition(program, state, S.rejected)
            assert not can_transition(program, state, S.withdrawn)
            assert can_transition(program, state, S.completed)


def test_string_values_are_accepted():
    assert transition("A", "received", "scored") is S.scored
    assert transition("b", "county_decision", "introduced") is S.introduced
    assert allowed_next("B", "active") == {S.suspended, S.completed}


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda: transition("C", "received", "scored"), "program"),
        (lambda: transition("A", "nowhere", "scored"), "state"),
        (lambda: transition("A", "received", "nowhere"), "to_state"),
        (lambda: allowed_next("A", None), "state"),
    ],
)
def test_unknown_values_are_invalid_input(call, field):
    with pytest.raises(InvalidInput) as caught:
        call()
    assert caught.value.field == field
    assert not isinstance(caught.value, IllegalTransition)


def test_illegal_transition_message_names_both_states_in_persian():
    with pytest.raises(IllegalTransition) as caught:
        transition(A, S.received, S.active)
    error = caught.value
    assert isinstance(error, InvalidInput)
    assert error.field == "state"
    assert (error.program, error.src, error.dst) == (A, S.received, S.active)
    assert STATE_LABELS[S.received] in error.message
    assert STATE_LABELS[S.active] in error.message
    assert STATE_LABELS[S.scored] in error.message  # says where it may go instead


def test_leaving_a_terminal_state_says_the_case_is_closed():
    with pytest.raises(IllegalTransition) as caught:
        transition(B, S.rejected, S.received)
    assert STATE_LABELS[S.rejected] in caught.value.message
    assert STATE_LABELS[S.received] in caught.value.message
    assert "درخواست تازه" in caught.value.message


def test_a_state_foreign_to_the_programme_is_named():
    with pytest.raises(IllegalTransition) as caught:
        transition(B, S.received, S.scored)
    assert STATE_LABELS[S.scored] in caught.value.message
    assert PROGRAM_LABELS[B] in caught.value.message


def reachable(program, start=INITIAL_STATE):
    seen, todo = {start}, [start]
    while todo:
        for nxt in allowed_next(program, todo.pop()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


@pytest.mark.parametrize("program", list(ProgramCode))
def test_every_state_of_the_programme_is_reachable_from_received(program):
    assert reachable(program) == states_of(program)


@pytest.mark.parametrize("program", list(ProgramCode))
def test_every_open_state_can_still_end(program):
    for state in states_of(program) & OPEN_STATES:
        assert reachable(program, state) & TERMINAL_STATES, state


# --------------------------------------------------------------------------- properties
programs = st.sampled_from(list(ProgramCode))
states = st.sampled_from(list(State))


@given(programs, states, states)
def test_every_move_outside_the_table_raises(program, src, dst):
    if (src, dst) in EXPECTED[program]:
        assert transition(program, src.value, dst.value) is dst
    else:
        with pytest.raises(IllegalTransition):
            transition(program, src.value, dst.value)


@given(programs, st.sampled_from(sorted(TERMINAL_STATES)), states)
def test_terminal_states_have_no_exits(program, terminal, dst):
    assert allowed_next(program, terminal) == frozenset()
    assert not can_transition(program, terminal, dst)


@given(programs, st.lists(states, max_size=30))
def test_a_walk_of_legal_moves_stays_inside_the_programme(program, wishes):
    state = INITIAL_STATE
    for wish in wishes:
        if can_transition(program, state, wish):
            state = transition(program, state, wish)
        assert state in states_of(program)
