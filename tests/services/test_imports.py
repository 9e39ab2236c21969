"""Bulk import from Excel and the Form 1 validation it shares with the intake form."""
from __future__ import annotations

import hashlib
import io
import re
import zipfile
from datetime import date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as hst
from openpyxl import Workbook, load_workbook
from sqlmodel import select

from lib.jalali import local_today
from db.models import Applicant, Application, ApplicationEvent, AuditLog, Household, Notification
from lib import catalog
from lib.errors import Forbidden, InvalidInput
from lib.jalali import format_jalali
from lib.text import to_persian_digits
from lib.workflow import State
from services import applications as apps
from services.imports import (
    IMPORT_COLUMNS,
    applicant_on_file,
    check_intake,
    import_applications,
    import_template,
    validate_import,
)

PERSIAN = re.compile(r"[\u0600-\u06FF]")
HEADERS = {c.key: c.header for c in IMPORT_COLUMNS}
APPLIED = format_jalali(date(2024, 6, 1))  # ۱۴۰۳/۰۳/۱۲


@pytest.fixture
def row(new_national_code):
    """A valid spreadsheet row for the Tehran county (programme A); keyword overrides win."""

    def make(**overrides):
        values = {
            "program": "الف",
            "province": "تهران",
            "county": "تهران",
            "channel": catalog.CHANNELS["in_person"],
            "applied_on": APPLIED,
            "national_code": new_national_code(),
            "first_name": "مریم",
            "last_name": "احمدی",
            "gender": "زن",
            "father_name": "علی",
            "mobile": "09121234567",
            "covering_domain": "توانبخشی",
            "target_group": "معلولین",
            "job_field": "خیاطی",
            "disabled_members": 1,
            "severity": "متوسط",
            "marital_status": "متأهل",
            "dependants": 2,
            "insured_years": 3,
        }
        values.update(overrides)
        return values

    return make


def xlsx(*rows) -> bytes:
    return import_template(rows=rows)


def problems_by_cell(report) -> set[tuple[int, str]]:
    return {(p.row, p.column) for p in report.problems}


def _cases(session):
    return list(session.exec(select(Application).order_by(Application.id)).all())


# --------------------------------------------------------------------------- template
def test_template_has_persian_headers_rtl_help_and_counties(session):
    book = load_workbook(io.BytesIO(import_template(session)))
    cases, guide, places = book.worksheets
    assert [c.value for c in cases[1]] == [c.header for c in IMPORT_COLUMNS]
    assert cases.sheet_view.rightToLeft and guide.sheet_view.rightToLeft
    explained = {r[0].value: r for r in guide.iter_rows(min_row=2) if r[0].value}
    for column in IMPORT_COLUMNS:
        assert PERSIAN.search(explained[column.header][2].value)
        for allowed in column.allowed:
            assert allowed in explained[column.header][3].value
    assert places.max_row == 448 + 1
    formulas = {str(dv.sqref).split(":")[0]: dv.formula1 for dv in cases.data_validations.dataValidation}
    assert formulas["A2"] == '"الف,ب"'  # programme: a drop-down list
    county = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[[c.key for c in IMPORT_COLUMNS].index("county")]
    assert "شهرستان‌ها" in formulas[f"{county}2"]  # counties: the list on the third sheet


