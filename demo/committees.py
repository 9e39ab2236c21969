"""Committee sessions (Form 2): one a month per committee that decided something, their members,
numbered per committee and Jalali year; the next open session of the demo county."""
from __future__ import annotations

from collections import Counter, defaultdict

from sqlalchemy import select

from db.models import CommitteeSession
from demo.paths import DAY, dt
from demo.vocab import FEMALE_NAMES, LAST_NAMES, MALE_NAMES, OFFICE_START
from lib import catalog


class CommitteesMixin:
    """Part of :class:`demo.generator.Demo`."""

    def _load_sessions(self) -> None:
        """Reuse the demo sessions of an earlier run (same committee, same day)."""
        programs = {pid: code for code, (pid, _) in self.programs.items()}
        rows = self.conn.execute(
            select(
                CommitteeSession.id, CommitteeSession.level, CommitteeSession.program_id,
                CommitteeSession.province_id, CommitteeSession.county_id, CommitteeSession.held_on,
                CommitteeSession.status,
            ).where(CommitteeSession.is_demo == True)  # noqa: E712
        )
        self.open_sessions = set()
        for sid, level, program_id, province_id, county_id, held_on, status in rows:
            committee = (level, programs.get(program_id), county_id if level == "county" else province_id)
            if status == "open":
                self.open_sessions.add(committee)
            else:
                self.sessions[committee + (held_on.toordinal(),)] = [sid, None, None]


    def _roster(self, level: str, area_id: int) -> list[tuple[str, str]]:
        """The committee's members, the same people every month: Form 2's roles for a county
        committee, seed 003's provincial roles (the deputy, the responsible expert …) for a province's."""
        key = (level, area_id)
        roster = self.rosters.get(key)
        if roster is None:
            rng = self.rng
            roster = []
            for role in (catalog.PROVINCE_COMMITTEE_ROLES if level == "province" else catalog.COMMITTEE_ROLES):
                if role == "guest":
                    continue
                first = rng.choice(MALE_NAMES if rng.random() < 0.6 else FEMALE_NAMES)
                roster.append((role, f"{first} {rng.choice(LAST_NAMES)}"))
            self.rosters[key] = roster
        return roster

    def _session_key(self, level: str, program: str, area_id: int, earliest: int) -> tuple[tuple, int]:
        """(key, held-on ordinal) of the committee's first monthly session on or after
        ``earliest``; the committee meets on the same day of every Jalali month."""
        committee = (level, program, area_id)
        day = self.session_day.get(committee)
        if day is None:
            day = self.session_day[committee] = self.rng.randint(20, 28) if level == "province" else self.rng.randint(5, 25)
        held = self.cal.on_or_after(earliest, day)
        return committee + (held,), held


    def _finish_sessions(self) -> None:
        rng = self.rng
        rows = self.rows
        cal = self.cal
        # sessions: number them per committee and Jalali year in date order; members; an open one
        by_committee: dict[tuple, list] = defaultdict(list)
        for key, value in self.sessions.items():
            by_committee[key[:3]].append((key[3], key, value))
        for committee, items in sorted(by_committee.items(), key=lambda kv: (kv[0][0], kv[0][1], kv[0][2])):
            level, program, area_id = committee
            items.sort()
            count_in_year: Counter = Counter()
            for held, key, value in items:
                jy = cal.jal[held][0] if held in cal.jal else self.year
                count_in_year[jy] += 1
                if value[0] is not None:  # an earlier run's session
                    continue
                province_id = value[1]
                sid = value[0] = self._next("session")
                in_area = (level == "county" and area_id == self.demo_county) or (
                    level == "province" and area_id == self.demo_province)
                user = (self.secretary if level == "county" else self.province_user) if in_area else None
                start = dt(held, OFFICE_START)
                rows["session"].append((
                    sid, level, self.programs[program][0], province_id, area_id if level == "county" else None,
                    self.stamps.day(held), f"{count_in_year[jy]}/{jy}", "closed", user,
                    self.stamp(start - DAY * rng.randint(2, 7)), self.stamp(start + 3600 * rng.randint(2, 4)), True,
                ))
                self._members(sid, level, area_id)
        for program in ("A",):  # the next meeting of the demo county's committee, not yet held (B has none)
            committee = ("county", program, self.demo_county)
            if committee in self.open_sessions:
                continue
            day = self.session_day.get(committee) or rng.randint(5, 25)
            held = cal.on_or_after(self.today.toordinal() + 1, day)
            jy = cal.jal[held][0]
            count = sum(1 for k in self.sessions if k[:3] == committee and cal.jal.get(k[3], (0,))[0] == jy) + 1
            sid = self._next("session")
            rows["session"].append((
                sid, "county", self.programs[program][0], self.demo_province, self.demo_county,
                self.stamps.day(held), f"{count}/{jy}", "open", self.secretary,
                self.stamp(dt(self.last_day, OFFICE_START + 3600)), None, True,
            ))
            self._members(sid, "county", self.demo_county)
            # the cases waiting for it, on its agenda (a case sits on one open agenda per level)
            for application_id, scored_at in self.awaiting_county[:8]:
                rows["agenda"].append((self._next("agenda"), sid, application_id, "county", True, self.secretary,
                                       self.stamp(max(scored_at, dt(self.last_day, OFFICE_START + 3700)))))
        # decisions carry session keys and their moment as a number until now
        sessions = self.sessions
        stamp = self.stamp
        decisions = rows["decision"]
        # every decided case was on its session's agenda, placed before the meeting; closed now
        for r in decisions:
            rows["agenda"].append((self._next("agenda"), sessions[r[1]][0], r[2], r[3], False, r[9],
                                   stamp(r[10] - 60 * rng.randint(30, 600))))
        rows["decision"] = [(r[0], sessions[r[1]][0]) + r[2:10] + (stamp(r[10]),) for r in decisions]

    def _members(self, session_id: int, level: str, area_id: int) -> None:
        for role, name in self._roster(level, area_id):
            self.rows["member"].append((self._next("member"), session_id, role, name))
        if self.rng.random() < 0.15:
            guest = f"{self.rng.choice(MALE_NAMES)} {self.rng.choice(LAST_NAMES)}"
            self.rows["member"].append((self._next("member"), session_id, "guest", guest))
