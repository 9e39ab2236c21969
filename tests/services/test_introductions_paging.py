"""The introductions page reads a page of each list at a time (issue 11): any page of the waiting
list, of the open requests not on it yet and of the year's introductions is the same slice of the
whole list, in the same order, with the same ranks, as the whole list read at once — and the
whole list is what the earlier one-statement reads gave. The gauge and the counts read from the
case tally agree with the lists and with the quota screen's aggregate.

Every test runs on SQLite and PostgreSQL (the ``session`` fixture)."""
from __future__ import annotations

from datetime import timedelta

import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from db.models import Applicant, Application
from lib.jalali import jalali_year_of, local_today
from lib.workflow import State
from services import applications as apps
from services.branches import add_branch
from services.introductions import count_introductions, introduce, introductions, record_sso_refusal, waiting_list
from services.quotas import county_quota, quota_use, set_quota
from services.relief_eligibility import count_not_yet_waiting, not_yet_waiting
from tests.services.conftest import APPLIED_ON

TODAY = local_today()
YEAR = jalali_year_of(TODAY)
SIZES = st.integers(min_value=1, max_value=12)
OFFSETS = st.integers(min_value=0, max_value=14)
SETTINGS = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture
def county(session, secretary, province_committee, admin, intake, areas) -> int:
    """The acting county with 9 cases on the waiting list (two with the committee's priority, three
    applied the same day), 4 open requests not on it yet, and 5 introductions of this year (one of
    them refused by SSO)."""
    days = (0, 3, 3, 3, 9, 1, 7, 12, 5, 2, 2, 8, 4, 6, 11, 10, 13, 14)
    cases = []
    for day in days:
        case = apps.submit_application(session, secretary, intake("B", applied_on=APPLIED_ON + timedelta(days=day)))
        cases.append(case)
    waiting, pending = cases[:14], cases[14:]
    for case in waiting:
        apps.change_state(session, secretary, case.id, State.county_decision)
    apps.change_state(session, secretary, pending[0].id, State.documents_incomplete)
    apps.set_priority(session, secretary, waiting[4].id, 2, "فرزند معلول")
    apps.set_priority(session, secretary, waiting[7].id, 1, "بیماری صعب‌العلاج")
    set_quota(session, province_committee, areas.county, YEAR, 10)
    branch = add_branch(session, admin, areas.county, "شعبه ۲۴", "24").id
    for i, case in enumerate(waiting[9:]):
        introduce(session, secretary, case.id, branch, TODAY - timedelta(days=i % 2), reason="آزمون")
    record_sso_refusal(session, secretary, waiting[10].id, "سابقه بیمه فعال")
    return areas.county


def _earlier_waiting(session, county_id: int) -> list[tuple]:
    """The waiting list as the earlier code read it: the cases joined with their applicants, ordered."""
    rows = session.exec(
        select(Application.id, Application.tracking_code, Applicant.first_name, Applicant.last_name,
               Applicant.national_code, Application.applied_on, Application.priority_override)
        .join(Applicant, Applicant.id == Application.applicant_id)
        .where(Application.county_id == county_id, Application.state == State.county_decision.value,
               Application.program_id == apps.program_by_code(session, "B").id)
        .order_by(Application.priority_override.is_(None), Application.priority_override,
                  Application.applied_on, Application.id)
    ).all()
    return [(i, code, f"{first} {last}", nc, on, prio) for i, code, first, last, nc, on, prio in rows]


def _rows(frame, columns) -> list[tuple]:
    """The frame's rows as plain tuples, every missing value (None, NaN, NA) as None."""
    return [tuple(None if pd.isna(v) else v for v in row) for row in frame[list(columns)].itertuples(index=False)]


def test_the_whole_lists_are_what_the_earlier_reads_gave(session, secretary, county):
    whole = waiting_list(session, secretary, county, YEAR)
    assert [(r[0], r[1], r[2], r[3], r[4], r[5]) for r in _rows(
        whole, ["application_id", "tracking_code", "full_name", "national_code", "applied_on", "priority_override"]
    )] == _earlier_waiting(session, county)
    assert list(whole["rank"]) == list(range(1, 10))
    free = 10 - 4  # ten slots, five introduced, one of them refused by SSO
    assert list(whole["within_quota"]) == [rank <= free for rank in range(1, 10)]
    made = introductions(session, secretary, county, YEAR)
    assert len(made) == 5 and list(made["introduced_on"]) == sorted(made["introduced_on"], reverse=True)
    assert made["refused_on"].notna().sum() == 1
    pending = not_yet_waiting(session, secretary, county)
    assert len(pending) == 4 and list(pending["state"]).count(State.documents_incomplete.value) == 1