# --------------------------------------------------------------------------- a clean file
def test_a_clean_file_imports_every_row_with_its_records(session, county_expert, areas, row, counts):
    rows = [row(), row(program="ب", head_of_household="بله", target_group="زنان سرپرست خانوار و فرزندان تحت تکفل", disabled_members=None,
                   severity=None, marital_status=None, dependants=None, insured_years=None), row(mobile="")]
    content = xlsx(*rows)
    report = validate_import(session, county_expert, content)
    assert report.is_clean and report.clean_rows == (2, 3, 4)
    before = counts()

    result = import_applications(session, county_expert, content)

    session.expire_all()
    cases = _cases(session)
    assert [c.row for c in result.imported] == [2, 3, 4]
    assert [c.tracking_code for c in cases] == [c.tracking_code for c in result.imported]
    assert all(re.fullmatch(r"[AB]03\d{7}", c.tracking_code) for c in cases)
    assert [c.state for c in cases] == ["received"] * 3
    assert {(c.county_id, c.province_id) for c in cases} == {(areas.county, areas.province)}
    assert all(c.created_by == county_expert.id and c.applied_on == date(2024, 6, 1) for c in cases)
    assert cases[0].covering_domain == "rehabilitation" and cases[0].target_group == "disabled"
    household = session.get(Household, cases[0].id)
    assert (household.disabled_members, household.severity, household.marital_status, household.dependants,
            household.insured_years) == (1, "moderate", "married", 2, 3)

    after = counts()
    assert after["applicant"] - before["applicant"] == 3
    assert after["application"] - before["application"] == 3
    assert after["household"] - before["household"] == 3
    assert after["applicationevent"] - before["applicationevent"] == 3
    assert after["notification"] - before["notification"] == 2  # the third row has no mobile
    sms = session.exec(select(Notification).where(Notification.application_id == cases[0].id)).one()
    assert cases[0].tracking_code in sms.body and "دریافت شده" in sms.body and sms.event == "state.received"
    assert {e.to_state for e in session.exec(select(ApplicationEvent)).all()} == {"received"}

    audits = session.exec(select(AuditLog).where(AuditLog.id > 0)).all()
    per_case = [a for a in audits if a.action == "application.import"]
    assert sorted(int(a.entity_id) for a in per_case) == [c.id for c in cases]
    assert all(a.username == county_expert.username and a.after["file_sha256"] == report.sha256 for a in per_case)
    [summary] = [a for a in audits if a.action == "import.applications"]
    assert summary.after["sha256"] == hashlib.sha256(content).hexdigest()
    assert (summary.after["rows"], summary.after["imported"], summary.after["skipped"]) == (3, 3, 0)


def test_excel_numbers_and_persian_digits_are_read_as_typed(session, county_expert, row, new_national_code):
    code = new_national_code()
    while not code.startswith("0"):
        code = new_national_code()
    content = xlsx(row(national_code=int(code), mobile=9121234567, insured_years=to_persian_digits(12),
                       applied_on="1403-3-12"))
    result = import_applications(session, county_expert, content)
    case = session.get(Application, result.imported[0].application_id)
    applicant = session.get(Applicant, case.applicant_id)
    assert applicant.national_code == code  # the zero Excel dropped is restored
    assert applicant.mobile == "09121234567"
    assert session.get(Household, case.id).insured_years == 12


