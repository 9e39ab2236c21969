"""Budgets (اعتبار): who may enter them, in what digits, never below what finalised runs used, audited,
and the Excel import (all or nothing, row-by-row report, dry run)."""
from __future__ import annotations

import threading

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from db.engine import new_session
from db.models import AuditLog, Budget
from lib.errors import Forbidden, InvalidInput
from lib.permissions import Role
from lib.xlsx import Sheet, workbook_bytes
from services.budgets import (
    IMPORT_HEADERS,
    budget_position,
    budget_table,
    budget_template,
    import_budgets,
    list_budgets,
    set_budget,
)
from tests.services.paid_runs import make_run
from tests.services.refusals import refused

YEAR = 1404


def credit(session, province_id, program="A"):
    return {s.source: s.credit_rial for s in budget_position(session, program=program, province_id=province_id, jalali_year=YEAR).sources}


def test_committee_enters_amounts_in_persian_arabic_or_latin_digits(session, province_committee, areas):
    position = set_budget(session, province_committee, program="A", province_id=areas.province, jalali_year="۱۴۰۴",
                          amounts={"program_30435": "۵۰٬۰۰۰٬۰۰۰٬۰۰۰", "public_participation": "١٢٣٤٥٦",
                                   "other": "7,000"})
    assert credit(session, areas.province) == {"program_30435": 50_000_000_000, "public_participation": 123456, "other": 7000}
    assert position.credit_rial == 50_000_000_000 + 123456 + 7000
    row = session.exec(select(Budget).where(Budget.source == "program_30435")).one()
    assert row.updated_by == province_committee.id and row.updated_at is not None


def test_every_change_is_audited_with_before_and_after(session, province_committee, areas):
    set_budget(session, province_committee, program="B", province_id=areas.province, jalali_year=YEAR,
               amounts={"relief_committee": 800, "government": 1000})
    set_budget(session, province_committee, program="B", province_id=areas.province, jalali_year=YEAR,
               amounts={"relief_committee": 900, "government": 1000})
    records = session.exec(select(AuditLog).where(AuditLog.action == "budget.set").order_by(AuditLog.id)).all()
    assert len(records) == 2
    assert records[0].before["amounts"] == {"relief_committee": None, "government": None}
    assert records[1].before["amounts"] == {"relief_committee": 800}  # government unchanged: not recorded
    assert records[1].after["amounts"] == {"relief_committee": 900}
    assert records[1].username == province_committee.username


def test_an_administrator_may_set_a_budget(session, admin, areas):
    set_budget(session, admin, program="A", province_id=areas.other_province, jalali_year=YEAR, amounts={"other": 5})
    assert credit(session, areas.other_province)["other"] == 5


@pytest.mark.parametrize("who", ["province_manager", "county_expert", "other_province_committee"])
def test_others_may_not_change_a_budget(session, counts, areas, request, who):
    actor = request.getfixturevalue(who)
    refused(session, counts, lambda: set_budget(session, actor, program="A", province_id=areas.province,
                                                 jalali_year=YEAR, amounts={"other": 5}), Forbidden)


def test_a_manager_may_read_the_budget_of_the_province(session, province_committee, province_manager, areas):
    set_budget(session, province_committee, program="A", province_id=areas.province, jalali_year=YEAR, amounts={"other": 5})
    table = budget_table(session, province_manager, program="A", province_id=areas.province, jalali_year=YEAR)
    assert table.set_index("source").loc["other", "credit_rial"] == 5
    assert list(list_budgets(session, province_manager, jalali_year=YEAR)["province_id"]) == [areas.province]


@pytest.mark.parametrize("amount, field", [("۱۲.۵", "other"), ("abc", "other"), ("-5", "other"), ("", "other")])
def test_an_amount_that_is_not_whole_rials_is_refused(session, counts, province_committee, areas, amount, field):
    err = refused(session, counts, lambda: set_budget(session, province_committee, program="A", province_id=areas.province,
                                                       jalali_year=YEAR, amounts={"other": amount}))
    assert err.field == field


