"""When things happened: the days of a case's moves, fitted into the demo's two Jalali years."""
from __future__ import annotations

from demo.vocab import WAITING_STATES
from lib.workflow import State


class TimelineMixin:
    """Part of :class:`demo.generator.Demo`: the gaps between moves and the committee sessions they wait for."""

    @staticmethod
    def _gap_range(src: State, dst: State) -> tuple[int, int]:
        """The days a move takes, drawn uniformly from this range (both ends included)."""
        if dst == State.documents_incomplete:
            return 2, 15
        if src == State.documents_incomplete and dst == State.received:
            return 5, 40
        if dst == State.scored:
            return 3, 30
        if dst == State.introduced:
            return 3, 20
        if dst == State.active:
            return (20, 120) if src == State.suspended else (5, 30)
        if dst == State.suspended:
            return 60, 400
        if dst == State.completed:
            return 60, 600
        return 3, 60

    def _move(self, program: str, src: State, dst: State) -> tuple[str | None, int, int]:
        """(the committee that decides the move or None, the gap's lowest day, the number of
        days it may take) of a move, worked out once per programme and move."""
        key = (program, src, dst)
        hit = self.move_table.get(key)
        if hit is None:
            low, high = self._gap_range(src, dst)
            hit = self.move_table[key] = (self._decision_level(program, src, dst), low, high - low + 1)
        return hit

    def _decision_level(self, program: str, src: State, dst: State) -> str | None:
        """Which committee decides this move (None: a move without a committee decision).
        Programme B has no committee: its county unit confirms eligibility itself."""
        if program == "B":
            return None
        if dst == State.county_decision:
            return "county"
        if dst == State.province_decision:
            return "province"
        if program == "A" and src == State.county_decision and dst in (State.scored, State.rejected):
            return "province"
        if dst == State.rejected and src == State.scored:
            return "county"
        return None

    def _timeline(self, program: str, path: list[State], county_id: int, province_id: int,
                  not_before: int | None = None, ends_by: int | None = None):
        """Event days (ordinals) for the path, and the session key of each decided move; the
        first move on or after ``not_before``, the last by ``ends_by`` (default: yesterday).
        None when the path cannot fit the window."""
        table = self.move_table
        moves = [table.get((program, a, b)) or self._move(program, a, b) for a, b in zip(path, path[1:])]
        levels = [m[0] for m in moves]
        below = self.rng._randbelow
        gaps = [1 if lvl else low + below(width) for lvl, low, width in moves]  # rng.randint(low, high)
        final = path[-1]
        estimate = sum(gaps) + 16 * sum(1 for lvl in levels if lvl)
        rng = self.rng
        low = max(self.range_start, not_before or self.range_start)
        high = min(self.last_day, ends_by or self.last_day)
        if low > high:
            return None
        for _attempt in range(16):
            if final in WAITING_STATES and ends_by is None:
                end = max(low, high - rng.randint(0, 45))
            else:
                end = rng.randint(min(low + estimate, high), high)
            start = max(low, end - estimate)
            days = [start]
            keys: list[tuple | None] = [None]
            day = start
            for gap, lvl in zip(gaps, levels):
                if lvl:
                    area = county_id if lvl == "county" else province_id
                    key, day = self._session_key(lvl, program, area, day + gap)
                    keys.append(key)
                else:
                    day += gap
                    keys.append(None)
                days.append(day)
            if days[-1] <= high:
                for key in keys:
                    if key is not None and key not in self.sessions:
                        self.sessions[key] = [None, province_id, key[2]]
                return days, keys
            estimate += days[-1] - high + rng.randint(0, 20)
            if start == low:
                gaps = [max(1, g // 2) for g in gaps]
        return None
