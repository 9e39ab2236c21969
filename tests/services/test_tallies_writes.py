"""Every kind of write the monitoring figures depend on keeps the tallies equal to a fresh count.

Through the services, as users make them: a case submitted, found eligible, introduced, refused by
SSO, activated; a payment run drafted, approved, finalised; SSO's answer; a reversal and a top-up
finalised; a draft cancelled; a case suspended, resumed and completed. After each, the tallies
(migration 0017) equal the count of the rows (tests/db/test_tallies.py's oracle) — and the
monitoring screen and the home page read them. SQLite and PostgreSQL.
"""
from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from db.models import PaymentLine
from lib.jalali import YearMonth
from lib.workflow import State
from services import applications as apps
from services import lifecycle as lc
from services.branches import add_branch
from services.dashboard import area_summary
from services.introductions import introduce, mark_active, record_sso_refusal
from services.monitoring import monitoring
from services.payments import (
    approve_run, cancel_run, create_adjustment_run, create_run, finalize_run, prepare_run,
)
from services.payments.reconcile import reconcile_run
from services.quotas import set_quota
from tests.db.test_tallies import recount, tallies
from tests.services.payment_helpers import beneficiary, credit
from tests.services.test_reconcile import answer

ON = date(2024, 7, 1)  # 1403/04/11


@pytest.fixture
def same(session):
    """Assert the tallies equal a fresh count (after the service's own commit)."""

    def check(what: str) -> None:
        session.expire_all()
        assert tallies(session) == recount(session), what

    return check


def _run(session, committee, areas, *, start, months=1):
    preview = prepare_run(session, committee, program="A", province_id=areas.province, county_id=None,
                          start=YearMonth(*start), months=months)
    return create_run(session, committee, preview, budget_rial=10**11, strategy="full")


def test_payment_runs_sso_answers_and_corrections(session, areas, province_committee, province_manager,
                                                  national_manager, same):
    credit(session, areas.province)
    beneficiary(session, areas.province, areas.county, start=(1403, 1), months=24)
    beneficiary(session, areas.province, areas.sibling_county, start=(1403, 4), months=12, share=60)
    same("cases written")

    run = _run(session, province_committee, areas, start=(1403, 5), months=2)
    same("draft")
    approve_run(session, province_manager, run.id)
    same("approved")
    finalize_run(session, province_committee, run.id)
    same("finalised")
    paid = session.exec(select(PaymentLine).where(PaymentLine.run_id == run.id, PaymentLine.live)).all()
    assert len(paid) == 4

    report = reconcile_run(session, province_committee, run.id, answer(
        session, province_committee, run.id, {0: (None, "تأیید", None), 1: (0, "رد", "شماره بیمه")}))
    assert report.written and (report.confirmed, report.rejected) == (1, 1)
    same("SSO answered")

    line_ids = sorted(line.id for line in paid)
    for kind, ids, amounts in (("reversal", line_ids[:2], None), ("topup", line_ids[2:3], None)):
        correction = create_adjustment_run(session, province_committee, run.id, ids, kind=kind, reason="اصلاح آزمون",
                                           amounts=amounts)
        same(f"{kind} drafted")
        approve_run(session, province_manager, correction.id)
        finalize_run(session, province_committee, correction.id)
        same(f"{kind} finalised")

    dropped = _run(session, province_committee, areas, start=(1403, 8))
    cancel_run(session, province_committee, dropped.id, "بودجه این ماه جابه‌جا شد")
    same("draft cancelled")

    figures = monitoring(session, national_manager, jalali_year=1403, today=ON).areas
    tehran = figures[figures["area_id"] == areas.province].iloc[0]
    net = sum(line.amount_rial * (-1 if line.line_kind == "reversal" else 1)
              for line in session.exec(select(PaymentLine).where(PaymentLine.live, PaymentLine.jalali_year == 1403)))
    assert tehran["paid_rial"] == net > 0
    home = {u.program: u for u in area_summary(session, province_manager, today=ON).use}["A"]
    assert home.paid_rial == net


def test_cases_through_the_workflow_and_the_lifecycle(session, areas, secretary, admin, intake, province_committee,
                                                      province_manager, same):
    set_quota(session, province_committee, areas.county, 1403, 2)
    branch = add_branch(session, admin, areas.county, "شعبه ۲۴ تهران", "24").id
    cases = [apps.submit_application(session, secretary, intake("B")) for _ in range(2)]
    same("submitted")
    for case in cases:
        apps.change_state(session, secretary, case.id, State.county_decision)
    same("found eligible (waiting)")
    for case in cases:
        introduce(session, secretary, case.id, branch, ON)
    same("introduced")
    record_sso_refusal(session, secretary, cases[1].id, "سابقه بیمه در صندوق دیگر")
    same("refused by SSO: the seat returns")
    mark_active(session, secretary, cases[0].id, YearMonth(1403, 5))
    same("activated")
    home = {u.program: u for u in area_summary(session, secretary, today=ON).use}["B"]
    assert (home.quota_slots, home.quota_used) == (2, 1)

    case = beneficiary(session, areas.province, areas.county, start=(1403, 1), months=24)
    lc.suspend_case(session, province_committee, case.id, "گزارش توقف کار متقاضی")
    same("suspended")
    lc.resume_case(session, province_committee, case.id, "کار دوباره راه افتاد")
    same("resumed")
    lc.complete_case(session, province_committee, case.id, "پایان دوره")
    same("completed")
    summary = area_summary(session, province_manager, today=ON)
    assert summary.cases_by_state[("A", State.completed.value)] == 1
    assert summary.cases_by_state[("B", State.active.value)] == 1