@SETTINGS
@given(limit=SIZES, offset=OFFSETS)
@example(limit=1, offset=0)
@example(limit=9, offset=0)  # exactly the whole list
@example(limit=1, offset=8)  # the last case alone
@example(limit=5, offset=9)  # past the end: an empty page
def test_a_page_of_the_waiting_list_is_the_same_slice_with_the_same_ranks(session, secretary, county, limit, offset):
    whole = waiting_list(session, secretary, county, YEAR)
    page = waiting_list(session, secretary, county, YEAR, limit=limit, offset=offset)
    columns = ["rank", "application_id", "tracking_code", "full_name", "priority_override", "priority_reason", "within_quota"]
    assert _rows(page, columns) == _rows(whole, columns)[offset:offset + limit]


@SETTINGS
@given(limit=SIZES, offset=OFFSETS)
@example(limit=1, offset=0)
@example(limit=4, offset=0)  # every open request on one page
@example(limit=5, offset=0)  # every introduction on one page
@example(limit=1, offset=3)  # the last open request alone
@example(limit=1, offset=4)  # the oldest introduction alone
@example(limit=3, offset=5)  # past the end of both: empty pages
def test_a_page_of_the_open_requests_and_of_the_introductions_is_the_same_slice(
    session, secretary, county, limit, offset,
):
    """The open requests oldest first with the same reasons; the introductions newest first."""
    for read in (lambda **page: not_yet_waiting(session, secretary, county, **page),
                 lambda **page: introductions(session, secretary, county, YEAR, **page)):
        whole, page = read(), read(limit=limit, offset=offset)
        assert _rows(page, page.columns) == _rows(whole, whole.columns)[offset:offset + limit]


def test_the_counts_and_the_gauge_agree_with_the_lists_and_the_quota_screen(session, secretary, province_committee, county):
    gauge = county_quota(session, secretary, county, YEAR)
    row = quota_use(session, province_committee, YEAR, county_id=county).iloc[0]
    assert gauge == {"slots": int(row["slots"]), "introduced": int(row["introduced"]),
                     "remaining": int(row["remaining"]), "waiting": int(row["waiting"])}
    assert gauge == {"slots": 10, "introduced": 4, "remaining": 6, "waiting": 9}
    assert gauge["waiting"] == len(waiting_list(session, secretary, county, YEAR))
    assert count_not_yet_waiting(session, secretary, county) == len(not_yet_waiting(session, secretary, county)) == 4
    assert count_introductions(session, secretary, county, YEAR) == len(introductions(session, secretary, county, YEAR)) == 5
    empty_year = county_quota(session, secretary, county, YEAR + 1)  # no quota announced, nobody introduced
    assert empty_year == {"slots": None, "introduced": 0, "remaining": None, "waiting": 9}


def test_the_open_requests_page_is_read_through_its_partial_index(session, secretary, county):
    """A page of the open requests is read from migration 0027's index (the county's requests before the
    waiting list, in request order): PostgreSQL walked the country's whole request-order index for them
    (80,000 rows for a page of 50 at 100,000 applicants) while the query did not repeat the index's condition."""
    from sqlalchemy import event, text

    bind = session.connection()
    seen: list[tuple] = []

    def keep(conn, cursor, statement, parameters, context, executemany):
        if "applied_on" in statement and "LIMIT" in statement.upper():
            seen.append((statement, parameters))

    event.listen(bind, "before_cursor_execute", keep)
    try:
        not_yet_waiting(session, secretary, county, limit=50)
    finally:
        event.remove(bind, "before_cursor_execute", keep)
    statement, parameters = seen[-1]
    driver = bind.connection.driver_connection
    if bind.dialect.name == "postgresql":
        bind.execute(text("SET LOCAL enable_seqscan = off"))  # a test table of 18 cases: read it by index too
        cursor = driver.cursor()
        cursor.execute("EXPLAIN " + statement, parameters)
    else:
        cursor = driver.execute("EXPLAIN QUERY PLAN " + statement, parameters)
    plan = " ".join(str(row) for row in cursor.fetchall())
    assert "ix_application_before_list" in plan, plan
