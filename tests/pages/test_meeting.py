"""The projector view through AppTest: one case at a time, the agenda strip and tally, the
confirmation of each decision and the move to the next undecided case."""
from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from lib.jalali import local_today
from db.engine import new_session
from db.models import Application, County, Decision, MinimumWage
from lib.jalali import jalali_year_of
from lib.text import format_rial
from lib.workflow import State
from services import committee as cm
from services.base import SYSTEM
from services.users import actor_for, create_user
from tests.pages.conftest import PASSWORD, app_as
from tests.pages.test_sessions import PROVINCE_QUORUM, QUORUM, rows, scored_cases

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


def test_keyboard_steps_and_decides(meeting):
    at = open_view(meeting["secretary"], meeting["session"])
    assert at.button(key="meeting_next").proto.shortcut == "left"
    assert at.button(key="meeting_prev").proto.shortcut == "right"
    keys = {k: at.button(key=f"meeting_{k}").proto.shortcut for k in ("approve", "reject", "defer")}
    assert keys == {"approve": "1", "reject": "2", "defer": "3"}


def decide(at, case: int, button: str, *, reason: str = "", rate: int | None = None, months: int | None = None):
    """Fill the decision panel of ``case``, press a decision button and confirm in the dialog."""
    if rate is not None:
        at.selectbox(key=f"meet_{case}_rate").select(rate)
    if months is not None:
        at.text_input(key=f"meet_{case}_months").input(str(months))
    if reason:
        at.text_input(key=f"meet_{case}_reason").input(reason)
    at.button(key=f"meeting_{button}").click().run()
    at.button(key="meeting_confirm").click().run()
    return at


def test_a_decision_advances_to_the_next_undecided_case(meeting, app_db):
    first, second, third = meeting["cases"]
    at = open_view(meeting["secretary"], meeting["session"])
    at.button(key="meeting_approve").click().run()  # the key opens the confirmation first
    assert rows(app_db, Application, Application.id == first)[0].state == State.scored
    at.button(key="meeting_cancel").click().run()
    assert "پرونده ۱ از ۳" in shown(at)

    decide(at, first, "approve", rate=1800, months=24)
    assert not at.error, [e.value for e in at.error]
    assert rows(app_db, Application, Application.id == first)[0].state == State.county_decision
    assert "پرونده ۲ از ۳" in shown(at) and "سارا احمدی" in shown(at)
    assert "تأیید" in at.toast[0].value

    at.button(key=f"meeting_jump_{third}").click().run()
    decide(at, third, "defer", reason="بازدید دوباره لازم است")
    assert not at.error, [e.value for e in at.error]
    assert "پرونده ۲ از ۳" in shown(at)  # wraps round to the one still undecided, skipping the first

    at.button(key=f"meeting_jump_{first}").click().run()
    assert "تصمیم این جلسه: تأیید" in shown(at)


def test_defer_without_a_reason_is_refused_and_nothing_written(meeting, app_db):
    first = meeting["cases"][0]
    at = decide(open_view(meeting["secretary"], meeting["session"]), first, "defer")
    assert "دلیل" in at.error[0].value
    assert rows(app_db, Decision, Decision.application_id == first) == []


def test_reject_in_the_meeting_asks_first(meeting, app_db):
    at = open_view(meeting["secretary"], meeting["session"])
    first = meeting["cases"][0]
    at.text_input(key=f"meet_{first}_reason").input("درآمد کافی دارد")
    at.button(key="meeting_reject").click().run()
    assert rows(app_db, Application, Application.id == first)[0].state == State.scored
    assert "بازگشت از رد ممکن نیست" in shown(at)
    at.button(key="meeting_confirm").click().run()
    assert rows(app_db, Application, Application.id == first)[0].state == State.rejected
    assert "پرونده ۲ از ۳" in shown(at)


def wage_premium(wage: int, months: int, rate_bp: int, percent: int) -> int:
    """30 days of premium, rounded half up, times the months (as a payment clerk would reckon)."""
    monthly = (wage * 30 * rate_bp * percent * 2 + 10_000 * 100) // (2 * 10_000 * 100)
    return monthly * months


def test_the_tally_counts_decisions_months_and_cost(meeting, app_db):
    first, second, third = meeting["cases"]
    with new_session(app_db) as session:
        cm.record_decision(session, meeting["secretary"], meeting["session"], first, "approve",
                           months=24, share_percent=100, contract_rate_bp=1800)
        cm.record_decision(session, meeting["secretary"], meeting["session"], second, "approve",
                           months=12, share_percent=50, contract_rate_bp=1400)
        cm.record_decision(session, meeting["secretary"], meeting["session"], third, "reject", "درآمد کافی دارد")
        wage = session.get(MinimumWage, jalali_year_of(local_today())).daily_wage_rial
    at = open_view(meeting["secretary"], meeting["session"])
    tally = next(m.value for m in at.markdown if "bm-meet-tally" in m.value)
    assert "تأیید <b>۲</b>" in tally and "رد <b>۱</b>" in tally and "تعویق <b>۰</b>" in tally
    assert "در انتظار <b>۰</b>" in tally and "<b>۳۶</b> ماه" in tally
    cost = wage_premium(wage, 24, 1800, 100) + wage_premium(wage, 12, 1400, 50)
    assert format_rial(cost) in tally


