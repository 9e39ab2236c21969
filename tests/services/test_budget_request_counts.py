"""The budget request read from the case tallies (services.budget_request_counts) equals the request
costed case by case — each running case's months of the year inside its grant and under the cap,
less the months paid on the person's other cases; each waiting case for the whole year — for any
mix of cases (SQLite and PostgreSQL). The per-case computation below is the request's definition
(services.forecast's docstring), written the plain way."""
from __future__ import annotations

import itertools

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from db.models import Applicant, Application, PaymentLine, PaymentRun, Program
from lib.forecast import months_to_cost, person_year_cost
from lib.jalali import to_gregorian
from lib.payments import MAX_MONTHS
from services.budget_request_counts import span
from services.forecast import RUNNING_STATES, WAITING_STATES, budget_request
from services.program_parameters import share_weights

YEAR = 1404
STATES = ("active", "suspended", "county_decision", "completed", "received")
_serial = itertools.count(1)

case_rows = st.tuples(
    st.integers(0, 2),  # county: Tehran, Islamshahr (same province), Kashan
    st.sampled_from("AB"),
    st.sampled_from(STATES),
    st.none() | st.tuples(st.integers(1396, 1405), st.integers(1, 12)),  # start of the grant
    st.none() | st.integers(0, 72),  # months granted
    st.sampled_from([None, 1800, 2300]),  # contract rate
    st.sampled_from([None, 50, 100]),  # share
    st.none() | st.integers(0, 2),  # the same person as another row's (by number), or a new one
    st.integers(0, 30),  # months paid on this case (live payment lines)
)


def _insert(session, areas, rows) -> None:
    counties = [(areas.county, areas.province), (areas.sibling_county, areas.province),
                (areas.other_county, areas.other_province)]
    programs = {p.code: p for p in session.exec(select(Program)).all()}
    people: dict[int, Applicant] = {}
    open_cases: set[tuple[int, str]] = set()
    paid_months: dict[int, int] = {}
    for county_no, code, state, start, months, rate, share, person, paid in rows:
        county, province = counties[county_no]
        n = next(_serial)
        applicant = people.get(person) if person is not None else None
        if applicant is None:
            applicant = Applicant(national_code=f"6{n:09d}", first_name="نام", last_name=f"برآورد{n}", county_id=county)
            session.add(applicant)
            session.flush()
            if person is not None:
                people[person] = applicant
        if state not in ("completed",) and (applicant.id, code) in open_cases:
            state = "completed"  # one open case per person and programme
        if state != "completed":
            open_cases.add((applicant.id, code))
        app = Application(tracking_code=f"Q{n:08d}", applicant_id=applicant.id, program_id=programs[code].id,
                          county_id=county, province_id=province, channel="in_person", state=state,
                          applied_on=to_gregorian(1400, 1, 5), contract_rate_bp=rate, share_percent=share,
                          months_granted=months, start_year=start and start[0], start_month=start and start[1])
        session.add(app)
        session.flush()
        if paid:
            run = PaymentRun(program_id=programs[code].id, province_id=province, jalali_year=1390, start_month=1,
                             months=1, strategy="full", budget_rial=10**12, total_rial=0, status="finalized")
            session.add(run)
            session.flush()
            for _ in range(paid):  # each person's months paid once: months of 1380… in turn
                k = paid_months.get(applicant.id, 0)
                paid_months[applicant.id] = k + 1
                session.add(PaymentLine(run_id=run.id, application_id=app.id, applicant_id=applicant.id,
                                        program_id=programs[code].id, jalali_year=1380 + k // 12, jalali_month=k % 12 + 1,
                                        days=31, daily_wage_rial=611_809, rate_bp=1800, percent=100,
                                        full_amount_rial=1, amount_rial=1, agency_rial=1))
    session.flush()


