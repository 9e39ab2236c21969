"""Beneficiaries written straight into the tables (the payment services read them as they are)."""
from __future__ import annotations

import itertools
from datetime import date, datetime, timezone

from sqlmodel import Session, select

from db.models import Applicant, Application, Document, PaymentLine, PaymentRun, Program
from lib import catalog
from lib.identifiers import generate_national_code
from lib.jalali import YearMonth

_serial = itertools.count(1)
RECENT = datetime(2025, 3, 1, tzinfo=timezone.utc)  # Esfand 1403: a proof that covers 1403/1404 periods


def program_id(session: Session, code: str) -> int:
    return session.exec(select(Program.id).where(Program.code == code)).one()


def person(session: Session, county_id: int, *, first_name: str = "مریم") -> Applicant:
    n = next(_serial)
    applicant = Applicant(
        national_code=generate_national_code(__import__("random").Random(n * 7919)),
        first_name=first_name, last_name=f"آزمون{n}", county_id=county_id, gender="female",
    )
    while session.exec(select(Applicant.id).where(Applicant.national_code == applicant.national_code)).first():
        n = next(_serial)
        applicant.national_code = generate_national_code(__import__("random").Random(n * 7919))
    session.add(applicant)
    session.flush()
    return applicant


def beneficiary(
    session: Session,
    province_id: int,
    county_id: int,
    *,
    program: str = "A",
    applicant: Applicant | None = None,
    start: tuple[int, int] = (1403, 1),
    months: int | None = 24,
    share: int | None = 100,
    rate: int | None = 1800,
    state: str = "active",
    documents: tuple[str, ...] | None = None,
    proof_at: datetime | None = RECENT,
    applied_on: date = date(2024, 4, 1),
    discount_holder: bool = False,
) -> Application:
    """A running case with its decision's figures and (programme A) its documents received."""
    applicant = applicant or person(session, county_id)
    n = next(_serial)
    case = Application(
        tracking_code=f"T{program}{n:08d}", applicant_id=applicant.id, program_id=program_id(session, program),
        county_id=county_id, province_id=province_id, channel="in_person", state=state, applied_on=applied_on,
        contract_rate_bp=rate, months_granted=months, share_percent=share if program == "A" else None,
        start_year=start[0], start_month=start[1], discount_holder=discount_holder,
    )
    session.add(case)
    session.flush()
    kinds = list(catalog.DOCUMENTS[program]) if documents is None else list(documents)
    for kind in kinds:
        session.add(Document(application_id=case.id, kind=kind, received=True,
                             uploaded_at=proof_at if kind == "sso_payment_proof" else RECENT))
    session.commit()
    return case


def paid_history(session: Session, case: Application, first: YearMonth, count: int) -> PaymentRun:
    """A finalised run paying ``case`` for ``count`` months from ``first`` (history)."""
    run = PaymentRun(program_id=case.program_id, province_id=case.province_id, jalali_year=first.year,
                     start_month=first.month, months=count, strategy="full", budget_rial=10**12, total_rial=count,
                     agency_rial=count, status="finalized")
    session.add(run)
    session.flush()
    for k in range(count):
        ym = first.add(k)
        session.add(PaymentLine(
            run_id=run.id, application_id=case.id, applicant_id=case.applicant_id, program_id=case.program_id,
            jalali_year=ym.year, jalali_month=ym.month, days=ym.days, daily_wage_rial=1, rate_bp=1800, percent=100,
            full_amount_rial=1, amount_rial=1, agency_rial=1, government_rial=0, live=True,
        ))
    session.commit()
    return run


def credit(session: Session, province_id: int, *, years=(1398, 1399, 1400, 1401, 1402, 1403, 1404, 1405),
           amount: int = 10**13) -> None:
    """Ample credit for both programmes in the province (every source)."""
    from db.models import Budget

    for code, sources in (("A", ("program_30435", "public_participation", "other")),
                          ("B", ("relief_committee", "government"))):
        pid = program_id(session, code)
        for year in years:
            for source in sources:
                session.add(Budget(program_id=pid, province_id=province_id, jalali_year=year, source=source,
                                   amount_rial=amount))
    session.commit()
