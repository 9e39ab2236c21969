"""Demo data: realistic, clearly marked (``is_demo``), fast to generate, deterministic by seed.

``generate_demo(engine, n)`` writes ``n`` demo applicants with one case each and everything a
case's history implies, in one transaction:

* applicants with Persian names (women only in programme B), valid unique national codes,
  mobiles, landlines with the province's area code, addresses, birth dates;
* cases in both programmes (A ≈ 65 %, B ≈ 35 %) applied within the last two Jalali years,
  spread over six provinces and a little of every other, concentrated in the demo accounts'
  county (شهرستان تهران) so that their screens are full;
* every state of :class:`lib.workflow.State` reached (the first cases of each programme take one
  state each), each by a walk along :data:`lib.workflow.TRANSITIONS` — documents found missing,
  re-scoring, a province sending a case back, suspensions — with one timeline event and one SMS
  per move;
* households, and score cards from :func:`lib.scoring.score` for every move into «scored»
  (the newest card matches the stored household); documents and eligibility confirmations;
* committee sessions (one a month per county committee and per province committee, Form 2
  members from :data:`lib.catalog.COMMITTEE_ROLES`), the decisions taken in them, and one open
  session coming up in the demo county;
* quarterly payment runs, finalized, per province and programme, with a payment line per paid
  month (:func:`lib.payments.monthly_premium` with the database's minimum wage table;
  programme B split 8/10 with :func:`lib.payments.program_b_shares`); programme B quotas per
  county and budgets per province and funding source for the current and the previous Jalali
  year, partly consumed; a few complaints;
* programme B introductions: one :class:`db.models.Introduction` per case whose history passed
  «introduced» (the branch named in its event, the event's date, its Jalali year, a letter
  number as :func:`services.introductions.letter_number` writes it, numbered per county and
  year in date order after those already in the database); each county's quota for the
  current year leaves room beyond its introductions of that year.

Speed: rows are built as tuples and written with :mod:`db.bulk` (ids numbered in Python from
the tables' current maximum), so 100,000 applicants take seconds, not minutes.

``create_demo_users(session)`` creates the five demo accounts (one per role, password
:data:`DEMO_PASSWORD`) through :func:`services.users.create_user`, so they are audited. That is
the one place where ``db`` calls ``services``; the import is local to the function.
"""
from __future__ import annotations

import bisect
import random
from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, NamedTuple

import jdatetime
from sqlalchemy import func, select, update
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session

from db.bulk import insert_payment_lines, insert_rows, next_id, reset_sequences
from db.models import (
    Applicant,
    Application,
    ApplicationEvent,
    AuditLog,
    Budget,
    CommitteeSession,
    Complaint,
    County,
    Decision,
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
    User,
)
from lib import catalog
from lib.errors import InvalidInput
from lib.identifiers import generate_national_code
from lib.jalali import month_days
from lib.payments import Strategy, monthly_premium, program_b_shares
from lib.permissions import ROLE_LABELS, Role
from lib.scoring import DEFAULT_POLICY, ScoreInput, ScoringPolicy, score
from lib.text import to_persian_digits
from lib.workflow import INITIAL_STATE, TERMINAL_STATES, TRANSITIONS, ProgramCode, State

__all__ = [
    "DEMO_PASSWORD",
    "DEMO_PROVINCE",
    "DEMO_COUNTY",
    "DemoAccount",
    "DEMO_ACCOUNTS",
    "generate_demo",
    "create_demo_users",
    "demo_area_ids",
]

# --------------------------------------------------------------------------- demo accounts
DEMO_PASSWORD = "demo1234"
DEMO_PROVINCE = "تهران"
DEMO_COUNTY = "تهران"


class DemoAccount(NamedTuple):
    """One demo account: ``level`` is where it works (county, province or the whole country)."""

    username: str
    role: Role
    full_name: str
    level: str  # "county" | "province" | "national"

    @property
    def role_label(self) -> str:
        return ROLE_LABELS[self.role]

    @property
    def area_label(self) -> str:
        if self.level == "county":
            return f"شهرستان {DEMO_COUNTY}، استان {DEMO_PROVINCE}"
        if self.level == "province":
            return f"استان {DEMO_PROVINCE}"
        return "کل کشور"


