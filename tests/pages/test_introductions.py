"""The introductions page (programme B) and the quotas page through AppTest."""
from __future__ import annotations

import random
from datetime import timedelta

import pytest
from sqlmodel import select

from lib.jalali import local_today
from db.engine import new_session
from db.models import Application, County, Introduction
from lib.identifiers import generate_national_code
from lib.jalali import jalali_year_of
from lib.text import to_persian_digits
from lib.workflow import State
from services import applications as apps
from services.applications import HouseholdData, IntakeData
from services.base import SYSTEM
from services.branches import add_branch
from services.quotas import set_quota
from services.users import actor_for, create_user
from ui.fmt import md_escape
from tests.pages.conftest import PASSWORD, app_as

PAGE = "pages/introductions.py"
NAMES = ("مهسا", "نسرین", "پروین")
BRANCH = "شعبه ۳ تهران"


@pytest.fixture
def programme_b(app_db):
    """A committee secretary and a province committee member of Tehran, and three women on the
    waiting list (ranked in the order of NAMES: the first applied earliest)."""
    with new_session(app_db) as session:
        tehran = session.exec(select(County).where(County.name == "تهران")).first()
        secretary = actor_for(create_user(
            session, SYSTEM, username="secretary", full_name="دبیر کمیته تهران", password=PASSWORD,
            role="committee_secretary", county_id=tehran.id,
        ))
        province = actor_for(create_user(
            session, SYSTEM, username="province", full_name="کمیته استان تهران", password=PASSWORD,
            role="province_committee", province_id=tehran.province_id,
        ))
        rng = random.Random(7)
        cases = []
        for days_ago, first_name in zip((30, 20, 10), NAMES):
            case = apps.submit_application(session, secretary, IntakeData(
                program="B", county_id=tehran.id, channel="portal", national_code=generate_national_code(rng),
                first_name=first_name, last_name="کاظمی", gender="female", head_of_household=True, mobile="09121234567",
                applied_on=local_today() - timedelta(days=days_ago), household=HouseholdData(),
            ))
            apps.change_state(session, secretary, case.id, State.county_decision)
            cases.append(case)
        branch = add_branch(session, SYSTEM, tehran.id, BRANCH, "3").id  # as an administrator adds it
    return {"secretary": secretary, "province": province, "county": tehran.id, "cases": cases, "branch": branch}


def _announce(app_db, actor, county_id: int, slots: int) -> None:
    with new_session(app_db) as session:
        set_quota(session, actor, county_id, jalali_year_of(local_today()), slots)


def _widget(at, kind: str, label: str):
    return next(w for w in getattr(at, kind) if w.label == label)


def _choose_branch(at, branch_id: int):
    """Pick the branch in the form's select (AppTest cannot format int options: set its state)."""
    at.session_state[_widget(at, "selectbox", "شعبه تأمین اجتماعی").key] = branch_id
    return at


def _introduce_first(at, branch_id: int):
    _choose_branch(at, branch_id)
    at.button(key="FormSubmitter:introduce-معرفی").click().run()
    at.button(key="confirm_introduce").click().run()
    return at


def test_waiting_list_is_shown_ranked_with_the_quota_gauge(programme_b, app_db):
    _announce(app_db, programme_b["province"], programme_b["county"], 2)
    at = app_as(programme_b["secretary"]).run()
    at.switch_page(PAGE).run()
    assert not at.exception
    assert at.title[0].value == "معرفی به تأمین اجتماعی"
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["سهمیه سال"] == "۲" and metrics["باقی‌مانده"] == "۲" and metrics["در فهرست انتظار"] == "۳"
    waiting = at.dataframe[0].value
    assert [name.split()[0] for name in waiting["نام"]] == list(NAMES)
    assert list(waiting["رتبه"]) == ["۱", "۲", "۳"]
    assert list(waiting["در سهمیه امسال"]) == ["بله", "بله", "خیر"]


