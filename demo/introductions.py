"""Programme B: introductions to SSO branches (letter numbers as the service writes them) and
the county quotas they fit in."""
from __future__ import annotations

from collections import Counter

from sqlalchemy import select

from db.models import Introduction
from services.introductions import letter_number


class IntroductionsMixin:
    """Part of :class:`demo.generator.Demo`."""

    def _number_letters(self) -> None:
        """Letter numbers of the introductions: per county and Jalali year, in date order, after
        the introductions already in the database (as :func:`services.introductions.introduce`
        numbers them: count so far + 1), never one that is taken."""
        taken: set[str] = set()
        used: Counter = Counter()
        for county_id, year, letter_no in self.conn.execute(
            select(Introduction.county_id, Introduction.jalali_year, Introduction.letter_no)
        ):
            taken.add(letter_no)
            used[(county_id, year)] += 1
        rows = self.rows["introduction"]
        rows.sort(key=lambda r: (r[2], r[3], r[8], r[0]))  # county, year, time of the event, id
        for row in rows:
            key = (row[2], row[3])
            while True:
                used[key] += 1
                letter_no = letter_number(row[2], row[3], used[key])
                if letter_no not in taken:
                    break
            taken.add(letter_no)
            row[5] = letter_no
            self.introduced[(row[2], row[3])] += 1  # what the county's quota for that year must cover
        rows.sort(key=lambda r: r[0])
        self.rows["introduction"] = [tuple(r) for r in rows]


    def _finish_quotas(self) -> None:
        rng = self.rng
        rows = self.rows
        # programme B quotas: every county and year with introductions has one that covers them
        # (last year's mostly used up); this year's leaves room, also in the demo county
        for county_id in sorted(self.counties_with_b | {self.demo_county}):
            for year in (self.year - 1, self.year):
                used = self.introduced.get((county_id, year), 0)
                if year < self.year:
                    if not used:
                        continue
                    slots = used + rng.randint(0, 2)
                else:
                    slots = -(-used * rng.randint(115, 180) // 100) + rng.randint(3, 12)
                rows["quota"].append((self._next("quota"), self.programs["B"][0], self.county_province[county_id],
                                      county_id, year, slots))
