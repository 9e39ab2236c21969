"""Payment lines carry their case's county (migration 0008, every way a line is written), and SSO's
insurance number: recorded from its reconciliation file, checked, never overwritten silently,
exported in the payment list and shown in the ledger. SQLite and PostgreSQL (the ``session`` fixture)."""
from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import inspect, text
from sqlmodel import select

from db import migrate
from db.bulk import insert_rows
from db.engine import make_engine, new_session
from db.models import Applicant, Application, AuditLog, PaymentLine, PaymentRun, utcnow
from db.seed import load_reference_data
from lib.errors import InvalidInput
from lib.jalali import YearMonth
from services.payments import approve_run, create_run, finalize_run, prepare_run
from services.payments.adjustments import create_adjustment_run
from services.payments.exports import INSURANCE_COLUMN, LIST_HEADERS, payment_list
from services.payments.ledger import beneficiary_ledger
from services.payments.reconcile import insurance_number, reconcile_run
from tests.services.paid_runs import make_person, make_run
from tests.services.payment_helpers import beneficiary, credit
from tests.services.test_reconcile import answer


def _counties(session, run_id):
    session.expire_all()
    return session.exec(
        text("SELECT l.county_id, a.county_id FROM (SELECT id, run_id, application_id, county_id FROM paymentline "
             "UNION ALL SELECT id, run_id, application_id, county_id FROM paymentdraftline) l "  # paid or staged
             "JOIN application a ON a.id = l.application_id WHERE l.run_id = :r ORDER BY l.id").bindparams(r=run_id)
    ).all()


# --------------------------------------------------------------------------- county on lines
def test_a_prepared_run_its_adjustment_and_single_lines_carry_each_case_county(
        session, areas, province_committee, province_manager):
    credit(session, areas.province)
    beneficiary(session, areas.province, areas.county)
    beneficiary(session, areas.province, areas.sibling_county)
    preview = prepare_run(session, province_committee, program="A", province_id=areas.province,
                          start=YearMonth(1403, 7), months=2)
    run = create_run(session, province_committee, preview, budget_rial=10**9, strategy="full")
    rows = _counties(session, run.id)
    assert len(rows) == 4 and all(line == case for line, case in rows)
    assert {line for line, _ in rows} == {areas.county, areas.sibling_county}
    approve_run(session, province_manager, run.id)
    finalize_run(session, province_committee, run.id)
    line_ids = [i for (i,) in session.exec(text(f"SELECT id FROM paymentline WHERE run_id = {run.id}")).all()]
    reversal = create_adjustment_run(session, province_committee, run.id, line_ids[:2], kind="reversal",
                                     reason="مبلغ اشتباه پرداخت شد")
    rows = _counties(session, reversal.id)
    assert len(rows) == 2 and all(line == case for line, case in rows)
    # a line added on its own (ORM) takes its application's county when none is given
    single, lines = make_run(session, program="A", province_id=areas.province, county_id=areas.sibling_county,
                             amounts=[1000])
    assert lines[0].county_id == areas.sibling_county


def test_bulk_writers_must_give_the_county(session, areas):
    with pytest.raises(ValueError, match="county_id"):
        insert_rows(session.connection(), PaymentLine, ("run_id", "application_id", "applicant_id"), [(1, 1, 1)])