def test_introducing_within_the_quota_confirms_writes_and_offers_the_letter(programme_b, app_db):
    _announce(app_db, programme_b["province"], programme_b["county"], 2)
    at = app_as(programme_b["secretary"]).run()
    at.switch_page(PAGE).run()
    at = _introduce_first(at, programme_b["branch"])
    assert not at.exception and not at.error
    assert "معرفی شد" in at.success[0].value and NAMES[0] in at.success[0].value
    assert any(b.label == "دریافت معرفی‌نامه (PDF)" for b in at.get("download_button"))
    assert {m.label: m.value for m in at.metric}["معرفی‌شده"] == "۱"
    with new_session(app_db) as session:
        made = session.exec(select(Introduction)).one()
        assert made.branch == BRANCH and made.application_id == programme_b["cases"][0].id
        assert session.get(Application, made.application_id).state == State.introduced.value
    # the message is Markdown with the typed parts escaped: the browser shows the letter number as is
    assert md_escape(to_persian_digits(made.letter_no)) in at.success[0].value
    assert [n.split()[0] for n in at.dataframe[0].value["نام"]] == list(NAMES[1:])


def test_over_quota_shows_the_persian_refusal_and_writes_nothing(programme_b, app_db):
    _announce(app_db, programme_b["province"], programme_b["county"], 1)
    at = app_as(programme_b["secretary"]).run()
    at.switch_page(PAGE).run()
    at = _introduce_first(at, programme_b["branch"])
    assert "معرفی شد" in at.success[0].value
    at = _introduce_first(at, programme_b["branch"])  # the next in line, but the only slot is taken
    assert "تکمیل" in at.error[0].value and "رتبه آن ۱" in at.error[0].value
    with new_session(app_db) as session:
        assert len(session.exec(select(Introduction)).all()) == 1


def test_without_a_quota_the_page_says_so_and_refuses(programme_b):
    at = app_as(programme_b["secretary"]).run()
    at.switch_page(PAGE).run()
    assert {m.label: m.value for m in at.metric}["سهمیه سال"] == "اعلام نشده"
    at = _introduce_first(at, programme_b["branch"])
    assert "سهمیه‌ای اعلام نشده" in at.error[0].value


def test_cancelling_the_confirmation_introduces_nobody(programme_b, app_db):
    _announce(app_db, programme_b["province"], programme_b["county"], 2)
    at = app_as(programme_b["secretary"]).run()
    at.switch_page(PAGE).run()
    _choose_branch(at, programme_b["branch"])
    at.button(key="FormSubmitter:introduce-معرفی").click().run()
    at.button(key="cancel_introduce").click().run()
    assert not at.success
    with new_session(app_db) as session:
        assert session.exec(select(Introduction)).first() is None


def test_activating_cover_after_sso_confirms(programme_b, app_db):
    _announce(app_db, programme_b["province"], programme_b["county"], 1)
    at = app_as(programme_b["secretary"]).run()
    at.switch_page(PAGE).run()
    at = _introduce_first(at, programme_b["branch"])
    at.button(key="FormSubmitter:activate-ثبت آغاز پوشش").click().run()
    assert not at.error
    assert "فعال شد" in at.success[0].value and "سهم دولت" in at.success[0].value
    with new_session(app_db) as session:
        assert session.get(Application, programme_b["cases"][0].id).state == State.active.value


def test_quota_page_shows_the_provinces_counties(programme_b, app_db):
    _announce(app_db, programme_b["province"], programme_b["county"], 4)
    at = app_as(programme_b["province"]).run()
    at.switch_page("pages/quotas.py").run()
    assert not at.exception
    assert at.title[0].value == "سهمیه‌ها"
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["سهمیه اعلام‌شده"] == "۴" and metrics["در فهرست انتظار"] == "۳"


