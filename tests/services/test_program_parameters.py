"""Programme parameters as versions: what the reference data loaded until an administrator saves a
version; a version is checked (ranges, basis points, shares adding up to the rate), audited with the
values before and after, and read by the calculations (the committees' cap, programme B's split)."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from db.models import AuditLog, Program
from db.models.reference import ProgramParameterVersion
from lib.errors import Forbidden, InvalidInput
from lib.jalali import YearMonth
from lib.payments import program_b_shares
from services.committee.cap import remaining_months
from services.introductions import premium_split
from services.program_parameters import (
    MAX_CAP_MONTHS, current_parameters, parameter_history, set_parameters, share_weights,
)


def _program(session, code: str) -> Program:
    return session.exec(select(Program).where(Program.code == code)).one()


def test_the_reference_data_is_in_force_until_a_version_is_saved(session, admin):
    a, b = current_parameters(session, "A"), current_parameters(session, "B")
    assert (a.version, a.rate_bp, a.max_months, a.agency_share_bp) == (0, 1800, 60, None)
    assert (b.version, b.rate_bp, b.agency_share_bp, b.government_share_bp) == (0, 1800, 800, 1000)
    assert parameter_history(session, admin, "A") == [a]


def test_a_new_cap_is_a_version_in_force_audited_and_read_by_the_committees(session, admin):
    saved = set_parameters(session, admin, program="A", rate_bp=1800, max_months=48, note="مصوبه ۱۴۰۴/۰۲")
    assert (saved.version, saved.max_months, saved.set_by_name) == (1, 48, admin.full_name)
    program = _program(session, "A")
    assert program.max_months == 48  # the row the payment runs, ledger and forecast read
    assert remaining_months(session, program.id, {1: 999_999}) == {1: 48}  # a person with nothing used
    again = set_parameters(session, admin, program="A", rate_bp=1800, max_months=60, note="بازگشت به ۶۰ ماه")
    assert again.version == 2 and current_parameters(session, "A").max_months == 60
    assert [p.version for p in parameter_history(session, admin, "A")] == [2, 1]
    assert len(session.exec(select(ProgramParameterVersion)).all()) == 2  # versions are added, never changed
    record = session.exec(select(AuditLog).where(AuditLog.action == "program_parameters.set")
                          .order_by(AuditLog.id.desc())).first()
    assert record.before["max_months"] == 48 and record.after["max_months"] == 60 and record.after["version"] == 2


def test_programme_b_split_follows_its_shares_in_force(session, admin):
    b = _program(session, "B")
    assert share_weights(session, b.id) == {"agency": 800, "government": 1000}
    month = YearMonth(1403, 1)
    before = premium_split(session, month, 1800)
    set_parameters(session, admin, program="B", rate_bp=1800, agency_share_bp=900, government_share_bp=900,
                   note="سهم برابر")
    premium, agency, government = premium_split(session, month, 1800)
    assert premium == before[0] and agency + government == premium
    assert (agency, government) == tuple(program_b_shares(premium, {"agency": 900, "government": 900}).values())
    assert abs(agency - government) <= 1 and agency != before[1]


@pytest.mark.parametrize("values, field, words", [
    (dict(program="A", rate_bp=0, max_months=60), "rate_bp", "بین"),
    (dict(program="A", rate_bp=10_001, max_months=60), "rate_bp", "بین"),
    (dict(program="A", rate_bp=1800, max_months=0), "max_months", "بین"),
    (dict(program="A", rate_bp=1800, max_months=MAX_CAP_MONTHS + 1), "max_months", "بین"),
    (dict(program="A", rate_bp=1800, max_months=None), "max_months", "عدد صحیح"),
    (dict(program="A", rate_bp=1800, max_months=60, agency_share_bp=800), "agency_share_bp", "خالی"),
    (dict(program="B", rate_bp=1800, agency_share_bp=800, government_share_bp=900), "government_share_bp",
     "برابر نرخ"),
    (dict(program="B", rate_bp=1800, agency_share_bp=-1, government_share_bp=1801), "agency_share_bp", "بین"),
    (dict(program="B", rate_bp=1800, agency_share_bp="۸۰۰", government_share_bp=1000), "agency_share_bp",
     "عدد صحیح"),
    (dict(program="C", rate_bp=1800), "program", "فهرست"),
    (dict(program="A", rate_bp=1800, max_months=60), "rate_bp", "تغییر نکرده"),
])
def test_bad_parameters_are_refused_in_persian_and_nothing_is_written(session, admin, values, field, words):
    with pytest.raises(InvalidInput) as refused:
        set_parameters(session, admin, note="آزمون", **values)
    assert refused.value.field == field and words in refused.value.message
    assert session.exec(select(ProgramParameterVersion)).all() == []
    assert _program(session, "A").max_months == 60 and _program(session, "B").agency_share_bp == 800


def test_the_reason_is_required_and_only_administrators_change_parameters(session, admin, province_manager):
    with pytest.raises(InvalidInput, match="دلیل تغییر"):
        set_parameters(session, admin, program="A", rate_bp=1800, max_months=50, note="  ")
    with pytest.raises(Forbidden):
        set_parameters(session, province_manager, program="A", rate_bp=1800, max_months=50, note="x")
    with pytest.raises(Forbidden):
        parameter_history(session, province_manager, "A")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rate=st.integers(-1, 10_001), agency=st.integers(-1, 10_001), amount=st.integers(0, 10**12))
@example(rate=1, agency=0, amount=7)  # the smallest rate, all to the government
@example(rate=10_000, agency=10_000, amount=10**12)  # the whole premium, all to the agency
@example(rate=10_001, agency=1, amount=1)  # beyond one whole
@example(rate=0, agency=0, amount=1)  # no rate
def test_shares_are_accepted_exactly_when_they_add_up_to_a_rate_in_range(session, admin, rate, agency, amount):
    government = rate - agency
    valid = 1 <= rate <= 10_000 and 0 <= agency <= 10_000 and 0 <= government <= 10_000
    in_force = current_parameters(session, "B")  # examples follow each other on one database
    unchanged = (in_force.rate_bp, in_force.agency_share_bp) == (rate, agency)
    try:
        saved = set_parameters(session, admin, program="B", rate_bp=rate, agency_share_bp=agency,
                               government_share_bp=government, note="آزمون")
    except InvalidInput:
        assert not valid or unchanged  # the values in force: nothing to save
        return
    assert valid and saved.agency_share_bp + saved.government_share_bp == saved.rate_bp
    parts = program_b_shares(amount, share_weights(session, _program(session, "B").id))
    assert sum(parts.values()) == amount and min(parts.values()) >= 0