def test_migration_0008_backfills_the_county_and_keeps_lines_read_only(tmp_path):
    """SQLite rebuilds the table to make the column NOT NULL: the lines keep their county and the
    triggers and the paid-once index survive."""
    from alembic import command

    eng = make_engine(f"sqlite:///{tmp_path / 'm.db'}")
    cfg = migrate.alembic_config(eng)
    with eng.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0007")
    with eng.begin() as conn:  # today's models write county.active (0021): lend the column for the load
        conn.execute(text("ALTER TABLE county ADD COLUMN active BOOLEAN NOT NULL DEFAULT 1"))
    with new_session(eng) as session:  # provinces, counties, programmes: unchanged by 0008
        load_reference_data(session)
    with eng.begin() as conn:
        conn.execute(text("ALTER TABLE county DROP COLUMN active"))
    now = utcnow()
    with eng.begin() as conn:
        county, province = conn.execute(text("SELECT id, province_id FROM county ORDER BY id LIMIT 1")).one()
        program = conn.execute(text("SELECT id FROM program WHERE code = 'A'")).scalar()
        conn.execute(text(
            "INSERT INTO applicant (id, national_code, first_name, last_name, father_name, birth_certificate_no, "
            "gender, mobile, landline, home_address, work_address, county_id, is_demo, created_at) VALUES "
            "(1, '0000000018', 'م', 'ا', '', '', 'female', '', '', '', '', :c, 0, '2025-01-01')"), {"c": county})
        insert_rows(conn, Application, ("id", "tracking_code", "applicant_id", "program_id", "county_id", "province_id",
                                        "channel", "state", "applied_on", "created_at", "updated_at"),
                    [(1, "T1", 1, program, county, province, "in_person", "active", date(2025, 1, 1), now, now)])
        insert_rows(conn, PaymentRun, ("id", "program_id", "province_id", "jalali_year", "start_month", "months",
                                       "strategy", "budget_rial", "status", "created_at"),
                    [(1, program, province, 1404, 1, 1, "full", 10, "finalized", now)])
        conn.execute(text(
            "INSERT INTO paymentline (id, run_id, application_id, applicant_id, program_id, jalali_year, jalali_month, "
            "days, daily_wage_rial, rate_bp, percent, full_amount_rial, amount_rial, agency_rial, government_rial) "
            "VALUES (1, 1, 1, 1, :p, 1404, 1, 31, 1, 1800, 100, 5, 5, 5, 0)"), {"p": program})
    migrate.upgrade(eng)
    migrate.check(eng)
    with eng.begin() as conn:
        assert conn.execute(text("SELECT county_id FROM paymentline")).scalar() == county
    names = {t["name"] for t in inspect(eng).get_indexes("paymentline")}
    assert "uq_paid_once_live" in names
    with pytest.raises(Exception, match="read-only"), eng.begin() as conn:
        conn.execute(text("UPDATE paymentline SET amount_rial = 4 WHERE id = 1"))
    with pytest.raises(Exception), eng.begin() as conn:  # paid once, over live lines, still
        conn.execute(text(
            "INSERT INTO paymentline (run_id, application_id, applicant_id, program_id, county_id, jalali_year, "
            "jalali_month, days, daily_wage_rial, rate_bp, percent, full_amount_rial, amount_rial, agency_rial, "
            "government_rial) VALUES (1, 1, 1, :p, :c, 1404, 1, 31, 1, 1800, 100, 5, 5, 5, 0)"),
            {"p": program, "c": county})
    eng.dispose()


# --------------------------------------------------------------------------- insurance number
@pytest.mark.parametrize("typed, stored", [("۱۲۳۴۵۶۷۸۹۰", "1234567890"), (" 0012 3456 ", "00123456"),
                                           ("٩٨٧٦٥", "98765"), ("1" * 12, "1" * 12)])
def test_an_insurance_number_is_digits_after_normalising(typed, stored):
    assert insurance_number(typed) == stored


@pytest.mark.parametrize("typed", ["", "12a45", "1" * 13, "12-45", "=1+2"])
def test_a_bad_insurance_number_is_refused_in_persian(typed):
    with pytest.raises(InvalidInput, match="شماره بیمه باید فقط رقم"):
        insurance_number(typed)


def _with_numbers(numbers: dict[int, object]):
    def edit(sheet, col):
        for index, value in numbers.items():
            sheet.cell(index + 2, col[INSURANCE_COLUMN], value)
    return edit


def _insurance(session, applicant_id):
    session.expire_all()
    return session.get(Applicant, applicant_id).sso_insurance_no