def test_the_strip_jumps_to_any_case(meeting):
    first, second, third = meeting["cases"]
    at = open_view(meeting["secretary"], meeting["session"])
    labels = [at.button(key=f"meeting_jump_{c}").label for c in meeting["cases"]]
    assert labels == ["۱ ○ مریم احمدی", "۲ ○ سارا احمدی", "۳ ○ لیلا احمدی"]
    at.button(key=f"meeting_jump_{third}").click().run()
    assert "پرونده ۳ از ۳" in shown(at) and "لیلا احمدی" in shown(at)
    at.text_input(key="meeting_goto").input("۲").run()  # Persian digits, as typed on a Persian keyboard
    assert "پرونده ۲ از ۳" in shown(at)
    at.text_input(key="meeting_goto").input("9").run()
    assert "شماره‌ای از ۱ تا ۳" in at.error[0].value and "پرونده ۲ از ۳" in shown(at)


def test_the_strip_is_read_once_and_refreshed_on_request(meeting, app_db, users):
    at = open_view(meeting["secretary"], meeting["session"])
    [late] = scored_cases(app_db, users["county_expert"], ["نرگس"], seed=11)
    at.button(key="meeting_next").click().run()
    assert "از ۳" in shown(at)  # a step does not read the whole agenda again
    at.button(key="meeting_reload").click().run()
    assert "از ۴" in shown(at)
    assert at.button(key=f"meeting_jump_{late}")


def test_the_county_proposal_and_its_cost_are_shown_to_the_province(meeting, app_db, users):
    first = meeting["cases"][0]
    with new_session(app_db) as session:
        cm.record_decision(session, meeting["secretary"], meeting["session"], first, "approve", "سرپرست خانوار",
                           months=24, share_percent=100, contract_rate_bp=1800)
        province = actor_for(create_user(session, SYSTEM, username="province", full_name="کمیته استان تهران",
                                         password=PASSWORD, role="province_committee",
                                         province_id=users["county_expert"].province_id))
        ps = cm.create_session(session, province, program="A", held_on=date(2024, 7, 20), number="2",
                               members=PROVINCE_QUORUM)
        wage = session.get(MinimumWage, jalali_year_of(local_today())).daily_wage_rial
    at = open_view(province, ps.id)
    offer = next(m.value for m in at.markdown if "bm-meet-offer" in m.value)
    assert "پیشنهاد کمیته شهرستان: <b>تأیید، ۲۴ ماه، سهم ۱۰۰٪، نرخ ۱۸٪</b> — سرپرست خانوار" in offer
    assert f"ماهانه <b>{format_rial(wage_premium(wage, 1, 1800, 100))}</b>" in offer
    assert f"در ۲۴ ماه <b>{format_rial(wage_premium(wage, 24, 1800, 100))}</b>" in offer
    at.text_input(key=f"meet_{first}_months").input("۱۲").run()  # the cost follows the terms typed
    offer = next(m.value for m in at.markdown if "bm-meet-offer" in m.value)
    assert f"در ۱۲ ماه <b>{format_rial(wage_premium(wage, 12, 1800, 100))}</b>" in offer


def test_without_a_contract_rate_the_cost_waits_for_it(meeting):
    at = open_view(meeting["secretary"], meeting["session"])
    offer = next(m.value for m in at.markdown if "bm-meet-offer" in m.value)
    assert "پس از انتخاب نرخ قرارداد" in offer and "پیشنهاد کمیته شهرستان" not in offer


def test_presentation_mode_hides_the_sidebar_and_offers_a_way_back(meeting):
    at = open_view(meeting["secretary"], meeting["session"])
    assert any('[data-testid="stSidebar"]' in h.proto.body and "display: none" in h.proto.body
               for h in at.get("html"))
    at.button(key="meeting_leave").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert at.title[0].value == "جلسات کمیته"


def test_the_meeting_opens_at_its_first_undecided_case(meeting, app_db):
    with new_session(app_db) as session:
        cm.record_decision(session, meeting["secretary"], meeting["session"], meeting["cases"][0], "defer", "بازدید")
    at = open_view(meeting["secretary"], meeting["session"])
    assert "پرونده ۲ از ۳" in shown(at)
    assert at.button(key=f"meeting_jump_{meeting['cases'][0]}").label == "۱ ⏸ مریم احمدی"


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
    decide(at, first, "approve", rate=1800)
    assert "در همین فاصله" in at.error[0].value and "تعویق" in at.error[0].value
    assert rows(app_db, Application, Application.id == first)[0].state == State.scored
    at.button(key="meeting_cancel").click().run()
    assert "تصمیم این جلسه: تعویق" in shown(at)  # the page now shows what was decided
    decide(at, first, "approve", rate=1800)  # having seen it, the member may decide again
    assert not at.error, [e.value for e in at.error]
    assert rows(app_db, Application, Application.id == first)[0].state == State.county_decision


def test_the_heading_names_the_committee_once(meeting):
    at = open_view(meeting["secretary"], meeting["session"])
    assert "کمیته اشتغال و کارآفرینی شهرستان تهران — جلسه" in shown(at)
    assert "شهرستان شهرستان" not in shown(at)


def test_the_cap_shown_is_the_programmes_cap_in_force(meeting, app_db, users):
    """An administrator's new cap of months (programme parameters) is the one the meeting shows."""
    from services.program_parameters import set_parameters

    assert "باقی‌مانده از ۶۰ ماه" in shown(open_view(meeting["secretary"], meeting["session"]))
    with new_session(app_db) as session:
        set_parameters(session, users["admin"], program="A", rate_bp=1800, max_months=72, note="سقف تازه")
    text = shown(open_view(meeting["secretary"], meeting["session"]))
    assert "باقی‌مانده از ۷۲ ماه" in text and "باقی‌مانده از ۶۰ ماه" not in text
