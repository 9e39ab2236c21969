"""The demo generator: state shared by its parts, reference data, writing, and :func:`generate_demo`."""
from __future__ import annotations

import bisect
import gc
import itertools
import random
from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

import jdatetime
from sqlalchemy import select, update
from sqlalchemy.engine import Connection, Engine

from lib.jalali import local_today
from db.audit_chain import append_rows
from db.bulk import (
    bulk_transaction, insert_rows, next_id, reset_sequences, sqlite_checks_deferred, sqlite_indexes_deferred,
)
from db.derived import triggers_suspended
from db.models import (
    AgendaEntry,
    Applicant,
    Application,
    ApplicationEvent,
    Budget,
    CommitteeSession,
    Complaint,
    County,
    Decision,
    DeputyConfirmation,
    Document,
    EligibilityConfirmation,
    Household,
    Introduction,
    MinimumWage,
    Notification,
    PaymentLine,
    PaymentRun,
    Program,
    Province,
    Quota,
    ScoreCardRecord,
    ScoringPolicyVersion,
    SessionMember,
    SsoBranch,
    User,
)
from demo.accounts import DEMO_ACCOUNTS, demo_area_ids
from demo.committees import CommitteesMixin
from demo.contact import ContactMixin
from demo.introductions import IntroductionsMixin
from demo.draws import DemoRandom
from demo.paths import Calendar, Stamps, Workflow
from demo.payments import PaymentsMixin
from demo.papers import PapersMixin
from demo.people import PeopleMixin
from demo.timeline import TimelineMixin
from demo.writing import insert_tuples
from demo.vocab import (
    ALLEYS,
    CENTRE_SHARE,
    DEMO_COUNTY_SHARE,
    DEMO_PROVINCE_REST_SHARE,
    FINAL_STATE_WEIGHTS,
    FOCUS_PROVINCES,
    PROGRAM_A_SHARE,
    STREETS,
    UTC,
    WORKPLACES,
)
from lib.errors import InvalidInput
from lib.identifiers import generate_national_code
from lib.scoring import DEFAULT_POLICY, ScoringPolicy
from lib.text import to_persian_digits
from lib.workflow import ProgramCode, State


LINE_COLUMNS = (
    "id", "run_id", "application_id", "applicant_id", "program_id", "jalali_year", "jalali_month", "days",
    "daily_wage_rial", "rate_bp", "percent", "share_percent", "full_amount_rial", "amount_rial", "agency_rial",
    "government_rial", "county_id",
)  # live (finalised runs), line_kind 'payment' and sso_status 'pending' by their defaults


_PERSIAN_NUMBERS = [to_persian_digits(n) for n in range(181)]
"""House and unit numbers in Persian digits, written once."""


WRITTEN = (
    Applicant, Application, Household, ApplicationEvent, ScoreCardRecord, Document, EligibilityConfirmation,
    CommitteeSession, SessionMember, Decision, SsoBranch, AgendaEntry, DeputyConfirmation, Introduction, PaymentRun,
    PaymentLine, Notification, Complaint,
)
"""The tables :meth:`Demo.write` fills with plain inserts (quotas and budgets are upserted)."""