# --------------------------------------------------------------------------- every problem
def test_validation_reports_every_problem_by_row_and_column(session, county_expert, row, intake):
    taken = apps.submit_application(session, county_expert, intake("A"))
    taken_code = session.get(Applicant, taken.applicant_id).national_code
    duplicate = row()
    tomorrow = format_jalali(local_today() + timedelta(days=1))
    rows = [
        row(),  # 2: clean
        row(national_code="0012345678"),  # 3: bad check digit
        duplicate,  # 4: clean (first occurrence)
        dict(duplicate, first_name="زهرا"),  # 5: the same national code again
        row(national_code=taken_code),  # 6: already has an open case in programme A
        row(county="ناکجاآباد"),  # 7: unknown county
        row(province="اصفهان", county="کاشان"),  # 8: outside the user's area
        row(mobile="0912123"),  # 9: bad mobile
        row(applied_on="1403/13/01"),  # 10: bad date
        row(applied_on=tomorrow),  # 11: a date in the future
        row(disabled_members=99, dependants=-1),  # 12: out of range (two cells)
        row(first_name="", program=None),  # 13: missing required fields
        row(disabled_members=0, severity="شدید"),  # 14: severity without a disabled member
        row(channel="فکس"),  # 15: not in the list
        row(program="ب", head_of_household="بله", mobile=""),  # 16: programme B needs a mobile
    ]
    report = validate_import(session, county_expert, xlsx(*rows))
    h = HEADERS
    assert problems_by_cell(report) == {
        (3, h["national_code"]),
        (5, h["national_code"]),
        (6, h["national_code"]),
        (7, h["county"]),
        (8, h["county"]),
        (9, h["mobile"]),
        (10, h["applied_on"]),
        (11, h["applied_on"]),
        (12, h["disabled_members"]),
        (12, h["dependants"]),
        (13, h["program"]),
        (13, h["first_name"]),
        (14, h["severity"]),
        (15, h["channel"]),
        (16, h["mobile"]),
    }
    assert report.clean_rows == (2, 4)
    assert report.problem_rows == tuple(range(3, 4)) + tuple(range(5, 17))
    assert not report.is_clean
    assert all(PERSIAN.search(p.message) for p in report.problems)
    messages = {(p.row, p.column): p.message for p in report.problems}
    assert "ردیف ۴" in messages[(5, h["national_code"])]
    assert taken.tracking_code in messages[(6, h["national_code"])]
    assert "محدوده" in messages[(8, h["county"])]
    assert "۱۲" in messages[(10, h["applied_on"])]  # «month must be 1 to 12»
    assert [(p.row, p.column) for p in report.problems] == sorted(
        ((p.row, p.column) for p in report.problems), key=lambda rc: (rc[0], [c.header for c in IMPORT_COLUMNS].index(rc[1]))
    )


def test_a_person_on_file_elsewhere_is_a_problem_and_one_here_is_reused(
    session, county_expert, sibling_county_expert, row, intake
):
    elsewhere = apps.submit_application(session, sibling_county_expert, intake("A", county_id=sibling_county_expert.county_id))
    here = apps.submit_application(session, county_expert, intake("A"))
    apps.change_state(session, county_expert, here.id, State.withdrawn)
    code_elsewhere = session.get(Applicant, elsewhere.applicant_id).national_code
    code_here = session.get(Applicant, here.applicant_id).national_code

    report = validate_import(session, county_expert, xlsx(row(national_code=code_elsewhere), row(national_code=code_here, mobile="09350001122")))
    assert problems_by_cell(report) == {(2, HEADERS["national_code"])}
    assert "شهرستان دیگری" in report.problems[0].message

    result = import_applications(session, county_expert, xlsx(row(national_code=code_here, mobile="09350001122")))
    session.expire_all()
    case = session.get(Application, result.imported[0].application_id)
    assert case.applicant_id == here.applicant_id  # no twin applicant
    assert len(session.exec(select(Applicant).where(Applicant.national_code == code_here)).all()) == 1
    assert session.get(Applicant, here.applicant_id).mobile == "09350001122"
    entry = session.exec(select(AuditLog).where(AuditLog.action == "application.import")).one()
    assert entry.before["applicant"]["mobile"] == "09121234567"
    assert entry.after["applicant"]["mobile"] == "09350001122"


def test_a_gregorian_excel_date_is_refused_not_guessed(session, county_expert, row):
    report = validate_import(session, county_expert, xlsx(row(applied_on=datetime(2024, 3, 5))))
    assert problems_by_cell(report) == {(2, HEADERS["applied_on"])}
    assert "میلادی" in report.problems[0].message


@pytest.mark.parametrize(
    ("content", "words"),
    [(b"", "خالی"), (b"MZ\x90\x00 not a workbook", "خوانا نیست"), ("zip", "خوانا نیست")],
)
def test_a_file_that_is_not_a_workbook_is_refused(session, county_expert, content, words):
    if content == "zip":  # a zip archive that is not a workbook (a .docx, say)
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as archive:
            archive.writestr("word/document.xml", "<w:document/>")
        content = out.getvalue()
    with pytest.raises(InvalidInput) as err:
        validate_import(session, county_expert, content)
    assert words in err.value.message