DEMO_ACCOUNTS: tuple[DemoAccount, ...] = (
    DemoAccount("demo.expert", Role.county_expert, "مریم رضایی", "county"),
    DemoAccount("demo.secretary", Role.committee_secretary, "علی محمدی", "county"),
    DemoAccount("demo.province", Role.province_committee, "فاطمه حسینی", "province"),
    DemoAccount("demo.manager", Role.manager, "حسن کریمی", "national"),
    DemoAccount("demo.admin", Role.admin, "زهرا احمدی", "national"),
)
"""The demo accounts, all with :data:`DEMO_PASSWORD` (for the login page's hint)."""


def demo_area_ids(session_or_conn: Session | Connection) -> tuple[int, int]:
    """(province id, county id) of the demo county; InvalidInput if reference data is missing."""
    stmt = (
        select(County.id, County.province_id)
        .join(Province, Province.id == County.province_id)
        .where(Province.name == DEMO_PROVINCE, County.name == DEMO_COUNTY)
    )
    row = session_or_conn.execute(stmt).first()
    if row is None:
        raise InvalidInput(
            "اطلاعات پایه (استان‌ها و شهرستان‌ها) بارگذاری نشده است؛ ابتدا «bimeyar load-reference» "
            "یا «bimeyar init» را اجرا کنید."
        )
    return int(row[1]), int(row[0])


def create_demo_users(session: Session) -> list[tuple[str, str, str]]:
    """Create the demo accounts that do not exist yet (never twice); return those created as
    (username, role label, area label). Audited: :func:`services.users.create_user` as SYSTEM."""
    from services.base import SYSTEM  # db → services only here: demo accounts must be audited
    from services.users import create_user

    province_id, county_id = demo_area_ids(session)
    existing = set(
        session.execute(
            select(User.username).where(User.username.in_([a.username for a in DEMO_ACCOUNTS]))  # type: ignore[attr-defined]
        ).scalars()
    )
    created: list[tuple[str, str, str]] = []
    for account in DEMO_ACCOUNTS:
        if account.username in existing:
            continue
        create_user(
            session,
            SYSTEM,
            username=account.username,
            full_name=account.full_name,
            password=DEMO_PASSWORD,
            role=account.role,
            province_id=province_id if account.level == "province" else None,
            county_id=county_id if account.level == "county" else None,
            is_demo=True,
        )
        created.append((account.username, account.role_label, account.area_label))
    return created


