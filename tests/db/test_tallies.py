"""The monitoring tallies (migrations 0017, 0022) equal a fresh count of the rows after every write.

Random sequences of writes — cases added (several in one statement), moved between states,
counties, programmes and grant figures, deleted; payment lines added live or not, finalised in one
statement, answered by SSO, edited and deleted while not live; introductions added, refused,
un-refused, moved and deleted; a transaction that fails after a write — and after each one the
tallies equal what counting the cases, the live lines and the unrefused introductions gives.
SQLite (row triggers) and PostgreSQL (statement triggers over transition tables).
"""
from __future__ import annotations

import itertools
import threading
from collections import Counter
from dataclasses import dataclass
from datetime import date

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, inspect, select, text, update
from sqlalchemy.exc import IntegrityError

from db.engine import new_session
from db.models import (
    NONE_KEY, TALLY_RUNNING_STATES, Applicant, Application, CaseTally, County, Introduction, PaymentLine, PaymentRun,
    Program, SeatTally, SpendTally, CaseStateTally,
)
from lib.workflow import State

STATES = [s.value for s in State]
_serial = itertools.count(1)


# --------------------------------------------------------------------------- the oracle
def _case_key(a) -> tuple:
    running = a.state in TALLY_RUNNING_STATES

    def detail(value):
        return NONE_KEY if not running or value is None else value

    return (a.county_id, a.program_id, a.state, detail(a.contract_rate_bp), detail(a.share_percent),
            detail(a.start_year), detail(a.start_month), detail(a.months_granted))


def recount(session) -> tuple[dict, dict, dict, dict]:
    """What the tallies must hold, counted in Python from the rows themselves."""
    applications = session.execute(select(Application.__table__)).all()
    cases = Counter(_case_key(a) for a in applications)
    states = Counter((a.county_id, a.program_id, a.state) for a in applications)
    spend: dict[tuple, list[int]] = {}
    for line in session.execute(select(PaymentLine.__table__).where(PaymentLine.live)).all():
        key = (line.jalali_year, line.county_id, line.program_id, line.jalali_month, line.sso_status, line.line_kind)
        sums = spend.setdefault(key, [0, 0, 0])
        sums[0] += 1
        sums[1] += line.agency_rial
        sums[2] += line.government_rial
    seats = Counter(
        (i.jalali_year, i.county_id)
        for i in session.execute(select(Introduction.__table__).where(Introduction.refused_on.is_(None))).all()
    )
    return dict(cases), {k: tuple(v) for k, v in spend.items()}, dict(seats), dict(states)


def tallies(session) -> tuple[dict, dict, dict, dict]:
    """The tallies' rows that count something."""
    c = CaseTally.__table__.c
    cases = {
        (r.county_id, r.program_id, r.state, r.contract_rate_bp, r.share_percent, r.start_year, r.start_month,
         r.months_granted): r.cases
        for r in session.execute(select(CaseTally.__table__).where(c.cases != 0)).all()
    }
    s = SpendTally.__table__.c
    spend = {
        (r.jalali_year, r.county_id, r.program_id, r.jalali_month, r.sso_status, r.line_kind):
            (r.lines, r.agency_rial, r.government_rial)
        for r in session.execute(select(SpendTally.__table__).where(
            (s.lines != 0) | (s.agency_rial != 0) | (s.government_rial != 0))).all()
    }
    seats = {
        (r.jalali_year, r.county_id): r.introduced
        for r in session.execute(select(SeatTally.__table__).where(SeatTally.__table__.c.introduced != 0)).all()
    }
    states = {
        (r.county_id, r.program_id, r.state): r.cases
        for r in session.execute(select(CaseStateTally.__table__).where(CaseStateTally.__table__.c.cases != 0)).all()
    }
    return cases, spend, seats, states


# --------------------------------------------------------------------------- the world and the writes
@dataclass
class World:
    counties: list[tuple[int, int]]  # (county, its province)
    programs: list[int]
    runs: list[int]


@pytest.fixture
def world(engine) -> World:
    with new_session(engine) as session:
        counties = [tuple(r) for r in session.execute(select(County.id, County.province_id).order_by(County.id).limit(3))]
        programs = list(session.scalars(select(Program.id).order_by(Program.code)))
        runs = []
        for program in programs:
            run = PaymentRun(program_id=program, province_id=counties[0][1], jalali_year=1403, start_month=1, months=1,
                             strategy="full", budget_rial=10**12, status="draft")
            session.add(run)
            session.flush()
            runs.append(run.id)
        session.commit()
    return World(counties, programs, runs)


