"""The counties and branches page: an administrator adds and renames a county, is refused (in Persian)
retiring one that still has users, and retires a branch awaiting SSO's answers by moving them."""
from __future__ import annotations

from datetime import date, datetime, timezone

from sqlmodel import select

from db.engine import new_session
from db.models import County, Introduction, Province
from services.branches import add_branch
from services.reference import add_county, set_county_active
from tests.pages.conftest import app_as
from tests.services.test_sla_dashboard import make_case

PAGE = "pages/areas.py"


def _tehran(session) -> County:
    return session.exec(select(County).join(Province, Province.id == County.province_id)
                        .where(Province.name == "تهران", County.name == "تهران")).one()


def _open_page(engine, users):
    at = app_as(users["admin"]).run()
    at.switch_page(PAGE).run()
    assert not at.exception
    with new_session(engine) as session:
        tehran = _tehran(session)
    at.selectbox(key="areas_province").select(tehran.province_id).run()
    return at, tehran


def test_add_and_rename_a_county_and_refuse_retiring_one_in_use(app_db, users):
    at, tehran = _open_page(app_db, users)
    at.text_input(key="county_new_name").input("نوشهرک")  # inside a form: sent with its button
    at.button(key="FormSubmitter:county_add-افزودن شهرستان").click().run()
    assert not at.exception and any("نوشهرک" in s.value for s in at.success)
    with new_session(app_db) as session:
        added = session.exec(select(County).where(County.name == "نوشهرک")).one()
    at.selectbox(key="areas_county").select(added.id).run()
    at.text_input(key=f"county_rename_{added.id}").input("نوشهرک غربی").run()
    at.button(key="county_rename").click().run()
    assert not at.exception
    with new_session(app_db) as session:
        assert session.get(County, added.id).name == "نوشهرک غربی"

    at.selectbox(key="areas_county").select(tehran.id).run()  # the county expert works there
    at.button(key="county_toggle").click().run()
    assert any("کاربر فعال" in e.value for e in at.error)
    with new_session(app_db) as session:
        assert session.get(County, tehran.id).active


def test_retire_a_branch_by_moving_its_waiting_introductions(app_db, users):
    with new_session(app_db) as session:
        tehran = _tehran(session)
        old = add_branch(session, users["admin"], tehran.id, "شعبه قدیم")
        new = add_branch(session, users["admin"], tehran.id, "شعبه جدید")
        at = datetime(2025, 1, 1, 9, tzinfo=timezone.utc)
        case = make_case(session, tehran.id, tehran.province_id, "B",
                         [("received", at), ("county_decision", at), ("introduced", at)])
        session.add(Introduction(application_id=case.id, county_id=tehran.id, jalali_year=1403, branch_id=old.id,
                                 branch=old.name, letter_no="L-9", introduced_on=date(2025, 1, 1)))
        session.commit()
        old_id, new_id, case_id = old.id, new.id, case.id
    page, _ = _open_page(app_db, users)
    page.selectbox(key="areas_county").select(tehran.id).run()
    page.selectbox(key="areas_branch_pick").select(old_id).run()
    assert any("منتظر پاسخ" in w.value for w in page.warning)
    page.button(key="areas_branch_toggle").click().run()
    assert any("منتقل شوند انتخاب کنید" in e.value for e in page.error)
    page.selectbox(key="areas_branch_target").select(new_id).run()
    page.button(key="areas_branch_toggle").click().run()
    assert not page.exception and any("وضعیت شعبه" in s.value for s in page.success)
    with new_session(app_db) as session:
        moved = session.exec(select(Introduction).where(Introduction.application_id == case_id)).one()
        assert moved.branch_id == new_id


def test_an_administrator_adds_a_branch_to_a_county(app_db, users):
    """(Once on the quotas page too; kept here only.) The new branch joins the county's list."""
    page, tehran = _open_page(app_db, users)
    page.selectbox(key="areas_county").select(tehran.id).run()
    page.text_input(key="areas_branch_name").input("شعبه ۷ تهران")  # inside a form: sent with its button
    page.text_input(key="areas_branch_code").input("۷")
    page.button(key="FormSubmitter:areas_branch_add-افزودن شعبه").click().run()
    assert not page.exception and not page.error, [e.value for e in page.error]
    assert any("شعبه ۷ تهران" in s.value for s in page.success)
    listed = page.dataframe[-1].value
    assert list(listed["نام شعبه"]) == ["شعبه ۷ تهران"] and list(listed["کد شعبه"]) == ["۷"]


def test_a_retired_county_offers_no_branch_form(app_db, users):
    with new_session(app_db) as session:
        province = _tehran(session).province_id
        retired = add_county(session, users["admin"], province, "کهنه‌شهر")
        set_county_active(session, users["admin"], retired.id, False)
        retired_id = retired.id
    page, _ = _open_page(app_db, users)
    page.selectbox(key="areas_county").select(retired_id).run()
    assert not page.exception
    assert not any(t.key == "areas_branch_name" for t in page.text_input)
    assert any("نخست شهرستان را دوباره فعال کنید" in i.value for i in page.info)