# --------------------------------------------------------------------------- vocabularies
FEMALE_NAMES = (
    "فاطمه", "زهرا", "مریم", "معصومه", "زینب", "سمیه", "لیلا", "سارا", "نرگس", "مهسا",
    "الهام", "اعظم", "اکرم", "رقیه", "سکینه", "طاهره", "فرزانه", "شیرین", "نازنین", "راضیه",
    "صدیقه", "خدیجه", "منیژه", "مینا", "پروانه", "ژیلا", "سمانه", "حمیده", "نسرین", "شهلا",
    "فریبا", "مهری", "پروین", "عاطفه", "کبری", "ربابه", "صغری", "اشرف", "ملیحه", "نفیسه",
    "سهیلا", "آزاده", "هانیه", "نیلوفر", "مهناز", "شبنم", "فرشته", "زیبا", "نسترن", "الهه",
    "کوثر", "ریحانه", "حدیثه", "سپیده", "یاسمن", "بهاره", "آمنه", "طیبه", "منصوره", "محبوبه",
    "سوسن", "هاجر", "فروغ", "گلناز", "شکوفه", "لادن", "مرضیه", "ناهید", "پریسا", "رویا",
    "ثریا", "عفت", "زهره", "فهیمه", "مهدیه", "نجمه", "سحر", "کیمیا", "هستی", "بتول",
)
MALE_NAMES = (
    "محمد", "علی", "حسین", "حسن", "رضا", "مهدی", "احمد", "امیر", "جواد", "مجید",
    "سعید", "حمید", "مصطفی", "محمود", "مرتضی", "عباس", "ابوالفضل", "یوسف", "اکبر", "قاسم",
    "کریم", "رحیم", "ناصر", "جعفر", "صادق", "هادی", "وحید", "امین", "عرفان", "میلاد",
    "سجاد", "بهروز", "فرهاد", "کامران", "داوود", "ابراهیم", "اسماعیل", "یعقوب", "غلامرضا", "علیرضا",
    "محمدرضا", "حمیدرضا", "منصور", "بهزاد", "پیمان", "نادر", "شهرام", "فرزاد", "کاظم", "موسی",
    "عیسی", "یونس", "ایمان", "روح‌الله", "نعمت‌الله", "حبیب", "عزیز", "مسعود", "مهرداد", "سینا",
    "پویا", "آرش", "بابک", "کیوان", "رامین", "هوشنگ", "اصغر", "رسول", "خلیل", "طاهر",
    "شاهرخ", "مختار", "سلمان", "صالح", "عادل", "فرامرز", "جمشید", "ایرج", "منوچهر", "اسدالله",
)
LAST_NAMES = (
    "محمدی", "احمدی", "حسینی", "رضایی", "موسوی", "کریمی", "جعفری", "قاسمی", "رحیمی", "صادقی",
    "حیدری", "نوری", "کاظمی", "مرادی", "عباسی", "اکبری", "سلیمانی", "ابراهیمی", "امیری", "محمودی",
    "یوسفی", "نجفی", "شریفی", "طاهری", "هاشمی", "اسدی", "بهرامی", "زارعی", "فرهادی", "قربانی",
    "رستمی", "صالحی", "میرزایی", "عزیزی", "خسروی", "باقری", "سبحانی", "یزدانی", "فتحی", "شجاعی",
    "نظری", "اصفهانی", "تهرانی", "شیرازی", "تبریزی", "کرمانی", "خراسانی", "رشیدی", "عسگری", "ملکی",
    "بیگی", "پورمحمدی", "حسن‌زاده", "علی‌زاده", "قلی‌زاده", "رحمانی", "سلطانی", "جهانگیری", "نیک‌نام", "کیانی",
    "فراهانی", "دهقان", "کشاورز", "آقایی", "مختاری", "زمانی", "توکلی", "شاکری", "افشار", "بابایی",
    "غفاری", "اسلامی", "مهدوی", "فاضلی", "منصوری", "وکیلی", "نصیری", "پاکزاد", "شکوهی", "امینی",
    "ناصری", "جلالی", "کمالی", "سعیدی", "عرب", "ترابی", "صفری", "رنجبر", "یگانه", "درویشی",
    "حیدرزاده", "کریم‌پور", "عباس‌پور", "ولی‌زاده", "روحانی", "قنبری", "سپهری", "خدابنده", "بختیاری", "زند",
)
STREETS = (
    "امام خمینی", "آزادی", "انقلاب", "شهید بهشتی", "شهید مطهری", "جمهوری", "ولیعصر", "طالقانی",
    "فردوسی", "حافظ", "سعدی", "شریعتی", "کارگر", "بهار", "نسترن", "یاس", "لاله", "گلستان",
    "شهید رجایی", "شهید باهنر", "پاسداران", "استقلال", "جانبازان", "بسیج", "معلم", "شهدا",
    "سلمان فارسی", "ابوذر", "مدرس", "کشاورز", "خیام", "عطار", "نیایش", "بوستان", "فرهنگ", "امام رضا",
)
ALLEYS = ("اول", "دوم", "سوم", "چهارم", "پنجم", "ششم", "لاله", "نرگس", "شقایق", "بنفشه", "مریم", "سرو", "صنوبر")
WORKPLACES = ("بازارچه", "مجتمع تجاری", "کارگاه", "راسته", "پاساژ", "شهرک صنعتی")
JOB_FIELDS = (
    "خیاطی و تولید پوشاک", "قالی‌بافی", "آرایشگری زنانه", "تعمیر تلفن همراه", "فروشگاه مواد غذایی",
    "نانوایی سنتی", "صنایع دستی", "پرورش قارچ", "دامداری کوچک", "زنبورداری", "بسته‌بندی حبوبات",
    "خدمات رایانه‌ای و تایپ", "تعمیر لوازم خانگی", "فروش خشکبار", "گلدوزی و سوزن‌دوزی",
    "شیرینی‌پزی خانگی", "فروش اینترنتی", "پرورش ماکیان", "کفاشی", "نجاری", "معرق‌کاری",
    "سبزی‌فروشی", "تولید ترشی و مربا", "عکاسی", "آموزش خصوصی", "تعمیر دوچرخه", "سراجی", "حصیربافی",
)
MOBILE_PREFIXES = (
    "0912", "0912", "0913", "0915", "0917", "0919", "0935", "0936", "0937", "0938", "0939",
    "0901", "0902", "0903", "0905", "0990", "0991", "0921", "0922",
)
AREA_CODES = {
    "تهران": "021", "البرز": "026", "اصفهان": "031", "فارس": "071", "خراسان رضوی": "051",
    "آذربایجان شرقی": "041", "آذربایجان غربی": "044", "خوزستان": "061", "مازندران": "011",
    "گیلان": "013", "کرمان": "034", "قم": "025", "مرکزی": "086", "همدان": "081", "کرمانشاه": "083",
    "یزد": "035", "هرمزگان": "076", "سیستان و بلوچستان": "054", "کردستان": "087", "لرستان": "066",
    "اردبیل": "045", "زنجان": "024", "قزوین": "028", "سمنان": "023", "گلستان": "017", "بوشهر": "077",
    "چهارمحال و بختیاری": "038", "کهگیلویه و بویراحمد": "074", "ایلام": "084", "خراسان شمالی": "058",
    "خراسان جنوبی": "056",
}
# Where the demo applicants live: (province, its centre, share of all applicants); the demo
# county gets its own share; every other province shares what is left.
FOCUS_PROVINCES = (
    ("اصفهان", "اصفهان", 0.12),
    ("خراسان رضوی", "مشهد", 0.11),
    ("فارس", "شیراز", 0.09),
    ("آذربایجان شرقی", "تبریز", 0.08),
    ("خوزستان", "اهواز", 0.08),
)
DEMO_COUNTY_SHARE = 0.22
DEMO_PROVINCE_REST_SHARE = 0.15
CENTRE_SHARE = 0.45  # of a focus province's applicants who live in its centre