def test_a_source_of_the_other_programme_is_refused(session, counts, province_committee, areas):
    err = refused(session, counts, lambda: set_budget(session, province_committee, program="A", province_id=areas.province,
                                                       jalali_year=YEAR, amounts={"government": 10}))
    assert "برنامه" in err.message and err.field == "source"


def test_programme_b_sources_never_go_below_their_own_share_of_finalised_runs(session, counts, province_committee, areas):
    set_budget(session, province_committee, program="B", province_id=areas.province, jalali_year=YEAR,
               amounts={"relief_committee": 10_000, "government": 10_000})
    make_run(session, program="B", province_id=areas.province, county_id=areas.county, amounts=[1800, 3600])
    position = budget_position(session, program="B", province_id=areas.province, jalali_year=YEAR)
    assert (position.agency_used_rial, position.government_used_rial) == (2400, 3000)  # 8/18 and 10/18 of 5400
    err = refused(session, counts, lambda: set_budget(session, province_committee, program="B", province_id=areas.province,
                                                       jalali_year=YEAR, amounts={"government": 2999}))
    assert "۳٬۰۰۰ ریال" in err.message  # says the least it may be
    set_budget(session, province_committee, program="B", province_id=areas.province, jalali_year=YEAR,
               amounts={"government": 3000, "relief_committee": 2400})
    assert credit(session, areas.province, "B") == {"relief_committee": 2400, "government": 3000}


def test_programme_a_sources_are_one_pool_that_never_drops_below_use(session, counts, province_committee, areas):
    set_budget(session, province_committee, program="A", province_id=areas.province, jalali_year=YEAR,
               amounts={"program_30435": 6000, "public_participation": 4000})
    make_run(session, program="A", province_id=areas.province, county_id=areas.county, amounts=[5000, 2000])
    # moving credit between sources is fine while the pool still covers the 7000 used
    set_budget(session, province_committee, program="A", province_id=areas.province, jalali_year=YEAR,
               amounts={"program_30435": 1000, "public_participation": 6000})
    refused(session, counts, lambda: set_budget(session, province_committee, program="A", province_id=areas.province,
                                                 jalali_year=YEAR, amounts={"public_participation": 5999}))
    table = budget_table(session, province_committee, program="A", province_id=areas.province, jalali_year=YEAR)
    assert table.set_index("source").loc["public_participation", "minimum_rial"] == 6000


def test_cancelled_runs_and_reversals_do_not_count_as_used(session, province_committee, areas):
    _, lines = make_run(session, program="A", province_id=areas.province, county_id=areas.county, amounts=[5000])
    make_run(session, program="A", province_id=areas.province, county_id=areas.county, amounts=[9000], status="cancelled")
    make_run(session, program="A", province_id=areas.province, county_id=areas.county, amounts=[9000], status="approved")
    assert budget_position(session, program="A", province_id=areas.province, jalali_year=YEAR).used_rial == 5000
    from tests.services.paid_runs import Person

    person = Person(lines[0].applicant_id, lines[0].application_id, "")
    make_run(session, program="A", province_id=areas.province, county_id=areas.county, amounts=[2000],
             line_kind="reversal", people=[person])
    assert budget_position(session, program="A", province_id=areas.province, jalali_year=YEAR).used_rial == 3000
    set_budget(session, province_committee, program="A", province_id=areas.province, jalali_year=YEAR, amounts={"other": 3000})


def test_other_provinces_and_years_do_not_count(session, province_committee, areas):
    make_run(session, program="A", province_id=areas.other_province, county_id=areas.other_county, amounts=[5000])
    make_run(session, program="A", province_id=areas.province, county_id=areas.county, amounts=[5000], year=YEAR - 1)
    set_budget(session, province_committee, program="A", province_id=areas.province, jalali_year=YEAR, amounts={"other": 0})


# --------------------------------------------------------------------------- Excel import
def sheet(*rows, headers=IMPORT_HEADERS) -> bytes:
    return workbook_bytes([Sheet("اعتبار", headers, rows)])


