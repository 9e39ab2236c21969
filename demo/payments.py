"""Payment runs and lines (every month a case was active, in runs finalized by yesterday) and
the budgets they were paid from."""
from __future__ import annotations

from collections import Counter

from demo.paths import dt
from demo.vocab import OFFICE_START
from lib.jalali import month_days
from lib.payments import Strategy, monthly_premium, program_b_shares
from lib.workflow import State


class PaymentsMixin:
    """Part of :class:`demo.generator.Demo`."""

    def _premium(self, year: int, month: int, rate: int, percent: int) -> tuple[int, int, int, int]:
        key = (year, month, rate, percent)
        hit = self.premium_cache.get(key)
        if hit is None:
            wage = self.wages.get(year)
            if wage is None:  # a year without a wage yet: the latest earlier figure
                wage = self.wages[max((y for y in self.wages if y < year), default=min(self.wages))]
            days = month_days(year, month)
            hit = (days, wage, monthly_premium(wage, days, rate, 100), monthly_premium(wage, days, rate, percent))
            self.premium_cache[key] = hit
        return hit


    def _b_shares(self, amount: int) -> tuple[int, int]:
        """Programme B's (agency, government) split of ``amount`` (lib.payments), worked out once per amount."""
        hit = self.b_share_cache.get(amount)
        if hit is None:
            parts = program_b_shares(amount)
            hit = self.b_share_cache[amount] = (parts["agency"], parts["government"])
        return hit

    def _finalized_on(self, province_id: int, program: str, year: int, quarter: int) -> int | None:
        """The day the quarter's run was finalized, or None if not yet (after yesterday)."""
        key = (province_id, program, year, quarter)
        if key not in self.finalize_day:
            ny, nm = (year, quarter * 3 + 4) if quarter < 3 else (year + 1, 1)
            first = self.cal.ordinal.get((ny, nm, 1))
            day = None if first is None else first + self.rng.randint(3, 12)
            self.finalize_day[key] = day if day is not None and day <= self.last_day else None
        return self.finalize_day[key]

    def _run_percent(self, province_id: int, program: str, year: int, quarter: int) -> int:
        key = (province_id, program, year, quarter)
        if key not in self.run_percent:
            self.run_percent[key] = 80 if program == "A" and self.rng.random() < 0.2 else 100
        return self.run_percent[key]


    def _stretches(self, path: list[State], days: list[int]) -> list[tuple[int, int]]:
        """The case's active stretches as Jalali month indexes [from, to): the month a case
        leaves «active» is not paid; a case still active runs to this month."""
        cal = self.cal
        stretches = []
        for i, s in enumerate(path):
            if s != State.active:
                continue
            begin = cal.month_index(days[i])
            end = cal.month_index(days[i + 1]) if i + 1 < len(path) else cal.month_index(self.last_day) + 1
            stretches.append((begin, end))
        return stretches

    def _payable(self, program: str, province_id: int, stretches: list[tuple[int, int]], taken: set[int]) -> list[int]:
        """Month indexes of the stretches that runs finalized by yesterday paid: never one the
        person was already paid for (by either programme)."""
        months = []
        for begin, end in stretches:
            for index in range(begin, end):
                if index in taken:
                    continue
                year, month0 = divmod(index, 12)
                if self._finalized_on(province_id, program, year, month0 // 3) is not None:
                    months.append(index)
        return months

    def _pay(self, program, pid, program_rate, application_id, applicant_id, province_id, months: list[int],
             share, contract_rate, county_id) -> None:
        """A payment line per month paid. What a line holds besides the case (its run, the month, the
        premium and its split) depends only on the province, programme, month, rate and share: it
        is worked out once per such key (the run and its percentage drawn where they were first
        needed, as before) and each line adds to its run's totals."""
        lines = self.rows["line"]
        share = (share or 100) if program == "A" else 100
        rate = (contract_rate or program_rate) if program == "A" else program_rate
        cache = self.line_cache
        consumed = self.consumed
        next_line = self.next_line
        for index in months:
            key = (province_id, program, index, rate, share)
            hit = cache.get(key)
            if hit is None:
                hit = cache[key] = self._line_terms(program, province_id, index, rate, share)
            run, tail, amount, agency, government, budget_key = hit
            run[1] += amount
            run[3] += agency
            run[4] += government
            run[5].add(application_id)
            run[6] += 1
            consumed[budget_key] += amount
            lines.append((next_line(), run[0], application_id, applicant_id, pid) + tail + (county_id,))

    def _line_terms(self, program: str, province_id: int, index: int, rate: int, share: int) -> tuple:
        """(run, the line's terms from the year to the government's part, amount, agency, government,
        budget key) of a month paid (:meth:`_pay`)."""
        year, month = divmod(index, 12)
        month += 1
        quarter = (month - 1) // 3
        run_percent = self._run_percent(province_id, program, year, quarter)
        days_in_month, wage, full, amount = self._premium(year, month, rate, share * run_percent // 100)
        agency, government = self._b_shares(amount) if program == "B" else (amount, 0)
        run_key = (province_id, program, year, quarter)
        run = self.runs.get(run_key)
        if run is None:
            run = self.runs[run_key] = [self._next("run"), 0, run_percent, 0, 0, set(), 0]
        tail = (year, month, days_in_month, wage, rate, run_percent, share, full, amount, agency, government)
        return run, tail, amount, agency, government, (province_id, program, year)

    def _finish_runs(self) -> None:
        rng = self.rng
        rows = self.rows
        # payment runs
        # payment runs: prepared and finalised by the province committee (demo.province in the
        # demo province), approved in between by a manager (demo.manager), never the preparer
        for (province_id, program, year, quarter), run in sorted(self.runs.items(), key=lambda kv: kv[1][0]):
            run_id, total, percent, agency, government, people, line_count = run
            finalized = self._finalized_on(province_id, program, year, quarter)
            assert finalized is not None
            in_area = province_id == self.demo_province
            preparer = self.province_user if in_area else None
            approver = self.manager if in_area else None
            prepared_day = finalized - rng.randint(2, 5)
            approved_day = rng.randint(prepared_day, finalized - 1)
            rows["run"].append([
                run_id, self.programs[program][0], province_id, year, quarter * 3 + 1, 3, year, quarter * 3 + 3,
                Strategy.PERCENT.value if percent < 100 else Strategy.FULL.value, percent, 3, None, total,
                agency, government, len(people), line_count, "finalized",
                preparer, self.stamp(dt(prepared_day, OFFICE_START + 1800)),
                approver, self.stamp(dt(approved_day, OFFICE_START + 5400)),
                preparer, self.stamp(dt(finalized, OFFICE_START + 7200)), True,
            ])

        # budgets: per province, programme, year and source; partly consumed
        budget_total: dict[tuple, int] = {}
        sources = {
            "A": (("program_30435", 70), ("public_participation", 20), ("other", 10)),
            "B": (("government", 10), ("relief_committee", 8)),
        }
        for province_id in sorted(self.provinces):
            for program in ("A", "B"):
                for year in (self.year - 1, self.year):
                    used = self.consumed.get((province_id, program, year), 0)
                    if used:
                        share = rng.uniform(0.88, 0.97) if year < self.year else rng.uniform(0.45, 0.75)
                        target = int(used / share)
                    else:
                        target = rng.randint(5, 40) * 1_000_000_000
                    weights = sources[program]
                    weight_sum = sum(w for _, w in weights)
                    total = 0
                    for source, w in weights:
                        part = -(-target * w // weight_sum // 10_000_000) * 10_000_000  # up to 10 million rials
                        total += part
                        rows["budget"].append((self._next("budget"), self.programs[program][0], province_id, year, source, part))
                    budget_total[(province_id, program, year)] = total
        # a run's budget is what was left of the year's credit when it ran
        spent: Counter = Counter()
        for run in sorted(rows["run"], key=lambda r: (r[19], r[0])):
            program = "A" if run[1] == self.programs["A"][0] else "B"
            key = (run[2], program, run[3])
            run[11] = budget_total.get(key, spent[key] + run[12]) - spent[key]
            spent[key] += run[12]
        rows["run"] = [tuple(r) for r in rows["run"]]