def _pick(ids: list[int], start: int, count: int) -> list[int]:
    ids = sorted(ids)
    if not ids:
        return []
    return sorted({ids[(start + k) % len(ids)] for k in range(count)})


def _ids(session, column, *where) -> list[int]:
    return list(session.scalars(select(column).where(*where)))


def add_cases(session, w: World, op) -> None:
    _, count, county, program, state, rate, share, start, months = op
    county_id, province_id = w.counties[county]
    for _ in range(count):
        n = next(_serial)
        applicant = Applicant(national_code=f"9{n:09d}", first_name="نام", last_name=f"آزمون{n}", county_id=county_id)
        session.add(applicant)
        session.flush()
        session.add(Application(
            tracking_code=f"TT{n:09d}", applicant_id=applicant.id, program_id=w.programs[program], county_id=county_id,
            province_id=province_id, channel="in_person", state=state, applied_on=date(2024, 5, 1),
            contract_rate_bp=rate, share_percent=share, months_granted=months,
            start_year=None if start is None else start[0], start_month=None if start is None else start[1],
        ))
    session.flush()  # the cases in one multi-row INSERT


CASE_FIELDS = {
    "state": st.sampled_from(STATES),
    "county": st.integers(0, 2),
    "program": st.integers(0, 1),
    "contract_rate_bp": st.sampled_from([None, 1400, 1800]),
    "share_percent": st.sampled_from([None, 60, 100]),
    "start": st.sampled_from([None, (1403, 1), (1402, 12), (1404, 7)]),
    "months_granted": st.sampled_from([None, 0, 1, 6, 60]),
}


def edit_cases(session, w: World, op) -> None:
    _, start, count, field, value = op
    ids = _pick(_ids(session, Application.id), start, count)
    if field == "county":
        values = {"county_id": w.counties[value][0], "province_id": w.counties[value][1]}
    elif field == "program":
        values = {"program_id": w.programs[value]}
    elif field == "start":
        values = {"start_year": None if value is None else value[0], "start_month": None if value is None else value[1]}
    else:
        values = {field: value}
    session.execute(update(Application).where(Application.id.in_(ids)).values(**values))


def drop_cases(session, w: World, op) -> None:
    _, start, count = op
    free = _ids(session, Application.id, ~Application.id.in_(select(PaymentLine.application_id)),
                ~Application.id.in_(select(Introduction.application_id)))
    session.execute(delete(Application).where(Application.id.in_(_pick(free, start, count))))


def add_lines(session, w: World, op) -> None:
    _, start, count, live, kind, status, year, month, amount, b_split = op
    for application_id in _pick(_ids(session, Application.id), start, count):
        a = session.get(Application, application_id)
        if live and kind == "payment" and _paid(session, a.applicant_id, year, month):
            continue  # paid once (uq_paid_once_live); the failing write is its own step
        agency = amount * 8 // 18 if b_split else amount
        session.add(PaymentLine(
            run_id=w.runs[a.program_id == w.programs[-1]], application_id=a.id, applicant_id=a.applicant_id,
            program_id=a.program_id, county_id=a.county_id, jalali_year=year, jalali_month=month, days=30,
            daily_wage_rial=1000, rate_bp=1800, percent=100, full_amount_rial=amount, amount_rial=amount,
            agency_rial=agency, government_rial=amount - agency, live=live, line_kind=kind, sso_status=status,
        ))
        session.flush()


def _paid(session, applicant_id: int, year: int, month: int) -> bool:
    return session.scalar(select(PaymentLine.id).where(
        PaymentLine.applicant_id == applicant_id, PaymentLine.jalali_year == year, PaymentLine.jalali_month == month,
        PaymentLine.live, PaymentLine.line_kind == "payment",
    )) is not None


def finalise(session, w: World, op) -> None:
    """Every line of the run that would pay nobody twice goes live in one UPDATE."""
    _, run = op
    chosen, seen = [], set()
    for line in session.scalars(select(PaymentLine).where(PaymentLine.run_id == w.runs[run], ~PaymentLine.live)):
        key = (line.applicant_id, line.jalali_year, line.jalali_month)
        if line.line_kind == "payment" and (key in seen or _paid(session, *key)):
            continue
        if line.line_kind == "payment":
            seen.add(key)
        chosen.append(line.id)
    session.expunge_all()
    session.execute(update(PaymentLine).where(PaymentLine.id.in_(chosen)).values(live=True))


