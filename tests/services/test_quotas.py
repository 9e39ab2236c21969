"""Programme B quotas: who announces them, the floor of introductions already made, one
transaction for a whole table, and the per-county use. SQLite and PostgreSQL."""
from __future__ import annotations

import pytest
from sqlmodel import select

from db.models import AuditLog, Quota
from lib.errors import Forbidden, InvalidInput
from lib.permissions import Role
from services.introductions import introduce
from services.quotas import county_quota, quota_use, set_quota, set_quotas
from tests.services.test_introductions import BRANCH_NAME, ON, YEAR, b_case, branch, fa, refused  # noqa: F401

__all__ = ["b_case"]  # the fixture, shared with the introduction tests


def _quotas(session) -> dict[int, int]:
    session.expire_all()
    return {q.county_id: q.slots for q in session.exec(select(Quota).where(Quota.jalali_year == YEAR)).all()}


def test_province_committee_announces_and_corrects_a_quota_with_audit(session, province_committee, areas):
    created = set_quota(session, province_committee, areas.county, YEAR, 4)
    assert (created.province_id, created.county_id, created.jalali_year, created.slots) == (
        areas.province, areas.county, YEAR, 4,
    )
    set_quota(session, province_committee, areas.county, "۱۴۰۳", "۶")  # Persian digits as typed
    set_quota(session, province_committee, areas.county, YEAR, 6)  # no change: no audit record
    assert _quotas(session) == {areas.county: 6}
    entries = session.exec(select(AuditLog).where(AuditLog.action == "quota.set").order_by(AuditLog.id)).all()
    assert [(e.before and e.before["slots"], e.after["slots"]) for e in entries] == [(None, 4), (4, 6)]
    assert all(e.username == province_committee.username for e in entries)


def test_a_quota_cannot_fall_below_the_introductions_made(branch, session, province_committee, secretary, b_case, areas, counts):
    set_quota(session, province_committee, areas.county, YEAR, 3)
    for _ in range(2):
        introduce(session, secretary, b_case().id, branch, ON)
    message = refused(session, counts, lambda: set_quota(session, province_committee, areas.county, YEAR, 1))
    assert f"تاکنون {fa(2)} نفر" in message and "کمتر از" in message
    set_quota(session, province_committee, areas.county, YEAR, 2)  # down to exactly what is used: fine
    assert _quotas(session) == {areas.county: 2}


@pytest.mark.parametrize("slots, expected", [(-1, "بین ۰ و"), ("پنج", "عدد صحیح"), (None, "وارد کنید"), ("", "وارد کنید")])
def test_bad_slots_are_refused_naming_the_county(session, province_committee, areas, counts, slots, expected):
    message = refused(session, counts, lambda: set_quota(session, province_committee, areas.county, YEAR, slots))
    assert expected in message and "تهران" in message


def test_bad_year_is_refused(session, province_committee, areas, counts):
    assert "سال" in refused(session, counts, lambda: set_quota(session, province_committee, areas.county, 2024, 3))


def test_only_quota_managers_of_the_area_may_set_it(
    session, province_committee, other_province_committee, secretary, county_expert, province_manager,
    national_manager, admin, areas, counts,
):
    for outsider in (other_province_committee, secretary, county_expert):
        refused(session, counts, lambda a=outsider: set_quota(session, a, areas.county, YEAR, 3), Forbidden)
    for manager in (province_committee, province_manager, national_manager, admin):
        set_quota(session, manager, areas.county, YEAR, 3)


def test_a_table_of_quotas_is_saved_all_or_nothing(session, province_committee, areas, counts):
    set_quotas(session, province_committee, YEAR, {areas.county: 5, areas.sibling_county: 2})
    assert _quotas(session) == {areas.county: 5, areas.sibling_county: 2}
    # one county outside the province: nothing of the table is written
    refused(
        session, counts,
        lambda: set_quotas(session, province_committee, YEAR, {areas.county: 9, areas.other_county: 1}),
        Forbidden,
    )
    refused(
        session, counts,
        lambda: set_quotas(session, province_committee, YEAR, {areas.county: 9, areas.sibling_county: -3}),
    )
    assert _quotas(session) == {areas.county: 5, areas.sibling_county: 2}
    with pytest.raises(InvalidInput):
        set_quotas(session, province_committee, YEAR, {})


def test_quota_use_per_county_of_the_users_area(branch, session, province_committee, secretary, county_expert, b_case, areas, admin):
    set_quotas(session, province_committee, YEAR, {areas.county: 3, areas.sibling_county: 0})
    set_quota(session, admin, areas.other_county, YEAR, 7)
    introduce(session, secretary, b_case().id, branch, ON)
    b_case(), b_case()  # two more waiting
    b_case(eligible=False)  # not yet eligible: not waiting

    use = quota_use(session, province_committee, YEAR).set_index("county_id")
    assert areas.other_county not in use.index  # another province
    assert len(use) > 2  # every county of the province, announced or not
    tehran = use.loc[areas.county]
    assert (tehran["slots"], tehran["introduced"], tehran["remaining"], tehran["waiting"]) == (3, 1, 2, 2)
    assert (use.loc[areas.sibling_county, "slots"], use.loc[areas.sibling_county, "remaining"]) == (0, 0)
    unannounced = use.drop([areas.county, areas.sibling_county])
    assert unannounced["slots"].isna().all() and unannounced["remaining"].isna().all()

    own = quota_use(session, county_expert, YEAR)
    assert list(own["county_id"]) == [areas.county]
    assert county_quota(session, county_expert, areas.county, YEAR) == {
        "slots": 3, "introduced": 1, "remaining": 2, "waiting": 2,
    }
    assert county_quota(session, county_expert, areas.county, YEAR + 1)["slots"] is None
    national = quota_use(session, admin, YEAR, province_id=areas.other_province).set_index("county_id")
    assert national.loc[areas.other_county, "slots"] == 7 and areas.county not in national.index


def test_county_staff_cannot_read_another_countys_gauge(session, sibling_county_expert, areas):
    with pytest.raises(Forbidden):
        county_quota(session, sibling_county_expert, areas.county, YEAR)
    # and a province filter never widens a county user's view
    assert quota_use(session, sibling_county_expert, YEAR, county_id=areas.county).empty


def test_an_introduction_sso_refused_gives_its_seat_back(branch, session, province_committee, secretary, b_case, areas, counts):
    from services.introductions import record_sso_refusal

    set_quota(session, province_committee, areas.county, YEAR, 2)
    refused_case = b_case()
    introduce(session, secretary, refused_case.id, branch, ON)
    introduce(session, secretary, b_case().id, branch, ON)
    assert county_quota(session, secretary, areas.county, YEAR)["remaining"] == 0
    record_sso_refusal(session, secretary, refused_case.id, "سابقه بیمه در صندوق دیگر")
    gauge = county_quota(session, secretary, areas.county, YEAR)
    assert (gauge["introduced"], gauge["remaining"]) == (1, 1)
    set_quota(session, province_committee, areas.county, YEAR, 1)  # the refused one no longer counts
