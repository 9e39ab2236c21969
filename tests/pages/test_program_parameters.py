"""The programme parameters page: a new version typed in Persian digits is saved with its reason and
listed; shares that do not add up to the rate are refused in Persian and nothing is saved; the change
reads in Persian in the audit log."""
from __future__ import annotations

from sqlmodel import select

from db.engine import new_session
from db.models import AuditLog
from db.models.reference import ProgramParameterVersion
from lib.audit_labels import action_label, changes
from tests.pages.conftest import app_as

PAGE = "pages/program_parameters.py"


def test_a_new_version_of_programme_b_shares(app_db, users):
    at = app_as(users["admin"]).run()
    at.switch_page(PAGE).run()
    assert not at.exception
    at.selectbox(key="parameters_program").select("B").run()
    first = at.dataframe[0].value.iloc[0]
    assert (first["نسخه"], first["نرخ حق بیمه"], first["سهم دستگاه"], first["سهم دولت"]) == ("۰", "۱۸٪", "۸٪", "۱۰٪")

    at.text_input(key="parameters_agency_B").input("۹۰۰").run()
    at.text_area(key="parameters_note_B").input("مصوبه هیئت وزیران").run()
    at.button(key="parameters_save").click().run()
    assert not at.exception
    assert any("برابر نرخ حق بیمه" in e.value for e in at.error)  # 900 + 1000 ≠ 1800
    with new_session(app_db) as session:
        assert session.exec(select(ProgramParameterVersion)).all() == []

    at.text_input(key="parameters_government_B").input("۹۰۰").run()
    at.button(key="parameters_save").click().run()
    assert not at.exception
    assert any("نسخه ۱" in s.value for s in at.success)
    newest = at.dataframe[0].value.iloc[0]
    assert (newest["نسخه"], newest["سهم دستگاه"], newest["سهم دولت"], newest["دلیل یا مصوبه"]) == (
        "۱", "۹٪", "۹٪", "مصوبه هیئت وزیران")
    with new_session(app_db) as session:
        record = session.exec(select(AuditLog).where(AuditLog.action == "program_parameters.set")).one()
    assert action_label(record.action).startswith("نسخه تازه پارامترهای برنامه")
    assert ("سهم دستگاه", "۸٪", "۹٪") in changes(record.before, record.after)


def test_programme_a_needs_its_cap(app_db, users):
    at = app_as(users["admin"]).run()
    at.switch_page(PAGE).run()
    at.selectbox(key="parameters_program").select("A").run()
    at.text_input(key="parameters_cap_A").input("").run()
    at.text_area(key="parameters_note_A").input("آزمون").run()
    at.button(key="parameters_save").click().run()
    assert not at.exception
    assert any("سقف ماه‌های حمایت" in e.value for e in at.error)
    with new_session(app_db) as session:
        assert session.exec(select(ProgramParameterVersion)).all() == []