PROGRAM_A_SHARE = 0.65

# How cases end up (final state → weight), per programme; a state missing here weighs 0.03.
FINAL_STATE_WEIGHTS = {
    ProgramCode.A: {
        State.received: 7, State.documents_incomplete: 6, State.scored: 12, State.county_decision: 6,
        State.province_decision: 4, State.active: 30, State.suspended: 5, State.completed: 10,
        State.rejected: 13, State.withdrawn: 7,
    },
    ProgramCode.B: {
        State.received: 7, State.documents_incomplete: 6, State.county_decision: 7, State.introduced: 7,
        State.active: 36, State.suspended: 5, State.completed: 12, State.rejected: 13, State.withdrawn: 7,
    },
}
# Where a case was when it reached a terminal state (predecessor → weight; default 1).
LAST_STEP_WEIGHTS = {
    State.rejected: {
        State.received: 1.5, State.documents_incomplete: 1.5, State.scored: 4, State.county_decision: 2.5,
        State.province_decision: 0.3, State.introduced: 3,
    },
    State.withdrawn: {
        State.received: 2, State.documents_incomplete: 3, State.scored: 2, State.county_decision: 1,
        State.province_decision: 0.5, State.introduced: 1,
    },
    State.completed: {State.active: 4, State.suspended: 1},
}
WAITING_STATES = frozenset(
    {State.received, State.documents_incomplete, State.scored, State.county_decision,
     State.province_decision, State.introduced}
)

REJECT_REASONS = {
    "county": (
        "عدم احراز شرایط دستورالعمل آمادگی شغلی",
        "فعالیت شغلی ایجادشده مورد تأیید کمیته نیست",
        "عدم ثبت مشخصات در بانک اطلاعات مددجویان",
        "عدم احراز سرپرستی خانوار",
    ),
    "province": (
        "عدم ارائه مدرک معتبر پرداخت حق بیمه خویش‌فرما",
        "برخورداری هم‌زمان از حمایت بیمه‌ای دیگر",
        "مغایرت اطلاعات با استعلام تأمین اجتماعی",
    ),
    "other": (
        "عدم پذیرش در شعبه تأمین اجتماعی به دلیل سابقه بیمه فعال",
        "عدم احراز شرایط در بررسی اولیه کارشناس",
        "مدارک در مهلت مقرر تکمیل نشد",
    ),
}
SUSPEND_REASONS = ("عدم پرداخت سهم بیمه‌شده", "تغییر وضعیت اشتغال", "عدم ارائه مدرک پرداخت حق بیمه")
COMPLETE_REASONS = ("خوداتکایی اقتصادی", "پایان مدت مصوب", "اشتغال در کارگاه دارای بیمه")
WITHDRAW_REASONS = ("انصراف کتبی متقاضی", "مهاجرت به شهرستان دیگر", "عدم پیگیری متقاضی")
COMPLAINTS = {
    ProgramCode.A: (
        ("تأخیر در بررسی پرونده", "پرونده بیش از دو ماه است در انتظار جلسه کمیته است و پاسخی دریافت نکرده‌ام."),
        ("اعتراض به امتیاز", "سابقه پرداخت حق بیمه من کمتر از واقع در برگه امتیاز ثبت شده است."),
        ("قطع پرداخت سهم بیمه", "سهم بیمه ماه گذشته بدون اطلاع قبلی پرداخت نشده است."),
    ),
    ProgramCode.B: (
        ("تأخیر در معرفی به شعبه تأمین اجتماعی", "با وجود تأیید مدارک، هنوز به شعبه تأمین اجتماعی معرفی نشده‌ام."),
        ("دریافت نکردن پیامک", "از مراحل رسیدگی پیامکی دریافت نکرده‌ام و وضعیت پرونده را نمی‌دانم."),
        ("مراجعه حضوری بیش از یک بار", "برای تحویل مدارک سه بار به دفتر مراجعه کرده‌ام."),
    ),
}
SSO_BRANCHES = ("شعبه ۱", "شعبه ۲", "شعبه ۳", "شعبه ۴", "شعبه ۵", "شعبه ۷", "شعبه ۱۲")

