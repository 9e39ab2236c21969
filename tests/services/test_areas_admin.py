"""Counties and SSO branches kept by administrators: add, rename, retire — no duplicate names in a
province (county) or county (branch); a county is retired only when nothing in it is open; a branch
with introductions awaiting SSO's answer is retired only by moving them to another branch; every
change audited with before and after — on SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlmodel import select

from db.models import AuditLog, County, Introduction
from lib.errors import Forbidden, InvalidInput
from lib.permissions import Role
from services.branches import add_branch, county_branches, open_introductions, rename_branch, set_branch_active
from services.reference import add_county, county_table, counties_of, rename_county, set_county_active
from services.users import create_user, set_active
from tests.services.test_sla_dashboard import make_case

AT = datetime(2025, 1, 1, 9, tzinfo=timezone.utc)


def _introduced(session, areas, branch, letter: str):
    case = make_case(session, areas.county, areas.province, "B",
                     [("received", AT), ("county_decision", AT), ("introduced", AT)])
    session.add(Introduction(application_id=case.id, county_id=areas.county, jalali_year=1403, branch_id=branch.id,
                             branch=branch.name, letter_no=letter, introduced_on=date(2025, 1, 1)))
    session.commit()
    return case


def _audits(session, action: str) -> list[AuditLog]:
    return list(session.exec(select(AuditLog).where(AuditLog.action == action).order_by(AuditLog.id)).all())


def test_a_county_is_added_renamed_and_retired_with_audit(session, admin, areas):
    added = add_county(session, admin, areas.province, "  نوشهرک‌شرقی ")
    assert added.name == "نوشهرک‌شرقی" and added.active
    rename_county(session, admin, added.id, "نوشهرک")
    set_county_active(session, admin, added.id, False)
    assert added.id not in {c.id for c in counties_of(session, areas.province, active_only=True)}
    assert added.id in {c.id for c in counties_of(session, areas.province)}  # history keeps it
    assert _audits(session, "county.rename")[0].before["name"] == "نوشهرک‌شرقی"
    assert _audits(session, "county.rename")[0].after["name"] == "نوشهرک"
    record = _audits(session, "county.active")[0]
    assert (record.before["active"], record.after["active"], record.province_id) == (True, False, areas.province)
    with pytest.raises(InvalidInput, match="غیرفعال شده"):  # no new user in a retired county
        create_user(session, admin, username="k.pardis", full_name="کارشناس پردیس", password="secret-pass-1",
                    role="county_expert", county_id=added.id)
    set_county_active(session, admin, added.id, True)
    assert session.get(County, added.id).active


def test_duplicate_or_empty_county_names_are_refused(session, admin, areas):
    tehran = session.get(County, areas.county)
    with pytest.raises(InvalidInput, match="در همین استان هست"):
        add_county(session, admin, areas.province, tehran.name)
    with pytest.raises(InvalidInput, match="در همین استان هست"):
        rename_county(session, admin, areas.sibling_county, tehran.name)
    with pytest.raises(InvalidInput, match="نام شهرستان"):
        add_county(session, admin, areas.province, "   ")
    with pytest.raises(InvalidInput, match="استان"):
        add_county(session, admin, 10**9, "تازه")
    # the same name in another province is another county
    assert add_county(session, admin, areas.other_province, tehran.name).province_id == areas.other_province
    assert _audits(session, "county.rename") == []


def test_a_county_with_open_cases_users_or_branches_is_not_retired(session, admin, areas, county_expert):
    make_case(session, areas.county, areas.province, "A", [("received", AT)])
    add_branch(session, admin, areas.county, "شعبه ۳")
    session.commit()
    with pytest.raises(InvalidInput) as refused:
        set_county_active(session, admin, areas.county, False)
    assert all(word in refused.value.message for word in ("۱ پرونده باز", "۱ کاربر فعال", "۱ شعبه فعال"))
    assert session.get(County, areas.county).active and _audits(session, "county.active") == []
    row = next(r for r in county_table(session, admin, areas.province) if r.id == areas.county)
    assert (row.open_cases, row.active_users, row.active_branches) == (1, 1, 1)


def test_a_branch_is_renamed_without_duplicates(session, admin, areas):
    first = add_branch(session, admin, areas.county, "شعبه ۱", "11")
    add_branch(session, admin, areas.county, "شعبه ۲")
    renamed = rename_branch(session, admin, first.id, "شعبه یک", "۱۱-الف".replace("الف", "A"))
    assert (renamed.name, renamed.code) == ("شعبه یک", "11-A")
    with pytest.raises(InvalidInput, match="در فهرست همین شهرستان هست"):
        rename_branch(session, admin, first.id, "شعبه ۲")
    with pytest.raises(InvalidInput, match="چیزی تغییر نکرد"):
        rename_branch(session, admin, first.id, "شعبه یک", "11-A")
    record = _audits(session, "sso_branch.rename")[0]
    assert (record.before["name"], record.after["name"]) == ("شعبه ۱", "شعبه یک")


def test_a_branch_awaiting_answers_is_retired_only_by_moving_its_introductions(session, admin, areas):
    old = add_branch(session, admin, areas.county, "شعبه قدیم")
    new = add_branch(session, admin, areas.county, "شعبه جدید")
    elsewhere = add_branch(session, admin, areas.sibling_county, "شعبه اسلامشهر")
    waiting = _introduced(session, areas, old, "L-1")
    with pytest.raises(InvalidInput, match="منتظر پاسخ"):
        set_branch_active(session, admin, old.id, False)
    with pytest.raises(InvalidInput):  # another county's branch
        set_branch_active(session, admin, old.id, False, reassign_to=elsewhere.id)
    with pytest.raises(InvalidInput, match="جز همین شعبه"):
        set_branch_active(session, admin, old.id, False, reassign_to=old.id)
    assert session.get(type(old), old.id).active
    set_branch_active(session, admin, old.id, False, reassign_to=new.id)
    moved = session.exec(select(Introduction).where(Introduction.application_id == waiting.id)).one()
    assert (moved.branch_id, moved.branch) == (new.id, "شعبه جدید")
    assert open_introductions(session, old.id) == [] and len(open_introductions(session, new.id)) == 1
    record = _audits(session, "sso_branch.reassign")[0]
    assert record.after == {"to_branch_id": new.id, "introductions_moved": [waiting.id], "county_id": areas.county}
    assert [b.name for b in county_branches(session, admin, areas.county)] == ["شعبه جدید"]


def test_only_administrators_change_counties_and_branches(session, make_actor, areas, admin):
    manager = make_actor(Role.manager, province_id=areas.province)
    branch = add_branch(session, admin, areas.county, "شعبه")
    for attempt in (lambda: add_county(session, manager, areas.province, "تازه"),
                    lambda: rename_county(session, manager, areas.county, "تازه"),
                    lambda: set_county_active(session, manager, areas.county, False),
                    lambda: rename_branch(session, manager, branch.id, "تازه"),
                    lambda: county_table(session, manager, areas.province)):
        with pytest.raises(Forbidden):
            attempt()


def test_a_retired_county_takes_no_new_case(session, admin, areas, intake, counts):
    """Form 1 and the county choices refuse a retired county; nothing is written."""
    from services.applicants import county_choices
    from services.applications import submit_application

    added = add_county(session, admin, areas.province, "کهنه‌شهر")
    set_county_active(session, admin, added.id, False)
    assert added.id not in {c for c, _, _ in county_choices(session)}
    assert areas.county in {c for c, _, _ in county_choices(session)}
    before = counts()
    with pytest.raises(InvalidInput, match="بازنشسته") as refused:
        submit_application(session, admin, intake(county_id=added.id))
    assert refused.value.field == "county_id"
    session.rollback()
    assert counts() == before
    set_county_active(session, admin, added.id, True)  # back in use, it takes cases again
    assert submit_application(session, admin, intake(county_id=added.id)).county_id == added.id


def test_a_retired_county_takes_no_active_branch(session, admin, areas, counts):
    """Retiring asks that no branch of the county is active; afterwards none is added or brought back."""
    added = add_county(session, admin, areas.province, "نوشهرک")
    branch = add_branch(session, admin, added.id, "شعبه نوشهرک")
    set_branch_active(session, admin, branch.id, False)
    set_county_active(session, admin, added.id, False)
    before = counts()
    for attempt in (lambda: add_branch(session, admin, added.id, "شعبه تازه"),
                    lambda: set_branch_active(session, admin, branch.id, True)):
        with pytest.raises(InvalidInput, match="بازنشسته شده است و شعبه فعال نمی‌پذیرد") as refused:
            attempt()
        assert refused.value.field == "county_id" and "دوباره فعال کنید" in refused.value.message
        session.rollback()
        assert counts() == before
    assert not session.get(type(branch), branch.id).active
    set_county_active(session, admin, added.id, True)  # back in use, its branch can serve again
    assert set_branch_active(session, admin, branch.id, True).active


def test_a_user_of_a_retired_county_is_not_activated_again(session, admin, areas, counts):
    added = add_county(session, admin, areas.province, "نوشهرک")
    user = create_user(session, admin, username="k.noshahrak", full_name="کارشناس نوشهرک", password="secret-pass-1",
                       role="county_expert", county_id=added.id)
    set_active(session, admin, user.id, False)
    set_county_active(session, admin, added.id, False)
    before = counts()
    with pytest.raises(InvalidInput, match="بازنشسته شده است و کاربر فعال نمی‌پذیرد") as refused:
        set_active(session, admin, user.id, True)
    assert "حساب تازه" in refused.value.message
    session.rollback()
    assert counts() == before and not session.get(type(user), user.id).active
    set_county_active(session, admin, added.id, True)
    assert set_active(session, admin, user.id, True).active