class Demo(PeopleMixin, PapersMixin, TimelineMixin, CommitteesMixin, PaymentsMixin, IntroductionsMixin, ContactMixin):
    """Everything generated, as rows (tuples) per table until :meth:`write`."""

    def __init__(self, conn: Connection, rng: random.Random, today: date):
        self.conn = conn
        self.rng = rng
        self.today = today
        self.last_day = today.toordinal() - 1  # every event happened yesterday or earlier
        self._load_reference()
        jt = jdatetime.date.fromgregorian(date=today)
        self.year = jt.year
        self.range_start = jdatetime.date(jt.year - 1, 1, 1).togregorian().toordinal()
        self.cal = Calendar(date.fromordinal(self.range_start - 40), today + timedelta(days=70))
        # days and moments are numbers until they go into a row, then what the driver takes
        self.stamps = Stamps(conn.dialect.name)
        self.stamp = self.stamps.moment
        self.driver_values = self.stamps.text  # SQLite: the rows hold the driver's values, nothing to convert
        self.card_text = self.driver_values  # SQLite: a card's rows as JSON text (PeopleMixin._score)
        self.flows = {p: Workflow(p) for p in ProgramCode}
        self.rows: dict[str, list[tuple]] = defaultdict(list)
        self.introduction_sms: dict[int, tuple] = {}  # introduction id → (its SMS row, names, from state)
        self.ids = {  # name → the numbers its new rows take, from the first free id
            name: itertools.count(next_id(conn, table))
            for name, table in (
                ("applicant", Applicant), ("application", Application), ("event", ApplicationEvent),
                ("card", ScoreCardRecord), ("document", Document), ("eligibility", EligibilityConfirmation),
                ("session", CommitteeSession), ("member", SessionMember), ("decision", Decision),
                ("introduction", Introduction), ("branch", SsoBranch), ("deputy", DeputyConfirmation),
                ("agenda", AgendaEntry), ("quota", Quota), ("budget", Budget), ("run", PaymentRun), ("line", PaymentLine),
                ("notification", Notification), ("complaint", Complaint),
            )
        }
        # the counters of the tables with a row per move or paper, called directly
        self.next_application = self.ids["application"].__next__
        self.next_event = self.ids["event"].__next__
        self.next_notification = self.ids["notification"].__next__
        self.next_document = self.ids["document"].__next__
        self.next_decision = self.ids["decision"].__next__
        self.next_card = self.ids["card"].__next__
        self.next_line = self.ids["line"].__next__
        self._make_pickers()
        self.step_table: dict[tuple, tuple] = {}  # (programme, from, to) → the move's committee, role, texts
        self.national_codes = set(conn.execute(select(Applicant.national_code)).scalars())
        self.tracking_codes = set(conn.execute(select(Application.tracking_code)).scalars())
        self.sessions: dict[tuple, list] = {}  # key → [id, created_by]
        self._load_sessions()
        self._load_branches()
        self.session_day: dict[tuple, int] = {}
        self.move_table: dict[tuple, tuple] = {}  # (programme, from, to) → the move's committee and gap (_move)
        self.rosters: dict[tuple, list[tuple[str, str]]] = {}
        self.runs: dict[tuple, list] = {}  # (province, program, year, quarter) → [id, total, percent, finalized ordinal]
        self.run_percent: dict[tuple, int] = {}
        self.finalize_day: dict[tuple, int | None] = {}
        self.premium_cache: dict[tuple, tuple[int, int, int, int]] = {}
        self.b_share_cache: dict[int, tuple[int, int]] = {}
        self.line_cache: dict[tuple, tuple] = {}  # (province, programme, month, rate, share) → a line's terms (_pay)
        self.score_cache: dict[tuple, tuple[int, Any]] = {}  # household → (total, the card's rows as stored)
        self.row_cache: dict[tuple, tuple[int, Any]] = {}  # (criterion, input) → (points, its row as stored)
        self.sms_parts: dict[tuple, tuple[str, list[str] | None]] = {}  # a move's SMS, worded once (_state_sms)
        self.introduced: Counter = Counter()  # (county, Jalali year) → this run's introductions
        self.counties_with_b: set[int] = set()
        self.consumed: Counter = Counter()  # (province, program, year) → rials
        self.awaiting_county: list[tuple[int, datetime]] = []  # demo county's A cases awaiting its committee
        self.demo_waiting: Counter = Counter()  # (programme, state) → waiting cases placed in the demo county
        self.followed: Counter = Counter()  # people with a second case: again, refused, other

    # ----------------------------------------------------------------- reference
    def _next(self, name: str) -> int:
        return next(self.ids[name])

    def _load_reference(self) -> None:
        conn = self.conn
        self.programs = {
            code: (pid, rate) for pid, code, rate in conn.execute(select(Program.id, Program.code, Program.rate_bp))
        }
        if "A" not in self.programs or "B" not in self.programs:
            raise InvalidInput(
                "برنامه‌های الف و ب در اطلاعات پایه تعریف نشده‌اند؛ ابتدا «bimeyar load-reference» را اجرا کنید."
            )
        self.wages = dict(conn.execute(select(MinimumWage.jalali_year, MinimumWage.daily_wage_rial)).all())
        if not self.wages:
            raise InvalidInput("جدول حداقل دستمزد خالی است؛ ابتدا «bimeyar load-reference» را اجرا کنید.")
        self.provinces = {pid: name for pid, name in conn.execute(select(Province.id, Province.name))}
        counties: dict[int, list[tuple[int, str]]] = defaultdict(list)
        for cid, pid, name in conn.execute(select(County.id, County.province_id, County.name).order_by(County.id)):
            counties[pid].append((cid, name))
        self.county_province = {cid: pid for pid, rows in counties.items() for cid, _ in rows}
        self.county_name = {cid: name for rows in counties.values() for cid, name in rows}
        self.demo_province, self.demo_county = demo_area_ids(conn)
        policy_row = conn.execute(
            select(ScoringPolicyVersion.rules).order_by(ScoringPolicyVersion.adopted_on.desc())  # type: ignore[attr-defined]
        ).first()
        if policy_row is None:
            raise InvalidInput("جدول امتیازات در اطلاعات پایه نیست؛ ابتدا «bimeyar load-reference» را اجرا کنید.")
        self.policy = ScoringPolicy.from_dict(policy_row[0]) if policy_row else DEFAULT_POLICY
        users = dict(
            conn.execute(
                select(User.username, User.id).where(User.username.in_([a.username for a in DEMO_ACCOUNTS]))  # type: ignore[attr-defined]
            ).all()
        )
        self.expert = users.get("demo.expert")
        self.secretary = users.get("demo.secretary")
        self.province_user = users.get("demo.province")
        self.manager = users.get("demo.manager")

        # where applicants live: cumulative weights over counties
        weights: dict[int, float] = defaultdict(float)
        by_name = {name: pid for pid, name in self.provinces.items()}
        weights[self.demo_county] += DEMO_COUNTY_SHARE
        rest = [c for c, _ in counties[self.demo_province] if c != self.demo_county]
        for c in rest:
            weights[c] += DEMO_PROVINCE_REST_SHARE / len(rest)
        used = {self.demo_province}
        for province, centre, share in FOCUS_PROVINCES:
            pid = by_name.get(province)
            if pid is None or not counties[pid]:
                continue
            used.add(pid)
            centre_ids = [c for c, n in counties[pid] if n == centre]
            others = [c for c, n in counties[pid] if n != centre]
            if centre_ids and others:
                weights[centre_ids[0]] += share * CENTRE_SHARE
                for c in others:
                    weights[c] += share * (1 - CENTRE_SHARE) / len(others)
            else:
                for c, _ in counties[pid]:
                    weights[c] += share / len(counties[pid])
        left = 1.0 - sum(weights.values())
        others = [pid for pid in sorted(counties) if pid not in used and counties[pid]]
        for pid in others:
            for c, _ in counties[pid]:
                weights[c] += left / len(others) / len(counties[pid])
        self.county_ids = sorted(weights)
        total = 0.0
        self.county_cum = []
        for c in self.county_ids:
            total += weights[c]
            self.county_cum.append(total)


    # ----------------------------------------------------------------- small pieces
    def _county(self) -> int:
        i = bisect.bisect_left(self.county_cum, self.rng.random() * self.county_cum[-1])
        return self.county_ids[min(i, len(self.county_ids) - 1)]

    def _national_code(self) -> str:
        while True:
            code = generate_national_code(self.rng)
            if code not in self.national_codes:
                self.national_codes.add(code)
                return code

    def _tracking_code(self, program: str, jalali_year: int) -> str:
        while True:
            code = f"{program}{jalali_year % 100:02d}{self.rng.randrange(10**7):07d}"
            if code not in self.tracking_codes:
                self.tracking_codes.add(code)
                return code

    def _address(self, county: str) -> str:
        rng = self.rng
        return (
            f"{county}، خیابان {rng.choice(STREETS)}، کوچه {rng.choice(ALLEYS)}، "
            f"پلاک {_PERSIAN_NUMBERS[rng.randint(1, 180)]}"
        )

    def _work_address(self, county: str) -> str:
        rng = self.rng
        return (
            f"{county}، {rng.choice(WORKPLACES)} {rng.choice(STREETS)}، "
            f"واحد {_PERSIAN_NUMBERS[rng.randint(1, 60)]}"
        )


    @staticmethod
    def _role_for(program: str, state: State, level: str | None, previous: State | None = None) -> int:
        """Who made this move: 0 the province's committee (demo.province), 1 the county
        committee's secretary (demo.secretary), 2 the county's expert (demo.expert)."""
        if level == "province" or (program == "A" and state in (State.active, State.suspended, State.completed)):
            return 0
        if level == "county" or state == State.introduced or (program == "B" and state == State.rejected
                                                                and previous == State.introduced):
            return 1
        return 2

    def _user_for(self, program: str, state: State, level: str | None, county_id: int, province_id: int,
                  previous: State | None = None) -> int | None:
        """The demo account that made this move, when it happened in the demo area."""
        role = self._role_for(program, state, level, previous)
        if role == 0:
            return self.province_user if province_id == self.demo_province else None
        return (self.secretary if role == 1 else self.expert) if county_id == self.demo_county else None


    # ----------------------------------------------------------------- aggregates
    def finish(self) -> None:
        self._finish_sessions()
        self._finish_runs()
        self._number_letters()
        self._finish_quotas()

    # ----------------------------------------------------------------- writing
    def write(self) -> dict[str, int]:
        conn = self.conn
        rows = self.rows
        counts: dict[str, int] = {}
        # quotas and budgets first: an earlier run's rows get their amounts added, checked as they change
        quotas = self._upsert_amounts(Quota, "slots", ("program_id", "province_id", "county_id", "jalali_year"), (
            "id", "program_id", "province_id", "county_id", "jalali_year", "slots"), rows["quota"])
        budgets = self._upsert_amounts(Budget, "amount_rial", ("program_id", "province_id", "jalali_year", "source"), (
            "id", "program_id", "province_id", "jalali_year", "source", "amount_rial"), rows["budget"])
        with sqlite_checks_deferred(conn, *WRITTEN):  # the new rows' CHECKs tested once per table, after
            self._insert_new(counts, quotas, budgets)
        # chained to the audit log's last record like every other (db/audit_chain.py)
        counts["audit"] = append_rows(conn, [dict(at=datetime.now(UTC), username="system", action="demo.generate",
                                                  entity="demo", after=dict(counts))])
        reset_sequences(conn, (
            Applicant, Application, ApplicationEvent, ScoreCardRecord, Document, EligibilityConfirmation,
            CommitteeSession, SessionMember, Decision, AgendaEntry, DeputyConfirmation, SsoBranch, Introduction, Quota, Budget, PaymentRun, PaymentLine, Notification,
            Complaint,
        ))
        return counts

    def _insert_new(self, counts: dict[str, int], quotas: int, budgets: int) -> None:
        """The plain inserts of :data:`WRITTEN`, their counts into ``counts`` (in the order the
        report has always listed them)."""
        conn = self.conn
        rows = self.rows

        def put(name: str, table, columns: Sequence[str], data: list) -> None:
            counts[name] = insert_tuples(conn, table, columns, data, driver_values=self.driver_values)

        put("applicants", Applicant, (
            "id", "national_code", "first_name", "last_name", "father_name", "birth_certificate_no",
            "birth_date", "gender", "mobile", "landline", "home_address", "work_address", "county_id",
            "is_demo", "created_at"), rows["applicant"])
        put("applications", Application, (
            "id", "tracking_code", "applicant_id", "program_id", "county_id", "province_id", "channel",
            "state", "covering_domain", "target_group", "job_field", "discount_holder", "head_of_household", "licence_no",
            "licence_date", "applied_on", "contract_rate_bp", "months_granted", "share_percent",
            "start_year", "start_month", "priority_override", "priority_reason", "priority_set_by",
            "is_demo", "created_by", "created_at", "updated_at"), rows["application"])
        put("households", Household, (
            "application_id", "disabled_members", "severity", "marital_status", "dependants",
            "insured_years", "need_grade"), rows["household"])
        put("events", ApplicationEvent, ("id", "application_id", "from_state", "to_state", "at", "user_id", "note"), rows["event"])
        put("score_cards", ScoreCardRecord, ("id", "application_id", "policy_version", "total", "rows", "scored_by", "scored_at"), rows["card"])
        put("documents", Document, ("id", "application_id", "kind", "received", "uploaded_by", "uploaded_at"), rows["document"])
        put("eligibility", EligibilityConfirmation, (
            "id", "application_id", "condition", "satisfied", "confirmed_by", "confirmed_at", "note"), rows["eligibility"])
        put("committee_sessions", CommitteeSession, (
            "id", "level", "program_id", "province_id", "county_id", "held_on", "number", "status",
            "created_by", "created_at", "closed_at", "is_demo"), rows["session"])
        put("session_members", SessionMember, ("id", "session_id", "role", "full_name"), rows["member"])
        put("decisions", Decision, (
            "id", "session_id", "application_id", "level", "outcome", "reason", "months_granted",
            "share_percent", "contract_rate_bp", "decided_by", "decided_at"), rows["decision"])
        put("sso_branches", SsoBranch, ("id", "county_id", "name", "code", "active", "is_demo"), rows["branch"])
        put("agenda_entries", AgendaEntry, (
            "id", "session_id", "application_id", "level", "is_open", "placed_by", "placed_at"), rows["agenda"])
        put("deputy_confirmations", DeputyConfirmation, (
            "id", "application_id", "deputy", "job_ready", "months", "confirmed_by", "confirmed_at", "note"),
            rows["deputy"])
        put("introductions", Introduction, (
            "id", "application_id", "county_id", "jalali_year", "branch_id", "branch", "letter_no", "introduced_on",
            "introduced_by", "created_at", "refused_on", "refusal_reason", "refused_by"), rows["introduction"])
        counts["quotas"], counts["budgets"] = quotas, budgets
        put("payment_runs", PaymentRun, (
            "id", "program_id", "province_id", "jalali_year", "start_month", "months", "end_year", "end_month",
            "strategy", "percent", "paid_months", "budget_rial", "total_rial", "agency_rial", "government_rial", "people",
            "line_count", "status", "created_by", "created_at", "approved_by", "approved_at", "finalized_by",
            "finalized_at", "is_demo"), rows["run"])
        put("payment_lines", PaymentLine, LINE_COLUMNS, rows["line"])
        put("notifications", Notification, (
            "id", "applicant_id", "application_id", "channel", "mobile", "event", "body", "status",
            "created_at", "sent_at"), rows["notification"])
        put("complaints", Complaint, (
            "id", "application_id", "applicant_id", "channel", "subject", "body", "status", "resolution",
            "compensation", "created_by", "created_at", "resolved_at", "county_id", "province_id", "deadline"),
            rows["complaint"])

    def _upsert_amounts(self, model, amount: str, key_columns: tuple[str, ...], columns: tuple[str, ...], data: list) -> int:
        """Insert new quota/budget rows; add to the amount of those an earlier run created."""
        table = model.__table__
        existing = {
            tuple(r[:-1]): r[-1]
            for r in self.conn.execute(select(*[table.c[c] for c in key_columns], table.c.id))
        }
        fresh, written = [], 0
        for row in data:
            values = dict(zip(columns, row))
            key = tuple(values[c] for c in key_columns)
            if key in existing:
                self.conn.execute(
                    update(table).where(table.c.id == existing[key]).values({amount: table.c[amount] + values[amount]})
                )
                written += 1
            else:
                fresh.append(row)
        if fresh:
            written += insert_rows(self.conn, table, columns, fresh)
        return written


