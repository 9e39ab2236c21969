"""Roles, actions and areas."""
from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lib.errors import Forbidden, InvalidInput
from lib.permissions import (
    ACTION_LABELS,
    PERMISSIONS,
    ROLE_LABELS,
    Action,
    Area,
    Role,
    Scope,
    actions_of,
    can,
    covers,
    require,
    roles_that_can,
    scope_of,
    validate_user_area,
)

R, Ac = Role, Action
COUNTY_EXPERT = {
    Ac.view_cases, Ac.intake, Ac.edit_household, Ac.manage_documents,
    Ac.confirm_eligibility, Ac.score, Ac.manage_complaints, Ac.export,
}
# Written out independently of the module.
EXPECTED = {
    R.county_expert: COUNTY_EXPERT,
    R.committee_secretary: COUNTY_EXPERT | {
        Ac.set_priority, Ac.manage_session, Ac.record_county_decision, Ac.introduce_to_insurer,
    },
    R.province_committee: {
        Ac.view_cases, Ac.set_priority, Ac.manage_session, Ac.record_province_decision,
        Ac.manage_quota, Ac.manage_budget, Ac.run_payments, Ac.view_reports, Ac.export,
        Ac.manage_complaints, Ac.view_payments, Ac.prepare_payments, Ac.finalize_payments,
    },
    R.manager: {
        Ac.view_cases, Ac.view_reports, Ac.export, Ac.manage_quota, Ac.manage_budget,
        Ac.view_audit, Ac.view_payments, Ac.approve_payments, Ac.finalize_payments,
    },
    # issue 7: the administrator never prepares, approves or finalises money
    R.admin: set(Action) - {Ac.prepare_payments, Ac.approve_payments, Ac.finalize_payments},
}

TEHRAN, ISFAHAN = 8, 4
TEHRAN_CITY, SHEMIRANAT, ISFAHAN_CITY = 101, 102, 401
HOME_AREAS = {
    R.county_expert: Area(TEHRAN, TEHRAN_CITY),
    R.committee_secretary: Area(TEHRAN, TEHRAN_CITY),
    R.province_committee: Area(TEHRAN, None),
    R.manager: Area(TEHRAN, None),
    R.admin: Area(None, None),
}


def persian(text: str) -> bool:
    return bool(re.search(r"[\u0600-\u06FF]", text))


def test_labels():
    assert set(ROLE_LABELS) == set(Role)
    assert set(ACTION_LABELS) == set(Action)
    assert ROLE_LABELS[R.county_expert] == "کارشناس شهرستان"
    assert ROLE_LABELS[R.admin] == "مدیر سامانه"
    assert all(persian(label) for label in [*ROLE_LABELS.values(), *ACTION_LABELS.values()])


@pytest.mark.parametrize(("role", "action"), [(r, a) for r in Role for a in Action])
def test_the_table_cell_by_cell(role, action):
    assert can(role, action) is (action in EXPECTED[role])
    assert can(role.value, action.value) is (action in EXPECTED[role])


def test_table_and_helpers_agree():
    assert {role: set(actions) for role, actions in PERMISSIONS.items()} == EXPECTED
    assert actions_of("admin") == frozenset(Action) - {Ac.prepare_payments, Ac.approve_payments, Ac.finalize_payments}
    assert roles_that_can(Ac.record_province_decision) == {R.province_committee, R.admin}
    assert roles_that_can("manage_users") == {R.admin}


def test_every_action_is_somebody_s_job_besides_the_admin_s_for_case_work():
    case_work = set(Action) - {Ac.manage_users, Ac.manage_reference_data}
    for action in case_work:
        assert roles_that_can(action) - {R.admin}, action


def test_unknown_role_or_action_is_invalid_input():
    with pytest.raises(InvalidInput) as caught:
        can("janitor", Ac.view_cases)
    assert caught.value.field == "role"
    with pytest.raises(InvalidInput) as caught:
        can(R.admin, "fly")
    assert caught.value.field == "action"


# --------------------------------------------------------------------------- areas and scope
@pytest.mark.parametrize(
    ("role", "area", "scope"),
    [
        (R.county_expert, Area(TEHRAN, TEHRAN_CITY), Scope.county),
        (R.county_expert, Area(None, TEHRAN_CITY), Scope.county),
        (R.committee_secretary, Area(TEHRAN, TEHRAN_CITY), Scope.county),
        (R.province_committee, Area(TEHRAN, None), Scope.province),
        (R.manager, Area(TEHRAN, None), Scope.province),
        (R.manager, Area(None, None), Scope.national),
        (R.admin, Area(None, None), Scope.national),
        ("manager", Area(), Scope.national),
    ],
)
def test_scope_follows_role_and_area(role, area, scope):
    validate_user_area(role, area)
    assert scope_of(role, area) is scope


@pytest.mark.parametrize(
    ("role", "area", "field"),
    [
        (R.county_expert, Area(TEHRAN, None), "county_id"),
        (R.county_expert, Area(None, None), "county_id"),
        (R.committee_secretary, Area(TEHRAN, None), "county_id"),
        (R.province_committee, Area(None, None), "province_id"),
        (R.province_committee, Area(TEHRAN, TEHRAN_CITY), "county_id"),
        (R.manager, Area(TEHRAN, TEHRAN_CITY), "county_id"),
        (R.admin, Area(TEHRAN, None), "province_id"),
        (R.admin, Area(None, TEHRAN_CITY), "county_id"),
    ],
)
def test_an_area_that_does_not_fit_the_role_is_refused(role, area, field):
    with pytest.raises(InvalidInput) as caught:
        validate_user_area(role, area)
    assert caught.value.field == field
    assert persian(caught.value.message)
    with pytest.raises(InvalidInput):
        scope_of(role, area)


