"""Simultaneous decisions on one case: 2–8 committee users deciding the same case at the same
moment, in the same session or in two open sessions of the same committee. The first wins; every
other gets a Persian refusal and writes nothing — exactly one decision, one case event, one SMS
and one decision audit per case. PostgreSQL (row lock) and SQLite (the single writer lock)."""
from __future__ import annotations

import random
import threading
from datetime import date

import pytest
from sqlalchemy import func
from sqlmodel import select

from db.engine import make_engine, new_session
from db.models import Applicant, Application, ApplicationEvent, AuditLog, Decision, Notification, Program
from lib.errors import InvalidInput
from lib.workflow import State
from services import committee as cm
from tests.services.refusals import PERSIAN as PERSIAN_MESSAGE
from tests.services.test_committee import HELD_ON, QUORUM

TERMS = dict(months=12, share_percent=100, contract_rate_bp=1800)


def scored_cases(session, areas, count: int) -> list[int]:
    """``count`` programme A cases in «scored», inserted directly (the race is about deciding)."""
    program_id = session.exec(select(Program.id).where(Program.code == "A")).one()
    ids = []
    for i in range(count):
        person = Applicant(national_code=f"{9_000_000_000 + i:010d}", first_name="مریم", last_name=f"احمدی {i}",
                           mobile="09121234567", county_id=areas.county)
        session.add(person)
        session.flush()
        case = Application(tracking_code=f"RACE{i:06d}", applicant_id=person.id, program_id=program_id,
                           county_id=areas.county, province_id=areas.province, channel="in_person",
                           state=State.scored.value, applied_on=date(2024, 6, 1))
        session.add(case)
        session.flush()
        ids.append(case.id)
    session.commit()
    return ids


def race(engine, actor, case_id: int, session_ids: list[int]) -> list[object]:
    """One thread per session id, all deciding ``case_id`` at once; their results in order."""
    barrier = threading.Barrier(len(session_ids))
    results: list[object] = [None] * len(session_ids)

    def run(slot: int, session_id: int) -> None:
        with new_session(engine) as own:
            barrier.wait()
            try:
                results[slot] = cm.record_decision(own, actor, session_id, case_id, "approve", "", seen=None, **TERMS).id
            except InvalidInput as exc:
                own.rollback()
                results[slot] = exc.message

    threads = [threading.Thread(target=run, args=(i, s)) for i, s in enumerate(session_ids)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def per_case(session, column, *where) -> dict[int, int]:
    """How many rows each case has (cases with none are absent)."""
    return dict(session.exec(select(column, func.count()).where(*where).group_by(column)).all())


def count(session, model, *where) -> int:
    return session.exec(select(func.count()).select_from(model).where(*where)).one()


def test_simultaneous_decisions_on_one_case_are_recorded_once(engine, session, secretary, areas):
    rounds = 100 if engine.dialect.name == "postgresql" else 30
    if engine.dialect.name == "postgresql":  # eight connections kept open: no reconnecting every round
        engine = make_engine(engine.url.render_as_string(hide_password=False), pool_size=8, max_overflow=0)
    rng = random.Random(6)
    first = cm.create_session(session, secretary, program="A", held_on=HELD_ON, number="1/1403", members=QUORUM)
    second = cm.create_session(session, secretary, program="A", held_on=HELD_ON, number="2/1403", members=QUORUM)
    cases = scored_cases(session, areas, rounds)
    for n, case_id in enumerate(cases):
        threads = rng.randint(2, 8)
        two_sessions = n % 2 == 1  # every other round: the same committee's two open sessions
        where = [first.id if not two_sessions or i % 2 == 0 else second.id for i in range(threads)]
        results = race(engine, secretary, case_id, where)
        won = [r for r in results if isinstance(r, int)]
        lost = [r for r in results if isinstance(r, str)]
        assert len(won) == 1 and len(lost) == threads - 1, (n, results)
        assert all(PERSIAN_MESSAGE.search(m) and ("تصمیم" in m) for m in lost), lost
    session.expire_all()
    assert per_case(session, Decision.application_id, Decision.application_id.in_(cases)) == dict.fromkeys(cases, 1)
    assert per_case(session, ApplicationEvent.application_id, ApplicationEvent.application_id.in_(cases),
                    ApplicationEvent.to_state == State.county_decision.value) == dict.fromkeys(cases, 1)
    assert per_case(session, Notification.application_id, Notification.application_id.in_(cases),
                    Notification.event == "state.county_decision") == dict.fromkeys(cases, 1)
    assert count(session, AuditLog, AuditLog.action == "decision.record") == rounds
    assert {session.get(Application, c).state for c in cases} == {State.county_decision.value}
