"""Reconciliation: SSO's answer (the exported list with its three columns filled) marks lines confirmed
or rejected; a wrong file is refused row by row, all or nothing; a dry run writes nothing."""
from __future__ import annotations

import io
import threading

import pytest
from openpyxl import load_workbook
from sqlmodel import select

from db.engine import new_session
from db.models import AuditLog, PaymentDraftLine, PaymentLine, PaymentRun
from lib.errors import InvalidInput
from services.payments.exports import (
    LIST_HEADERS,
    REASON_COLUMN,
    RECEIVED_COLUMN,
    VERDICT_COLUMN,
    payment_list,
)
from services.payments.reconcile import follow_up_rejected, reconcile_run, rejected_lines
from tests.services.paid_runs import make_run


def answer(session, actor, run_id, verdicts: dict[int, tuple], *, drop: set[int] = frozenset(), edit=None) -> bytes:
    """The run's list with SSO's columns filled: row index (0-based) → (received, verdict, reason)."""
    book = load_workbook(io.BytesIO(payment_list(session, actor, run_id).content))
    sheet = book.worksheets[0]
    col = {h: LIST_HEADERS.index(h) + 1 for h in LIST_HEADERS}
    for index, (received, verdict, reason) in verdicts.items():
        row = index + 2
        sheet.cell(row, col[RECEIVED_COLUMN], received)
        sheet.cell(row, col[VERDICT_COLUMN], verdict)
        sheet.cell(row, col[REASON_COLUMN], reason)
    if edit:
        edit(sheet, col)
    for index in sorted(drop, reverse=True):
        sheet.delete_rows(index + 2)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def statuses(session, run_id):
    session.expire_all()
    return [(l.sso_status, l.sso_reason) for l in session.exec(select(PaymentLine).where(PaymentLine.run_id == run_id).order_by(PaymentLine.id))]


@pytest.fixture
def run3(session, areas):
    run, lines = make_run(session, program="A", province_id=areas.province, county_id=areas.county, amounts=[1000, 2000, 3000])
    return run, lines


def test_confirmed_and_rejected_lines_are_marked_with_the_reason(session, province_committee, run3):
    run, _ = run3
    content = answer(session, province_committee, run.id, {0: (1000, "تأیید", None), 1: ("۲۰۰۰", "رد", "شماره بیمه نامعتبر"),
                                                           2: (None, "تایید", None)})
    report = reconcile_run(session, province_committee, run.id, content)
    assert report.ok and report.written and (report.confirmed, report.rejected, report.pending) == (2, 1, 0)
    assert statuses(session, run.id) == [("confirmed", None), ("rejected", "شماره بیمه نامعتبر"), ("confirmed", None)]
    record = session.exec(select(AuditLog).where(AuditLog.action == "payment_run.reconcile")).one()
    assert record.after["confirmed"] == 2 and len(record.after["file_sha256"]) == 64


def test_a_dry_run_reports_and_writes_nothing(session, counts, province_committee, run3):
    run, _ = run3
    before = counts()
    report = reconcile_run(session, province_committee, run.id, answer(session, province_committee, run.id, {0: (1000, "تأیید", None)}), dry_run=True)
    assert report.ok and not report.written and (report.confirmed, report.pending) == (1, 2)
    assert counts() == before and statuses(session, run.id) == [("pending", None)] * 3
    assert "بررسی آزمایشی" in report.summary()


def test_an_amount_above_what_was_paid_refuses_the_whole_file(session, province_committee, run3):
    run, _ = run3
    content = answer(session, province_committee, run.id, {0: (1000, "تأیید", None), 1: (2001, "تأیید", None)})
    report = reconcile_run(session, province_committee, run.id, content)
    assert not report.written and [(p.row, p.column) for p in report.problems] == [(3, RECEIVED_COLUMN)]
    assert "بیش از مبلغ پرداخت‌شده" in report.problems[0].message
    assert statuses(session, run.id) == [("pending", None)] * 3  # the good row was not written either


def test_lines_of_another_run_and_unknown_lines_are_refused(session, province_committee, run3, areas):
    run, _ = run3
    other, other_lines = make_run(session, program="A", province_id=areas.province, county_id=areas.county, amounts=[500], month=2)

    def tamper(sheet, col):
        sheet.cell(2, col["شماره نوبت"], other.id)
        sheet.cell(3, col["شناسه ردیف"], other_lines[0].id)  # a line of another run, under this run's number
        sheet.cell(4, col["شناسه ردیف"], 999_999)

    content = answer(session, province_committee, run.id, {i: (None, "تأیید", None) for i in range(3)}, edit=tamper)
    report = reconcile_run(session, province_committee, run.id, content)
    assert [(p.row, p.column) for p in report.problems] == [(2, "شماره نوبت"), (3, "شناسه ردیف"), (4, "شناسه ردیف")]
    assert "نوبت دیگری" in report.problems[0].message or "نه نوبت" in report.problems[0].message
    assert not report.written and report.problems_frame().shape == (3, 3)


