"""Programme B: introductions to SSO branches (letter numbers as the service writes them) and
the county quotas they fit in."""
from __future__ import annotations

from collections import Counter

from sqlalchemy import select

from db.models import Introduction, SsoBranch
from demo.vocab import SSO_BRANCHES
from lib.text import ltr, to_latin_digits, to_persian_digits
from lib.workflow import State
from services.introductions import branch_title, letter_number


class IntroductionsMixin:
    """Part of :class:`demo.generator.Demo`."""

    def _load_branches(self) -> None:
        """The SSO branches already on file (an earlier demo run, or an administrator's)."""
        self.branch_ids: dict[tuple[int, str], int] = {
            (county_id, name): branch_id
            for branch_id, county_id, name in self.conn.execute(select(SsoBranch.id, SsoBranch.county_id, SsoBranch.name))
        }
        self.county_branches: dict[int, list[str]] = {}
        self.introduction_years: set[tuple[int, int]] = set()  # (county, Jalali year) with introductions

    def _branch(self, county_id: int) -> tuple[int, str]:
        """One of the county's SSO branches (id, name): two to four per county, added as demo
        reference data the first time the county introduces someone."""
        names = self.county_branches.get(county_id)
        if names is None:
            county = self.county_name[county_id]
            picked = self.rng.sample(SSO_BRANCHES, self.rng.randint(2, 4))
            names = self.county_branches[county_id] = [f"{number} {county}" for number in picked]
            for name in names:
                if (county_id, name) not in self.branch_ids:
                    branch_id = self.branch_ids[(county_id, name)] = self._next("branch")
                    code = "".join(ch for ch in to_latin_digits(name) if ch.isdigit())
                    self.rows["branch"].append((branch_id, county_id, name, code, True, True))
        name = self.rng.choice(names)
        return self.branch_ids[(county_id, name)], name

    def _number_letters(self) -> None:
        """Letter numbers of the introductions: per county and Jalali year, in date order, after
        the introductions already in the database (as :func:`services.introductions.introduce`
        numbers them: count so far + 1), never one that is taken; the «introduced» event's note
        names the branch and the letter as the service writes it."""
        from services.notify import state_message  # as generate_demo imports it

        taken: set[str] = set()
        used: Counter = Counter()
        for county_id, year, letter_no in self.conn.execute(
            select(Introduction.county_id, Introduction.jalali_year, Introduction.letter_no)
        ):
            taken.add(letter_no)
            used[(county_id, year)] += 1
        rows = self.rows["introduction"]
        events = self.rows["event"]
        rows.sort(key=lambda r: (r[2], r[3], r[9], r[0]))  # county, year, time of the event, id
        for row in rows:
            key = (row[2], row[3])
            while True:
                used[key] += 1
                letter_no = letter_number(row[2], row[3], used[key])
                if letter_no not in taken:
                    break
            taken.add(letter_no)
            row[6] = letter_no
            event = events[row[13]]
            events[row[13]] = event[:6] + (f"معرفی به {branch_title(row[5])} با نامه شماره {letter_no}",)
            if (sms := self.introduction_sms.get(row[0])) is not None:  # the SMS names the letter too
                place, named, src = sms
                notice = self.rows["notification"][place]
                body = state_message(named, named, State.introduced, src=src, extra={
                    "شعبه": branch_title(row[5]), "شماره_نامه": ltr(to_persian_digits(letter_no))})
                self.rows["notification"][place] = notice[:6] + (body,) + notice[7:]
            self.introduction_years.add((row[2], row[3]))
            if row[10] is None:  # a seat SSO refused returns to the quota
                self.introduced[(row[2], row[3])] += 1  # what the county's quota for that year must cover
        rows.sort(key=lambda r: r[0])
        self.rows["introduction"] = [tuple(r[:13]) for r in rows]

    def _finish_quotas(self) -> None:
        rng = self.rng
        rows = self.rows
        if self.demo_county not in self.county_branches:  # the demo unit can introduce after the demo
            self._branch(self.demo_county)
        # programme B quotas: every county and year with introductions has one that covers them
        # (last year's mostly used up); this year's leaves room, also in the demo county
        for county_id in sorted(self.counties_with_b | {self.demo_county}):
            for year in (self.year - 1, self.year):
                used = self.introduced.get((county_id, year), 0)
                if year < self.year:
                    if (county_id, year) not in self.introduction_years:
                        continue
                    slots = max(1, used + rng.randint(0, 2))
                else:
                    slots = -(-used * rng.randint(115, 180) // 100) + rng.randint(3, 12)
                rows["quota"].append((self._next("quota"), self.programs["B"][0], self.county_province[county_id],
                                      county_id, year, slots))
