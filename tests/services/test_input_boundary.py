"""Input that used to reach the database raw (issue 9): each entry point that takes typed input,
given any text, number, date, bytes or other value in one of its parameters, either succeeds or
refuses with a Persian InvalidInput (or, for another area's id, Forbidden) and writes nothing —
never another exception. SQLite and PostgreSQL; the targets are bench/fuzz_inputs.py's, which
throws 10,000 inputs at each of them."""
from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from db.engine import new_session
from db.models import Applicant, Application
from lib.errors import Forbidden, InvalidInput
from services import applications as apps
from services import cases
from tests.services.refusals import PERSIAN, refused

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from fuzz_inputs import TARGETS, Target, build_world  # noqa: E402

# Text of every kind, with the characters that broke things first; numbers around 32 and 64 bits;
# dates over the whole range Python has; bytes; and the odd values a script might pass.
TEXT = st.one_of(st.text(), st.text(alphabet=st.characters(max_codepoint=0x7F)), st.sampled_from(
    ["", "مریم", "آل‌احمد", "\x00", "مریم\x00", "![x](http://host/p.png)", "ا" * 5000, "۱۲۳", "' OR 1=1 --"]))
INTS = st.one_of(st.integers(), st.sampled_from([0, -1, 1, 2**31 - 1, 2**31, 2**63 - 1, 2**63, -(2**63) - 1, 10**20]))
ANY = st.one_of(TEXT, INTS, st.dates(), st.datetimes(), st.binary(), st.none(), st.booleans(), st.floats(),
                st.lists(st.integers(), max_size=2), INTS.map(str))


@pytest.fixture
def world(session):
    return build_world(session)


def assert_boundary_holds(session, counts, world, target: Target, field: str, value: object) -> None:
    """Success, or a Persian refusal with every table as it was."""
    before = counts()
    try:
        target.call(session, world, field, value)
    except (InvalidInput, Forbidden) as refusal:
        session.rollback()
        assert PERSIAN.search(refusal.message), refusal.message
        if not target.writes_when_refused:
            assert counts() == before, f"{target.name}: {field}={value!r:.60} was refused but wrote"


