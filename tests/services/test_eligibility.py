"""Programme A's eligibility conditions: each recorded with who confirmed it and when."""
from __future__ import annotations


import pytest
from sqlmodel import select

from db.models import AuditLog, EligibilityConfirmation
from lib import catalog
from lib.errors import Forbidden, InvalidInput
from lib.workflow import State
from services import applications as apps
from services.eligibility import confirm_condition, eligibility_status, is_eligible
from tests.services.refusals import refused as _refused

CONDITIONS = list(catalog.ELIGIBILITY_CONDITIONS)
EXPERT_CONDITIONS = ["registered_client", "job_readiness"]  # the third is the county committee's decision


@pytest.fixture
def case(session, county_expert, intake):
    return apps.submit_application(session, county_expert, intake("A"))


def test_nothing_is_confirmed_at_first(session, county_expert, case):
    rows = eligibility_status(session, county_expert, case.id)
    assert [(r.condition, r.label) for r in rows] == list(catalog.ELIGIBILITY_CONDITIONS.items())
    assert all(r.satisfied is None and r.confirmed_by is None and r.confirmed_at is None for r in rows)
    assert not is_eligible(rows)


def test_each_condition_records_who_and_when(session, county_expert, case):
    for condition in EXPERT_CONDITIONS:
        confirm_condition(session, county_expert, case.id, condition, True, note="پرونده مددجویی  شماره ۱۲")
    rows = eligibility_status(session, county_expert, case.id)
    assert [r.satisfied for r in rows] == [True, True, None]
    assert {r.confirmed_by for r in rows[:2]} == {county_expert.full_name}
    assert all(r.confirmed_at is not None and r.confirmed_at.tzinfo is not None for r in rows[:2])
    assert rows[0].note == "پرونده مددجویی شماره ۱۲"  # spaces tidied
    assert not is_eligible(rows)  # the job is confirmed by the county committee's approval only


def test_the_job_is_confirmed_by_the_committee_not_ticked_by_the_expert(session, county_expert, secretary, case, counts):
    for who in (county_expert, secretary):
        err = _refused(session, counts, lambda: confirm_condition(session, who, case.id, "job_confirmed", True), InvalidInput)
        assert err.field == "condition" and "کمیته" in err.message


def test_a_correction_updates_the_one_row_and_audits_before_and_after(session, county_expert, secretary, case):
    confirm_condition(session, county_expert, case.id, "job_readiness", True)
    confirm_condition(session, secretary, case.id, "job_readiness", False, note="معاونت آمادگی را تأیید نکرد")

    [row] = session.exec(select(EligibilityConfirmation).where(EligibilityConfirmation.application_id == case.id)).all()
    assert (row.satisfied, row.confirmed_by) == (False, secretary.id)
    entries = session.exec(select(AuditLog).where(AuditLog.action == "eligibility.confirm").order_by(AuditLog.id)).all()
    assert [(e.before and e.before["satisfied"], e.after["satisfied"]) for e in entries] == [(None, True), (True, False)]
    assert entries[1].username == secretary.username
    status = {r.condition: r for r in eligibility_status(session, county_expert, case.id)}
    assert status["job_readiness"].confirmed_by == secretary.full_name
    assert not is_eligible(list(status.values()))


def test_confirming_the_same_thing_again_writes_nothing(session, county_expert, case, counts):
    confirm_condition(session, county_expert, case.id, "registered_client", True)
    before = counts()
    confirm_condition(session, county_expert, case.id, "registered_client", True)
    assert counts() == before


@pytest.mark.parametrize(("condition", "note", "field"), [("age", None, "condition"), ("job_readiness", "ن" * 401, "note")])
def test_bad_input_is_refused(session, county_expert, case, counts, condition, note, field):
    err = _refused(session, counts, lambda: confirm_condition(session, county_expert, case.id, condition, True, note), InvalidInput)
    assert err.field == field


def test_programme_b_has_no_such_conditions(session, county_expert, intake, counts):
    case = apps.submit_application(session, county_expert, intake("B"))
    _refused(session, counts, lambda: confirm_condition(session, county_expert, case.id, "job_readiness", True), InvalidInput)
    with pytest.raises(InvalidInput):
        eligibility_status(session, county_expert, case.id)


def test_only_the_cases_county_and_the_right_roles_confirm(
    session, sibling_county_expert, province_manager, province_committee, case, counts
):
    for outsider in (sibling_county_expert, province_manager, province_committee):
        _refused(session, counts, lambda: confirm_condition(session, outsider, case.id, "job_readiness", True), Forbidden)
    with pytest.raises(Forbidden):
        eligibility_status(session, sibling_county_expert, case.id)
    assert len(eligibility_status(session, province_committee, case.id)) == 3  # the province may look


def test_a_closed_case_is_not_changed(session, county_expert, case, counts):
    apps.change_state(session, county_expert, case.id, State.withdrawn)
    err = _refused(session, counts, lambda: confirm_condition(session, county_expert, case.id, "job_readiness", True), InvalidInput)
    assert "بسته" in err.message
