"""The projector view through AppTest: one case at a time, next/previous, a decision moves the case."""
from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from db.engine import new_session
from db.models import Application, County
from lib.workflow import State
from services import committee as cm
from services.base import SYSTEM
from services.users import actor_for, create_user
from tests.pages.conftest import PASSWORD, app_as
from tests.pages.test_sessions import QUORUM, rows, scored_cases

NAMES = ["مریم", "سارا", "لیلا"]


@pytest.fixture
def meeting(app_db, users):
    """An open county session of شهرستان تهران with three scored cases on its agenda."""
    expert = users["county_expert"]
    with new_session(app_db) as session:
        secretary = actor_for(create_user(session, SYSTEM, username="secretary", full_name="دبیر کمیته",
                                          password=PASSWORD, role="committee_secretary", county_id=expert.county_id))
    cases = scored_cases(app_db, expert, NAMES)
    with new_session(app_db) as session:
        cs = cm.create_session(session, secretary, program="A", held_on=date(2024, 7, 1), number="5", members=QUORUM)
    return {"secretary": secretary, "session": cs.id, "cases": cases}


def open_view(actor, session_id: int | None):
    at = app_as(actor).run()
    if session_id is not None:
        at.query_params["session"] = str(session_id)
    at.switch_page("pages/meeting.py").run()
    assert not at.exception, at.exception
    return at


def shown(at) -> str:
    return " ".join(m.value for m in at.markdown)


def test_one_case_at_a_time_with_next_and_previous(meeting):
    at = open_view(meeting["secretary"], meeting["session"])
    text = shown(at)
    assert "پرونده ۱ از ۳" in text
    assert "مریم احمدی" in text and "سارا احمدی" not in text and "لیلا احمدی" not in text
    assert "جدول امتیازات" in text and "مدارک" in text
    assert at.button(key="meeting_prev").disabled

    at.button(key="meeting_next").click().run()
    text = shown(at)
    assert "پرونده ۲ از ۳" in text and "سارا احمدی" in text and "مریم احمدی" not in text
    at.button(key="meeting_next").click().run()
    assert "پرونده ۳ از ۳" in shown(at) and at.button(key="meeting_next").disabled
    at.button(key="meeting_prev").click().run()
    assert "پرونده ۲ از ۳" in shown(at)


def test_navigation_has_keyboard_shortcuts(meeting):
    at = open_view(meeting["secretary"], meeting["session"])
    assert at.button(key="meeting_next").proto.shortcut == "left"
    assert at.button(key="meeting_prev").proto.shortcut == "right"


def test_a_decision_moves_the_case(meeting, app_db):
    at = open_view(meeting["secretary"], meeting["session"])
    first = meeting["cases"][0]
    key = f"meet_{first}"
    at.button(key=f"FormSubmitter:{key}-تعویق").click().run()  # a deferral needs a reason
    assert "دلیل" in at.error[0].value
    at.selectbox(key=f"{key}_rate").select(1800)
    at.number_input(key=f"{key}_months").set_value(24)
    at.button(key=f"FormSubmitter:{key}-تأیید").click().run()
    assert not at.error, [e.value for e in at.error]
    case = rows(app_db, Application, Application.id == first)[0]
    assert case.state == State.county_decision
    assert "تصمیم این جلسه: تأیید" in shown(at)
    assert "پرونده ۱ از ۳" in shown(at)  # the case stays in view, decided


def test_reject_in_the_meeting_asks_first(meeting, app_db):
    at = open_view(meeting["secretary"], meeting["session"])
    first = meeting["cases"][0]
    at.text_input(key=f"meet_{first}_reason").input("درآمد کافی دارد")
    at.button(key=f"FormSubmitter:meet_{first}-رد").click().run()
    assert rows(app_db, Application, Application.id == first)[0].state == State.scored
    at.button(key="meeting_reject_confirm").click().run()
    assert rows(app_db, Application, Application.id == first)[0].state == State.rejected
    assert "تصمیم این جلسه: رد" in shown(at)


def test_without_a_session_the_open_ones_are_offered(meeting):
    at = open_view(meeting["secretary"], None)
    assert at.title[0].value == "نمای جلسه"
    assert len(at.selectbox[0].options) == 1
    next(b for b in at.button if b.label == "نمایش جلسه").click().run()
    assert at.query_params["session"] == str(meeting["session"])
    assert "پرونده ۱ از ۳" in shown(at)


def test_another_countys_session_is_refused(meeting, app_db, users):
    with new_session(app_db) as session:
        other = session.exec(select(County).where(County.name == "اسلامشهر")).first()
        stranger = actor_for(create_user(session, SYSTEM, username="other.secretary", full_name="دبیر اسلامشهر",
                                         password=PASSWORD, role="committee_secretary", county_id=other.id))
    at = open_view(stranger, meeting["session"])
    assert "خارج از محدوده" in at.error[0].value
    assert "مریم احمدی" not in shown(at)


def test_a_decision_taken_meanwhile_by_another_member_is_not_overwritten(meeting, app_db):
    at = open_view(meeting["secretary"], meeting["session"])
    first = meeting["cases"][0]
    with new_session(app_db) as session:  # another member, on another screen, a moment earlier
        cm.record_decision(session, meeting["secretary"], meeting["session"], first, "defer", "بازدید دوباره لازم است")
    key = f"meet_{first}"
    at.selectbox(key=f"{key}_rate").select(1800)
    at.button(key=f"FormSubmitter:{key}-تأیید").click().run()
    assert "در همین فاصله" in at.error[0].value and "تعویق" in at.error[0].value
    assert rows(app_db, Application, Application.id == first)[0].state == State.scored
    assert "تصمیم این جلسه: تعویق" in shown(at)  # the page now shows what was decided
    at.selectbox(key=f"{key}_rate").select(1800)
    at.button(key=f"FormSubmitter:{key}-تأیید").click().run()  # having seen it, the member may decide again
    assert not at.error, [e.value for e in at.error]
    assert rows(app_db, Application, Application.id == first)[0].state == State.county_decision


def test_the_heading_names_the_committee_once(meeting):
    at = open_view(meeting["secretary"], meeting["session"])
    assert "کمیته اشتغال و کارآفرینی شهرستان تهران — جلسه" in shown(at)
    assert "شهرستان شهرستان" not in shown(at)