def test_other_row_problems_are_reported_in_persian(session, province_committee, run3):
    run, _ = run3

    def tamper(sheet, col):
        sheet.cell(4, col["کد ملی"], "0000000000")

    content = answer(session, province_committee, run.id,
                     {0: (None, "شاید", None), 1: (1500, "تأیید", None), 2: (None, "رد", None)}, edit=tamper)
    report = reconcile_run(session, province_committee, run.id, content)
    by_row = {(p.row, p.column) for p in report.problems}
    assert (2, VERDICT_COLUMN) in by_row and (3, RECEIVED_COLUMN) in by_row
    assert {(4, "کد ملی"), (4, REASON_COLUMN)} <= by_row


def test_lines_left_out_stay_pending_and_a_second_file_answers_them(session, province_committee, run3):
    run, _ = run3
    first = reconcile_run(session, province_committee, run.id, answer(session, province_committee, run.id, {0: (None, "تأیید", None)}, drop={1, 2}))
    assert first.pending == 2
    second = reconcile_run(session, province_committee, run.id, answer(session, province_committee, run.id, {i: (None, "تأیید", None) for i in range(3)}))
    assert (second.confirmed, second.unchanged, second.pending) == (2, 1, 0)


def test_an_answer_once_given_does_not_flip(session, province_committee, run3):
    run, _ = run3
    reconcile_run(session, province_committee, run.id, answer(session, province_committee, run.id, {0: (None, "تأیید", None)}))
    report = reconcile_run(session, province_committee, run.id, answer(session, province_committee, run.id, {0: (0, "رد", "x")}))
    assert [p.column for p in report.problems] == [VERDICT_COLUMN]
    assert statuses(session, run.id)[0] == ("confirmed", None)


def test_only_finalised_runs_are_reconciled(session, province_committee, areas):
    run, _ = make_run(session, program="A", province_id=areas.province, county_id=areas.county, amounts=[100], status="approved")
    content = answer(session, province_committee, run.id, {0: (None, "تأیید", None)})
    with pytest.raises(InvalidInput) as err:
        reconcile_run(session, province_committee, run.id, content)
    assert "قطعی" in err.value.message


@pytest.mark.parametrize("content", [b"", b"junk"])
def test_unreadable_files_are_refused(session, province_committee, run3, content):
    with pytest.raises(InvalidInput) as err:
        reconcile_run(session, province_committee, run3[0].id, content)
    assert err.value.field == "file"


def test_rejected_lines_go_into_a_reversal_run(session, province_committee, run3):
    run, lines = run3
    reconcile_run(session, province_committee, run.id, answer(session, province_committee, run.id, {1: (0, "رد", "فوت بیمه‌شده")}))
    assert list(rejected_lines(session, province_committee, run.id)["line_id"]) == [lines[1].id]
    follow_up = follow_up_rejected(session, province_committee, run.id, "برگشت ردیف‌های ردشده تأمین اجتماعی")
    assert follow_up.status == "draft" and follow_up.kind == "adjustment" and follow_up.corrects_run_id == run.id
    new_lines = session.exec(select(PaymentDraftLine).where(PaymentDraftLine.run_id == follow_up.id)).all()  # staged
    assert [(l.corrects_line_id, l.line_kind, l.amount_rial) for l in new_lines] == [(lines[1].id, "reversal", 2000)]
    with pytest.raises(InvalidInput):  # the same rejected line is not reversed twice
        follow_up_rejected(session, province_committee, run.id, "دوباره")


@pytest.mark.postgres
def test_two_imports_of_the_same_run_at_once_are_serialised(engine, request):
    if engine.dialect.name != "postgresql":
        pytest.skip("row locks are PostgreSQL's")
    session, actor = request.getfixturevalue("session"), request.getfixturevalue("province_committee")
    areas = request.getfixturevalue("areas")
    run, _ = make_run(session, program="A", province_id=areas.province, county_id=areas.county, amounts=[100])
    files = [answer(session, actor, run.id, {0: (None, "تأیید", None)}), answer(session, actor, run.id, {0: (0, "رد", "x")})]
    barrier, reports = threading.Barrier(2), []

    def load(content):
        with new_session(engine) as s:
            barrier.wait()
            reports.append(reconcile_run(s, actor, run.id, content))

    threads = [threading.Thread(target=load, args=(f,)) for f in files]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(r.written for r in reports) == [False, True]  # the later one sees the first answer
    assert len(session.exec(select(PaymentRun)).all()) == 1
