"""Test data for budgets, exports and reconciliation: runs with lines, written straight to the tables.

The payment-run services (services.payments) build runs from approved cases; these tests are
about what happens to a run once it exists, so they insert the rows a run leaves behind: an
applicant and an application per person, the run (draft, approved or finalised) and one line per
person and month. Amounts are chosen by the test.
"""
from __future__ import annotations

import itertools
import random
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, select

from db.models import Applicant, Application, PaymentDraftLine, PaymentLine, PaymentRun, Program, utcnow
from lib.identifiers import generate_national_code
from lib.payments import program_b_shares
from services.payments.lines import new_line_ids

_codes = itertools.count(1)
_rng = random.Random(7)


@dataclass(frozen=True)
class Person:
    applicant_id: int
    application_id: int
    national_code: str


def program_id(session: Session, code: str) -> int:
    return session.exec(select(Program.id).where(Program.code == code)).one()


def make_person(session: Session, *, program: str, province_id: int, county_id: int,
                first_name: str = "مریم", last_name: str = "احمدی", months_granted: int = 12) -> Person:
    code = generate_national_code(_rng)
    while session.exec(select(Applicant.id).where(Applicant.national_code == code)).first():
        code = generate_national_code(_rng)
    applicant = Applicant(national_code=code, first_name=first_name, last_name=last_name, county_id=county_id)
    session.add(applicant)
    session.flush()
    application = Application(
        tracking_code=f"{program}T{next(_codes):08d}", applicant_id=applicant.id,
        program_id=program_id(session, program), county_id=county_id, province_id=province_id,
        channel="in_person", state="active", applied_on=date(2024, 6, 1), contract_rate_bp=1800,
        months_granted=months_granted, share_percent=100, start_year=1404, start_month=1,
    )
    session.add(application)
    session.flush()
    return Person(applicant.id, application.id, code)


def make_run(
    session: Session,
    *,
    program: str,
    province_id: int,
    county_id: int,
    amounts: list[int],
    year: int = 1404,
    month: int = 1,
    status: str = "finalized",
    created_by: int | None = None,
    approved_by: int | None = None,
    line_kind: str = "payment",
    people: list[Person] | None = None,
    names: list[tuple[str, str]] | None = None,
) -> tuple[PaymentRun, list[PaymentLine | PaymentDraftLine]]:
    """A run of one month with one line per amount (a new person each, unless ``people``)."""
    pid = program_id(session, program)
    people = people or [
        make_person(session, program=program, province_id=province_id, county_id=county_id,
                    **(dict(zip(("first_name", "last_name"), names[i])) if names else {}))
        for i in range(len(amounts))
    ]
    live = status == "finalized"
    now = utcnow()
    agency_total = government_total = 0
    shares = []
    for amount in amounts:
        if program == "B":
            split = program_b_shares(amount)
            shares.append((split["agency"], split["government"]))
        else:
            shares.append((amount, 0))
        agency_total += shares[-1][0]
        government_total += shares[-1][1]
    run = PaymentRun(
        program_id=pid, province_id=province_id, county_id=None, jalali_year=year, start_month=month, months=1,
        end_year=year, end_month=month, strategy="full", percent=100, budget_rial=sum(amounts) + 1_000,
        total_rial=sum(amounts), agency_rial=agency_total, government_rial=government_total,
        people=len(amounts), line_count=len(amounts), status=status, created_by=created_by,
        approved_by=approved_by, approved_at=now if approved_by else None,
        finalized_by=created_by if live else None, finalized_at=now if live else None,
    )
    session.add(run)
    session.flush()
    lines = []
    # a finalised run's lines are paid lines; any other run's are staged (services.payments.lines)
    ids = [None] * len(amounts) if live else new_line_ids(session, len(amounts))
    for person, amount, (agency, government), line_id in zip(people, amounts, shares, ids):
        line = (PaymentLine if live else PaymentDraftLine)(
            id=line_id, run_id=run.id, application_id=person.application_id, applicant_id=person.applicant_id,
            program_id=pid, jalali_year=year, jalali_month=month, days=31, daily_wage_rial=3_463_656,
            rate_bp=1800, percent=100, share_percent=100, full_amount_rial=amount, amount_rial=amount,
            agency_rial=agency, government_rial=government, live=live, line_kind=line_kind,
            **({} if live else {"county_id": county_id}),
        )
        session.add(line)
        lines.append(line)
    session.commit()
    for line in lines:
        session.refresh(line)
    session.refresh(run)
    return run, lines