def test_sso_insurance_numbers_are_recorded_audited_exported_and_shown(session, province_committee, areas):
    run, lines = make_run(session, program="A", province_id=areas.province, county_id=areas.county, amounts=[1000, 2000])
    content = answer(session, province_committee, run.id, {0: (None, "تأیید", None)},
                     edit=_with_numbers({0: "۱۲۳۴۵۶۷۸۹۰", 1: 987654321}))
    dry = reconcile_run(session, province_committee, run.id, content, dry_run=True)
    assert dry.ok and dry.insurance_numbers == 2 and _insurance(session, lines[0].applicant_id) is None
    report = reconcile_run(session, province_committee, run.id, content)
    assert report.ok and report.written and report.insurance_numbers == 2
    assert "شماره بیمه ۲ نفر ثبت شد" in report.summary()
    assert _insurance(session, lines[0].applicant_id) == "1234567890"
    assert _insurance(session, lines[1].applicant_id) == "987654321"
    records = session.exec(select(AuditLog).where(AuditLog.action == "applicant.sso_insurance_no")
                           .order_by(AuditLog.id)).all()
    assert [(r.entity_id, r.before, r.after) for r in records] == [
        (str(lines[0].applicant_id), {"sso_insurance_no": None}, {"sso_insurance_no": "1234567890"}),
        (str(lines[1].applicant_id), {"sso_insurance_no": None}, {"sso_insurance_no": "987654321"}),
    ]
    sheet = load_workbook(io.BytesIO(payment_list(session, province_committee, run.id).content)).worksheets[0]
    exported = [dict(zip(LIST_HEADERS, row)) for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert [r[INSURANCE_COLUMN] for r in exported] == ["1234567890", "987654321"]  # text: leading zeros kept
    ledger = beneficiary_ledger(session, province_committee, lines[0].application_id)
    assert ledger.insurance_no == "1234567890"
    # the same number again is no change (and no new audit record)
    again = reconcile_run(session, province_committee, run.id, answer(
        session, province_committee, run.id, {}, edit=_with_numbers({0: "1234567890"})))
    assert again.ok and again.insurance_numbers == 0
    assert len(session.exec(select(AuditLog).where(AuditLog.action == "applicant.sso_insurance_no")).all()) == 2


def test_a_conflicting_insurance_number_is_reported_row_by_row_and_nothing_is_written(
        session, province_committee, areas, counts):
    person = make_person(session, program="A", province_id=areas.province, county_id=areas.county)
    other = make_person(session, program="A", province_id=areas.province, county_id=areas.county)
    session.get(Applicant, person.applicant_id).sso_insurance_no = "111"
    session.get(Applicant, other.applicant_id).sso_insurance_no = "555"
    session.commit()
    run, lines = make_run(session, program="A", province_id=areas.province, county_id=areas.county,
                          amounts=[1000, 2000, 3000, 4000, 5000])
    run_b, _ = make_run(session, program="A", province_id=areas.province, county_id=areas.county, amounts=[700],
                        people=[person], month=2)
    before = counts()
    # rows 3 and 4: two people with one new number; row 5: a number recorded for someone else;
    # row 6: not digits (row 2 alone would be fine, but the file is all or nothing)
    content = answer(session, province_committee, run.id, {0: (None, "تأیید", None)},
                     edit=_with_numbers({0: "444", 1: "777", 2: "777", 3: "555", 4: "12x"}))
    report = reconcile_run(session, province_committee, run.id, content)
    assert not report.written and report.ok is False
    assert [(p.row, p.column) for p in report.problems] == [(4, INSURANCE_COLUMN), (5, INSURANCE_COLUMN),
                                                             (6, INSURANCE_COLUMN)]
    assert "در ردیف ۳ فایل برای شخص دیگری آمده است" in report.problems[0].message
    assert "پیش‌تر برای شخص دیگری ثبت شده" in report.problems[1].message
    assert "فقط رقم" in report.problems[2].message
    assert counts() == before and all(_insurance(session, l.applicant_id) is None for l in lines)
    conflict = reconcile_run(session, province_committee, run_b.id, answer(
        session, province_committee, run_b.id, {0: (None, "تأیید", None)}, edit=_with_numbers({0: "222"})))
    assert [(p.row, p.column) for p in conflict.problems] == [(2, INSURANCE_COLUMN)]
    assert "۱۱۱" in conflict.problems[0].message and "عوض نمی‌شود" in conflict.problems[0].message
    assert _insurance(session, person.applicant_id) == "111"