def test_the_template_reads_back_as_a_valid_import(session, admin, areas):
    report = import_budgets(session, admin, budget_template())
    assert report.ok and report.written
    assert credit(session, areas.province)["program_30435"] == 50_000_000_000
    assert credit(session, areas.province, "B") == {"relief_committee": 8_000_000_000, "government": 10_000_000_000}


def test_an_import_with_one_bad_row_writes_nothing_and_names_each_row(session, counts, province_committee):
    before = counts()
    report = import_budgets(session, province_committee, sheet(
        ["الف", "تهران", "۱۴۰۴", "منابع مشارکت‌های مردمی", "۱۰۰۰"],
        ["ب", "تهران", 1404, "برنامه ۳۰۴۳۵ (اشتغال و کارآفرینی)", 5],
        ["ج", "تهرون", 1404, "سهم دولت", "پنج"],
    ))
    assert not report.written and counts() == before
    by_row = {(p.row, p.column) for p in report.problems}
    assert (3, "منبع اعتبار") in by_row  # 30435 is not a programme-B source
    assert {(4, "برنامه"), (4, "استان"), (4, "مبلغ (ریال)")} <= by_row
    assert 2 not in {p.row for p in report.problems}
    assert list(report.problems_frame().columns) == ["ردیف", "ستون", "مشکل"]


def test_a_committee_imports_only_its_own_province(session, province_committee):
    report = import_budgets(session, province_committee, sheet(["الف", "اصفهان", 1404, "other", 1]))
    assert [p.column for p in report.problems] == ["استان"]


def test_duplicate_rows_are_a_problem(session, admin):
    report = import_budgets(session, admin, sheet(["الف", "تهران", 1404, "other", 1], ["A", "تهران", 1404, "other", 2]))
    assert [p.row for p in report.problems] == [3] and "ردیف ۲" in report.problems[0].message


def test_a_dry_run_reports_the_changes_and_writes_nothing(session, counts, admin, areas):
    before = counts()
    report = import_budgets(session, admin, sheet(["الف", "تهران", 1404, "other", "۱۲۳"]), dry_run=True)
    assert report.ok and not report.written and counts() == before
    assert report.changes == [{"program": "A", "province_id": areas.province, "jalali_year": 1404,
                               "source": "other", "before": None, "after": 123}]


def test_an_import_below_use_is_refused_for_its_row(session, counts, admin, areas):
    make_run(session, program="A", province_id=areas.province, county_id=areas.county, amounts=[5000])
    before = counts()
    report = import_budgets(session, admin, sheet(["الف", "اصفهان", 1404, "other", 1], ["الف", "تهران", 1404, "other", 4999]))
    assert [p.row for p in report.problems] == [3] and not report.written and counts() == before


@pytest.mark.parametrize("content", [b"", b"not an excel file", None])
def test_unreadable_files_are_refused_in_persian(session, admin, content):
    content = sheet(["الف"], headers=("برنامه",)) if content is None else content
    with pytest.raises(InvalidInput) as err:
        import_budgets(session, admin, content)
    assert err.value.field == "file"


def test_a_manager_may_not_import(session, province_manager):
    with pytest.raises(Forbidden):
        import_budgets(session, province_manager, budget_template())


