"""demo.draws.DemoRandom draws exactly what random.Random draws for the same seed (a seed gives the
same demo data however the generator asks for its numbers), and refuses what Random refuses."""
from __future__ import annotations

import random

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from demo.draws import DemoRandom

WEIGHTS = [(70, 10, 10, 10), (45, 35, 8, 12), (0.06, 1.0, 0.3, 0.1), (1,), (0, 5), (3, 0, 0)]


def _draws(rng: random.Random, seed_ops: list[tuple]) -> list:
    out = []
    for op in seed_ops:
        kind = op[0]
        if kind == "randint":
            out.append(rng.randint(op[1], op[1] + op[2]))
        elif kind == "choices":
            weights = WEIGHTS[op[1]]
            population = [f"p{i}" for i in range(len(weights))]
            out.append(rng.choices(population, weights, k=op[2]))
        elif kind == "list-weights":
            out.append(rng.choices("abc", [1, 2, 3])[0])
        else:
            out.append(rng.random())
    return out


_op = st.one_of(
    st.tuples(st.just("randint"), st.integers(-10**6, 10**6), st.integers(0, 10**7)),
    st.tuples(st.just("choices"), st.integers(0, len(WEIGHTS) - 1), st.integers(0, 3)),
    st.tuples(st.just("list-weights")),
    st.tuples(st.just("random")),
)


@given(st.integers(0, 2**32), st.lists(_op, max_size=60))
@example(1404, [("randint", 0, 0), ("randint", 25, 37), ("choices", 0, 1), ("choices", 0, 1), ("random",)])
@example(7, [("randint", 1, 2**40), ("choices", 4, 2), ("choices", 5, 1), ("list-weights",)])
def test_same_stream_as_random(seed, ops):
    assert _draws(DemoRandom(seed), ops) == _draws(random.Random(seed), ops)


def test_same_errors_as_random():
    for rng in (DemoRandom(1), random.Random(1)):
        with pytest.raises(ValueError):
            rng.randint(5, 4)  # empty range
        with pytest.raises(ValueError):
            rng.choices("ab", (1, 2, 3))  # weights of another length
        with pytest.raises(ValueError):
            rng.choices("ab", (0, 0))  # nothing to draw
    assert DemoRandom(3).randint(True, 9) == random.Random(3).randint(True, 9)  # not an int: the general path