# --------------------------------------------------------------------------- issue 6
def test_without_a_branch_the_dialog_never_opens(programme_b, app_db):
    _announce(app_db, programme_b["province"], programme_b["county"], 2)
    at = app_as(programme_b["secretary"]).run()
    at.switch_page(PAGE).run()
    assert _widget(at, "selectbox", "شعبه تأمین اجتماعی").options == [BRANCH]  # the county's branches, not free text
    at.button(key="FormSubmitter:introduce-معرفی").click().run()
    assert any("شعبه" in e.value and "انتخاب" in e.value for e in at.error)
    assert not any(b.key == "confirm_introduce" for b in at.button)  # no «**شعبه **» dialog
    at = _choose_branch(at, programme_b["branch"])
    _widget(at, "text_input", "تاریخ معرفی").input("۱۴۰۳/۱۳/۰۱")
    at.button(key="FormSubmitter:introduce-معرفی").click().run()
    assert any("۱۲" in e.value for e in at.error) and not any(b.key == "confirm_introduce" for b in at.button)


def test_after_an_introduction_the_form_is_empty_for_the_next_person(programme_b, app_db):
    _announce(app_db, programme_b["province"], programme_b["county"], 3)
    at = app_as(programme_b["secretary"]).run()
    at.switch_page(PAGE).run()
    reason = lambda: next(w for w in at.text_area if w.label.startswith("دلیل معرفی خارج از نوبت"))  # noqa: E731
    reason().input("فوری")
    at = _introduce_first(at, programme_b["branch"])
    assert "معرفی شد" in at.success[0].value
    assert _widget(at, "selectbox", "شعبه تأمین اجتماعی").value is None
    assert reason().value == ""
    assert _widget(at, "selectbox", "پرونده").value == programme_b["cases"][1].id  # the next person


def test_sso_refusal_on_the_page_frees_the_seat(programme_b, app_db):
    _announce(app_db, programme_b["province"], programme_b["county"], 1)
    at = app_as(programme_b["secretary"]).run()
    at.switch_page(PAGE).run()
    at = _introduce_first(at, programme_b["branch"])
    assert {m.label: m.value for m in at.metric}["باقی‌مانده"] == "۰"
    at.button(key="FormSubmitter:sso_refused-ثبت نپذیرفتن").click().run()
    assert any("دلیل" in e.value for e in at.error)  # a reason is required
    next(w for w in at.text_area if w.label == "دلیل نپذیرفتن از سوی شعبه").input("سابقه بیمه فعال")
    at.button(key="FormSubmitter:sso_refused-ثبت نپذیرفتن").click().run()
    assert not at.error, [e.value for e in at.error]
    assert "سهمیه او آزاد شد" in at.success[0].value
    assert {m.label: m.value for m in at.metric}["باقی‌مانده"] == "۱"
    with new_session(app_db) as session:
        assert session.get(Application, programme_b["cases"][0].id).state == State.rejected.value


def test_the_page_says_why_an_open_request_is_not_on_the_waiting_list(programme_b, app_db):
    with new_session(app_db) as session:
        apps.submit_application(session, programme_b["secretary"], IntakeData(
            program="B", county_id=programme_b["county"], channel="portal",
            national_code=generate_national_code(random.Random(99)), first_name="سیما", last_name="نادری",
            gender="female", head_of_household=True, mobile="09121234567", applied_on=local_today(),
        ))
    at = app_as(programme_b["secretary"]).run()
    at.switch_page(PAGE).run()
    table = at.dataframe[1].value
    assert list(table["نام"]) == ["سیما نادری"]
    assert "مدارک دریافت نشده" in table["چرا هنوز در فهرست نیست"].iloc[0]


def test_the_quotas_page_links_administrators_to_the_branches_page(programme_b, app_db):
    """SSO branches are kept on «شهرستان‌ها و شعب» only: the quotas page has no branch form of its own,
    and links there those who may change the list."""
    with new_session(app_db) as session:
        admin = actor_for(create_user(session, SYSTEM, username="root", full_name="مدیر سامانه", password=PASSWORD,
                                      role="admin"))
    for actor, linked in ((admin, True), (programme_b["province"], False)):
        at = app_as(actor).run()
        at.switch_page("pages/quotas.py").run()
        assert not at.exception, at.exception
        assert not at.text_input and not any("شعبه" in b.label for b in at.button)
        links = [link for link in at.get("page_link") if link.proto.page == "areas"]
        assert bool(links) == linked