# --------------------------------------------------------------------------- concurrency (PostgreSQL)
@pytest.mark.postgres
def test_two_committee_users_entering_the_same_new_budget_at_once_leave_one_row(engine, request):
    if engine.dialect.name != "postgresql":
        pytest.skip("row locks and unique races are PostgreSQL's")
    session = request.getfixturevalue("session")
    areas = request.getfixturevalue("areas")
    make_actor = request.getfixturevalue("make_actor")
    users = [make_actor(Role.province_committee, province_id=areas.province) for _ in range(2)]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def enter(actor, amount):
        with new_session(engine) as s:
            barrier.wait()
            try:
                set_budget(s, actor, program="A", province_id=areas.province, jalali_year=YEAR, amounts={"other": amount})
                outcomes.append("ok")
            except InvalidInput as exc:
                outcomes.append(exc.message)

    threads = [threading.Thread(target=enter, args=(u, 100 * (i + 1))) for i, u in enumerate(users)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    rows = session.exec(select(Budget).where(Budget.source == "other")).all()
    assert len(rows) == 1
    audits = session.exec(select(AuditLog).where(AuditLog.action == "budget.set")).all()
    assert len(audits) == outcomes.count("ok") >= 1
    assert audits[-1].after["amounts"]["other"] == rows[0].amount_rial


# --------------------------------------------------------------------------- the floor, as an invariant
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(relief=st.integers(0, 10_000), government=st.integers(0, 10_000))
@example(relief=2400, government=3000)  # exactly the use: allowed
@example(relief=2399, government=3000)  # one rial short: refused
def test_programme_b_credit_is_accepted_exactly_when_each_source_covers_its_use(session, province_committee, areas, relief, government):
    if not budget_position(session, program="B", province_id=areas.province, jalali_year=YEAR).used_rial:
        make_run(session, program="B", province_id=areas.province, county_id=areas.county, amounts=[1800, 3600])
    fits = relief >= 2400 and government >= 3000  # 8/18 and 10/18 of the 5400 finalised
    try:
        position = set_budget(session, province_committee, program="B", province_id=areas.province, jalali_year=YEAR,
                              amounts={"relief_committee": relief, "government": government})
    except InvalidInput:
        session.rollback()
        assert not fits
    else:
        assert fits and all(s.left_rial >= 0 for s in position.sources)


@pytest.mark.postgres
def test_lowering_a_budget_while_a_run_is_finalised_never_leaves_the_credit_below_use(engine, request):
    """Two users at once: one finalises an approved run that needs the government's credit, the other
    lowers that credit below what the run needs. Both lock the province's budget rows, so either the
    run is refused or the lowering is — never both through (five rounds)."""
    if engine.dialect.name != "postgresql":
        pytest.skip("row locks are PostgreSQL's")
    from services.payments import approve_run, create_run, finalize_run, prepare_run
    from tests.services.paid_runs import make_person

    session, areas = request.getfixturevalue("session"), request.getfixturevalue("areas")
    committee, manager = request.getfixturevalue("province_committee"), request.getfixturevalue("province_manager")
    for _ in range(3):
        make_person(session, program="B", province_id=areas.province, county_id=areas.county)
    session.commit()
    outcomes = []
    for month in range(1, 6):
        set_budget(session, committee, program="B", province_id=areas.province, jalali_year=YEAR,
                   amounts={"relief_committee": 10**12, "government": 10**12})
        preview = prepare_run(session, committee, program="B", province_id=areas.province, start=(YEAR, month), months=1)
        run = create_run(session, committee, preview, budget_rial=preview.total_cost_rial, strategy="full")
        approve_run(session, manager, run.id)
        used = budget_position(session, program="B", province_id=areas.province, jalali_year=YEAR).government_used_rial
        barrier, result = threading.Barrier(2), {}

        def finalise():
            with new_session(engine) as s:
                barrier.wait()
                try:
                    finalize_run(s, committee, run.id)
                    result["finalised"] = True
                except InvalidInput:
                    result["finalised"] = False

        def lower():
            with new_session(engine) as s:
                barrier.wait()
                try:  # enough for what was finalised before, not for this run too
                    set_budget(s, committee, program="B", province_id=areas.province, jalali_year=YEAR,
                               amounts={"government": used + 1})
                    result["lowered"] = True
                except InvalidInput:
                    result["lowered"] = False

        threads = [threading.Thread(target=finalise), threading.Thread(target=lower)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        outcomes.append((result["finalised"], result["lowered"]))
        session.expire_all()
        position = budget_position(session, program="B", province_id=areas.province, jalali_year=YEAR)
        assert all(s.left_rial >= 0 for s in position.sources), (month, result)
    assert all(finalised != lowered for finalised, lowered in outcomes), outcomes
