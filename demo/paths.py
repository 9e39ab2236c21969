"""Paths through the workflow and the calendar the demo's timelines are drawn on."""
from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from functools import cache

import jdatetime

from demo.vocab import LAST_STEP_WEIGHTS, UTC
from lib.workflow import INITIAL_STATE, TERMINAL_STATES, TRANSITIONS, ProgramCode, State

def _states_in_order(states) -> list[State]:
    """Deterministic order (declaration order): a frozenset's iteration order depends on hashing."""
    return [s for s in State if s in states]


class Workflow:
    """Paths through one programme's transition table (from lib.workflow, not copied)."""

    def __init__(self, program: ProgramCode):
        self.program = program
        self.table = {s: _states_in_order(n) for s, n in TRANSITIONS[program].items()}
        self.states = _states_in_order(set(self.table) | {n for v in self.table.values() for n in v})
        # dist[a][b]: fewest moves from a to b
        self.dist: dict[State, dict[State, int]] = {}
        for a in self.states:
            d = {a: 0}
            frontier = [a]
            while frontier:
                nxt = []
                for s in frontier:
                    for n in self.table.get(s, ()):
                        if n not in d:
                            d[n] = d[s] + 1
                            nxt.append(n)
                frontier = nxt
            self.dist[a] = d
        self.reachable = [s for s in self.states if s in self.dist[INITIAL_STATE]]
        self.predecessors = {t: [s for s in self.states if t in self.table.get(s, ())] for t in self.states}
        self._steps: dict[tuple[State, State], tuple[list[State], tuple[float, ...]]] = {}

    def _step(self, s: State, target: State) -> tuple[list[State], tuple[float, ...]]:
        """The moves from ``s`` that can still reach ``target`` and their weights (worked out once)."""
        hit = self._steps.get((s, target))
        if hit is None:
            options = [n for n in self.table.get(s, ()) if target in self.dist[n]]
            here = self.dist[s].get(target, 99) if s != target else 1
            weights = []
            for n in options:
                if n == s:
                    weights.append(0.06)  # re-score
                elif self.dist[n][target] < here:
                    weights.append(1.0)
                elif self.dist[n][target] == here:
                    weights.append(0.3)  # sideways: a missing document, say
                else:
                    weights.append(0.1)  # back: the province sent it back, a suspension
            hit = self._steps[(s, target)] = (options, tuple(weights))
        return hit

    def _walk(self, rng: random.Random, target: State) -> list[State]:
        path = [INITIAL_STATE]
        s = INITIAL_STATE
        for _ in range(14):
            options, weights = self._step(s, target)
            if s == target and (not options or rng.random() < 0.85):
                return path
            if not options:  # pragma: no cover - target unreachable from here
                break
            s = rng.choices(options, weights)[0]
            path.append(s)
        # too long: finish by the shortest way
        while s != target:
            s = min(self.table[s], key=lambda n: (self.dist[n].get(target, 99), list(State).index(n)))
            path.append(s)
        return path

    def path_to(self, rng: random.Random, target: State) -> list[State]:
        if target == INITIAL_STATE:
            return self._walk(rng, target)
        if target in TERMINAL_STATES:
            preds = [p for p in self.predecessors[target] if p in self.dist[INITIAL_STATE] and p not in TERMINAL_STATES]
            weights = [LAST_STEP_WEIGHTS.get(target, {}).get(p, 1.0) for p in preds]
            before = rng.choices(preds, weights)[0]
            return self._walk(rng, before) + [target]
        return self._walk(rng, target)


class Calendar:
    """Gregorian ordinal ↔ Jalali (year, month, day) for the days the demo uses."""

    def __init__(self, first: date, last: date):
        self.first = first.toordinal()
        self.jal: dict[int, tuple[int, int, int]] = {}
        self.ordinal: dict[tuple[int, int, int], int] = {}
        for o in range(first.toordinal(), last.toordinal() + 1):
            d = date.fromordinal(o)
            j = jdatetime.date.fromgregorian(date=d)
            key = (j.year, j.month, j.day)
            self.jal[o] = key
            self.ordinal[key] = o

    def month_index(self, o: int) -> int:
        y, m, _ = self.jal[o]
        return y * 12 + m - 1

    def on_or_after(self, o: int, day: int) -> int:
        """The first date ≥ ``o`` that is day ``day`` of a Jalali month (day ≤ 29)."""
        if o not in self.jal:
            return o + 40  # beyond the table: «too late» for the caller
        y, m, d = self.jal[o]
        if d > day:
            y, m = (y, m + 1) if m < 12 else (y + 1, 1)
        return self.ordinal.get((y, m, day), o + 40)  # beyond the table: «too late» for the caller


DAY = 86_400


def dt(ordinal: int, seconds: int) -> int:
    """A moment as the demo counts it until it is written: whole seconds since day 1 of the
    proleptic Gregorian calendar (``ordinal`` × 86,400 + ``seconds`` of that UTC day; seconds
    beyond the day run into the next). Adding minutes is adding 60 × minutes."""
    return ordinal * DAY + seconds


@cache
def _seconds_text() -> list[str]:
    """' HH:MM:SS.000000' of each second of a day (made once per process)."""
    return [f" {s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}.000000" for s in range(DAY)]


class Stamps:
    """The demo's days (ordinals) and moments (:func:`dt` seconds) as the database's driver takes
    them, so that the rows need no conversion on the way in: on SQLite the very text
    SQLAlchemy's ``Date`` and aware ``DateTime`` store ('YYYY-MM-DD', 'YYYY-MM-DD HH:MM:SS.000000'
    in UTC), joined from a day's text and a second's text each made once; on other databases
    ``date`` and aware UTC ``datetime`` objects (``tests/demo/test_demo_stamps.py`` compares both
    with the columns' own processors)."""

    def __init__(self, dialect_name: str):
        self.text = dialect_name == "sqlite"
        self._days: dict[int, date | str] = {}
        self._seconds = _seconds_text() if self.text else []

    def day(self, ordinal: int) -> date | str:
        """A ``Date`` column's value for the day ``ordinal``."""
        value = self._days.get(ordinal)
        if value is None:
            value = date.fromordinal(ordinal)
            if self.text:
                value = value.isoformat()
            self._days[ordinal] = value
        return value

    def moment(self, t: int | None) -> datetime | str | None:
        """An aware ``DateTime`` column's value for the moment ``t`` (:func:`dt`)."""
        if t is None:
            return None
        ordinal, seconds = divmod(t, DAY)
        if self.text:
            day = self._days.get(ordinal)
            if day is None:
                day = self.day(ordinal)
            return day + self._seconds[seconds]  # type: ignore[operator]
        return datetime.combine(date.fromordinal(ordinal), time(), tzinfo=UTC) + timedelta(seconds=seconds)

    def moments(self, times: list[int]) -> list:
        """:meth:`moment` of each of ``times`` (none None), in one call."""
        if not self.text:
            return [self.moment(t) for t in times]
        days, seconds, day = self._days, self._seconds, self.day
        out = []
        for t in times:
            ordinal, second = divmod(t, DAY)
            text = days.get(ordinal)
            if text is None:
                text = day(ordinal)
            out.append(text + seconds[second])
        return out