def test_county_scope_covers_its_county_only():
    me = Area(TEHRAN, TEHRAN_CITY)
    assert covers(R.county_expert, me, Area(TEHRAN, TEHRAN_CITY))
    assert covers(R.county_expert, me, Area(None, TEHRAN_CITY))
    assert not covers(R.county_expert, me, Area(TEHRAN, SHEMIRANAT))
    assert not covers(R.county_expert, me, Area(TEHRAN, None))  # a province-level object
    assert not covers(R.county_expert, me, Area(None, None))


def test_province_scope_covers_its_province_only():
    me = Area(TEHRAN, None)
    assert covers(R.province_committee, me, Area(TEHRAN, SHEMIRANAT))
    assert covers(R.province_committee, me, Area(TEHRAN, None))
    assert not covers(R.province_committee, me, Area(ISFAHAN, ISFAHAN_CITY))
    assert not covers(R.province_committee, me, Area(None, TEHRAN_CITY))  # unknown: fail closed
    assert covers(R.manager, me, Area(TEHRAN, TEHRAN_CITY))
    assert not covers(R.manager, me, Area(ISFAHAN, None))


def test_national_scope_covers_everything():
    for target in (Area(TEHRAN, TEHRAN_CITY), Area(ISFAHAN, None), Area()):
        assert covers(R.admin, Area(), target)
        assert covers(R.manager, Area(), target)


def test_a_misconfigured_user_covers_nothing():
    assert not covers(R.county_expert, Area(TEHRAN, None), Area(TEHRAN, TEHRAN_CITY))
    assert not covers(R.admin, Area(TEHRAN, None), Area(TEHRAN, TEHRAN_CITY))


# --------------------------------------------------------------------------- require
def test_require_passes_for_an_allowed_action_in_the_area():
    require(R.county_expert, Ac.score, Area(TEHRAN, TEHRAN_CITY), Area(TEHRAN, TEHRAN_CITY))
    require("province_committee", "run_payments", Area(TEHRAN, None))
    require(R.admin, Ac.manage_users, Area(), Area(ISFAHAN, ISFAHAN_CITY))


def test_require_refuses_an_action_the_role_may_not_do():
    with pytest.raises(Forbidden) as caught:
        require(R.county_expert, Ac.record_province_decision, Area(TEHRAN, TEHRAN_CITY))
    message = caught.value.message
    assert ROLE_LABELS[R.county_expert] in message
    assert ACTION_LABELS[Ac.record_province_decision] in message


def test_require_refuses_a_target_outside_the_area_with_another_message():
    with pytest.raises(Forbidden) as role_refusal:
        require(R.county_expert, Ac.run_payments, Area(TEHRAN, TEHRAN_CITY))
    with pytest.raises(Forbidden) as area_refusal:
        require(R.county_expert, Ac.score, Area(TEHRAN, TEHRAN_CITY), Area(TEHRAN, SHEMIRANAT))
    assert area_refusal.value.message != role_refusal.value.message
    assert "محدوده" in area_refusal.value.message
    assert "شهرستان" in area_refusal.value.message
    with pytest.raises(Forbidden) as province_refusal:
        require(R.province_committee, Ac.view_cases, Area(TEHRAN, None), Area(ISFAHAN, ISFAHAN_CITY))
    assert "استان" in province_refusal.value.message


def test_the_role_is_checked_before_the_area():
    with pytest.raises(Forbidden) as caught:
        require(R.manager, Ac.score, Area(TEHRAN, None), Area(ISFAHAN, None))
    assert ACTION_LABELS[Ac.score] in caught.value.message


def test_require_refuses_a_user_whose_area_is_misconfigured():
    with pytest.raises(Forbidden) as caught:
        require(R.county_expert, Ac.view_cases, Area(TEHRAN, None))
    assert "مدیر سامانه" in caught.value.message


# --------------------------------------------------------------------------- properties
ids = st.one_of(st.none(), st.integers(1, 500))
areas = st.builds(Area, ids, ids)
county_roles = st.sampled_from([R.county_expert, R.committee_secretary])


@given(county_roles, st.integers(1, 500), ids, areas)
def test_a_county_user_never_covers_another_county(role, county, province, target):
    me = Area(province, county)
    if target.county_id != county:
        assert not covers(role, me, target)
        with pytest.raises(Forbidden):
            require(role, Ac.view_cases, me, target)
    else:
        assert covers(role, me, target)


@given(st.integers(1, 31), areas)
def test_a_province_user_never_covers_another_province(province, target):
    me = Area(province, None)
    for role in (R.province_committee, R.manager):
        assert covers(role, me, target) is (target.province_id == province)


@given(st.sampled_from(list(Role)), st.sampled_from(list(Action)), areas)
def test_require_agrees_with_can_and_covers(role, action, target):
    me = HOME_AREAS[role]
    allowed = can(role, action) and covers(role, me, target)
    if allowed:
        require(role, action, me, target)
    else:
        with pytest.raises(Forbidden):
            require(role, action, me, target)
