"""People and their cases: applicants, applications, households, events, score cards, decisions,
documents and eligibility, along one walk through the workflow per case."""
from __future__ import annotations

import json
from datetime import date
from typing import Any

from demo.contact import TRACKING_STAND_IN, Named
from demo.paths import DAY, dt
from demo.vocab import (
    AREA_CODES,
    BOTH_PROGRAMMES_REFUSAL,
    BOTH_PROGRAMMES_SHARE,
    FINAL_STATE_WEIGHTS,
    REAPPLY_SHARE,
    COMPLETE_EARLY_REASONS,
    COMPLETE_TERM_REASON,
    FEMALE_NAMES,
    GRANT_OPTIONS,
    GRANT_WEIGHTS,
    JOB_FIELDS,
    LAST_NAMES,
    MALE_NAMES,
    MAX_MONTHS_A,
    MOBILE_PREFIXES,
    OFFICE_SECONDS,
    OFFICE_START,
    REJECT_REASONS,
    B_INELIGIBLE_REASONS,
    SSO_REFUSALS,
    SUSPEND_REASONS,
    WAITING_STATES,
    WITHDRAW_REASONS,
)
from lib import catalog
from lib.scoring import CRITERIA, ScoreInput, score
from services.introductions import branch_title
from services.relief_eligibility import B_ELIGIBLE_LABEL
from lib.text import to_persian_digits
from lib.workflow import INITIAL_STATE, ProgramCode, State

PROGRAM_LABELS = {"A": "برنامه الف", "B": "برنامه ب"}
FOLLOW_ROOM = 150  # days left after a first case that will be followed by another
FOLLOW_ROOM_REFUSAL = 75
BORN_1990 = date(1990, 1, 1).toordinal()  # born since then, the national code is the certificate number
_HOUSEHOLD = ("disabled_members", "severity", "marital_status", "dependants", "insured_years", "need_grade")
"""The household tuple's fields (:meth:`PeopleMixin._household`), in ``ScoreInput``'s order."""
_CARD_INPUTS = tuple((criterion, _HOUSEHOLD.index(criterion)) for criterion in CRITERIA)
"""Each row of a card, in the card's order: its criterion and the household field it scores."""
_TEXT = {s: s.value for s in State}
"""Each state's text, looked up (an enum member's ``.value`` is a descriptor call, a million times)."""
_ROW_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
_SECOND_RANGE = OFFICE_SECONDS - 1800  # a move's second of the office day: OFFICE_START + a draw below it
_COVERING = {"disabled": "rehabilitation", "recovered_addict": "prevention"}  # programme A; else "social"
_MISSING_KINDS = {p: tuple(catalog.DOCUMENTS[p].values())[1:] for p in ("A", "B")}
"""The documents a «documents incomplete» move may name (not the application form)."""
_NO_EXTRA: dict = {}  # a move's message without details of its own (never changed)


class Person:
    """One applicant across their cases (a re-application, the other programme)."""

    __slots__ = ("applicant_id", "first", "last", "female", "target_group", "mobile", "county_id", "written",
                 "cases", "paid", "a_paid", "last_day", "last_program", "last_final")

    def __init__(self, applicant_id: int, first: str, last: str, female: bool, target_group: str, mobile: str,
                 county_id: int):
        self.applicant_id, self.first, self.last, self.female = applicant_id, first, last, female
        self.target_group, self.mobile, self.county_id = target_group, mobile, county_id
        self.written = False
        self.cases: list[str] = []  # tracking codes, oldest first
        self.paid: set[int] = set()  # Jalali month indexes paid, either programme
        self.a_paid = 0  # programme A months paid on earlier cases
        self.last_day = 0
        self.last_program: str | None = None
        self.last_final: State | None = None


