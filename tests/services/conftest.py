"""Fixtures shared by the service tests: places, users of each role, a valid intake form.

Every fixture here builds on ``session`` from ``tests/conftest.py``, so each service test runs
on SQLite and (when ``BIMEYAR_TEST_PG_URL`` is set) on PostgreSQL.

The places are fixed, real reference rows: the acting county is «تهران» in the province of
Tehran, a sibling county in the same province is «اسلامشهر», and another province is Isfahan
with its county «کاشان».
"""
from __future__ import annotations

import itertools
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import pytest
from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import Session, SQLModel, select

from db.models import County, Province, User
from lib.identifiers import generate_national_code
from lib.permissions import Role
from services.applications import HouseholdData, IntakeData
from services.base import Actor
from services.users import actor_for

# A date in Jalali 1403 (the tracking code carries the year: A03…).
APPLIED_ON = date(2024, 6, 1)
MOBILE = "09121234567"


@dataclass(frozen=True)
class Areas:
    province: int  # Tehran
    county: int  # Tehran county, where the acting county staff work
    sibling_county: int  # Islamshahr: same province, another county
    other_province: int  # Isfahan
    other_county: int  # Kashan, in Isfahan


def _county(session: Session, province_name: str, county_name: str) -> County:
    row = session.exec(
        select(County)
        .join(Province, Province.id == County.province_id)
        .where(Province.name == province_name, County.name == county_name)
    ).first()
    assert row is not None, f"reference data lacks {province_name}/{county_name}"
    return row


@pytest.fixture
def areas(session) -> Areas:
    tehran = _county(session, "تهران", "تهران")
    islamshahr = _county(session, "تهران", "اسلامشهر")
    kashan = _county(session, "اصفهان", "کاشان")
    return Areas(
        province=tehran.province_id,
        county=tehran.id,
        sibling_county=islamshahr.id,
        other_province=kashan.province_id,
        other_county=kashan.id,
    )


@pytest.fixture
def make_actor(session) -> Callable[..., Actor]:
    """Insert a user of ``role`` in an area and return it as an Actor.

    The password hash is a placeholder (these users never sign in; the users tests create
    their accounts through ``create_user``), which keeps the many role fixtures fast.
    """
    counter = itertools.count(1)

    def make(role: Role, *, province_id: int | None = None, county_id: int | None = None) -> Actor:
        user = User(
            username=f"{role.value.replace('_', '')}{next(counter)}",
            full_name=f"کاربر آزمون {role.value}",
            password_hash="not-a-real-hash",
            role=role.value,
            province_id=province_id,
            county_id=county_id,
        )
        session.add(user)
        session.commit()
        return actor_for(user)

    return make


@pytest.fixture
def admin(make_actor) -> Actor:
    return make_actor(Role.admin)


@pytest.fixture
def county_expert(make_actor, areas) -> Actor:
    return make_actor(Role.county_expert, province_id=areas.province, county_id=areas.county)


@pytest.fixture
def sibling_county_expert(make_actor, areas) -> Actor:
    """A county expert of another county in the same province."""
    return make_actor(Role.county_expert, province_id=areas.province, county_id=areas.sibling_county)


@pytest.fixture
def secretary(make_actor, areas) -> Actor:
    return make_actor(Role.committee_secretary, province_id=areas.province, county_id=areas.county)


@pytest.fixture
def province_committee(make_actor, areas) -> Actor:
    return make_actor(Role.province_committee, province_id=areas.province)


@pytest.fixture
def other_province_committee(make_actor, areas) -> Actor:
    return make_actor(Role.province_committee, province_id=areas.other_province)


@pytest.fixture
def province_manager(make_actor, areas) -> Actor:
    return make_actor(Role.manager, province_id=areas.province)


@pytest.fixture
def national_manager(make_actor) -> Actor:
    return make_actor(Role.manager)


def default_household() -> HouseholdData:
    return HouseholdData(
        disabled_members=1,
        severity="moderate",
        marital_status="married",
        dependants=2,
        insured_years=3,
        need_grade=None,
    )


@pytest.fixture
def new_national_code() -> Callable[[], str]:
    """Distinct valid national codes (deterministic per test)."""
    rng = random.Random(1403)
    seen: set[str] = set()

    def make() -> str:
        while True:
            code = generate_national_code(rng)
            if code not in seen:
                seen.add(code)
                return code

    return make


@pytest.fixture
def intake(areas, new_national_code) -> Callable[..., IntakeData]:
    """A valid Form 1 for programme A (or B) in the acting county; keyword overrides win."""

    def make(program: str = "A", /, **overrides) -> IntakeData:
        values = dict(
            program=program,
            county_id=areas.county,
            channel="in_person",
            national_code=new_national_code(),
            first_name="مریم",
            last_name="احمدی",
            gender="female",
            head_of_household=True if program == "B" else None,
            father_name="علی",
            mobile=MOBILE,
            covering_domain="rehabilitation" if program == "A" else "relief",
            target_group="disabled" if program == "A" else "female_head",
            job_field="خیاطی",
            applied_on=APPLIED_ON,
            household=default_household() if program == "A" else HouseholdData(),
        )
        values.update(overrides)
        return IntakeData(**values)

    return make


def table_counts(session: Session) -> dict[str, int]:
    """Committed rows of every table, read on a fresh connection (not the test's session)."""
    with session.get_bind().connect() as conn:
        return {
            table.name: conn.execute(sa_select(func.count()).select_from(table)).scalar_one()
            for table in SQLModel.metadata.sorted_tables
        }


@pytest.fixture
def counts(session) -> Callable[[], dict[str, int]]:
    return lambda: table_counts(session)