def test_missing_required_columns_are_reported_on_the_header_row(session, county_expert, counts):
    book = Workbook()
    book.active.append(["نام", "نام خانوادگی"])
    book.active.append(["مریم", "احمدی"])
    out = io.BytesIO()
    book.save(out)
    report = validate_import(session, county_expert, out.getvalue())
    missing = {p.column for p in report.problems if p.row == 1}
    assert missing == {c.header for c in IMPORT_COLUMNS if c.required and c.key not in ("first_name", "last_name")}
    before = counts()
    with pytest.raises(InvalidInput):
        import_applications(session, county_expert, out.getvalue(), only_clean=True)
    assert counts() == before


# --------------------------------------------------------------------------- all or nothing
def test_one_bad_row_imports_nothing(session, county_expert, row, counts):
    content = xlsx(row(), row(), row(mobile="123"), row())
    before = counts()
    with pytest.raises(InvalidInput) as err:
        import_applications(session, county_expert, content)
    session.rollback()
    assert counts() == before
    assert "هیچ ردیفی وارد نشد" in err.value.message


def test_only_clean_imports_exactly_the_clean_rows(session, county_expert, row, counts):
    rows = [row(), row(national_code="123"), row(), row(county="کاشان", province="اصفهان"), row()]
    content = xlsx(*rows)
    report = validate_import(session, county_expert, content)
    assert report.clean_rows == (2, 4, 6)
    before = counts()

    result = import_applications(session, county_expert, content, only_clean=True)

    assert [c.row for c in result.imported] == [2, 4, 6]
    assert result.skipped_rows == (3, 5)
    assert counts()["application"] - before["application"] == 3
    imported_codes = {session.get(Applicant, session.get(Application, c.application_id).applicant_id).national_code
                      for c in result.imported}
    assert imported_codes == {rows[0]["national_code"], rows[2]["national_code"], rows[4]["national_code"]}
    summary = session.exec(select(AuditLog).where(AuditLog.action == "import.applications")).one()
    assert summary.after["only_clean"] is True and summary.after["skipped_rows"] == [3, 5]


def test_a_refused_import_writes_nothing(session, province_manager, secretary, row, counts):
    content = xlsx(row(), row())
    before = counts()
    for actor in (province_manager,):  # managers watch; they do not take in cases
        with pytest.raises(Forbidden):
            validate_import(session, actor, content)
        with pytest.raises(Forbidden):
            import_applications(session, actor, content, only_clean=True)
        session.rollback()
    assert counts() == before
    # the committee secretary of the county may import
    assert len(import_applications(session, secretary, content).imported) == 2


def test_a_file_with_no_clean_row_is_refused_even_with_only_clean(session, county_expert, row, counts):
    before = counts()
    with pytest.raises(InvalidInput):
        import_applications(session, county_expert, xlsx(row(national_code="1")), only_clean=True)
    session.rollback()
    assert counts() == before


def test_an_admin_imports_into_any_county(session, admin, row, areas):
    result = import_applications(session, admin, xlsx(row(province="اصفهان", county="کاشان")))
    case = session.get(Application, result.imported[0].application_id)
    assert (case.county_id, case.province_id) == (areas.other_county, areas.other_province)


# --------------------------------------------------------------------------- Form 1 checks
def test_check_intake_returns_every_problem_at_once(intake):
    data = intake("B", national_code="12", first_name="", mobile="", landline="12", channel="fax",
                  applied_on=local_today() + timedelta(days=3), job_field="x" * 500)
    clean, problems = check_intake("B", data)
    assert clean is None
    assert {p.field for p in problems} == {"national_code", "first_name", "mobile", "landline", "channel", "applied_on", "job_field"}
    assert all(PERSIAN.search(p.message) for p in problems)


def test_check_intake_normalises_a_good_form(intake):
    clean, problems = check_intake("A", intake("A", first_name="مريم", mobile="+98 912 123 4567"))
    assert problems == [] and clean is not None
    assert clean.applicant["first_name"] == "مریم"
    assert clean.applicant["mobile"] == "09121234567"


