"""The demo's random draws: :class:`random.Random` with the draws the generator makes millions of
times taking shorter paths to the very same numbers (so a seed gives the same data as before)."""
from __future__ import annotations

import random
from bisect import bisect
from itertools import accumulate


class DemoRandom(random.Random):
    """``randint`` and ``choices`` as :class:`random.Random` computes them (CPython 3.11-3.13),
    without the argument checks and conversions of the general case: ``randint(a, b)`` is
    ``a + _randbelow(b - a + 1)`` as ``randrange`` reduces it for whole numbers, and
    ``choices(population, weights)`` with weights given as a tuple keeps that tuple's cumulative
    sums (a literal tuple is one object, the same at every call) instead of summing them per draw;
    the draw itself is the same ``bisect`` over ``random() * total``. Anything else goes to
    :class:`random.Random` unchanged. ``tests/demo/test_demo_draws.py`` compares both streams."""

    def __init__(self, seed: int | None = None):
        self._cumulative: dict[tuple, tuple[list[float], float]] = {}
        super().__init__(seed)

    def randint(self, a: int, b: int) -> int:
        if type(a) is int and type(b) is int and b >= a:
            return a + self._randbelow(b - a + 1)
        return super().randint(a, b)

    def randrange(self, start, stop=None, step=1):  # type: ignore[override]
        """``randrange(n)`` and ``randrange(a, b)`` of whole numbers: ``_randbelow``, as
        :class:`random.Random` reduces them; anything else as it does."""
        if step == 1 and type(start) is int:
            if stop is None:
                if start > 0:
                    return self._randbelow(start)
            elif type(stop) is int and stop > start:
                return start + self._randbelow(stop - start)
        return super().randrange(start, stop, step)

    def choice(self, seq):
        """``seq[_randbelow(len(seq))]``, as :class:`random.Random` draws it (an empty sequence: its error)."""
        n = len(seq)
        if n:
            return seq[self._randbelow(n)]
        return super().choice(seq)

    def picker(self, population: tuple, weights: tuple):
        """A function drawing one of ``population`` by ``weights``: the very draw of
        ``choices(population, weights)[0]`` (its cumulative sums worked out once, here)."""
        cumulative = list(accumulate(weights))
        total = cumulative[-1] + 0.0
        if len(cumulative) != len(population) or not total > 0.0 or total == float("inf"):
            raise ValueError("weights do not fit the population")
        hi = len(population) - 1
        random_ = self.random

        def pick():
            return population[bisect(cumulative, random_() * total, 0, hi)]

        return pick

    def choices(self, population, weights=None, *, cum_weights=None, k=1):  # type: ignore[override]
        if type(weights) is not tuple or cum_weights is not None:
            return super().choices(population, weights, cum_weights=cum_weights, k=k)
        hit = self._cumulative.get(weights)
        if hit is None or len(hit[0]) != len(population):
            cumulative = list(accumulate(weights))
            if len(cumulative) != len(population):
                return super().choices(population, weights, k=k)  # its own error
            hit = self._cumulative[weights] = (cumulative, cumulative[-1] + 0.0)
        cumulative, total = hit
        if not total > 0.0 or total == float("inf"):
            return super().choices(population, weights, k=k)  # its own error
        hi = len(population) - 1
        random_ = self.random
        return [population[bisect(cumulative, random_() * total, 0, hi)] for _ in range(k)]
