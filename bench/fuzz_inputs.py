"""Throw generated input at every service entry point that takes what a person typed, and count
what happens: accepted, refused with a Persian ``InvalidInput``, or any other exception (a bug:
the figure must be 0). Prints one line per entry point with the time it took.

Each call fills one parameter (chosen at random among the entry point's typed ones) with a
generated value — control characters, NUL, over-long text, Markdown, numbers beyond 32/64 bits,
dates in year 1 or 9999, bytes, floats, None, lists — and every other parameter with a valid one.
A refused call must write nothing: the row count of the tables it touches is compared before and
after each refusal. The same targets are the property tests' (tests/services/test_input_boundary.py).

Passwords are hashed with cheap argon2 parameters here (the targets that create users or sign in
would otherwise measure argon2, not the input boundary).

    .venv/bin/python bench/fuzz_inputs.py [--n 10000] [--only NAME ...] [--pg postgresql://…/postgres]

With ``--pg`` a throw-away database is created on that server, migrated, used and dropped.
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import argparse  # noqa: E402
import dataclasses  # noqa: E402
import itertools  # noqa: E402
import random  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from collections.abc import Callable  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from datetime import date, datetime  # noqa: E402

from sqlalchemy import func  # noqa: E402
from sqlalchemy import select as sa_select  # noqa: E402
from sqlmodel import Session, SQLModel, select  # noqa: E402

from lib.jalali import local_today
from db import migrate  # noqa: E402
from db.engine import make_engine, new_session  # noqa: E402
from db.models import County, Province, User  # noqa: E402
from db.seed import load_reference_data  # noqa: E402
from lib.errors import Forbidden, InvalidInput  # noqa: E402
from lib.identifiers import generate_national_code  # noqa: E402
from lib.permissions import Role  # noqa: E402
from services import applications as apps  # noqa: E402
from services import branches, budgets, cases, eligibility, introductions, lifecycle, quotas  # noqa: E402
from services import relief_eligibility, users  # noqa: E402
from services import committee as cm  # noqa: E402
from services.applications import HouseholdData, IntakeData  # noqa: E402
from services.base import Actor  # noqa: E402
from services.sign_in import actor_for  # noqa: E402

HELD_ON = date(2024, 7, 1)
APPLIED_ON = date(2024, 6, 1)
QUORUM = [
    cm.MemberInput("head", "رضا کریمی"),
    cm.MemberInput("employment_expert", "زهرا موسوی"),
    cm.MemberInput("guest", "حسن رضایی"),
]
PASSWORD = "گذرواژه-آزمون-۱۲۳"


@dataclass
class World:
    """Who acts, and the cases, session and places the targets act on."""

    county: int
    province: int
    admin: Actor
    secretary: Actor
    province_committee: Actor
    case_a: int  # programme A, received
    case_scored: int  # programme A, scored, on the open session's agenda
    case_b: int  # programme B, received
    session_id: int  # an open county committee session of programme A
    codes: Callable[[], str]  # fresh valid national codes
    serial: Callable[[], int]  # fresh numbers for user names and client addresses


def _place(session: Session, province: str, county: str) -> County:
    return session.exec(
        select(County).join(Province, Province.id == County.province_id)
        .where(Province.name == province, County.name == county)
    ).one()


def _user(session: Session, role: Role, username: str, county: County | None) -> Actor:
    user = User(username=username, full_name="کاربر آزمون", password_hash=users.hash_password(PASSWORD), role=role.value,
                province_id=county.province_id if county else None,
                county_id=county.id if county and role in (Role.committee_secretary, Role.county_expert) else None)
    session.add(user)
    session.commit()
    return actor_for(user)


def intake(world_county: int, code: str, program: str = "A", **overrides: object) -> IntakeData:
    """A valid Form 1 (programme A or B) in the county; keyword overrides win."""
    values: dict[str, object] = dict(
        program=program, county_id=world_county, channel="in_person", national_code=code, first_name="مریم",
        last_name="احمدی", gender="female", head_of_household=True if program == "B" else None, father_name="علی",
        mobile="09121234567", covering_domain="rehabilitation" if program == "A" else "relief",
        target_group="disabled" if program == "A" else "female_head", job_field="خیاطی", applied_on=APPLIED_ON,
        household=HouseholdData(disabled_members=1, severity="moderate", marital_status="married", dependants=2,
                                insured_years=3) if program == "A" else HouseholdData(),
    )
    values.update(overrides)
    return IntakeData(**values)  # type: ignore[arg-type]


def build_world(session: Session, seed: int = 1403) -> World:
    """Users, two programme A cases (one scored, on an open session's agenda) and a B case."""
    rng = random.Random(seed)
    seen: set[str] = set()

    def codes() -> str:
        while (code := generate_national_code(rng)) in seen:
            pass
        seen.add(code)
        return code

    counter = itertools.count(1)
    tehran = _place(session, "تهران", "تهران")
    tag = uuid.uuid4().hex[:6]
    admin = _user(session, Role.admin, f"fuzzadmin{tag}", None)
    secretary = _user(session, Role.committee_secretary, f"fuzzsecretary{tag}", tehran)
    committee = _user(session, Role.province_committee, f"fuzzprovince{tag}", tehran)
    case_a = apps.submit_application(session, secretary, intake(tehran.id, codes())).id
    scored = apps.submit_application(session, secretary, intake(tehran.id, codes())).id
    apps.score_application(session, secretary, scored, need_grade=3)
    case_b = apps.submit_application(session, secretary, intake(tehran.id, codes(), "B")).id
    open_session = cm.create_session(session, secretary, program="A", held_on=HELD_ON, number=f"ف-{tag}", members=QUORUM)
    return World(county=tehran.id, province=tehran.province_id, admin=admin, secretary=secretary,
                 province_committee=committee, case_a=case_a, case_scored=scored, case_b=case_b,
                 session_id=open_session.id, codes=codes, serial=lambda: next(counter))


# --------------------------------------------------------------------------- the entry points
@dataclass(frozen=True)
class Target:
    """One service entry point: the parameters that take typed input, and a call that puts a
    value in one of them (every other parameter valid)."""

    name: str
    fields: tuple[str, ...]
    call: Callable[[Session, World, str, object], object]
    writes_when_refused: bool = False  # a failed sign-in is recorded (throttle and audit) by design


FORM1_FIELDS = ("first_name", "last_name", "father_name", "national_code", "mobile", "landline", "home_address",
                "job_field", "licence_no", "birth_certificate_no", "birth_date", "applied_on", "licence_date",
                "county_id", "program", "channel", "gender", "need_grade", "dependants", "insured_years")
HOUSEHOLD_FIELDS = ("need_grade", "dependants", "insured_years")


def _form1(w: World, field: str, value: object) -> IntakeData:
    if field in HOUSEHOLD_FIELDS:
        household = dataclasses.replace(intake(w.county, "").household, **{field: value})
        return intake(w.county, w.codes(), household=household)
    return intake(w.county, w.codes(), **{field: value})


def _check_import_row(s: Session, w: World, f: str, v: object) -> object:
    clean, problems = apps.check_intake("A", _form1(w, f, v))
    if problems:
        raise problems[0]
    return clean


def _kw(field: str, value: object, **valid: object) -> dict[str, object]:
    return {**valid, field: value}


TARGETS: tuple[Target, ...] = (
    Target("فرم ۱: submit_application", FORM1_FIELDS,
           lambda s, w, f, v: apps.submit_application(s, w.secretary, _form1(w, f, v))),
    Target("ورود از اکسل: check_intake", FORM1_FIELDS, _check_import_row),
    Target("اولویت دستی: set_priority", ("rank", "reason"),
           lambda s, w, f, v: apps.set_priority(s, w.secretary, w.case_a, **_kw(f, v, rank=5, reason="نیاز فوری"))),
    Target("نمره نیازمندی: score_application", ("need_grade",),
           lambda s, w, f, v: apps.score_application(s, w.secretary, w.case_a, need_grade=v)),
    Target("جلسه کمیته: create_session", ("number", "held_on"),
           lambda s, w, f, v: cm.create_session(s, w.secretary, program="A", members=QUORUM,
                                                **_kw(f, v, held_on=HELD_ON, number=f"ج-{w.serial()}"))),
    Target("دلیل تصمیم: record_decision", ("reason", "months", "application_id"),
           lambda s, w, f, v: cm.record_decision(s, w.secretary, w.session_id, **_decision_args(w, f, v))),
    Target("شعبه: add_branch", ("name", "code"),
           lambda s, w, f, v: branches.add_branch(s, w.admin, w.county, **_kw(f, v, name=f"شعبه {w.serial()}", code=""))),
    Target("کد رهگیری: case_id_by_tracking_code", ("tracking_code",),
           lambda s, w, f, v: cases.case_id_by_tracking_code(s, w.secretary, v)),
    Target("جست‌وجوی پرونده: list_cases", ("text", "date_from", "date_to", "offset", "county_id"),
           lambda s, w, f, v: cases.list_cases(s, w.secretary, **{f: v})),
    Target("پیوند پرونده: parse_case_id + case_detail", ("id",),
           lambda s, w, f, v: cases.case_detail(s, w.secretary, cases.parse_case_id(v))),
    Target("کاربر تازه: create_user", ("username", "full_name", "password", "county_id"),
           lambda s, w, f, v: users.create_user(s, w.admin, role="committee_secretary", province_id=None,
                                                **_kw(f, v, username=f"fuzz{w.serial()}", full_name="زهره پیوندی",
                                                      password=PASSWORD, county_id=w.county))),
    Target("ورود: authenticate", ("username", "password"),
           lambda s, w, f, v: users.authenticate(s, **_kw(f, v, username=w.admin.username, password="نادرست"),
                                                 client=f"10.9.{w.serial() % 250}.{w.serial() % 250}"),
           writes_when_refused=True),
    Target("تعلیق: suspend_case", ("reason", "application_id"),
           lambda s, w, f, v: lifecycle.suspend_case(s, w.admin, **_kw(f, v, application_id=w.case_a, reason="غیبت"))),
    Target("رد واجد شرایط بودن ب: refuse_b_eligibility", ("reason",),
           lambda s, w, f, v: relief_eligibility.refuse_b_eligibility(s, w.secretary, w.case_b, v)),
    Target("شرط پذیرش: confirm_condition", ("note", "condition"),
           lambda s, w, f, v: eligibility.confirm_condition(
               s, w.secretary, w.case_a, satisfied=True, **_kw(f, v, condition="age", note="")),
           ),
    Target("سهمیه: set_quota", ("slots", "jalali_year", "county_id"),
           lambda s, w, f, v: quotas.set_quota(s, w.admin, **_kw(f, v, county_id=w.county, jalali_year=1403, slots=10))),
    Target("اعتبار: set_budget", ("amount", "jalali_year", "province_id"),
           lambda s, w, f, v: budgets.set_budget(s, w.admin, program="A", **_budget_args(w, f, v))),
    Target("نپذیرفتن تأمین اجتماعی: record_sso_refusal", ("reason",),
           lambda s, w, f, v: introductions.record_sso_refusal(s, w.secretary, w.case_b, v)),
)


def _decision_args(w: World, field: str, value: object) -> dict[str, object]:
    """A rejection with a reason, or an approval whose months are the generated value."""
    if field == "months":
        return dict(application_id=w.case_scored, outcome="approve", reason="", months=value, share_percent=100,
                    contract_rate_bp=1800)
    return _kw(field, value, application_id=w.case_scored, outcome="reject", reason="مدارک ناقص")


def _budget_args(w: World, field: str, value: object) -> dict[str, object]:
    args: dict[str, object] = dict(province_id=w.province, jalali_year=1403,
                                   amounts={budgets.sources_of("A")[0]: 1_000_000})
    if field == "amount":
        args["amounts"] = {budgets.sources_of("A")[0]: value}
    else:
        args[field] = value
    return args


# --------------------------------------------------------------------------- generated input
CONTROL = [chr(c) for c in range(0x20)] + ["\x7f", "\x85", "\ud800", "\udfff", "\ufffe", "\uffff"]
TEXTS = ["", " ", "\u200c", "مریم", "آل‌احمد", "نوری-زاده", "سیّد", "![x](http://host/p.png)", "<b>x</b>", "' OR 1=1 --",
         "A0312345678", "۰۴۹۹۳۷۰۸۹۹", "0499370899", "09121234567", "۱۴۰۳/۰۴/۱۱", "12/1403", "\u202egpj.exe",
         "Robert'); DROP TABLE applicant;--", "ي ك", "\u0640علی\u0640", "x" * 81, "ا" * 601, "9" * 25, "%", "_", "\\"]
INTS = [0, 1, -1, 2, 3, 5, 12, 60, 61, 100, 1403, 100_000, 100_001, 2**31 - 1, 2**31, 2**63 - 1, 2**63, -(2**63) - 1,
        10**20, -(10**20)]
DATES = [date(1, 1, 1), date(9999, 12, 31), date(1921, 3, 20), date(1921, 3, 21), date(2122, 3, 20), date(2122, 3, 21),
         APPLIED_ON, HELD_ON, local_today(), datetime(2024, 6, 1, 12, 0)]
ODD = [None, True, False, 1.5, float("nan"), float("inf"), b"\x00abc", bytearray(b"x"), [], {}, ("x",), 10**400]


def _text(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.3:
        return rng.choice(TEXTS)
    if roll < 0.55:  # a plausible value with a control character somewhere
        base = rng.choice(TEXTS[3:8])
        at = rng.randrange(len(base) + 1)
        return base[:at] + rng.choice(CONTROL) + base[at:]
    if roll < 0.7:  # long text
        return rng.choice(["ا", "x", "۱", " ", "\n"]) * rng.choice([40, 81, 121, 201, 401, 601, 2001, 10_000])
    if roll < 0.85:  # random code points of the whole range, surrogates included
        return "".join(chr(rng.randrange(0x110000)) for _ in range(rng.randrange(1, 12)))
    return "".join(rng.choice("ابپتثجچحخدذرزسشصضطظعغفقکگلمنوهی ‌-0123456789۰۱۲۳۴۵۶۷۸۹/") for _ in range(rng.randrange(1, 30)))


def _int(rng: random.Random) -> int:
    if rng.random() < 0.6:
        return rng.choice(INTS)
    return rng.randrange(-(2**70), 2**70) >> rng.randrange(70)


def _date(rng: random.Random) -> date:
    if rng.random() < 0.5:
        return rng.choice(DATES)
    return date.fromordinal(rng.randrange(1, date(9999, 12, 31).toordinal() + 1))


def any_value(rng: random.Random) -> object:
    """A generated value of any kind: text 45 %, integers 20 %, dates 15 %, digits as text 10 %,
    other (None, bools, floats, bytes, containers) 10 %."""
    roll = rng.random()
    if roll < 0.45:
        return _text(rng)
    if roll < 0.65:
        return _int(rng)
    if roll < 0.80:
        return _date(rng)
    if roll < 0.90:
        return str(_int(rng))
    return rng.choice(ODD)


# --------------------------------------------------------------------------- running
def table_counts(session: Session) -> dict[str, int]:
    """Committed rows of every table, read on a fresh connection."""
    with session.get_bind().connect() as conn:
        return {t.name: conn.execute(sa_select(func.count()).select_from(t)).scalar_one()
                for t in SQLModel.metadata.sorted_tables}


@dataclass
class Tally:
    count: int = 0
    accepted: int = 0
    refused: int = 0
    forbidden: int = 0  # refused with a Persian Forbidden (another county's id, for example)
    other: int = 0
    partial: int = 0  # refusals after which a table's row count had changed
    seconds: float = 0.0
    first_other: str = ""


def run_target(engine, world: World, target: Target, n: int, rng: random.Random, *, check_every: int = 50) -> Tally:
    """``n`` calls, each in a fresh session; every ``check_every``-th refusal also compares the
    row counts before and after (counting every table of the schema costs more than the call)."""
    tally = Tally()
    started = time.perf_counter()
    for i in range(n):
        field, value = rng.choice(target.fields), any_value(rng)
        check = i % check_every == 0 and not target.writes_when_refused
        with new_session(engine) as session:
            before = table_counts(session) if check else None
            try:
                target.call(session, world, field, value)
                tally.accepted += 1
            except (InvalidInput, Forbidden) as refusal:
                session.rollback()
                if isinstance(refusal, InvalidInput):
                    tally.refused += 1
                else:
                    tally.forbidden += 1
                if before is not None and table_counts(session) != before:
                    tally.partial += 1
            except Exception as exc:  # noqa: BLE001 - this is what we count
                session.rollback()
                tally.other += 1
                if not tally.first_other:
                    tally.first_other = f"{field}={value!r:.80}: {type(exc).__name__}: {str(exc)[:160]}"
        tally.count += 1
    tally.seconds = time.perf_counter() - started
    return tally


def _cheap_passwords() -> None:
    """argon2 with small parameters (see the module docstring)."""
    from argon2 import PasswordHasher

    users._hasher = PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)
    users._DUMMY_HASH = users._hasher.hash("bimeyar-dummy-password")


def _database(pg: str | None, tmp: str):
    if pg is None:
        return make_engine(f"sqlite:///{tmp}/fuzz.db"), None
    name = f"bimeyar_fuzz_{uuid.uuid4().hex[:8]}"
    admin = make_engine(pg, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = make_engine(pg).url.set(database=name).render_as_string(hide_password=False)
    return make_engine(url), (admin, name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000, help="inputs per entry point")
    parser.add_argument("--only", nargs="*", default=None, help="entry points whose name contains one of these")
    parser.add_argument("--pg", default=None, help="a PostgreSQL server URL (a database is created and dropped)")
    parser.add_argument("--seed", type=int, default=9)
    args = parser.parse_args()
    _cheap_passwords()
    with tempfile.TemporaryDirectory() as tmp:
        engine, drop = _database(args.pg, tmp)
        try:
            migrate.upgrade(engine)
            with new_session(engine) as session:
                load_reference_data(session)
                world = build_world(session)
            rng = random.Random(args.seed)
            print(f"{engine.dialect.name}: {args.n} generated inputs per entry point")
            print(f"{'entry point':46} {'count':>7} {'accepted':>9} {'refused':>8} {'forbidden':>9} {'other':>6} "
                  f"{'partial':>8} {'seconds':>8}")
            total_other = 0
            for target in TARGETS:
                if args.only and not any(o in target.name for o in args.only):
                    continue
                t = run_target(engine, world, target, args.n, rng)
                total_other += t.other + t.partial
                print(f"{target.name:46} {t.count:7d} {t.accepted:9d} {t.refused:8d} {t.forbidden:9d} {t.other:6d} {t.partial:8d} "
                      f"{t.seconds:8.1f}", flush=True)
                if t.first_other:
                    print(f"    first other exception: {t.first_other}")
            print("other exceptions and partial writes in all:", total_other)
        finally:
            engine.dispose()
            if drop is not None:
                admin, name = drop
                with admin.connect() as conn:
                    conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                admin.dispose()


if __name__ == "__main__":
    main()
