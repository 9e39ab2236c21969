"""The case list and the ranking in a large area, through AppTest: the case list counts up to
«more than 10,000» and pages through those; the ranking shows 100 ranks a page, numbered from
the top, and a write shows at once (the pages' caches are keyed by the data version)."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import insert
from sqlmodel import select

from db.engine import new_session
from db.models import Applicant, Application, County, Program, ScoreCardRecord, ScoringPolicyVersion
from services import applications as apps
from services.base import SYSTEM
from services.users import actor_for, create_user
from tests.pages.conftest import PASSWORD, app_as


def _bulk_cases(engine, n: int, *, state: str = "received", scored: bool = False) -> list[int]:
    """``n`` cases in Tehran county written in bulk (as an import writes them); ids in order."""
    with new_session(engine) as session:
        county = session.exec(select(County).where(County.name == "تهران")).first()
        program = session.exec(select(Program.id).where(Program.code == "A")).one()
        start = session.exec(select(Applicant.id).order_by(Applicant.id.desc())).first() or 0
        session.exec(insert(Applicant), params=[
            Applicant(national_code=f"8{start + k:09d}", first_name="نفر", last_name=f"شماره{k}",
                      county_id=county.id).model_dump(exclude={"id"})
            for k in range(n)])
        applicants = session.exec(select(Applicant.id).where(Applicant.id > start).order_by(Applicant.id)).all()
        session.exec(insert(Application), params=[
            Application(tracking_code=f"L{a:08d}", applicant_id=a, program_id=program, county_id=county.id,
                        province_id=county.province_id, channel="in_person", state=state,
                        applied_on=date(2024, 1, 1) + timedelta(days=k % 300)).model_dump(exclude={"id"})
            for k, a in enumerate(applicants)])
        ids = session.exec(select(Application.id).where(Application.applicant_id.in_(applicants))
                           .order_by(Application.id)).all()
        if scored:
            version = session.exec(select(ScoringPolicyVersion.version)).first()
            session.exec(insert(ScoreCardRecord), params=[
                ScoreCardRecord(application_id=i, policy_version=version, total=1000 - k, rows=[]).model_dump(exclude={"id"})
                for k, i in enumerate(ids)])
        session.commit()
        return list(ids)


def test_the_case_list_says_more_than_ten_thousand_and_pages_through_them(users, app_db):
    _bulk_cases(app_db, 10_001)
    at = app_as(users["manager"], timeout=120).run()
    at.switch_page("pages/cases.py").run()
    assert not at.exception
    assert at.caption[0].value.startswith("بیش از ۱۰٬۰۰۰ پرونده")
    assert "انتخاب کنید" in at.caption[1].value  # how to see the others: narrow the filters
    pager = at.selectbox(key="cases_page")
    assert pager.options[-1] == "۲۰"
    pager.select(20).run()
    assert "ردیف‌های ۹٬۵۰۱ تا ۱۰٬۰۰۰" in at.caption[0].value
    at.text_input(key="cases_search").input("شماره9999")
    at.button[0].click().run()
    assert list(at.dataframe[0].value["متقاضی"]) == ["نفر شماره9999"]
    assert at.caption[0].value.startswith("۱ پرونده")


def test_the_ranking_shows_a_hundred_ranks_a_page_and_a_change_at_once(users, app_db):
    ids = _bulk_cases(app_db, 150, state="scored", scored=True)  # the first written has the highest total
    with new_session(app_db) as session:
        secretary = actor_for(create_user(session, SYSTEM, username="secretary", full_name="دبیر کمیته تهران",
                                          password=PASSWORD, role="committee_secretary",
                                          county_id=users["county_expert"].county_id))
    at = app_as(secretary, timeout=120).run()
    at.switch_page("pages/ranking.py").run()
    assert not at.exception
    table = at.dataframe[0].value
    assert len(table) == 100 and table.loc[0, "رتبه"] == "۱" and table.loc[99, "رتبه"] == "۱۰۰"
    assert "۱۵۰ پرونده" in at.caption[0].value
    pager = at.selectbox(key=f"ranking_page_{users['county_expert'].county_id}")
    pager.select(2).run()
    table = at.dataframe[0].value
    assert list(table["رتبه"])[:2] == ["۱۰۱", "۱۰۲"] and len(table) == 50
    last = ids[-1]
    with new_session(app_db) as session:  # a committee override written elsewhere shows on the next run
        apps.set_priority(session, secretary, last, 1, "مصوبه جلسه")
    at.selectbox(key=f"ranking_page_{users['county_expert'].county_id}").select(1).run()
    assert at.dataframe[0].value.loc[0, "دلیل اولویت دستی"] == "مصوبه جلسه"


def test_the_ranking_opens_on_a_county_with_cases_waiting(users, app_db):
    """A national manager's ranking opens on the county where cases wait (the first county by
    name usually has none), and the choice says how many wait in each."""
    _bulk_cases(app_db, 3, state="scored", scored=True)
    at = app_as(users["manager"], timeout=120).run()
    at.switch_page("pages/ranking.py").run()
    assert not at.exception
    county = at.selectbox[0]
    assert county.value == users["county_expert"].county_id
    assert "(۳ در انتظار)" in county.format_func(county.value)
    assert len(at.dataframe[0].value) == 3


def test_a_search_with_more_than_500_matches_says_so_and_how_to_narrow_it(users, app_db):
    _bulk_cases(app_db, 501)
    at = app_as(users["manager"], timeout=120).run()
    at.switch_page("pages/cases.py").run()
    at.text_input(key="cases_search").input("شماره")
    at.button[0].click().run()
    assert not at.exception
    assert at.caption[0].value.startswith("بیش از ۵۰۰ پرونده")
    assert "آخر از همه ثبت شده‌اند" in at.caption[1].value and "دقیق‌تر" in at.caption[1].value
    assert "cases_page" not in [box.key for box in at.selectbox]  # one page: the search is narrowed, not paged
    shown = at.dataframe[0].value
    assert len(shown) == 500 and "نفر شماره0" not in set(shown["متقاضی"])  # the first registered is left out