CORRUPTIONS = {
    "national_code": {"national_code": "0012345678"},
    "mobile": {"mobile": "0812"},
    "applied_on": {"applied_on": "1403/02/40"},
    "insured_years": {"insured_years": 500},
    "target_group": {"target_group": "نامعلوم"},
    "discount_holder": {"discount_holder": "شاید"},
    "last_name": {"last_name": "   "},
}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(broken=hst.sets(hst.sampled_from(sorted(CORRUPTIONS))))
def test_exactly_the_broken_cells_are_reported(session, county_expert, row, broken):
    values = row()
    for key in broken:
        values.update(CORRUPTIONS[key])
    report = validate_import(session, county_expert, xlsx(values))
    assert {column for _, column in problems_by_cell(report)} == {HEADERS[k] for k in broken}
    assert report.is_clean == (not broken)


# --------------------------------------------------------------------------- the person on file
def test_applicant_on_file_shows_the_person_and_their_cases(session, county_expert, sibling_county_expert, intake):
    first = apps.submit_application(session, county_expert, intake("A", father_name="حسن", job_field="قالی‌بافی"))
    code = session.get(Applicant, first.applicant_id).national_code
    person = applicant_on_file(session, county_expert, to_persian_digits(code))
    assert person.full_name == "مریم احمدی"
    assert person.fields["father_name"] == "حسن" and person.last_case["job_field"] == "قالی‌بافی"
    assert [(c.tracking_code, c.program, c.open) for c in person.cases] == [(first.tracking_code, "A", True)]
    assert applicant_on_file(session, county_expert, intake().national_code) is None
    with pytest.raises(Forbidden):
        applicant_on_file(session, sibling_county_expert, code)
    with pytest.raises(InvalidInput):
        applicant_on_file(session, county_expert, "123")


def test_a_clash_found_by_the_database_rolls_everything_back(session, county_expert, row, intake, counts, monkeypatch):
    """Someone registers one of the file's people between the check and the write: the unique
    national code refuses the insert, and not one row of the file stays."""
    import services.imports as imports

    taken = apps.submit_application(session, county_expert, intake("B"))
    code = session.get(Applicant, taken.applicant_id).national_code
    real = imports._load_on_file
    monkeypatch.setattr(imports, "_load_on_file", lambda s, codes: imports._OnFile({}, {}, real(s, codes).programs))
    before = counts()
    with pytest.raises(InvalidInput) as err:
        import_applications(session, county_expert, xlsx(row(), row(national_code=code), row()))
    assert "هیچ ردیفی وارد نشد" in err.value.message
    assert counts() == before


# --------------------------------------------------------------------------- gender and programme B (issue 6)
def test_the_template_asks_for_sex_and_for_head_of_household(session):
    book = load_workbook(io.BytesIO(import_template(session)))
    headers = [cell.value for cell in book["درخواست‌ها"][1]]
    assert "جنسیت" in headers and "سرپرست خانوار" in headers


def test_sex_is_required_and_stored_as_read(session, county_expert, row):
    content = xlsx(row(gender="مرد"), row(gender=None), row(gender="نامعلوم"))
    report = validate_import(session, county_expert, content)
    assert problems_by_cell(report) == {(3, HEADERS["gender"]), (4, HEADERS["gender"])}
    import_applications(session, county_expert, content, only_clean=True)
    session.expire_all()
    (man,) = session.exec(select(Applicant)).all()
    assert man.gender == "male"


def test_programme_b_takes_women_heading_their_household_only(session, county_expert, row):
    b = dict(program="ب", target_group="زنان سرپرست خانوار و فرزندان تحت تکفل", marital_status=None)
    report = validate_import(session, county_expert, xlsx(
        row(**b, head_of_household="بله"),  # 2: clean
        row(**b, head_of_household="بله", gender="مرد"),  # 3: a man
        row(**b, head_of_household="خیر"),  # 4: not heading her household
        row(**b),  # 5: not said
    ))
    assert problems_by_cell(report) == {
        (3, HEADERS["gender"]), (4, HEADERS["head_of_household"]), (5, HEADERS["head_of_household"]),
    }
    messages = {p.row: p.message for p in report.problems}
    assert "زنان سرپرست خانوار" in messages[3] and "زنان سرپرست خانوار" in messages[4]


