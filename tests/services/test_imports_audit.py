"""The import's per-case audit records, written in bulk (issue 11), are what the audit log holds
for any write: chained, in the case's area and about the case, with snapshots as
:func:`services.base.snapshot` gives them."""
from __future__ import annotations

from datetime import datetime

from sqlmodel import select

from db.audit_chain import iter_chain
from db.models import Applicant, Application, AuditLog
from lib.audit_chain import case_of, first_break, province_of
from services.base import snapshot
from services.imports import import_applications, import_template, validate_import
from tests.services.test_imports_columns import B, VALID

_TIMES = ("created_at", "updated_at")


def _same_snapshot(written: dict, row) -> None:
    expected = snapshot(row)
    assert set(written) <= set(expected)
    for key, value in written.items():
        if key in _TIMES:  # one instant (PostgreSQL may give it back in another zone)
            assert datetime.fromisoformat(value) == datetime.fromisoformat(expected[key]), key
        else:
            assert value == expected[key], key


def test_imported_cases_are_audited_in_their_area_chained_with_the_rows_as_written(
        session, county_expert, areas, new_national_code):
    rows = [{**VALID, "national_code": new_national_code(), "birth_date": "1370/01/15", "licence_date": "1402/11/30",
             "licence_no": "۱۲۳۴"},
            {**VALID, **B, "national_code": new_national_code()}]
    content = import_template(rows=rows)
    assert validate_import(session, county_expert, content).is_clean
    result = import_applications(session, county_expert, content)

    records = session.exec(select(AuditLog).where(AuditLog.action == "application.import").order_by(AuditLog.id)).all()
    assert [r.application_id for r in records] == [c.application_id for c in result.imported]
    for record in records:
        assert record.province_id == province_of(record.before, record.after) == areas.province
        assert record.application_id == case_of(record.entity, record.entity_id, record.before, record.after)
        case = session.get(Application, record.application_id)
        _same_snapshot(record.after["application"], case)
        _same_snapshot(record.after["applicant"], session.get(Applicant, case.applicant_id))
    assert records[0].after["application"]["licence_date"] and records[0].after["applicant"]["birth_date"]
    assert first_break(iter_chain(session.connection())).broken is None


def test_a_person_on_file_is_audited_with_her_details_before_and_the_chain_holds(
        session, county_expert, areas, new_national_code):
    """Her earlier details are the record's *before* (stored as the chain hashes it on SQLite):
    read back as written, and ``verify-audit``'s walk finds no break."""
    code = new_national_code()
    first = import_applications(session, county_expert, import_template(rows=[{**VALID, "national_code": code, **B}]))
    later = import_applications(session, county_expert, import_template(rows=[{**VALID, "national_code": code}]))
    record = session.exec(select(AuditLog).where(AuditLog.application_id == later.imported[0].application_id)).one()
    person = session.get(Application, first.imported[0].application_id).applicant_id
    assert record.before["applicant"]["id"] == record.after["applicant"]["id"] == person
    assert record.before["applicant"]["national_code"] == code
    assert first_break(iter_chain(session.connection())).broken is None