@pytest.mark.parametrize("target", TARGETS, ids=[t.name.split(": ")[-1] for t in TARGETS])
def test_any_input_is_accepted_or_refused_in_persian_with_nothing_written(session, counts, world, target, request):
    @settings(max_examples=40, deadline=None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(field=st.sampled_from(target.fields), value=ANY)
    @example(field=target.fields[0], value="\x00")
    @example(field=target.fields[0], value="مریم\x00")
    @example(field=target.fields[0], value=2**63)
    @example(field=target.fields[0], value=-1)
    @example(field=target.fields[0], value=date(1, 1, 1))
    @example(field=target.fields[0], value=date(9999, 12, 31))
    @example(field=target.fields[0], value="")
    @example(field=target.fields[0], value="ا" * 5000)
    @example(field=target.fields[-1], value=99999999999999999999)
    @example(field=target.fields[-1], value=b"\x00")
    def check(field, value):
        assert_boundary_holds(session, counts, world, target, field, value)

    check()


# --------------------------------------------------------------------------- the findings, one by one
def test_a_nul_character_in_a_name_is_refused_in_persian_with_nothing_written(session, counts, world):
    data = apps.IntakeData(**{**vars(_intake(world)), "first_name": "مریم\x00"})
    error = refused(session, counts, lambda: apps.submit_application(session, world.secretary, data))
    assert error.field == "first_name"


def test_a_markdown_image_as_a_name_is_refused_at_intake_and_at_import(session, counts, world):
    for field in ("first_name", "last_name", "father_name"):
        data = apps.IntakeData(**{**vars(_intake(world)), field: "![x](http://host/p.png)"})
        error = refused(session, counts, lambda: apps.submit_application(session, world.secretary, data))
        assert error.field == field and "حروف فارسی" in error.message
        _, problems = apps.check_intake("A", data)  # the Excel import checks each row with this
        assert [p.field for p in problems] == [field]


def test_a_birth_date_in_year_1_or_9999_is_refused_not_a_calendar_error(session, counts, world):
    for day in (date(1, 1, 1), date(9999, 12, 31)):
        data = apps.IntakeData(**{**vars(_intake(world)), "birth_date": day})
        assert refused(session, counts, lambda: apps.submit_application(session, world.secretary, data)).field == "birth_date"


def test_a_priority_rank_beyond_the_column_is_refused(session, counts, world):
    for rank in (2**31, 100_001, 0):
        error = refused(session, counts, lambda: apps.set_priority(session, world.secretary, world.case_a, rank, "فوری"))
        assert error.field == "rank"
    assert apps.set_priority(session, world.secretary, world.case_a, 100_000, "فوری").priority_override == 100_000


def test_a_need_grade_beyond_any_policy_is_refused_for_either_programme(session, counts, world):
    error = refused(session, counts, lambda: apps.score_application(session, world.secretary, world.case_a, need_grade=2**40))
    assert error.field == "need_grade"
    household = apps.HouseholdData(need_grade=2**40)
    data = apps.IntakeData(**{**vars(_intake(world, "B")), "household": household})
    assert refused(session, counts, lambda: apps.submit_application(session, world.secretary, data)).field == "need_grade"


def test_a_deep_link_id_beyond_64_bits_is_a_case_not_found(session, world):
    with pytest.raises(InvalidInput) as err:
        cases.parse_case_id("99999999999999999999")
    assert "فهرست پرونده‌ها" in err.value.message
    with pytest.raises(InvalidInput):
        cases.case_detail(session, world.secretary, 99999999999999999999)


def test_a_nul_in_a_search_or_tracking_code_is_refused_before_any_query(session, world):
    with pytest.raises(InvalidInput):
        cases.list_cases(session, world.secretary, text="احمدی\x00")
    with pytest.raises(InvalidInput):
        cases.case_id_by_tracking_code(session, world.secretary, "A03\x00")
    assert len(cases.list_cases(session, world.secretary, text="احمدی")) == 3


def test_the_same_national_code_submitted_at_the_same_moment_gets_a_persian_refusal(session, counts, world, monkeypatch):
    """The race, without threads: a colleague's applicant with the same national code is committed
    after this form looked the code up and before it inserts (the unique index refuses it)."""
    if session.get_bind().dialect.name == "sqlite":
        pytest.skip("SQLite: Form 1 holds the write lock from its county check on (services.reference.hold_counties), "
                    "so no colleague commits between its look-up and its insert; the colleague waits instead")
    data = _intake(world)
    real_exec = session.exec
    looked_up = []

    def exec_then_colleague_commits(statement, *args, **kwargs):
        result = real_exec(statement, *args, **kwargs)
        if not looked_up and "applicant.national_code" in str(statement):
            looked_up.append(True)
            with new_session(session.get_bind()) as colleague:
                apps.submit_application(colleague, world.secretary, apps.IntakeData(**vars(data)))
            return type("Nothing", (), {"first": staticmethod(lambda: None)})()
        return result

    monkeypatch.setattr(session, "exec", exec_then_colleague_commits)
    before = counts()
    with pytest.raises(InvalidInput) as err:
        apps.submit_application(session, world.secretary, data)
    assert looked_up and err.value.field == "national_code" and "هم‌زمان" in err.value.message
    after = counts()
    assert after["applicant"] == before["applicant"] + 1 and after["application"] == before["application"] + 1
    monkeypatch.undo()
    assert len(session.exec(select(Applicant).where(Applicant.national_code == data.national_code)).all()) == 1
    assert session.exec(select(Application).join(Applicant).where(Applicant.national_code == data.national_code)).one()


def _intake(world, program: str = "A") -> apps.IntakeData:
    from fuzz_inputs import intake

    return intake(world.county, world.codes(), program)
