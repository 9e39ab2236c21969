"""The tallies of migration 0026 equal a fresh count of the rows after every write.

The budget estimate reads the people with more than one case from ``personcasetally`` and the months
paid on a person's other cases from ``paidtally``; the monitoring screen's national view prices the
committed cost from ``provincecosttally``. Random sequences of the writes of tests/db/test_tallies.py
(cases added, moved between states, counties, programmes and grant figures, deleted; payment lines
added live or not, finalised in one statement, edited and deleted) plus cases moved to another
person (a write the database refuses, such as a second open case of a programme for one person,
is rolled back) — and after each one the three tallies equal what counting the rows gives. SQLite (row
triggers) and PostgreSQL (statement triggers over transition tables).
"""
from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from db.engine import new_session
from db.models import (
    NONE_KEY, TALLY_RUNNING_STATES, Application, County, PaidTally, PaymentLine, PersonCaseTally, ProvinceCostTally,
)
from tests.db.test_tallies import (  # noqa: F401 - world: a fixture
    OPS, RUNNING_A, WRITES, World, _ids, _pick, add_cases, add_lines, finalise, world,
)


def recount(session) -> tuple[dict, dict, dict]:
    """What the three tallies must hold, counted in Python from the rows."""
    applications = session.execute(select(Application.__table__)).all()
    people = Counter(a.applicant_id for a in applications)
    provinces = dict(session.execute(select(County.id, County.province_id)).all())

    def none(value):
        return NONE_KEY if value is None else value

    costs = Counter(
        (provinces[a.county_id], a.program_id, none(a.contract_rate_bp), none(a.share_percent), none(a.start_year),
         none(a.start_month), none(a.months_granted))
        for a in applications if a.state in TALLY_RUNNING_STATES
    )
    paid = Counter(
        (line.applicant_id, line.application_id)
        for line in session.execute(select(PaymentLine.__table__).where(PaymentLine.live)).all()
        if line.line_kind == "payment"
    )
    return dict(people), dict(paid), dict(costs)


def kept(session) -> tuple[dict, dict, dict]:
    """The three tallies' rows that count something."""
    people = {r.applicant_id: r.cases for r in session.execute(select(PersonCaseTally.__table__)).all() if r.cases}
    paid = {(r.applicant_id, r.application_id): r.lines
            for r in session.execute(select(PaidTally.__table__)).all() if r.lines}
    costs = {(r.province_id, r.program_id, r.contract_rate_bp, r.share_percent, r.start_year, r.start_month,
              r.months_granted): r.cases for r in session.execute(select(ProvinceCostTally.__table__)).all() if r.cases}
    return people, paid, costs


def move_cases(session, w: World, op) -> None:
    """Cases handed to the person of another case (several cases a person), in one UPDATE."""
    _, start, count, to = op
    ids = _pick(_ids(session, Application.id), start, count)
    target = _pick(_ids(session, Application.applicant_id), to, 1)
    if ids and target:
        session.execute(update(Application).where(Application.id.in_(ids)).values(applicant_id=target[0]))


def move_lines(session, w: World, op) -> None:
    """Draft lines moved to another case and its person (the paid tally counts them once live)."""
    _, start, count, to = op
    ids = _pick(_ids(session, PaymentLine.id, ~PaymentLine.live), start, count)
    case = _pick(_ids(session, Application.id), to, 1)
    if ids and case:
        a = session.get(Application, case[0])
        session.execute(update(PaymentLine).where(PaymentLine.id.in_(ids))
                        .values(application_id=a.id, applicant_id=a.applicant_id))


MORE = {"move_cases": move_cases, "move_lines": move_lines}
_start, _count = st.integers(0, 50), st.integers(1, 4)
ALL_OPS = st.one_of(OPS, st.tuples(st.sampled_from(list(MORE)), _start, _count, _start))

LINES = [("add_lines", 0, 3, False, "payment", "pending", 1403, 2, 1000, False),
         ("add_lines", 0, 1, False, "topup", "pending", 1403, 3, 100, False)]


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(ops=st.lists(ALL_OPS, min_size=1, max_size=8))
# two cases of one person, both paid; one moved to a new county (another province) and out of the running states
@example(ops=[RUNNING_A, *LINES, ("move_cases", 0, 1, 1), ("finalise", 0), ("edit_cases", 0, 1, "county", 2),
              ("edit_cases", 1, 1, "state", "completed")])
# draft lines moved to another person's case, then finalised; a paid case's grant figures changed
@example(ops=[RUNNING_A, *LINES, ("move_lines", 0, 2, 1), ("finalise", 0), ("edit_cases", 0, 2, "months_granted", None),
              ("edit_cases", 0, 2, "contract_rate_bp", None), ("drop_drafts", 0, 4)])
def test_the_budget_tallies_equal_a_fresh_count_after_every_write(engine, world, ops):
    with new_session(engine) as session:
        for op in ops:
            try:
                (MORE.get(op[0]) or WRITES[op[0]])(session, world, op)
                session.commit()
            except IntegrityError:  # e.g. two open cases of a programme for one person: nothing written
                session.rollback()
            session.expunge_all()
            assert kept(session) == recount(session), op



def test_concurrent_writers_lose_no_count(engine, world):
    """PostgreSQL: threads adding cases to one person at the same time (their upserts meet on her
    row of the person tally), moving their running cases through states (the same province tally
    row) while another finalises the payment lines (the paid tally) — every change counted once."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time")
    with new_session(engine) as session:
        add_cases(session, world, ("add_cases", 6, 0, 0, "active", 1800, 100, (1403, 1), 12))
        add_lines(session, world, ("add_lines", 0, 6, False, "payment", "pending", 1403, 6, 5000, False))
        session.commit()
        cases = session.execute(select(Application.id, Application.applicant_id).order_by(Application.id)).all()
    shared = cases[0].applicant_id
    county, province = world.counties[0]
    barrier = threading.Barrier(len(cases) + 1, timeout=60)

    def write(application_id: int, n: int) -> None:
        with new_session(engine) as s:
            barrier.wait()
            s.add(Application(tracking_code=f"TC{application_id:08d}{n}", applicant_id=shared,
                              program_id=world.programs[0], county_id=county, province_id=province,
                              channel="in_person", state="completed", applied_on=date(2024, 5, 1)))
            s.commit()
            for state in ("suspended", "active"):
                s.execute(update(Application).where(Application.id == application_id).values(state=state))
                s.commit()

    def finalise_all() -> None:
        with new_session(engine) as s:
            barrier.wait()
            finalise(s, world, ("finalise", 0))
            s.commit()

    with ThreadPoolExecutor(len(cases) + 1) as pool:
        done = [pool.submit(write, c.id, k) for k, c in enumerate(cases)] + [pool.submit(finalise_all)]
        for future in done:
            future.result()  # a thread's error fails the test here
    with new_session(engine) as session:
        people, paid, costs = kept(session)
        assert (people, paid, costs) == recount(session)
        assert people[shared] == 1 + len(cases)
        assert sum(paid.values()) == len(cases)
        assert sum(costs.values()) == len(cases)
