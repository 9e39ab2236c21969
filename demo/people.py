"""People and their cases: applicants, applications, households, events, score cards, decisions,
documents and eligibility, along one walk through the workflow per case."""
from __future__ import annotations

from datetime import date, timedelta

from demo.contact import Named
from demo.paths import dt
from demo.vocab import (
    FEMALE_NAMES,
    JOB_FIELDS,
    LAST_NAMES,
    MALE_NAMES,
    MOBILE_PREFIXES,
    AREA_CODES,
    OFFICE_SECONDS,
    OFFICE_START,
    REJECT_REASONS,
    SSO_BRANCHES,
    SUSPEND_REASONS,
    COMPLETE_REASONS,
    WITHDRAW_REASONS,
    COMPLAINTS,
)
from lib import catalog
from lib.scoring import ScoreInput, score
from lib.workflow import ProgramCode, State


class PeopleMixin:
    """Part of :class:`demo.generator.Demo`."""

    def _score(self, household: tuple) -> tuple[int, list]:
        hit = self.score_cache.get(household)
        if hit is None:
            disabled, severity, marital, dependants, years, grade = household
            card = score(ScoreInput(disabled, severity, marital, dependants, years, grade), self.policy)
            rows = []
            for row in card.rows:  # ScoreRow.to_dict(), shared between cards with the same row
                as_dict = self.row_cache.get(row)
                if as_dict is None:
                    as_dict = self.row_cache[row] = row.to_dict()
                rows.append(as_dict)
            hit = (card.total, rows)
            self.score_cache[household] = hit
        return hit


    def _household(self, program: str, target_group: str, scored: bool) -> tuple:
        rng = self.rng
        if program == "B":
            marital = rng.choices(("widowed", "divorced", "single", "married"), (45, 35, 8, 12))[0]
            return (0, None, marital, rng.choices((1, 2, 3, 4, 5), (30, 35, 20, 10, 5))[0], rng.randint(0, 8), None)
        if target_group == "disabled":
            disabled = rng.choices((1, 2, 3), (70, 22, 8))[0]
        else:
            disabled = rng.choices((0, 1, 2), (75, 20, 5))[0]
        severity = rng.choice(("mild", "moderate", "severe", "very_severe")) if disabled else None
        marital = rng.choices(("single", "married", "widowed", "divorced"), (35, 45, 10, 10))[0]
        dependants = rng.choices((0, 1, 2, 3, 4, 5, 6), (20, 20, 25, 18, 9, 5, 3))[0]
        band = rng.random()
        years = rng.randint(0, 3) if band < 0.5 else rng.randint(4, 10) if band < 0.85 else rng.randint(11, 29)
        grade = rng.choices((1, 2, 3, 4, 5), (10, 20, 30, 25, 15))[0] if scored or rng.random() < 0.4 else None
        return (disabled, severity, marital, dependants, years, grade)

    def case(self, program: str, target: State, state_message) -> None:
        rng = self.rng
        rows = self.rows
        pid, program_rate = self.programs[program]
        county_id = self._county()
        province_id = self.county_province[county_id]
        county_name = self.county_name[county_id]
        province_name = self.provinces[province_id]
        flow = self.flows[ProgramCode(program)]
        path = flow.path_to(rng, target)
        days, session_keys = self._timeline(program, path, county_id, province_id)
        applied = date.fromordinal(days[0])
        jy_applied = self.cal.jal[days[0]][0]
        # seconds of the day, increasing within a day
        secs = []
        previous_day, previous_sec = None, 0
        for d in days:
            s = OFFICE_START + rng.randrange(OFFICE_SECONDS - 1800)
            if d == previous_day and s <= previous_sec:
                s = previous_sec + rng.randint(60, 900)
            secs.append(s)
            previous_day, previous_sec = d, s
        times = [dt(d, s) for d, s in zip(days, secs)]

        # --- applicant
        applicant_id = self._next("applicant")
        if program == "B":
            target_group, covering = "female_head", "relief"
            female = True
        else:
            target_group = rng.choices(
                ("disabled", "female_head", "self_supporting_woman", "care_leaver", "recovered_addict", "socially_harmed"),
                (40, 20, 10, 8, 12, 10),
            )[0]
            covering = {"disabled": "rehabilitation", "recovered_addict": "prevention"}.get(target_group, "social")
            female = target_group in ("female_head", "self_supporting_woman") or rng.random() < 0.45
        first = rng.choice(FEMALE_NAMES if female else MALE_NAMES)
        last = rng.choice(LAST_NAMES)
        national_code = self._national_code()
        age = rng.randint(25, 62) if program == "B" else rng.randint(19, 55)
        birth = applied - timedelta(days=age * 365 + rng.randint(0, 364))
        certificate = national_code if birth.year >= 1990 else str(rng.randint(1, 99999))
        mobile = rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**7):07d}"
        landline = AREA_CODES.get(province_name, "021") + f"{rng.randint(2, 9)}{rng.randrange(10**7):07d}" if rng.random() < 0.5 else ""
        created = times[0]
        rows["applicant"].append((
            applicant_id, national_code, first, last, rng.choice(MALE_NAMES), certificate, birth,
            "female" if female else "male", mobile, landline, self._address(county_name),
            self._work_address(county_name) if program == "A" else "", county_id, True, created,
        ))

        # --- application
        application_id = self._next("application")
        tracking = self._tracking_code(program, jy_applied)
        named = Named(first, last, tracking)
        if program == "A":
            channel = rng.choices(("in_person", "e_desk", "counter_office", "portal"), (70, 10, 10, 10))[0]
            job = rng.choice(JOB_FIELDS)
            discount = rng.random() < 0.08
            licence_no = str(rng.randint(100000, 999999))
            licence_date = applied - timedelta(days=rng.randint(30, 700))
        else:
            channel = rng.choices(("portal", "e_desk", "in_person", "counter_office"), (40, 20, 25, 15))[0]
            job, discount, licence_no, licence_date = "", False, "", None

        scored = State.scored in path
        household = self._household(program, target_group, scored)
        # the newest card scores the stored household; an earlier card (re-score, or a case the
        # province sent back) scored what was on the sheet then
        score_moves = [i for i, s in enumerate(path) if s == State.scored and i > 0]
        expert = self.expert if county_id == self.demo_county else None

        # --- events, SMS, decisions, score cards
        months_granted = share = contract_rate = None
        decisions = rows["decision"]
        for i, state in enumerate(path):
            src = path[i - 1] if i else None
            at = times[i]
            level = self._decision_level(program, src, state) if src is not None else None
            user = self._user_for(program, state, level, county_id, province_id)
            note = None
            if i == 0:
                note = "ثبت درخواست"
            elif state == State.scored:
                if program == "A":
                    current = household
                    if i != score_moves[-1]:
                        grade = household[5] or 3
                        current = household[:5] + ((grade % 5) + 1,)
                    total, card_rows = self._score(current)
                    rows["card"].append((
                        self._next("card"), application_id, self.policy.version, total, card_rows, user, at,
                    ))
                    note = f"امتیاز {total}"
                if src == State.county_decision:
                    note = "بازگشت از کمیته استان برای بررسی دوباره" + (f"؛ {note}" if note else "")
            elif state == State.documents_incomplete:
                kind = rng.choice(list(catalog.DOCUMENTS[program].values())[1:])
                note = f"نقص مدارک: {kind}"
            elif state == State.received:
                note = "مدارک تکمیل شد"
            elif state == State.introduced:
                branch = f"{rng.choice(SSO_BRANCHES)} تأمین اجتماعی {county_name}"
                note = f"معرفی به {branch}"
                # letter_no (None here) is numbered in finish(), per county and year in date order
                rows["introduction"].append([
                    self._next("introduction"), application_id, county_id, self.cal.jal[days[i]][0], branch,
                    None, date.fromordinal(days[i]), user, at,
                ])
            elif state == State.active:
                note = "رفع تعلیق" if src == State.suspended else (
                    "پذیرش در شعبه تأمین اجتماعی" if program == "B" else "شروع پرداخت سهم بیمه")
            elif state == State.suspended:
                note = rng.choice(SUSPEND_REASONS)
            elif state == State.completed:
                note = rng.choice(COMPLETE_REASONS)
            elif state == State.withdrawn:
                note = rng.choice(WITHDRAW_REASONS)
            if level:
                session_key = session_keys[i]
                if state == State.rejected:
                    outcome, reason = "reject", rng.choice(REJECT_REASONS[level])
                elif state == State.scored:
                    outcome, reason = "defer", "ارجاع برای تکمیل بررسی و طرح در جلسه بعد"
                else:
                    outcome = "approve"
                    reason = (
                        "اشتغال ایجادشده و شرایط متقاضی مورد تأیید کمیته است"
                        if program == "A" else "احراز سرپرستی خانوار و نیازمندی؛ معرفی در سقف سهمیه"
                    )
                d_months = d_share = d_rate = None
                if state == State.province_decision:
                    months_granted = d_months = rng.choices((12, 24, 36, 48, 60), (25, 30, 20, 10, 15))[0]
                    share = d_share = 100 if rng.random() < 0.88 else 50
                    contract_rate = d_rate = rng.choices((1200, 1400, 1800), (30, 20, 50))[0]
                    reason = f"تأیید؛ مدت {d_months} ماه، سهم {d_share} درصد"
                if note is None or state == State.rejected:
                    note = reason
                decisions.append((
                    self._next("decision"), session_key, application_id, level, outcome, reason,
                    d_months, d_share, d_rate, user, at,
                ))
            elif state == State.rejected:
                note = rng.choice(REJECT_REASONS["other"])
            rows["event"].append((self._next("event"), application_id, src.value if src else None, state.value, at, user, note))
            if src != state:
                old = at.toordinal() < self.last_day - 1
                rows["notification"].append((
                    self._next("notification"), applicant_id, application_id, "sms", mobile, f"state.{state.value}",
                    state_message(named, named, state), "sent" if old else "queued",
                    at, at + timedelta(seconds=rng.randint(5, 300)) if old else None,
                ))
        if program == "B":
            self.counties_with_b.add(county_id)
            if State.introduced in path:
                contract_rate = program_rate

        # --- the case row
        final = path[-1]
        start_year = start_month = None
        active_at = [i for i, s in enumerate(path) if s == State.active]
        if active_at:
            start_year, start_month, _ = self.cal.jal[days[active_at[0]]]
        override = reason_override = set_by = None
        if program == "A" and final in (State.scored, State.county_decision) and rng.random() < 0.04:
            override = rng.randint(1, 5)
            reason_override = "خانواده دارای دو عضو معلول و بدون درآمد؛ به تشخیص کمیته در اولویت قرار گرفت"
            set_by = self.secretary if county_id == self.demo_county else None
        rows["application"].append((
            application_id, tracking, applicant_id, pid, county_id, province_id, channel, final.value,
            covering, target_group, job, discount, licence_no, licence_date, applied, contract_rate,
            months_granted, share, start_year, start_month, override, reason_override, set_by, True,
            expert, created, times[-1],
        ))
        disabled, severity, marital, dependants, years, grade = household
        rows["household"].append((application_id, disabled, severity, marital, dependants, years, grade))

        # --- documents and eligibility
        reached = set(path)
        kinds = list(catalog.DOCUMENTS[program])
        passed_intake = bool(reached & {State.scored, State.county_decision, State.introduced})
        missing: set[str] = set()
        if final == State.documents_incomplete:
            missing = set(rng.sample(kinds[1:], rng.randint(1, 2)))
        for kind in kinds:
            if program == "A" and kind == "committee_approval":
                got = State.county_decision in reached
                when = times[path.index(State.county_decision)] if got else None
            else:
                got = kind not in missing and (passed_intake or kind == kinds[0] or rng.random() < 0.5)
                when = times[0] + timedelta(minutes=rng.randint(1, 30)) if got else None
            rows["document"].append((self._next("document"), application_id, kind, got, expert if got else None, when))
        if program == "A" and scored:
            first_score = times[score_moves[0]]
            for condition in catalog.ELIGIBILITY_CONDITIONS:
                rows["eligibility"].append((
                    self._next("eligibility"), application_id, condition, True, expert,
                    first_score - timedelta(minutes=rng.randint(5, 120)), None,
                ))

        # --- payment lines: every month the case was active, in runs finalized by yesterday
        if active_at:
            self._pay(program, pid, program_rate, application_id, applicant_id, province_id, path, days,
                      months_granted, share, contract_rate)

        # --- a few complaints
        if rng.random() < (0.03 if program == "B" else 0.015):
            subject, body = rng.choice(COMPLAINTS[ProgramCode(program)])
            opened = times[-1] - timedelta(days=rng.randint(0, 20))
            if opened < times[0]:
                opened = times[0] + timedelta(hours=2)
            status = rng.choices(("open", "resolved", "rejected"), (40, 45, 15))[0]
            resolved_at = opened + timedelta(days=rng.randint(1, 15)) if status != "open" else None
            if resolved_at is not None and resolved_at.toordinal() > self.last_day:
                status, resolved_at = "open", None
            resolution = {
                "resolved": "موضوع بررسی و پرونده در نوبت رسیدگی قرار گرفت؛ نتیجه با پیامک اعلام شد.",
                "rejected": "پس از بررسی، رسیدگی مطابق دستورالعمل انجام شده بود.",
            }.get(status)
            compensation = (
                "معرفی خارج از نوبت به شعبه و پیگیری تلفنی" if status == "resolved" and program == "B" else None
            )
            rows["complaint"].append((
                self._next("complaint"), application_id, applicant_id, channel, subject, body, status,
                resolution, compensation, expert, opened, resolved_at,
            ))