def _case_by_case(session, wage: int, province_id: int | None) -> dict[tuple[int, str], dict[str, int]]:
    """(county, programme) → the figures, each case costed alone."""
    programs = {p.id: p for p in session.exec(select(Program)).all()}
    lines = session.exec(select(PaymentLine.applicant_id, PaymentLine.application_id)
                         .where(PaymentLine.live == True, PaymentLine.line_kind == "payment")).all()  # noqa: E712
    out: dict[tuple[int, str], dict[str, int]] = {}
    for a in session.exec(select(Application)).all():
        if province_id is not None and a.province_id != province_id:
            continue
        prog = programs[a.program_id]
        weights = share_weights(session, prog.id)
        if a.state in RUNNING_STATES and a.start_year is not None:
            start = a.start_year * 12 + a.start_month - 1
            elsewhere = sum(1 for who, case in lines if who == a.applicant_id and case != a.id)
            granted = a.months_granted
            before = max(0, min(YEAR * 12 - start, granted if granted is not None else YEAR * 12 - start)) + elsewhere
            cap = prog.max_months if prog.max_months is not None else (MAX_MONTHS if prog.code == "A" else None)
            months = months_to_cost(start, granted, YEAR, months_used_before=before, max_months=cap)
            cost = person_year_cost(months, YEAR, wage, a.contract_rate_bp or prog.rate_bp,
                                    100 if a.share_percent is None else a.share_percent, prog.code, b_shares=weights)
            kind = "current_rial"
        elif a.state in WAITING_STATES:
            cost = person_year_cost(list(range(1, 13)), YEAR, wage, prog.rate_bp, 100, prog.code, b_shares=weights)
            kind = "waiting_rial"
        else:
            continue
        row = out.setdefault((a.county_id, prog.code), dict.fromkeys(
            ("people", "waiting", "current_rial", "waiting_rial", "A", "relief_committee", "government"), 0))
        row["people" if kind == "current_rial" else "waiting"] += 1
        for bucket, value in cost.items():
            row[bucket] += value
            row[kind] += value
    return out


EXAMPLE_ROWS = [
    (0, "A", "active", (1400, 1), 60, 1800, 100, 0, 0),  # 48 months before 1404 …
    (0, "A", "completed", (1399, 1), 10, None, None, 0, 10),  # … and 10 paid on an earlier case: 2 left
    (1, "B", "active", (1403, 1), None, None, None, None, 0),  # open-ended: all of 1404
    (1, "B", "county_decision", None, None, None, None, None, 0),  # waiting
    (2, "A", "suspended", (1404, 12), 12, 2300, 50, None, 0),  # one month of 1404, the other province
    (0, "A", "active", (1405, 1), 12, None, None, None, 0),  # starts after the year: counted, costs nothing
    (0, "A", "active", (1403, 7), 0, None, None, None, 0),  # a grant of no months
    (0, "B", "active", (1398, 1), 60, None, None, 1, 25),  # B has no cap: months paid elsewhere change nothing
    (1, "A", "active", (1401, 1), 40, None, None, 1, 0),  # the cap binds: 36 before, 25 paid on the B case
    (2, "A", "active", (1399, 7), 72, None, None, None, 0),  # a grant past the cap: 54 before, the cap ends it in Shahrivar
]


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(rows=st.lists(case_rows, max_size=12), national=st.booleans())
@example(rows=[], national=True)
@example(rows=EXAMPLE_ROWS, national=True)
@example(rows=EXAMPLE_ROWS, national=False)
def test_the_request_from_the_tallies_equals_each_case_costed_alone(session, areas, national_manager, rows, national):
    try:
        _insert(session, areas, rows)
        province = None if national else areas.province
        request = budget_request(session, national_manager, jalali_year=YEAR, wage_rise_percent=45,
                                 province_id=province)
        expected = _case_by_case(session, request.daily_wage, province)
        got = {(int(r.county_id), r.program): {k: int(getattr(r, k)) for k in (
            "people", "waiting", "current_rial", "waiting_rial", "A", "relief_committee", "government")}
            for r in request.rows.itertuples(index=False)}
        assert got == expected
        assert request.total_rial == sum(v["current_rial"] + v["waiting_rial"] for v in expected.values())
        assert sum(request.by_source.values()) == request.total_rial
    finally:
        session.rollback()


@given(start=st.integers(1390 * 12, 1410 * 12), granted=st.none() | st.integers(0, 80), cap=st.none() | st.integers(0, 80))
@example(start=1404 * 12 - 50, granted=60, cap=60)
def test_a_span_is_contiguous_months_of_the_year_within_the_grant_and_the_cap(start, granted, cap):
    first, count = span(start, granted, YEAR, elsewhere=0, cap=cap)
    months = set(range(YEAR * 12 + first - 1, YEAR * 12 + first - 1 + count))
    grant = range(start, start + granted) if granted is not None else range(start, YEAR * 12 + 12)
    assert months <= set(grant) and months <= set(range(YEAR * 12, YEAR * 12 + 12))
    assert count == 0 or first >= 1
    if cap is None:
        assert count == len(set(grant) & set(range(YEAR * 12, YEAR * 12 + 12)))
    else:
        used = len([m for m in grant if m < YEAR * 12])
        assert count == max(0, min(len(set(grant) & set(range(YEAR * 12, YEAR * 12 + 12))), cap - used))
