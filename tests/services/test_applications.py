"""Intake and the life of a case: submit, scoring, state changes and manual priority."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from lib.jalali import local_today
from db.models import (
    Applicant,
    Application,
    ApplicationEvent,
    AuditLog,
    Household,
    Notification,
    ScoreCardRecord,
    ScoringPolicyVersion,
)
from lib import catalog
from lib.errors import Forbidden, InvalidInput
from lib.identifiers import is_valid_national_code, normalize_mobile
from lib.scoring import DEFAULT_POLICY, ScoringPolicy
from lib.text import to_persian_digits
from lib.workflow import IllegalTransition, State
from services import applications as apps
from services.applications import HouseholdData
from tests.services.refusals import refused as _refused



def _rows(session, model, *where):
    return list(session.exec(select(model).where(*where)).all())


def _events(session, application_id):
    return [
        (e.from_state, e.to_state)
        for e in session.exec(
            select(ApplicationEvent).where(ApplicationEvent.application_id == application_id).order_by(ApplicationEvent.id)
        ).all()
    ]


def _sms(session, application_id):
    return _rows(session, Notification, Notification.application_id == application_id)


# --------------------------------------------------------------------------- submit
def test_submit_opens_a_received_case_with_all_its_records(session, county_expert, areas, intake):
    data = intake("A", first_name="مريم", national_code="  " + to_persian_digits(intake().national_code))
    case = apps.submit_application(session, county_expert, data)

    session.expire_all()
    case = session.get(Application, case.id)
    assert case.state == State.received
    assert re.fullmatch(r"A03\d{7}", case.tracking_code)  # programme, Jalali year 1403, 7 digits
    assert (case.county_id, case.province_id) == (areas.county, areas.province)
    assert case.created_by == county_expert.id

    applicant = session.get(Applicant, case.applicant_id)
    assert applicant.first_name == "مریم"  # Arabic ي normalised to Persian ی
    assert re.fullmatch(r"\d{10}", applicant.national_code) and is_valid_national_code(applicant.national_code)
    assert applicant.county_id == areas.county

    household = session.get(Household, case.id)
    assert (household.disabled_members, household.severity, household.dependants) == (1, "moderate", 2)

    assert _events(session, case.id) == [(None, "received")]
    [sms] = _sms(session, case.id)
    assert (sms.status, sms.mobile, sms.event) == ("queued", "09121234567", "state.received")
    assert case.tracking_code in sms.body
    assert "مریم احمدی" in sms.body and "دریافت شده" in sms.body

    audit = {a.action: a for a in _rows(session, AuditLog)}
    assert audit["applicant.create"].entity_id == str(applicant.id)
    submitted = audit["application.submit"]
    assert (submitted.user_id, submitted.username) == (county_expert.id, county_expert.username)
    assert submitted.after["tracking_code"] == case.tracking_code
    assert submitted.after["state"] == "received"


def test_tracking_codes_are_unique(session, county_expert, intake):
    codes = {apps.submit_application(session, county_expert, intake()).tracking_code for _ in range(5)}
    assert len(codes) == 5


def test_the_same_national_code_reuses_the_applicant(session, county_expert, intake, counts):
    first = apps.submit_application(session, county_expert, intake("A"))
    code = session.get(Applicant, first.applicant_id).national_code

    # another open case in the same programme: refused, naming the open case
    err = _refused(
        session, counts,
        lambda: apps.submit_application(session, county_expert, intake("A", national_code=to_persian_digits(code))),
    )
    assert err.field == "national_code"
    assert first.tracking_code in err.message

    # the other programme is allowed, for the same person (no twin applicant)
    second = apps.submit_application(session, county_expert, intake("B", national_code=code, mobile="+98 912 000 1122"))
    assert second.applicant_id == first.applicant_id
    assert len(_rows(session, Applicant, Applicant.national_code == code)) == 1
    applicant = session.get(Applicant, first.applicant_id)
    assert applicant.mobile == "09120001122"  # the newer contact details win
    assert any(a.action == "applicant.update" for a in _rows(session, AuditLog))


def test_a_closed_case_does_not_block_a_new_one(session, county_expert, intake):
    first = apps.submit_application(session, county_expert, intake("A"))
    code = session.get(Applicant, first.applicant_id).national_code
    apps.change_state(session, county_expert, first.id, State.withdrawn, note="انصراف متقاضی")
    again = apps.submit_application(session, county_expert, intake("A", national_code=code))
    assert again.applicant_id == first.applicant_id
    assert again.tracking_code != first.tracking_code


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"national_code": "0012345678"}, "national_code"),  # wrong check digit
        ({"national_code": "1111111111"}, "national_code"),
        ({"national_code": "12345"}, "national_code"),
        ({"national_code": ""}, "national_code"),
        ({"mobile": "0912123"}, "mobile"),
        ({"mobile": "02188776655"}, "mobile"),
        ({"first_name": "   "}, "first_name"),
        ({"last_name": ""}, "last_name"),
        ({"channel": "fax"}, "channel"),
        ({"county_id": 10**6}, "county_id"),
        ({"program": "C"}, "program"),
        ({"applied_on": local_today() + timedelta(days=1)}, "applied_on"),
        ({"household": HouseholdData(disabled_members=0, severity="severe")}, "severity"),
        ({"household": HouseholdData(disabled_members=2, severity=None)}, "severity"),
        ({"job_field": "خیاطی " * 100}, "job_field"),  # longer than the column: a message, not a DataError
        ({"birth_date": local_today() + timedelta(days=1)}, "birth_date"),
    ],
)
def test_bad_input_is_refused_and_writes_nothing(session, county_expert, intake, counts, overrides, field):
    err = _refused(session, counts, lambda: apps.submit_application(session, county_expert, intake("A", **overrides)))
    assert err.field == field


def test_programme_b_needs_a_mobile(session, county_expert, intake, counts):
    err = _refused(session, counts, lambda: apps.submit_application(session, county_expert, intake("B", mobile="")))
    assert err.field == "mobile"
    assert "همراه" in err.message
    # programme A can do without one (no SMS is queued then)
    case = apps.submit_application(session, county_expert, intake("A", mobile=""))
    assert _sms(session, case.id) == []


def _not_national_code(text: str) -> bool:
    return not is_valid_national_code(text)


def _not_mobile(text: str) -> bool:
    try:
        normalize_mobile(text)
    except InvalidInput:
        return True
    return False


_digits = st.text(alphabet="0123456789۰۱۲۳۴۵۶۷۸۹ -", max_size=14)
_BAD_INPUT = st.one_of(
    st.builds(lambda v: {"national_code": v}, st.one_of(_digits, st.text(max_size=12)).filter(_not_national_code)),
    st.builds(lambda v: {"mobile": v}, st.one_of(_digits, st.text(min_size=1, max_size=14)).filter(lambda t: t.strip() != "" and _not_mobile(t))),  # blank = no mobile (A)
    st.builds(lambda v: {"first_name": v}, st.text(alphabet=" \t\n", max_size=4)),
    st.builds(lambda v: {"last_name": v}, st.text(alphabet=" \t", max_size=4)),
    st.builds(lambda v: {"channel": v}, st.text(max_size=10).filter(lambda t: t not in catalog.CHANNELS)),
    st.builds(lambda v: {"county_id": v}, st.integers(min_value=10**5, max_value=10**7)),
    st.builds(lambda d: {"applied_on": local_today() + timedelta(days=d)}, st.integers(1, 4000)),
    st.builds(
        lambda n, g: {"household": HouseholdData(disabled_members=1, severity="mild", need_grade=g, insured_years=n)},
        st.integers(0, 80), st.integers(6, 100),
    ),
    st.builds(lambda v: {"program": "B", "mobile": ""}, st.none()),
    st.builds(lambda v: {"same_person_again": True}, st.none()),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(bad=_BAD_INPUT)
def test_any_refused_submission_leaves_every_table_unchanged(session, county_expert, intake, counts, bad):
    if bad.pop("same_person_again", False):
        existing = session.exec(select(Applicant)).first()
        if existing is None:
            apps.submit_application(session, county_expert, intake("A", national_code="0499370899"))
        bad = {"national_code": "0499370899"}
    _refused(session, counts, lambda: apps.submit_application(session, county_expert, intake("A", **bad)))


# --------------------------------------------------------------------------- area
def test_county_staff_cannot_submit_into_another_county(session, county_expert, areas, intake, counts):
    for county in (areas.sibling_county, areas.other_county):
        _refused(
            session, counts,
            lambda: apps.submit_application(session, county_expert, intake("A", county_id=county)),
            Forbidden,
        )


def test_county_staff_cannot_read_or_change_another_countys_case(
    session, county_expert, sibling_county_expert, other_province_committee, province_committee, intake, counts
):
    case = apps.submit_application(session, county_expert, intake("A"))
    for outsider in (sibling_county_expert, other_province_committee):
        _refused(session, counts, lambda: apps.get_application(session, outsider, case.id), Forbidden)
        _refused(session, counts, lambda: apps.change_state(session, outsider, case.id, State.rejected), Forbidden)
        _refused(session, counts, lambda: apps.score_application(session, outsider, case.id, need_grade=3), Forbidden)
    _refused(
        session, counts,
        lambda: apps.save_household(session, sibling_county_expert, case.id, HouseholdData()),
        Forbidden,
    )
    # the province's committee sees every county of its province
    assert apps.get_application(session, province_committee, case.id).id == case.id


def test_a_person_on_file_in_another_county_is_not_taken_over(
    session, county_expert, sibling_county_expert, areas, intake, counts
):
    case = apps.submit_application(session, county_expert, intake("A"))
    code = session.get(Applicant, case.applicant_id).national_code
    err = _refused(
        session, counts,
        lambda: apps.submit_application(
            session, sibling_county_expert, intake("B", county_id=areas.sibling_county, national_code=code)
        ),
        Forbidden,
    )
    assert "شهرستان دیگری" in err.message
    with pytest.raises(Forbidden):
        apps.find_applicant(session, sibling_county_expert, code)
    assert apps.find_applicant(session, county_expert, code).id == case.applicant_id


# --------------------------------------------------------------------------- scoring
SEED_EXAMPLE = HouseholdData(
    disabled_members=2, severity="severe", marital_status="married", dependants=4, insured_years=10
)


def test_score_card_follows_the_seed_table(session, county_expert, intake):
    case = apps.submit_application(session, county_expert, intake("A", household=SEED_EXAMPLE))
    card = apps.score_application(session, county_expert, case.id, need_grade=4)

    session.expire_all()
    card = session.get(ScoreCardRecord, card.id)
    assert card.total == 3 + 3 + 2 + 5 + 10 + 4 == 27
    assert [(r["criterion"], r["points"]) for r in card.rows] == [
        ("disabled_members", 3), ("severity", 3), ("marital_status", 2),
        ("dependants", 5), ("insured_years", 10), ("need_grade", 4),
    ]
    assert card.policy_version == DEFAULT_POLICY.version == "1392-v1"
    assert card.scored_by == county_expert.id
    assert session.get(Household, case.id).need_grade == 4
    assert session.get(Application, case.id).state == State.scored
    assert _events(session, case.id) == [(None, "received"), ("received", "scored")]
    assert [n.event for n in _sms(session, case.id)] == ["state.received", "state.scored"]
    assert any(a.action == "score.save" and a.entity_id == str(card.id) for a in _rows(session, AuditLog))


@pytest.mark.parametrize(
    ("household", "total"),
    [
        (HouseholdData(marital_status="single", need_grade=1), 1 + 1),
        (HouseholdData(disabled_members=1, severity="mild", marital_status="widowed", dependants=1, insured_years=1, need_grade=2), 1 + 1 + 2 + 1 + 1 + 2),
        (HouseholdData(disabled_members=7, severity="very_severe", marital_status="divorced", dependants=9, insured_years=45, need_grade=5), 50),
    ],
)
def test_score_totals_at_the_edges_of_the_table(session, county_expert, intake, household, total):
    case = apps.submit_application(session, county_expert, intake("A", household=household))
    assert apps.score_application(session, county_expert, case.id).total == total


def test_rescoring_keeps_the_state_and_the_newest_card_wins(session, county_expert, intake):
    case = apps.submit_application(session, county_expert, intake("A", household=SEED_EXAMPLE))
    apps.score_application(session, county_expert, case.id, need_grade=4)
    apps.save_household(session, county_expert, case.id, HouseholdData(**{**SEED_EXAMPLE.__dict__, "need_grade": 4, "insured_years": 12}))
    apps.score_application(session, county_expert, case.id)
    cards = _rows(session, ScoreCardRecord, ScoreCardRecord.application_id == case.id)
    assert [c.total for c in sorted(cards, key=lambda c: c.id)] == [27, 29]
    assert session.get(Application, case.id).state == State.scored
    assert [n.event for n in _sms(session, case.id)] == ["state.received", "state.scored"]  # no second SMS


def test_a_new_policy_scores_new_cards_and_old_cards_keep_their_version(session, county_expert, intake):
    case = apps.submit_application(session, county_expert, intake("A", household=SEED_EXAMPLE))
    old = apps.score_application(session, county_expert, case.id, need_grade=4)
    rules = DEFAULT_POLICY.to_dict() | {"version": "1404-v2", "marital_status": {"single": 1, "married": 2, "widowed": 3, "divorced": 3}}
    rules["insured_years"] = {"points_per_year": 2, "max_points": 29}
    ScoringPolicy.from_dict(rules)  # a valid policy
    session.add(ScoringPolicyVersion(version="1404-v2", rules=rules, adopted_on=date(2025, 3, 21)))
    session.commit()
    new = apps.score_application(session, county_expert, case.id)
    assert (new.policy_version, new.total) == ("1404-v2", 3 + 3 + 2 + 5 + 20 + 4)
    session.expire_all()
    assert (session.get(ScoreCardRecord, old.id).policy_version, session.get(ScoreCardRecord, old.id).total) == ("1392-v1", 27)


def test_scoring_refuses_programme_b_and_a_missing_need_grade(session, county_expert, intake, counts):
    case_b = apps.submit_application(session, county_expert, intake("B"))
    _refused(session, counts, lambda: apps.score_application(session, county_expert, case_b.id, need_grade=3))
    case_a = apps.submit_application(session, county_expert, intake("A"))
    err = _refused(session, counts, lambda: apps.score_application(session, county_expert, case_a.id))
    assert err.field == "need_grade"
    err = _refused(session, counts, lambda: apps.score_application(session, county_expert, case_a.id, need_grade=9))
    assert err.field == "need_grade"
    assert session.get(Household, case_a.id).need_grade is None


def test_a_closed_case_cannot_be_scored(session, county_expert, intake, counts):
    case = apps.submit_application(session, county_expert, intake("A"))
    apps.change_state(session, county_expert, case.id, State.withdrawn)
    _refused(session, counts, lambda: apps.score_application(session, county_expert, case.id, need_grade=3))


def test_a_read_only_manager_cannot_move_a_case(session, province_manager, county_expert, intake, counts):
    case = apps.submit_application(session, county_expert, intake("A"))
    _refused(session, counts, lambda: apps.change_state(session, province_manager, case.id, State.rejected), Forbidden)


def test_the_provincial_committee_may_reject_too(session, county_expert, intake, province_committee):
    case = apps.submit_application(session, county_expert, intake("A"))
    apps.change_state(session, province_committee, case.id, State.rejected, note="خارج از جامعه هدف")
    session.expire_all()
    assert session.get(Application, case.id).state == State.rejected


def test_the_county_expert_cannot_reject_only_the_committee_can(session, county_expert, intake, counts):
    case = apps.submit_application(session, county_expert, intake("A"))
    _refused(session, counts, lambda: apps.change_state(session, county_expert, case.id, State.rejected), Forbidden)


def test_managers_cannot_score(session, province_manager, county_expert, intake, counts):
    case = apps.submit_application(session, county_expert, intake("A"))
    _refused(session, counts, lambda: apps.score_application(session, province_manager, case.id, need_grade=3), Forbidden)


# --------------------------------------------------------------------------- state
def test_a_legal_move_is_recorded_with_timeline_sms_and_audit(session, county_expert, intake):
    case = apps.submit_application(session, county_expert, intake("B"))
    apps.change_state(session, county_expert, case.id, "documents_incomplete", note="کارت ملی نرسیده")
    session.expire_all()
    assert session.get(Application, case.id).state == State.documents_incomplete
    assert _events(session, case.id)[-1] == ("received", "documents_incomplete")
    last = _sms(session, case.id)[-1]
    assert last.event == "state.documents_incomplete" and "نقص مدارک" in last.body
    audit = [a for a in _rows(session, AuditLog) if a.action == "application.state"]
    assert [(a.before["state"], a.after["state"], a.user_id) for a in audit] == [
        ("received", "documents_incomplete", county_expert.id)
    ]


@pytest.mark.parametrize(
    ("program", "path", "illegal"),
    [
        ("A", [], State.active),
        ("A", [], State.introduced),  # programme A has no introduction to SSO
        ("B", [], State.scored),  # programme B has no scoring table
        ("B", [State.county_decision], State.province_decision),
        ("A", [State.rejected], State.received),  # closed for good
        ("B", [State.withdrawn], State.county_decision),
    ],
)
def test_an_illegal_move_raises_and_writes_nothing(session, admin, intake, counts, program, path, illegal):
    case = apps.submit_application(session, admin, intake(program))
    for state in path:
        apps.change_state(session, admin, case.id, state)
    err = _refused(session, counts, lambda: apps.change_state(session, admin, case.id, illegal))
    assert isinstance(err, IllegalTransition)
    session.expire_all()
    assert session.get(Application, case.id).state == (path[-1] if path else State.received)


def test_programme_b_runs_to_introduction(session, secretary, intake):
    case = apps.submit_application(session, secretary, intake("B"))
    for state in (State.county_decision, State.introduced, State.active, State.completed):
        apps.change_state(session, secretary, case.id, state)
    assert [to for _, to in _events(session, case.id)] == ["received", "county_decision", "introduced", "active", "completed"]
    assert len(_sms(session, case.id)) == 5  # programme B: an SMS at every stage


# --------------------------------------------------------------------------- priority
def test_a_manual_priority_needs_a_reason(session, secretary, intake, counts):
    case = apps.submit_application(session, secretary, intake("A"))
    for reason in (None, "", "   "):
        err = _refused(session, counts, lambda: apps.set_priority(session, secretary, case.id, 1, reason))
        assert err.field == "reason"
    err = _refused(session, counts, lambda: apps.set_priority(session, secretary, case.id, 0, "بحران"))
    assert err.field == "rank"

    apps.set_priority(session, secretary, case.id, 2, " سرپرست خانوار  بیمار ")
    session.expire_all()
    stored = session.get(Application, case.id)
    assert (stored.priority_override, stored.priority_reason, stored.priority_set_by) == (2, "سرپرست خانوار بیمار", secretary.id)
    audit = [a for a in _rows(session, AuditLog) if a.action == "application.priority"]
    assert audit[-1].after["priority_reason"] == "سرپرست خانوار بیمار"

    apps.set_priority(session, secretary, case.id, None, None)  # the committee lifts it
    session.expire_all()
    stored = session.get(Application, case.id)
    assert (stored.priority_override, stored.priority_reason, stored.priority_set_by) == (None, None, None)


def test_county_experts_cannot_set_priority(session, county_expert, intake, counts):
    case = apps.submit_application(session, county_expert, intake("A"))
    _refused(session, counts, lambda: apps.set_priority(session, county_expert, case.id, 1, "دلیل"), Forbidden)


# --------------------------------------------------------------------------- sex and programme B (issue 6)
def test_the_applicants_sex_is_required_and_recorded(session, county_expert, intake, counts):
    error = _refused(session, counts, lambda: apps.submit_application(session, county_expert, intake("A", gender="")))
    assert error.field == "gender" and "جنسیت" in error.message
    assert _refused(session, counts, lambda: apps.submit_application(session, county_expert, intake("A", gender="x"))).field == "gender"
    case = apps.submit_application(session, county_expert, intake("A", gender="male", first_name="رضا"))
    assert session.get(Applicant, case.applicant_id).gender == "male"


def test_a_second_request_corrects_the_sex_on_file(session, county_expert, intake):
    first = apps.submit_application(session, county_expert, intake("A", gender="female"))
    code = session.get(Applicant, first.applicant_id).national_code
    apps.change_state(session, county_expert, first.id, State.withdrawn)
    apps.submit_application(session, county_expert, intake("A", national_code=code, gender="male"))
    session.expire_all()
    assert session.get(Applicant, first.applicant_id).gender == "male"
    changes = _rows(session, AuditLog, AuditLog.action == "applicant.update")
    assert [(c.before["gender"], c.after["gender"]) for c in changes] == [("female", "male")]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"gender": "male"}, "gender"),
        ({"head_of_household": False}, "head_of_household"),
        ({"head_of_household": None}, "head_of_household"),
    ],
)
def test_programme_b_accepts_women_heading_their_household_only(session, county_expert, intake, counts, overrides, field):
    error = _refused(session, counts, lambda: apps.submit_application(session, county_expert, intake("B", **overrides)))
    assert error.field == field
    assert "سرپرست خانوار" in error.message


def test_programme_b_keeps_none_of_programme_as_fields(session, county_expert, intake):
    case = apps.submit_application(
        session, county_expert,
        intake("B", job_field="خیاطی", licence_no="123", discount_holder=True, household=HouseholdData(dependants=4)),
    )
    session.expire_all()
    case = session.get(Application, case.id)
    assert (case.job_field, case.licence_no, case.discount_holder, case.head_of_household) == ("", "", False, True)
    assert session.get(Household, case.id).dependants == 0
    a_case = apps.submit_application(session, county_expert, intake("A", head_of_household=True))
    assert session.get(Application, a_case.id).head_of_household is None