OFFICE_START = 4 * 3600 + 1800  # 08:00 in Tehran (UTC+3:30) is 04:30 UTC
OFFICE_SECONDS = 6 * 3600  # until 14:00 Tehran
UTC = timezone.utc


# --------------------------------------------------------------------------- helpers
def _states_in_order(states) -> list[State]:
    """Deterministic order (declaration order): a frozenset's iteration order depends on hashing."""
    return [s for s in State if s in states]


class _Workflow:
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

    def _walk(self, rng: random.Random, target: State) -> list[State]:
        path = [INITIAL_STATE]
        s = INITIAL_STATE
        for _ in range(14):
            options = [n for n in self.table.get(s, ()) if target in self.dist[n]]
            if s == target and (not options or rng.random() < 0.85):
                return path
            if not options:  # pragma: no cover - target unreachable from here
                break
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


class _Calendar:
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


def _letter_number(county_id: int, jalali_year: int, sequence: int) -> str:
    """The introduction letter's number, exactly as :func:`services.introductions.letter_number`
    writes it (county, Jalali year, sequence in that year); repeated here because ``db`` does not
    import ``services`` (a test checks that both agree)."""
    return f"{county_id}-{jalali_year}-{sequence}"


def _dt(ordinal: int, seconds: int) -> datetime:
    return datetime.combine(date.fromordinal(ordinal), time(), tzinfo=UTC) + timedelta(seconds=seconds)


class _Named:
    """What :func:`services.notify.state_message` reads of an applicant and a case."""

    __slots__ = ("first_name", "last_name", "tracking_code")

    def __init__(self, first_name: str = "", last_name: str = "", tracking_code: str = ""):
        self.first_name, self.last_name, self.tracking_code = first_name, last_name, tracking_code


