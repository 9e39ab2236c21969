"""The minimum wage table kept by an administrator: a new year's wage entered unconfirmed is
flagged, confirmed later; bad input is refused in Persian with nothing written; every change audited."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from db.models import AuditLog, MinimumWage
from lib.errors import Forbidden, InvalidInput
from lib.audit_labels import action_label
from services.base import SYSTEM, Actor
from services.wages import FIRST_YEAR, LAST_YEAR, MAX_DAILY_WAGE, set_wage, wage_of, wage_table
from lib.permissions import Role

EXPERT = Actor(id=None, username="expert", full_name="کارشناس", role=Role.county_expert, province_id=1, county_id=1)


def _audits(session, action="wage.set"):
    return session.exec(select(AuditLog).where(AuditLog.action == action).order_by(AuditLog.id)).all()


def test_new_year_unconfirmed_then_confirmed_each_change_audited(session):
    year = max(r.jalali_year for r in wage_table(session, SYSTEM)) + 1
    made = set_wage(session, SYSTEM, jalali_year=year, daily_wage_rial=4_000_000, confirmed=False, note="پیش‌نویس")
    assert (made.daily_wage_rial, made.confirmed, made.note) == (4_000_000, False, "پیش‌نویس")
    assert wage_of(session, year).confirmed is False
    assert wage_table(session, SYSTEM)[0].jalali_year == year  # newest first
    set_wage(session, SYSTEM, jalali_year=year, daily_wage_rial=4_100_000, confirmed=True, note=None)
    row = session.get(MinimumWage, year)
    assert (row.daily_wage_rial, row.confirmed, row.note) == (4_100_000, True, None)
    audits = _audits(session)
    assert len(audits) == 2
    assert audits[0].before is None and audits[0].after["confirmed"] is False
    assert audits[1].before["daily_wage_rial"] == 4_000_000 and audits[1].after["daily_wage_rial"] == 4_100_000
    assert action_label("wage.set") == "ثبت یا ویرایش حداقل دستمزد"
    # saving the same values again changes nothing and is not audited twice
    set_wage(session, SYSTEM, jalali_year=year, daily_wage_rial=4_100_000, confirmed=True)
    assert len(_audits(session)) == 2


def test_only_an_administrator_edits_the_table(session):
    with pytest.raises(Forbidden):
        set_wage(session, EXPERT, jalali_year=1410, daily_wage_rial=1, confirmed=True)
    with pytest.raises(Forbidden):
        wage_table(session, EXPERT)
    assert session.get(MinimumWage, 1410) is None


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(year=st.integers(1000, 2000), wage=st.integers(-10, MAX_DAILY_WAGE * 2))
@example(year=FIRST_YEAR - 1, wage=1)
@example(year=LAST_YEAR + 1, wage=1)
@example(year=1410, wage=0)
@example(year=1410, wage=MAX_DAILY_WAGE + 1)
@example(year=FIRST_YEAR, wage=1)
@example(year=LAST_YEAR, wage=MAX_DAILY_WAGE)
def test_a_year_or_wage_out_of_range_is_refused_with_nothing_written(session, year, wage):
    valid = FIRST_YEAR <= year <= LAST_YEAR and 1 <= wage <= MAX_DAILY_WAGE
    before = session.get(MinimumWage, year)
    before = None if before is None else (before.daily_wage_rial, before.confirmed)
    if valid:
        set_wage(session, SYSTEM, jalali_year=year, daily_wage_rial=wage, confirmed=False)
        assert session.get(MinimumWage, year).daily_wage_rial == wage
    else:
        with pytest.raises(InvalidInput) as refused:
            set_wage(session, SYSTEM, jalali_year=year, daily_wage_rial=wage, confirmed=False)
        session.rollback()
        assert refused.value.field in ("jalali_year", "daily_wage_rial")
        after = session.get(MinimumWage, year)
        assert (None if after is None else (after.daily_wage_rial, after.confirmed)) == before


@pytest.mark.parametrize("kwargs, field", [
    ({"daily_wage_rial": "۱۰۰۰"}, "daily_wage_rial"),  # text, not a number: the page parses digits
    ({"daily_wage_rial": 1.5}, "daily_wage_rial"),
    ({"confirmed": "yes"}, "confirmed"),
    ({"note": "a\x00b"}, "note"),
    ({"note": "ی" * 301}, "note"),
])
def test_malformed_input_is_refused_in_persian(session, kwargs, field):
    args = {"jalali_year": 1410, "daily_wage_rial": 5_000_000, "confirmed": True, **kwargs}
    with pytest.raises(InvalidInput) as refused:
        set_wage(session, SYSTEM, **args)
    assert refused.value.field == field and any("\u0600" <= ch <= "\u06ff" for ch in refused.value.message)
    session.rollback()
    assert session.get(MinimumWage, 1410) is None


def test_the_meeting_cost_flags_an_unconfirmed_wage(session):
    from datetime import date

    from lib.jalali import jalali_year_of
    from services.committee.common import Terms
    from services.committee.meeting import approval_cost

    today = date(2026, 11, 30)
    year = jalali_year_of(today)
    terms = Terms(months=12, share_percent=100, contract_rate_bp=1800)
    set_wage(session, SYSTEM, jalali_year=year, daily_wage_rial=5_000_000, confirmed=False)
    cost = approval_cost(session, SYSTEM, terms, today)
    assert (cost.wage_year, cost.wage_confirmed) == (year, False)
    set_wage(session, SYSTEM, jalali_year=year, daily_wage_rial=5_000_000, confirmed=True)
    assert approval_cost(session, SYSTEM, terms, today).wage_confirmed is True