def answer(session, w: World, op) -> None:
    _, start, count, status = op
    ids = _pick(_ids(session, PaymentLine.id), start, count)
    session.execute(update(PaymentLine).where(PaymentLine.id.in_(ids)).values(sso_status=status))


def edit_drafts(session, w: World, op) -> None:
    _, start, count, month, county = op
    ids = _pick(_ids(session, PaymentLine.id, ~PaymentLine.live), start, count)
    session.execute(update(PaymentLine).where(PaymentLine.id.in_(ids))
                    .values(jalali_month=month, county_id=w.counties[county][0]))


def drop_drafts(session, w: World, op) -> None:
    _, start, count = op
    ids = _pick(_ids(session, PaymentLine.id, ~PaymentLine.live), start, count)
    session.execute(delete(PaymentLine).where(PaymentLine.id.in_(ids)))


def introduce(session, w: World, op) -> None:
    _, start, count, year, refused = op
    free = _ids(session, Application.id, ~Application.id.in_(select(Introduction.application_id)))
    for application_id in _pick(free, start, count):
        a = session.get(Application, application_id)
        session.add(Introduction(
            application_id=a.id, county_id=a.county_id, jalali_year=year, branch="شعبه", letter_no=f"L{next(_serial)}",
            introduced_on=date(2024, 6, 1), refused_on=date(2024, 6, 9) if refused else None,
        ))
    session.flush()


def edit_introductions(session, w: World, op) -> None:
    _, start, count, field, value = op
    ids = _pick(_ids(session, Introduction.id), start, count)
    values = {
        "refused": {"refused_on": date(2024, 7, 1) if value else None},
        "county": {"county_id": w.counties[value % 3][0]},
        "year": {"jalali_year": 1402 + value % 3},
    }[field]
    session.execute(update(Introduction).where(Introduction.id.in_(ids)).values(**values))


def drop_introductions(session, w: World, op) -> None:
    _, start, count = op
    session.execute(delete(Introduction).where(Introduction.id.in_(_pick(_ids(session, Introduction.id), start, count))))


WRITES = {f.__name__: f for f in (add_cases, edit_cases, drop_cases, add_lines, finalise, answer, edit_drafts,
                                  drop_drafts, introduce, edit_introductions, drop_introductions)}

_start, _count = st.integers(0, 50), st.integers(1, 4)
OPS = st.one_of(
    st.tuples(st.just("add_cases"), _count, st.integers(0, 2), st.integers(0, 1), st.sampled_from(STATES),
              CASE_FIELDS["contract_rate_bp"], CASE_FIELDS["share_percent"], CASE_FIELDS["start"],
              CASE_FIELDS["months_granted"]),
    st.sampled_from(list(CASE_FIELDS)).flatmap(
        lambda field: st.tuples(st.just("edit_cases"), _start, _count, st.just(field), CASE_FIELDS[field])),
    st.tuples(st.just("drop_cases"), _start, _count),
    st.tuples(st.just("add_lines"), _start, _count, st.booleans(), st.sampled_from(["payment", "topup", "reversal"]),
              st.sampled_from(["pending", "confirmed", "rejected"]), st.sampled_from([1403, 1404]), st.integers(1, 12),
              st.integers(0, 10**9), st.booleans()),
    st.tuples(st.just("finalise"), st.integers(0, 1)),
    st.tuples(st.just("answer"), _start, _count, st.sampled_from(["pending", "confirmed", "rejected"])),
    st.tuples(st.just("edit_drafts"), _start, _count, st.integers(1, 12), st.integers(0, 2)),
    st.tuples(st.just("drop_drafts"), _start, _count),
    st.tuples(st.just("introduce"), _start, _count, st.sampled_from([1403, 1404]), st.booleans()),
    st.tuples(st.just("edit_introductions"), _start, _count, st.sampled_from(["refused", "county", "year"]),
              st.integers(0, 5)),
    st.tuples(st.just("drop_introductions"), _start, _count),
)