# --------------------------------------------------------------------------- the generator
class _Demo:
    def __init__(self, conn: Connection, rng: random.Random, today: date):
        self.conn = conn
        self.rng = rng
        self.today = today
        self.last_day = today.toordinal() - 1  # every event happened yesterday or earlier
        self._load_reference()
        jt = jdatetime.date.fromgregorian(date=today)
        self.year = jt.year
        self.range_start = jdatetime.date(jt.year - 1, 1, 1).togregorian().toordinal()
        self.cal = _Calendar(date.fromordinal(self.range_start - 40), today + timedelta(days=70))
        self.flows = {p: _Workflow(p) for p in ProgramCode}
        self.rows: dict[str, list[tuple]] = defaultdict(list)
        self.ids = {
            name: next_id(conn, table)
            for name, table in (
                ("applicant", Applicant), ("application", Application), ("event", ApplicationEvent),
                ("card", ScoreCardRecord), ("document", Document), ("eligibility", EligibilityConfirmation),
                ("session", CommitteeSession), ("member", SessionMember), ("decision", Decision),
                ("introduction", Introduction), ("quota", Quota), ("budget", Budget), ("run", PaymentRun), ("line", PaymentLine),
                ("notification", Notification), ("complaint", Complaint), ("audit", AuditLog),
            )
        }
        self.national_codes = set(conn.execute(select(Applicant.national_code)).scalars())
        self.tracking_codes = set(conn.execute(select(Application.tracking_code)).scalars())
        self.sessions: dict[tuple, list] = {}  # key → [id, created_by]
        self._load_sessions()
        self.session_day: dict[tuple, int] = {}
        self.rosters: dict[tuple, list[tuple[str, str]]] = {}
        self.runs: dict[tuple, list] = {}  # (province, program, year, quarter) → [id, total, percent, finalized ordinal]
        self.run_percent: dict[tuple, int] = {}
        self.finalize_day: dict[tuple, int | None] = {}
        self.premium_cache: dict[tuple, tuple[int, int, int, int]] = {}
        self.score_cache: dict[tuple, tuple[int, list]] = {}
        self.row_cache: dict[Any, dict] = {}
        self.introduced_this_year: Counter = Counter()  # county → this run's introductions dated this year
        self.counties_with_b: set[int] = set()
        self.consumed: Counter = Counter()  # (province, program, year) → rials

    # ----------------------------------------------------------------- reference
    def _next(self, name: str) -> int:
        value = self.ids[name]
        self.ids[name] = value + 1
        return value

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
            f"پلاک {to_persian_digits(rng.randint(1, 180))}"
        )

    def _work_address(self, county: str) -> str:
        rng = self.rng
        return (
            f"{county}، {rng.choice(WORKPLACES)} {rng.choice(STREETS)}، "
            f"واحد {to_persian_digits(rng.randint(1, 60))}"
        )

    def _roster(self, level: str, area_id: int) -> list[tuple[str, str]]:
        """The committee's members (Form 2), the same people every month."""
        key = (level, area_id)
        roster = self.rosters.get(key)
        if roster is None:
            rng = self.rng
            roster = []
            for role in catalog.COMMITTEE_ROLES:
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

    def _user_for(self, program: str, state: State, level: str | None, county_id: int, province_id: int) -> int | None:
        """The demo account that made this move, when it happened in the demo area."""
        in_county = county_id == self.demo_county
        in_province = province_id == self.demo_province
        if level == "province" or (program == "A" and state in (State.active, State.suspended, State.completed)):
            return self.province_user if in_province else None
        if level == "county" or state == State.introduced:
            return self.secretary if in_county else None
        return self.expert if in_county else None

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

    # ----------------------------------------------------------------- timeline
    def _gap(self, src: State, dst: State) -> int:
        r = self.rng.randint
        if dst == State.documents_incomplete:
            return r(2, 15)
        if src == State.documents_incomplete and dst == State.received:
            return r(5, 40)
        if dst == State.scored:
            return r(3, 30)
        if dst == State.introduced:
            return r(3, 20)
        if dst == State.active:
            return r(20, 120) if src == State.suspended else r(5, 30)
        if dst == State.suspended:
            return r(60, 400)
        if dst == State.completed:
            return r(60, 600)
        return r(3, 60)

    def _decision_level(self, program: str, src: State, dst: State) -> str | None:
        """Which committee decides this move (None: a move without a committee decision)."""
        if dst == State.county_decision:
            return "county"
        if dst == State.province_decision:
            return "province"
        if program == "A" and src == State.county_decision and dst in (State.scored, State.rejected):
            return "province"
        if dst == State.rejected and (
            (program == "A" and src == State.scored)
            or (program == "B" and src in (State.received, State.documents_incomplete))
        ):
            return "county"
        return None

    def _timeline(self, program: str, path: list[State], county_id: int, province_id: int):
        """Event days (ordinals) for the path, and the session key of each decided move."""
        moves = list(zip(path, path[1:]))
        levels = [self._decision_level(program, a, b) for a, b in moves]
        gaps = [1 if lvl else self._gap(a, b) for (a, b), lvl in zip(moves, levels)]
        final = path[-1]
        estimate = sum(gaps) + 16 * sum(1 for lvl in levels if lvl)
        rng = self.rng
        for _attempt in range(16):
            if final in WAITING_STATES:
                end = self.last_day - rng.randint(0, 45)
            else:
                end = rng.randint(min(self.range_start + estimate, self.last_day), self.last_day)
            start = max(self.range_start, end - estimate)
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
            if days[-1] <= self.last_day:
                for key in keys:
                    if key is not None and key not in self.sessions:
                        self.sessions[key] = [None, province_id, key[2]]
                return days, keys
            estimate += days[-1] - self.last_day + rng.randint(0, 20)
            if start == self.range_start:
                gaps = [max(1, g // 2) for g in gaps]
        raise RuntimeError("demo timeline does not fit the period")  # pragma: no cover

    # ----------------------------------------------------------------- one case
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
        times = [_dt(d, s) for d, s in zip(days, secs)]

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
        named = _Named(first, last, tracking)
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

    def _pay(self, program, pid, program_rate, application_id, applicant_id, province_id, path, days,
             months_granted, share, contract_rate) -> None:
        cal = self.cal
        # active stretches as Jalali month indexes [from, to): the month a case leaves «active» is not paid
        stretches = []
        for i, s in enumerate(path):
            if s != State.active:
                continue
            begin = cal.month_index(days[i])
            end = cal.month_index(days[i + 1]) if i + 1 < len(path) else cal.month_index(self.last_day) + 1
            stretches.append((begin, end))
        cap = months_granted if program == "A" else None
        paid = 0
        lines = self.rows["line"]
        for begin, end in stretches:
            for index in range(begin, end):
                if cap is not None and paid >= cap:
                    return
                year, month = divmod(index, 12)
                month += 1
                quarter = (month - 1) // 3
                if self._finalized_on(province_id, program, year, quarter) is None:
                    continue
                run_percent = self._run_percent(province_id, program, year, quarter)
                if program == "A":
                    rate = contract_rate or program_rate
                    percent = (share or 100) * run_percent // 100
                else:
                    rate, percent = program_rate, 100
                days_in_month, wage, full, amount = self._premium(year, month, rate, percent)
                if program == "B":
                    parts = program_b_shares(amount)
                    agency, government = parts["agency"], parts["government"]
                else:
                    agency, government = amount, 0
                run_key = (province_id, program, year, quarter)
                run = self.runs.get(run_key)
                if run is None:
                    run = self.runs[run_key] = [self._next("run"), 0, run_percent]
                run[1] += amount
                self.consumed[(province_id, program, year)] += amount
                lines.append((
                    self._next("line"), run[0], application_id, applicant_id, pid, year, month,
                    days_in_month, wage, rate, percent, full, amount, agency, government,
                ))
                paid += 1

    # ----------------------------------------------------------------- aggregates
    def finish(self) -> None:
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
                start = _dt(held, OFFICE_START)
                rows["session"].append((
                    sid, level, self.programs[program][0], province_id, area_id if level == "county" else None,
                    date.fromordinal(held), f"{count_in_year[jy]}/{jy}", "closed", user,
                    start - timedelta(days=rng.randint(2, 7)), start + timedelta(hours=rng.randint(2, 4)), True,
                ))
                self._members(sid, level, area_id)
        for program in ("A", "B"):  # the next meeting of the demo county's committee, not yet held
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
                date.fromordinal(held), f"{count}/{jy}", "open", self.secretary,
                _dt(self.last_day, OFFICE_START + 3600), None, True,
            ))
            self._members(sid, "county", self.demo_county)
        # decisions carry session keys until now
        sessions = self.sessions
        rows["decision"] = [(r[0], sessions[r[1]][0]) + r[2:] for r in rows["decision"]]

        # payment runs
        for (province_id, program, year, quarter), (run_id, total, percent) in sorted(self.runs.items(), key=lambda kv: kv[1][0]):
            finalized = self._finalized_on(province_id, program, year, quarter)
            assert finalized is not None
            user = self.province_user if province_id == self.demo_province else None
            rows["run"].append([
                run_id, self.programs[program][0], province_id, year, quarter * 3 + 1, 3,
                Strategy.PERCENT.value if percent < 100 else Strategy.FULL.value, percent, None, total,
                "finalized", user, _dt(finalized - rng.randint(1, 4), OFFICE_START + 1800),
                _dt(finalized, OFFICE_START + 7200), True,
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
        for run in sorted(rows["run"], key=lambda r: (r[12], r[0])):
            program = "A" if run[1] == self.programs["A"][0] else "B"
            key = (run[2], program, run[3])
            run[8] = budget_total.get(key, spent[key] + run[9]) - spent[key]
            spent[key] += run[9]
        rows["run"] = [tuple(r) for r in rows["run"]]

        self._number_letters()
        # programme B quotas: per county, current year, more slots than introductions so far
        for county_id in sorted(self.counties_with_b | {self.demo_county}):
            used = self.introduced_this_year.get(county_id, 0)
            slots = -(-used * rng.randint(115, 180) // 100) + rng.randint(3, 12)
            rows["quota"].append((self._next("quota"), self.programs["B"][0], self.county_province[county_id], county_id, self.year, slots))

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
                letter_no = _letter_number(row[2], row[3], used[key])
                if letter_no not in taken:
                    break
            taken.add(letter_no)
            row[5] = letter_no
            if row[3] == self.year:  # what the county's quota for this year must cover
                self.introduced_this_year[row[2]] += 1
        rows.sort(key=lambda r: r[0])
        self.rows["introduction"] = [tuple(r) for r in rows]

    def _members(self, session_id: int, level: str, area_id: int) -> None:
        for role, name in self._roster(level, area_id):
            self.rows["member"].append((self._next("member"), session_id, role, name))
        if self.rng.random() < 0.15:
            guest = f"{self.rng.choice(MALE_NAMES)} {self.rng.choice(LAST_NAMES)}"
            self.rows["member"].append((self._next("member"), session_id, "guest", guest))

    # ----------------------------------------------------------------- writing
    def write(self) -> dict[str, int]:
        conn = self.conn
        rows = self.rows
        counts: dict[str, int] = {}

        def put(name: str, table, columns: Sequence[str], data: list) -> None:
            counts[name] = insert_rows(conn, table, columns, data) if data else 0

        put("applicants", Applicant, (
            "id", "national_code", "first_name", "last_name", "father_name", "birth_certificate_no",
            "birth_date", "gender", "mobile", "landline", "home_address", "work_address", "county_id",
            "is_demo", "created_at"), rows["applicant"])
        put("applications", Application, (
            "id", "tracking_code", "applicant_id", "program_id", "county_id", "province_id", "channel",
            "state", "covering_domain", "target_group", "job_field", "discount_holder", "licence_no",
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
        put("introductions", Introduction, (
            "id", "application_id", "county_id", "jalali_year", "branch", "letter_no", "introduced_on",
            "introduced_by", "created_at"), rows["introduction"])
        counts["quotas"] = self._upsert_amounts(Quota, "slots", ("program_id", "province_id", "county_id", "jalali_year"), (
            "id", "program_id", "province_id", "county_id", "jalali_year", "slots"), rows["quota"])
        counts["budgets"] = self._upsert_amounts(Budget, "amount_rial", ("program_id", "province_id", "jalali_year", "source"), (
            "id", "program_id", "province_id", "jalali_year", "source", "amount_rial"), rows["budget"])
        put("payment_runs", PaymentRun, (
            "id", "program_id", "province_id", "jalali_year", "start_month", "months", "strategy", "percent",
            "budget_rial", "total_rial", "status", "created_by", "created_at", "finalized_at", "is_demo"), rows["run"])
        counts["payment_lines"] = insert_payment_lines(conn, rows["line"]) if rows["line"] else 0
        put("notifications", Notification, (
            "id", "applicant_id", "application_id", "channel", "mobile", "event", "body", "status",
            "created_at", "sent_at"), rows["notification"])
        put("complaints", Complaint, (
            "id", "application_id", "applicant_id", "channel", "subject", "body", "status", "resolution",
            "compensation", "created_by", "created_at", "resolved_at"), rows["complaint"])
        audit = (self._next("audit"), datetime.now(UTC), None, "system", "demo.generate", "demo", None, None, dict(counts))
        put("audit", AuditLog, ("id", "at", "user_id", "username", "action", "entity", "entity_id", "before", "after"), [audit])
        reset_sequences(conn, (
            Applicant, Application, ApplicationEvent, ScoreCardRecord, Document, EligibilityConfirmation,
            CommitteeSession, SessionMember, Decision, Introduction, Quota, Budget, PaymentRun, PaymentLine, Notification,
            Complaint, AuditLog,
        ))
        return counts

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


def _targets(rng: random.Random, flow: _Workflow, count: int) -> list[State]:
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
    rng = random.Random(seed)
    today = today or date.today()
    with engine.begin() as conn:
        demo = _Demo(conn, rng, today)
        n_a = round(applicants * PROGRAM_A_SHARE)
        plan = [("A", t) for t in _targets(rng, demo.flows[ProgramCode.A], n_a)]
        plan += [("B", t) for t in _targets(rng, demo.flows[ProgramCode.B], applicants - n_a)]
        rng.shuffle(plan)
        for program, target in plan:
            demo.case(program, target, state_message)
        demo.finish()
        return demo.write()


def demo_counts(session_or_conn: Session | Connection) -> tuple[int, int]:
    """(demo applicants, other applicants) in the database."""
    rows = dict(
        session_or_conn.execute(select(Applicant.is_demo, func.count()).group_by(Applicant.is_demo)).all()
    )
    return int(rows.get(True, 0)), int(rows.get(False, 0))