def _targets(rng: random.Random, flow: Workflow, count: int) -> list[State]:
    """Final states for ``count`` cases: each reachable state once first, then by weight."""
    states = flow.reachable
    weights = [FINAL_STATE_WEIGHTS[flow.program].get(s, 0.03) for s in states]
    guaranteed = states[:count]
    rest = rng.choices(states, weights, k=max(0, count - len(guaranteed)))
    targets = guaranteed + rest
    rng.shuffle(targets)
    return targets


def generate_demo(engine: Engine, applicants: int, seed: int = 1404, *, today: date | None = None) -> dict[str, int]:
    """Write ``applicants`` demo applicants and their cases in one transaction; return the
    number of rows written per table. Deterministic for a seed, an empty database and a day.

    The database must be migrated and hold the reference data; the demo accounts, if they
    exist already, appear as the users who acted in the demo county and province.
    """
    from services.notify import state_message  # the SMS text exactly as the services write it

    if applicants < 0:
        raise InvalidInput("تعداد متقاضیان نمونه نمی‌تواند منفی باشد.", field="applicants")
    if applicants == 0:
        return {}
    rng = DemoRandom(seed)
    today = today or local_today()
    # millions of row tuples that live until the write, none of them in a cycle: the cyclic
    # collector would walk them again and again as they pile up; it is back on afterwards
    collecting = gc.isenabled()
    gc.disable()
    try:
        counts = _generate(engine, rng, applicants, today, state_message)
    finally:
        if collecting:
            gc.enable()
    if engine.dialect.name == "postgresql":  # the planner's statistics of the loaded tables now, not when
        with engine.begin() as conn:  # autovacuum comes round: without them it sorted 46,000 queued SMS for a page
            conn.exec_driver_sql("ANALYZE")
    return counts


def _generate(engine: Engine, rng: DemoRandom, applicants: int, today: date, state_message) -> dict[str, int]:
    with bulk_transaction(engine) as conn:  # SQLite: foreign keys checked once, before the commit
        demo = Demo(conn, rng, today)
        n_a = round(applicants * PROGRAM_A_SHARE)
        plan = [("A", t) for t in _targets(rng, demo.flows[ProgramCode.A], n_a)]
        plan += [("B", t) for t in _targets(rng, demo.flows[ProgramCode.B], applicants - n_a)]
        rng.shuffle(plan)
        for program, target in plan:
            demo.life(program, target, state_message)
        demo.finish()
        # SQLite (room in the page cache for the load's pages: bulk_transaction): the indexes of the
        # empty tables built once after the load, then the tallies, case search and score totals
        # rebuilt once instead of per row
        with triggers_suspended(conn), sqlite_indexes_deferred(conn, WRITTEN):
            return demo.write()


