"""Two users on two app servers finalise overlapping runs at the same moment: nobody is paid twice.

PostgreSQL only (real concurrent transactions; SQLite has a single writer). Each round makes a
fresh beneficiary with a case in each programme, prepares and approves two runs paying her the
same month — in even rounds two programme A runs (serialised by the programme row lock), in odd
rounds one A and one B run (they meet at the partial unique index over live lines) — and lets two
threads, each with its own session, finalise them at once. Exactly one wins every round; the
other gets a Persian refusal, never a database error, and none of its lines is live.
"""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import func
from sqlmodel import select

from db.engine import new_session
from db.models import PaymentLine, PaymentRun
from lib.errors import InvalidInput
from lib.jalali import YearMonth
from services.payments import approve_run, create_run, finalize_run, prepare_run
from tests.services.payment_helpers import credit, beneficiary, person

ROUNDS = 100


@pytest.fixture(autouse=True)
def _credit(session, areas):
    """Ample credit for the province (finalising checks it; tests of a short credit lower it)."""
    credit(session, areas.province)


@pytest.mark.postgres
@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
def test_two_finalisations_at_the_same_moment_pay_nobody_twice(engine, session, areas, province_committee,
                                                                 province_manager):
    outcomes: list[tuple[str, str]] = []
    for round_no in range(ROUNDS):
        month = YearMonth(1403, round_no % 12 + 1)
        woman = person(session, areas.county)
        beneficiary(session, areas.province, areas.county, applicant=woman, months=24)
        beneficiary(session, areas.province, areas.county, program="B", applicant=woman, months=None)
        programs = ("A", "A") if round_no % 2 == 0 else ("A", "B")
        run_ids = []
        for program in programs:
            preview = prepare_run(session, province_committee, program=program, province_id=areas.province,
                                  county_id=None, start=month, months=1)
            assert woman.id in set(preview.people["applicant_id"])
            run = create_run(session, province_committee, preview, budget_rial=10**10, strategy="full")
            run_ids.append(approve_run(session, province_manager, run.id).id)

        barrier = threading.Barrier(2)
        results: dict[int, object] = {}

        def finalise(run_id: int) -> None:
            with new_session(engine) as own:
                barrier.wait()
                try:
                    results[run_id] = finalize_run(own, province_committee, run_id).status
                except InvalidInput as exc:
                    results[run_id] = exc.message
                except Exception as exc:  # a database error would be a failure of the rule
                    results[run_id] = exc

        threads = [threading.Thread(target=finalise, args=(run_id,)) for run_id in run_ids]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        won = [r for r in run_ids if results[r] == "finalized"]
        lost = [r for r in run_ids if isinstance(results[r], str) and results[r] != "finalized"]
        assert len(won) == 1 and len(lost) == 1, (round_no, results)
        session.expire_all()
        live = session.exec(
            select(func.count(PaymentLine.id)).where(
                PaymentLine.applicant_id == woman.id, PaymentLine.live, PaymentLine.jalali_year == month.year,
                PaymentLine.jalali_month == month.month,
            )
        ).one()
        assert live == 1, (round_no, results)
        assert session.get(PaymentRun, lost[0]).status == "approved"
        outcomes.append((programs[0] + programs[1], results[lost[0]]))  # type: ignore[arg-type]
    twice = session.exec(
        select(PaymentLine.applicant_id, PaymentLine.jalali_year, PaymentLine.jalali_month, func.count())
        .where(PaymentLine.live, PaymentLine.line_kind == "payment")
        .group_by(PaymentLine.applicant_id, PaymentLine.jalali_year, PaymentLine.jalali_month)
        .having(func.count() > 1)
    ).all()
    assert twice == []
    assert {kind for kind, _ in outcomes} == {"AA", "AB"}