def test_applicant_on_file_brings_the_household_of_the_latest_case(session, county_expert, intake, areas):
    first = apps.submit_application(session, county_expert, intake("A"))  # household: 1 moderate, married, 2, 3
    code = session.get(Applicant, first.applicant_id).national_code
    apps.change_state(session, county_expert, first.id, State.withdrawn)
    apps.submit_application(session, county_expert, intake("B", national_code=code))  # B records no household
    person = applicant_on_file(session, county_expert, code)
    assert person.household == {
        "disabled_members": 1, "severity": "moderate", "marital_status": "married", "dependants": 2, "insured_years": 3,
    }
    assert person.fields["gender"] == "female" and person.last_case["head_of_household"] is True


def test_a_bad_value_repeated_on_many_rows_is_reported_on_each(session, county_expert, row, counts):
    """Each distinct value is checked once per file; every row that holds it still gets its problem."""
    rows = [row(applied_on="1403/13/01", last_name="Ahmadi", county="ناکجا"), row(), row(applied_on="1403/13/01"),
            row(last_name="Ahmadi"), row(county="ناکجا"), row(applied_on="1403/13/01", last_name="Ahmadi", county="ناکجا")]
    report = validate_import(session, county_expert, xlsx(*rows))
    date_h, name_h, county_h = HEADERS["applied_on"], HEADERS["last_name"], HEADERS["county"]
    assert problems_by_cell(report) == {
        (2, date_h), (2, name_h), (2, county_h), (4, date_h), (5, name_h), (6, county_h), (7, date_h), (7, name_h), (7, county_h),
    }
    by_cell = {(p.row, p.column): p.message for p in report.problems}
    for column in (date_h, name_h, county_h):
        assert len({m for (r, c), m in by_cell.items() if c == column}) == 1  # the same Persian message on each row
    assert report.clean_rows == (3,)
    before = counts()
    with pytest.raises(InvalidInput):
        import_applications(session, county_expert, xlsx(*rows))
    session.rollback()
    assert counts() == before


# --------------------------------------------------------------------------- validated, then imported (issue 11)
@pytest.fixture
def reads(monkeypatch):
    """How many times the import reads a file (nothing kept from earlier tests)."""
    from collections import OrderedDict

    import services.imports as imports

    monkeypatch.setattr(imports, "_kept", OrderedDict())
    calls = []
    real = imports._read_rows
    monkeypatch.setattr(imports, "_read_rows", lambda content: (calls.append(1), real(content))[1])
    return calls


def test_a_validated_file_is_imported_without_reading_it_again_and_lands_in_search_and_tallies(
        session, county_expert, areas, row, reads):
    from db.models import CaseTally
    from services.cases import count_cases

    def received() -> int:
        return sum(t.cases for t in session.exec(select(CaseTally).where(
            CaseTally.county_id == areas.county, CaseTally.state == State.received.value)).all())

    content = xlsx(row(last_name="فرهمندپور"), row(last_name="فرهمندپور"), row())
    assert validate_import(session, county_expert, content).is_clean
    before = received()
    result = import_applications(session, county_expert, content)
    assert len(reads) == 1 and len(result.imported) == 3
    session.expire_all()
    assert received() - before == 3  # the monitoring tally counts the new cases
    assert count_cases(session, county_expert, text="فرهمندپور") == 2  # and the case search finds them
    assert count_cases(session, county_expert, text=result.imported[2].tracking_code) == 1