class PeopleMixin:
    """Part of :class:`demo.generator.Demo`."""

    def _score(self, household: tuple) -> tuple[int, Any]:
        """(total, rows as the column stores them) of the card scoring ``household`` with the
        policy: exactly ``score()``'s card. Each of its rows depends on its own criterion's input
        alone (its label, rule and maximum are the policy's), so a row is made once per criterion
        and input, by ``score()`` on the first household that has it, and a card is put together
        from its rows. On SQLite the rows are JSON text with Persian letters as they are and no
        spaces (a third of the escaped text of Core's default ``json.dumps``; read back as the same
        value): the cards were 40 % of the database file."""
        hit = self.score_cache.get(household)
        if hit is None:
            parts = self.row_cache
            keys = [(criterion, household[i]) for criterion, i in _CARD_INPUTS]
            if any(key not in parts for key in keys):
                card = score(ScoreInput(*household), self.policy)
                for row, key in zip(card.rows, keys, strict=True):
                    assert row.criterion == key[0]
                    as_dict = row.to_dict()
                    parts.setdefault(key, (row.points, _ROW_JSON(as_dict) if self.card_text else as_dict))
            rows = [parts[key] for key in keys]
            total = sum(points for points, _ in rows)
            stored = "[" + ",".join(r for _, r in rows) + "]" if self.card_text else [r for _, r in rows]
            hit = self.score_cache[household] = (total, stored)
        return hit

    def _make_pickers(self) -> None:
        """The weighted draws made once or more per case, each a function of the demo's random
        stream (:meth:`demo.draws.DemoRandom.picker`: the very draw of ``choices(…)[0]``)."""
        picker = self.rng.picker
        self.pick_channel_a = picker(("in_person", "e_desk", "counter_office", "portal"), (70, 10, 10, 10))
        self.pick_channel_b = picker(("portal", "e_desk", "in_person", "counter_office"), (40, 20, 25, 15))
        self.pick_contract_rate = picker((1200, 1400, 1800), (30, 20, 50))
        self.pick_target_group = picker(
            ("disabled", "female_head", "self_supporting_woman", "care_leaver", "recovered_addict", "socially_harmed"),
            (40, 20, 10, 8, 12, 10))
        self.pick_b_marital = picker(("widowed", "divorced", "single", "married"), (45, 35, 8, 12))
        self.pick_b_dependants = picker((1, 2, 3, 4, 5), (30, 35, 20, 10, 5))
        self.pick_disabled_members = picker((1, 2, 3), (70, 22, 8))  # of a disabled applicant's household
        self.pick_other_disabled = picker((0, 1, 2), (75, 20, 5))
        self.pick_marital = picker(("single", "married", "widowed", "divorced"), (35, 45, 10, 10))
        self.pick_dependants = picker((0, 1, 2, 3, 4, 5, 6), (20, 20, 25, 18, 9, 5, 3))
        self.pick_grade = picker((1, 2, 3, 4, 5), (10, 20, 30, 25, 15))

    def _household(self, program: str, target_group: str, scored: bool) -> tuple:
        rng = self.rng
        if program == "B":
            marital = self.pick_b_marital()
            return (0, None, marital, self.pick_b_dependants(), rng.randint(0, 8), None)
        if target_group == "disabled":
            disabled = self.pick_disabled_members()
        else:
            disabled = self.pick_other_disabled()
        severity = rng.choice(("mild", "moderate", "severe", "very_severe")) if disabled else None
        marital = self.pick_marital()
        dependants = self.pick_dependants()
        band = rng.random()
        years = rng.randint(0, 3) if band < 0.5 else rng.randint(4, 10) if band < 0.85 else rng.randint(11, 29)
        grade = self.pick_grade() if scored or rng.random() < 0.4 else None
        return (disabled, severity, marital, dependants, years, grade)

    # ----------------------------------------------------------------- people
    def life(self, program: str, target: State, state_message) -> None:
        """One person: a case in ``program`` ending in ``target`` and, for some, a later case —
        a re-application after a case that ended, or a case in the other programme: refused
        while the first still supports them, possible once it has ended (never two premium
        supports for one month)."""
        rng = self.rng
        follow = None
        if target in (State.completed, State.rejected, State.withdrawn) and (
                self.followed["again"] < 2 or rng.random() < REAPPLY_SHARE):
            follow = "again"
        elif target in (State.active, State.suspended) and (
                self.followed["refused"] < 2 or rng.random() < BOTH_PROGRAMMES_SHARE):
            follow = "refused"
        elif target == State.completed and (self.followed["other"] < 1 or rng.random() < BOTH_PROGRAMMES_SHARE):
            follow = "other"
        person = self.person(program, woman_head=follow in ("refused", "other"), target=target)
        room = FOLLOW_ROOM_REFUSAL if follow == "refused" else FOLLOW_ROOM
        if follow is None or not self.case(person, program, target, state_message, ends_by=self.last_day - room):
            follow = None
            if not self.case(person, program, target, state_message):
                raise RuntimeError("demo timeline does not fit the period")  # pragma: no cover
        if follow is None:
            return
        not_before = person.last_day + rng.randint(7, 30)
        second = program if follow == "again" else ("B" if program == "A" else "A")
        path = refusal = None
        if follow == "refused":
            path = [INITIAL_STATE, State.rejected] if second == "B" else [INITIAL_STATE, State.scored, State.rejected]
            refusal = BOTH_PROGRAMMES_REFUSAL.format(tracking=person.cases[-1], program=PROGRAM_LABELS[program])
        flow = self.flows[ProgramCode(second)]
        weights = [FINAL_STATE_WEIGHTS[flow.program].get(s, 0.03) for s in flow.reachable]
        again = rng.choices(flow.reachable, weights)[0]
        if not self.case(person, second, again, state_message, path=path, not_before=not_before, refusal=refusal):
            self.case(person, second, None, state_message, path=[INITIAL_STATE], not_before=not_before)
        self.followed[follow] += 1

    def person(self, program: str, woman_head: bool = False, target: State | None = None) -> Person:
        """A new applicant (not written until their first case is): men and women in programme A,
        only women heads of household in programme B (and whoever will also apply to B). The
        first two cases of each waiting state live in the demo county, so its screens have work."""
        rng = self.rng
        county_id = self._county()
        if target in WAITING_STATES and self.demo_waiting[(program, target)] < 2:
            self.demo_waiting[(program, target)] += 1
            county_id = self.demo_county
        if program == "B" or woman_head:
            target_group = "female_head"
            female = True
        else:
            target_group = self.pick_target_group()
            female = target_group in ("female_head", "self_supporting_woman") or rng.random() < 0.45
        first = rng.choice(FEMALE_NAMES if female else MALE_NAMES)
        return Person(self._next("applicant"), first, rng.choice(LAST_NAMES), female, target_group,
                      rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**7):07d}", county_id)

    def _write_person(self, person: Person, program: str, applied: int, created: int) -> None:
        rng = self.rng
        county_name = self.county_name[person.county_id]
        province_name = self.provinces[self.county_province[person.county_id]]
        national_code = self._national_code()
        age = rng.randint(25, 62) if program == "B" else rng.randint(19, 55)
        birth = applied - (age * 365 + rng.randint(0, 364))
        certificate = national_code if birth >= BORN_1990 else str(rng.randint(1, 99999))
        landline = AREA_CODES.get(province_name, "021") + f"{rng.randint(2, 9)}{rng.randrange(10**7):07d}" if rng.random() < 0.5 else ""
        self.rows["applicant"].append((
            person.applicant_id, national_code, person.first, person.last, rng.choice(MALE_NAMES), certificate,
            self.stamps.day(birth), "female" if person.female else "male", person.mobile, landline,
            self._address(county_name), self._work_address(county_name) if program == "A" else "", person.county_id,
            True, self.stamp(created),
        ))
        person.written = True

    def _grant(self, person: Person, final: State, payable: list[int]) -> tuple[int, str | None]:
        """Programme A: the months the committees grant (never beyond the person's 60 less the
        months already paid on earlier cases) and, for a completed case, why it ended: at the
        end of the granted months (all of them paid) or early, with a reason."""
        rng = self.rng
        left = max(1, MAX_MONTHS_A - person.a_paid)
        options = [m for m in GRANT_OPTIONS if m <= left] or [left]
        if final == State.completed:
            if payable and len(payable) <= left and rng.random() < 0.5:
                return len(payable), COMPLETE_TERM_REASON  # completed when its granted months ended, all paid
            longer = [m for m in options if m > len(payable)]
            if longer:
                return rng.choice(longer), rng.choice(COMPLETE_EARLY_REASONS)
            return min(len(payable), left), COMPLETE_TERM_REASON
        if final in (State.active, State.suspended):
            longer = [m for m in options if m > len(payable)]  # still running: months remain
            if longer:
                return rng.choices(longer, [GRANT_WEIGHTS[GRANT_OPTIONS.index(m)] if m in GRANT_OPTIONS else 1 for m in longer])[0], None
            return left, None
        return rng.choices(options, [GRANT_WEIGHTS[GRANT_OPTIONS.index(m)] if m in GRANT_OPTIONS else 1 for m in options])[0], None

    def _step_info(self, program: str, src: State | None, state: State) -> tuple:
        """(committee deciding it or None, who made it as :meth:`_role_for` numbers them, the from
        and to states' text) of a move, worked out once per programme and move."""
        level = self._decision_level(program, src, state) if src is not None else None
        info = self.step_table[(program, src, state)] = (
            level, self._role_for(program, state, level, src), _TEXT.get(src), _TEXT[state])
        return info

    def case(self, person: Person, program: str, target: State | None, state_message, *, path: list[State] | None = None,
             not_before: int | None = None, ends_by: int | None = None, refusal: str | None = None) -> bool:
        """One case of ``person`` along ``path`` (or a walk to ``target``) within the window;
        False (nothing written) when it does not fit. ``refusal``: the reason the case was
        rejected (a person supported by the other programme)."""
        rng = self.rng
        below = rng._randbelow  # rng.randint(a, b) is a + below(b - a + 1), rng.randrange(n) below(n)
        rows = self.rows
        pid, program_rate = self.programs[program]
        county_id = person.county_id
        province_id = self.county_province[county_id]
        if path is None:
            path = self.flows[ProgramCode(program)].path_to(rng, target)
        fitted = self._timeline(program, path, county_id, province_id, not_before, ends_by)
        if fitted is None:
            return False
        days, session_keys = fitted
        applied = days[0]
        jy_applied = self.cal.jal[days[0]][0]
        # seconds of the day, increasing within a day
        secs = []
        previous_day, previous_sec = None, 0
        for d in days:
            s = OFFICE_START + below(_SECOND_RANGE)
            if d == previous_day and s <= previous_sec:
                s = previous_sec + 60 + below(841)  # rng.randint(60, 900)
            secs.append(s)
            previous_day, previous_sec = d, s
        times = [d * DAY + s for d, s in zip(days, secs)]  # dt(d, s)
        stamps = self.stamps.moments(times)
        if not person.written:
            self._write_person(person, program, applied, times[0])
        applicant_id = person.applicant_id
        mobile = person.mobile
        if program == "B":
            target_group, covering = "female_head", "relief"
        else:
            target_group = person.target_group
            covering = _COVERING.get(target_group, "social")

        # --- application
        application_id = self.next_application()
        tracking = self._tracking_code(program, jy_applied)
        named = Named(person.first, person.last, tracking)
        if program == "A":
            channel = self.pick_channel_a()
            job = rng.choice(JOB_FIELDS)
            discount = rng.random() < 0.08
            licence_no = str(100000 + below(900000))  # rng.randint(100000, 999999)
            licence_date = self.stamps.day(applied - 30 - below(671))  # rng.randint(30, 700)
        else:
            channel = self.pick_channel_b()
            job, discount, licence_no, licence_date = "", False, "", None

        final = path[-1]
        scored = State.scored in path
        household = self._household(program, target_group, scored)
        # the newest card scores the stored household; an earlier card (re-score, or a case the
        # province sent back) scored what was on the sheet then
        score_moves = [i for i, s in enumerate(path) if s == State.scored and i > 0]
        in_county = county_id == self.demo_county
        expert = self.expert if in_county else None

        # --- what will be paid (months active, in runs finalized by yesterday, not paid before)
        stretches = self._stretches(path, days)
        payable = self._payable(program, province_id, stretches, person.paid)
        months_granted = share = contract_rate = None
        complete_reason = None
        if program == "A" and (State.county_decision in path):
            months_granted, complete_reason = self._grant(person, final, payable)
            share = 100 if rng.random() < 0.88 else 50
            contract_rate = self.pick_contract_rate()
            payable = payable[:months_granted]
        elif program == "B" and State.introduced in path:
            contract_rate = program_rate

        # --- events, SMS, decisions, score cards
        decisions = rows["decision"]
        events = rows["event"]
        notifications = rows["notification"]
        next_event, next_notification = self.next_event, self.next_notification
        sms_parts = self.sms_parts
        users = (self.province_user if province_id == self.demo_province else None,
                 self.secretary if in_county else None, expert)
        name = f"{person.first} {person.last}"
        plain = self._fits_template(name, tracking)
        steps = self.step_table
        src = None
        for i, state in enumerate(path):
            at = stamps[i]
            step = steps.get((program, src, state)) or self._step_info(program, src, state)
            level, role, src_text, state_text = step
            user = users[role]
            note = None
            if i == 0:
                note = "ثبت درخواست" if not person.cases else f"درخواست دوباره؛ پرونده پیشین {person.cases[-1]}"
            elif state == State.scored:
                if program == "A":
                    current = household
                    if i != score_moves[-1]:
                        grade = household[5] or 3
                        current = household[:5] + ((grade % 5) + 1,)
                    total, card_rows = self._score(current)
                    rows["card"].append((
                        self.next_card(), application_id, self.policy.version, total, card_rows, user, at,
                    ))
                    note = f"امتیاز {total}"
                if src == State.county_decision:
                    note = "بازگشت از کمیته استان برای بررسی دوباره" + (f"؛ {note}" if note else "")
            elif state == State.documents_incomplete:
                kind = rng.choice(_MISSING_KINDS[program])
                if program == "A" and kind == catalog.DOCUMENTS["A"]["committee_approval"]:
                    kind = catalog.DOCUMENTS["A"]["sso_payment_proof"]  # Form 2 is the committee's, not an intake paper
                note = f"نقص مدارک: {kind}"
            elif state == State.received:
                note = "مدارک تکمیل شد"
            elif state == State.introduced:
                branch_id, branch = self._branch(county_id)
                # the letter number and so this note are written in finish(), per county and year in date order
                introduction = [
                    self._next("introduction"), application_id, county_id, self.cal.jal[days[i]][0], branch_id,
                    branch, None, self.stamps.day(days[i]), user, at, None, None, None, len(events),
                ]
                rows["introduction"].append(introduction)
            elif state == State.county_decision and program == "B":
                note = f"{B_ELIGIBLE_LABEL} (واحد شهرستان)"
            elif state == State.active:
                note = "رفع تعلیق" if src == State.suspended else (
                    "پذیرش در شعبه تأمین اجتماعی" if program == "B" else "شروع پرداخت سهم بیمه")
            elif state == State.suspended:
                note = rng.choice(SUSPEND_REASONS)
            elif state == State.completed:
                note = complete_reason or rng.choice(COMPLETE_EARLY_REASONS)
                if months_granted is not None:  # as services.lifecycle: the grant is cut to the months paid
                    paid = len(payable)
                    note = (f"{note} — مدت مصوب {to_persian_digits(months_granted)} ماه، پرداخت‌شده "
                            f"{to_persian_digits(paid)} ماه؛ {to_persian_digits(months_granted - paid)} ماه به سقف متقاضی برگشت.")
            elif state == State.withdrawn:
                note = rng.choice(WITHDRAW_REASONS)
            if level:
                d_months = d_share = d_rate = None
                if state == State.rejected:
                    outcome, reason = "reject", refusal or rng.choice(REJECT_REASONS[level])
                elif state == State.scored:
                    outcome, reason = "defer", "ارجاع برای تکمیل بررسی و طرح در جلسه بعد"
                elif program == "A":
                    # the county committee proposes months, share and rate; the province confirms them
                    outcome = "approve"
                    d_months, d_share, d_rate = months_granted, share, contract_rate
                    verb = "پیشنهاد" if level == "county" else "تأیید"
                    reason = (f"اشتغال ایجادشده و شرایط متقاضی مورد تأیید کمیته است؛ {verb} مدت "
                              f"{d_months} ماه، سهم {d_share} درصد")
                else:
                    outcome, reason = "approve", "احراز سرپرستی خانوار و نیازمندی؛ معرفی در سقف سهمیه"
                if note is None or state == State.rejected:
                    note = reason
                decisions.append((
                    self.next_decision(), session_keys[i], application_id, level, outcome, reason,
                    d_months, d_share, d_rate, user, times[i],  # stamped in _finish_sessions
                ))
            elif state == State.rejected and program == "B" and src == State.introduced:
                reason = rng.choice(SSO_REFUSALS)  # as services.introductions.record_sso_refusal: the seat returns
                introduction[10:13] = [self.stamps.day(days[i]), reason, user]
                note = f"{branch_title(introduction[5])} تأمین اجتماعی نپذیرفت: {reason}"
            elif state == State.rejected and program == "B" and src in (State.received, State.documents_incomplete):
                note = f"واجد شرایط نیست: {refusal or rng.choice(B_INELIGIBLE_REASONS)}"  # the county unit refuses
            elif state == State.rejected:
                note = refusal or rng.choice(REJECT_REASONS["other"])
            events.append((next_event(), application_id, src_text, state_text, at, user, note))
            if src != state:  # the message the services write for this move, with its own details
                if state == State.documents_incomplete:
                    extra = {"مدارک": kind}
                elif state == State.introduced:  # the letter's number is known in finish(): rendered again there
                    extra = {"شعبه": branch_title(branch), "شماره_نامه": "—"}
                else:
                    extra = _NO_EXTRA
                template = sms_parts.get((src, state, ())) if extra is _NO_EXTRA else None
                event, parts = template or self._sms_template(state, src, extra, state_message)
                if parts is not None and plain:
                    body = name.join(parts).replace(TRACKING_STAND_IN, tracking)
                else:
                    body = state_message(named, named, state, src=src, extra=extra)
                if mobile:  # as services.notify.queue_state_sms: nothing without a mobile
                    notifications.append((next_notification(), applicant_id, application_id, "sms", mobile, event,
                                          body, "queued", at, None))
                    if state == State.introduced:
                        self.introduction_sms[introduction[0]] = (len(notifications) - 1, named, src)
            src = state
        if program == "B":
            self.counties_with_b.add(county_id)

        # --- the case row
        start_year = start_month = None
        active_at = [i for i, s in enumerate(path) if s == State.active]
        if active_at:
            start_year, start_month, _ = self.cal.jal[days[active_at[0]]]
        override = reason_override = set_by = None
        if program == "A" and final in (State.scored, State.county_decision) and rng.random() < 0.04:
            override = rng.randint(1, 5)
            reason_override = "خانواده دارای دو عضو معلول و بدون درآمد؛ به تشخیص کمیته در اولویت قرار گرفت"
            set_by = self.secretary if county_id == self.demo_county else None
        if program == "A" and State.province_decision not in path:  # proposed, not yet confirmed
            in_force = (None, None, None)
        elif final == State.completed and months_granted is not None:  # only the months paid stay used
            in_force = (contract_rate, len(payable), share)
        else:
            in_force = (contract_rate, months_granted, share)
        rows["application"].append((
            application_id, tracking, applicant_id, pid, county_id, province_id, channel, _TEXT[final],
            covering, target_group, job, discount, True if program == "B" else None, licence_no, licence_date,
            self.stamps.day(applied), *in_force,
            start_year, start_month, override, reason_override, set_by, True,
            expert, stamps[0], stamps[-1],
        ))
        disabled, severity, marital, dependants, years, grade = household
        rows["household"].append((application_id, disabled, severity, marital, dependants, years, grade))
        self._papers(program, application_id, path, times, stamps, score_moves, expert, in_county)
        if program == "A":
            if State.province_decision in path or (final == State.county_decision and rng.random() < 0.5):
                self._deputy(application_id, covering, months_granted, path, times, province_id)
            if final == State.scored and county_id == self.demo_county:
                self.awaiting_county.append((application_id, times[-1]))

        # --- payment lines
        if payable:
            self._pay(program, pid, program_rate, application_id, applicant_id, province_id, payable, share, contract_rate, county_id)
            person.paid.update(payable)
            if program == "A":
                person.a_paid += len(payable)
        person.cases.append(tracking)
        person.last_day = days[-1]
        person.last_program, person.last_final = program, final
        self._complaint(program, application_id, applicant_id, channel, expert, times, county_id, province_id)
        return True