RUNNING_A = ("add_cases", 2, 0, 0, "active", 1800, 60, (1403, 1), 6)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(ops=st.lists(OPS, min_size=1, max_size=8))
# a running case leaves for a state the tally keeps without its grant figures, and comes back
@example(ops=[RUNNING_A, ("edit_cases", 0, 1, "state", "completed"), ("edit_cases", 0, 1, "state", "suspended")])
# open-ended grant (programme B), no rate, no share; moved to another county and programme
@example(ops=[("add_cases", 3, 1, 1, "active", None, None, (1402, 12), None), ("edit_cases", 0, 2, "county", 2),
              ("edit_cases", 1, 2, "program", 0)])
# several draft lines of a run go live in one statement, then SSO answers some, others are dropped
@example(ops=[RUNNING_A, ("add_lines", 0, 2, False, "payment", "pending", 1403, 1, 1000, False),
              ("add_lines", 0, 2, False, "reversal", "pending", 1403, 1, 400, True), ("finalise", 0),
              ("answer", 0, 3, "confirmed"), ("add_lines", 0, 1, False, "topup", "pending", 1404, 12, 7, False),
              ("edit_drafts", 0, 4, 5, 1), ("drop_drafts", 0, 4)])
# an introduction refused, its seat returned, then un-refused, moved and deleted
@example(ops=[RUNNING_A, ("introduce", 0, 2, 1403, False), ("edit_introductions", 0, 1, "refused", 1),
              ("edit_introductions", 0, 1, "refused", 0), ("edit_introductions", 0, 2, "year", 1),
              ("drop_introductions", 0, 1)])
def test_tallies_equal_a_fresh_count_after_every_write(engine, world, ops):
    with new_session(engine) as session:
        for op in ops:
            WRITES[op[0]](session, world, op)
            session.commit()
            session.expunge_all()
            assert tallies(session) == recount(session), op


def test_a_write_refused_by_the_database_leaves_the_tallies_as_they_were(engine, world):
    with new_session(engine) as session:
        add_cases(session, world, RUNNING_A)
        add_lines(session, world, ("add_lines", 0, 1, True, "payment", "pending", 1403, 3, 1000, False))
        session.commit()
        before = tallies(session)
        paid = session.scalars(select(PaymentLine).where(PaymentLine.live)).first()
        add_cases(session, world, RUNNING_A)  # counted by the tallies, then undone with the failed write
        session.add(PaymentLine(**{
            **{c.key: getattr(paid, c.key) for c in inspect(PaymentLine).column_attrs if c.key != "id"},
        }))  # the same person and month paid twice
        with pytest.raises(IntegrityError):
            session.flush()
        session.rollback()
        assert tallies(session) == before == recount(session)
        assert before[0] and before[1]


def test_the_triggers_are_there_at_head(engine):
    """A later migration that rebuilds a counted table (SQLite batch mode) must create them again."""
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            names = set(conn.scalars(text("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")))
        else:
            names = set(conn.scalars(text("SELECT name FROM sqlite_master WHERE type = 'trigger'")))
    assert {f"{t}_{e}" for t in ("casetally", "spendtally", "seattally", "casestatetally") for e in ("insert", "update", "delete")} <= names


def test_concurrent_writers_lose_no_count(engine, world):
    """PostgreSQL: threads changing the states of cases of one county at the same time (each
    statement's upsert meets the others on the same tally rows) and finalising lines — every
    change counted once."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time")
    with new_session(engine) as session:
        add_cases(session, world, ("add_cases", 4, 0, 0, "active", 1800, 100, (1403, 1), 12))
        add_cases(session, world, ("add_cases", 4, 0, 0, "active", 1800, 100, (1403, 1), 12))
        add_lines(session, world, ("add_lines", 0, 8, False, "payment", "pending", 1403, 6, 5000, False))
        session.commit()
        ids = sorted(_ids(session, Application.id))
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(ids) + 1)

    def change(application_id: int) -> None:
        try:
            with new_session(engine) as s:
                barrier.wait()
                for state in ("suspended", "active", "completed"):
                    s.execute(update(Application).where(Application.id == application_id).values(state=state))
                    s.commit()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    def finalise_all() -> None:
        try:
            with new_session(engine) as s:
                barrier.wait()
                finalise(s, world, ("finalise", 0))
                s.commit()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=change, args=(i,)) for i in ids] + [threading.Thread(target=finalise_all)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with new_session(engine) as session:
        counted = tallies(session)
        assert counted == recount(session)
        assert sum(n for key, n in counted[0].items() if key[2] == "completed") == len(ids)
        assert sum(lines for lines, _, _ in counted[1].values()) == len(ids)