def test_what_the_database_decides_is_checked_again_at_import(session, county_expert, areas, row, intake, counts, reads):
    """Between validation and import someone opens a case for one of the file's people, and the
    county is retired: the import sees both (the file itself is not read again)."""
    from db.models import County

    rows = [row(), row(), row()]
    content = xlsx(*rows)
    assert validate_import(session, county_expert, content).is_clean
    taken = apps.submit_application(session, county_expert, intake("A", national_code=rows[1]["national_code"]))
    before = counts()
    with pytest.raises(InvalidInput) as err:
        import_applications(session, county_expert, content)
    assert "هیچ ردیفی وارد نشد" in err.value.message
    session.rollback()
    report = validate_import(session, county_expert, content)
    assert [(p.row, p.column) for p in report.problems] == [(3, HEADERS["national_code"])]
    assert taken.tracking_code in report.problems[0].message

    county = session.get(County, areas.county)
    county.active = False
    session.add(county)
    session.commit()
    with pytest.raises(InvalidInput):
        import_applications(session, county_expert, content, only_clean=True)
    session.rollback()
    report = validate_import(session, county_expert, content)
    assert {(p.row, p.column) for p in report.problems} >= {(n, HEADERS["county"]) for n in (2, 3, 4)}
    assert counts() == before and len(reads) == 1


_CODES = hst.one_of(
    hst.text("0123456789", min_size=10, max_size=10),
    hst.text("0123456789۰۱۲۳۴۵۶۷۸۹- ", min_size=0, max_size=12),
)
_MOBILES = hst.one_of(
    hst.builds(lambda rest: "09" + rest, hst.text("0123456789", min_size=9, max_size=9)),
    hst.text("0123456789۰۱۲۳۴۵۶۷۸۹+- ", min_size=0, max_size=14),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(code=_CODES, mobile=_MOBILES)
@example(code="0499370899", mobile="09121234567")  # both plain and valid: taken column-wise
@example(code="0499370898", mobile="0912123456")  # wrong check digit; a digit short
@example(code="1111111111", mobile="9121234567")  # ten alike; no leading 0
@example(code="499370899", mobile="+989121234567")  # nine digits (zero-padded); country code
@example(code="۰۴۹۹۳۷۰۸۹۹", mobile="۰۹۱۲۱۲۳۴۵۶۷")  # Persian digits
@example(code="", mobile="")
def test_national_codes_and_mobiles_checked_column_wise_give_what_form_1_gives(intake, code, mobile):
    """The import's column-wise shortcut for plain national codes and mobiles changes nothing:
    the same clean form, the same problems, as Form 1's own checks."""
    from lib.memo import CheckMemo
    from services.import_sheet import _Row
    from services.imports import _seed_plain_values

    data = intake("A", national_code=code, mobile=mobile)
    memo = CheckMemo()
    _seed_plain_values(memo, [_Row(2, {}, {"national_code": code, "mobile": mobile})])
    clean, problems = check_intake("A", data, memo=memo)
    expected_clean, expected = check_intake("A", data)
    assert clean == expected_clean
    assert [(p.field, p.message) for p in problems] == [(p.field, p.message) for p in expected]


def test_after_a_write_refused_by_the_database_new_cases_still_reach_search_and_tallies(
        session, county_expert, areas, row, intake, monkeypatch):
    """The import's insert fails half-way (a clash only the database sees) while the SQLite
    triggers are suspended: the rollback puts them back, so a case opened afterwards is found."""
    import services.imports as imports
    from db.models import CaseTally
    from services.cases import count_cases

    taken = apps.submit_application(session, county_expert, intake("B"))
    code = session.get(Applicant, taken.applicant_id).national_code
    real = imports._load_on_file
    monkeypatch.setattr(imports, "_load_on_file", lambda s, codes: imports._OnFile({}, {}, real(s, codes).programs))
    with pytest.raises(InvalidInput):
        import_applications(session, county_expert, xlsx(row(), row(national_code=code)))
    tallied = select(CaseTally).where(CaseTally.county_id == areas.county, CaseTally.state == State.received.value)
    before = sum(t.cases for t in session.exec(tallied).all())
    apps.submit_application(session, county_expert, intake("A", last_name="فرهمندپور"))
    session.expire_all()
    assert count_cases(session, county_expert, text="فرهمندپور") == 1
    assert sum(t.cases for t in session.exec(tallied).all()) == before + 1
