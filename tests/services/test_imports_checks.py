"""The import writes on SQLite with the CHECK constraints of its tables tested once over the new
rows (``db.bulk.sqlite_checks_deferred``) rather than row by row: a row that breaks one still
fails the whole import with nothing written, and the checks are on again afterwards."""
from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError

import services.import_write as write
from db.models import Household
from lib.errors import InvalidInput
from services import applications as apps
from services.imports import import_applications, import_template
from tests.services.test_imports_columns import VALID

BREAKS = {  # table → (column, a value its CHECK refuses)
    "household": ("dependants", -1),
    "notification": ("status", "گم‌شده"),
    "application": ("months_granted", -1),
}


@pytest.mark.parametrize("table", sorted(BREAKS))
def test_a_row_breaking_a_check_of_the_database_imports_nothing(session, county_expert, new_national_code, counts,
                                                                 monkeypatch, table):
    """The file's checks pass, but the last row reaches the database breaking a CHECK (as a
    change of the rules between check and write would): the import is refused whole."""
    column, bad = BREAKS[table]
    real = write._insert

    def spoiled(session_, model, rows):
        if model.__table__.name == table:
            rows = [{**r, column: r.get(column)} for r in rows[:-1]] + [{**rows[-1], column: bad}]
        return real(session_, model, rows)

    monkeypatch.setattr(write, "_insert", spoiled)
    content = import_template(rows=[{**VALID, "national_code": new_national_code()} for _ in range(3)])
    before = counts()
    with pytest.raises(InvalidInput) as err:
        import_applications(session, county_expert, content)
    assert "هیچ ردیفی وارد نشد" in err.value.message
    assert counts() == before
    monkeypatch.undo()  # the checks are on again, row by row: a bad household is refused by itself
    case = import_applications(session, county_expert, import_template(rows=[{**VALID, "national_code": new_national_code()}]))
    with pytest.raises(IntegrityError, match="household_counts"):
        household = session.get(Household, case.imported[0].application_id)
        household.dependants = -1
        session.flush()
    session.rollback()


def test_tracking_codes_taken_on_file_or_twice_in_the_file_are_drawn_again(session, county_expert, intake,
                                                                          new_national_code, monkeypatch):
    """Each imported case gets a tracking code no other case has: a drawn code that a case on
    file holds, or that an earlier row of the file drew, is drawn again."""
    taken = apps.submit_application(session, county_expert, intake("A")).tracking_code
    draws = iter([taken, "A031111111", "A031111111", "A032222222", "A033333333"])
    monkeypatch.setattr(write, "tracking_code_candidate", lambda program, on: next(draws))
    content = import_template(rows=[{**VALID, "national_code": new_national_code()} for _ in range(3)])
    result = import_applications(session, county_expert, content)
    assert sorted(case.tracking_code for case in result.imported) == ["A031111111", "A032222222", "A033333333"]
