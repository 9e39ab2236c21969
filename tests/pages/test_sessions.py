"""The committee sessions page through AppTest: open a session with its members, decide on the
agenda (approve; reject through the confirmation dialog), close the session, activate a grant."""
from __future__ import annotations

import random
from datetime import date

import pytest
from sqlmodel import select

from db.engine import new_session
from db.models import Application, CommitteeSession, County, Decision, SessionMember
from lib.identifiers import generate_national_code
from lib.workflow import State
from services import committee as cm
from services.applications import HouseholdData, IntakeData, score_application, submit_application
from services.documents import mark_received
from services.eligibility import confirm_condition
from services.base import SYSTEM
from services.users import actor_for, create_user
from tests.pages.conftest import PASSWORD, app_as

QUORUM = [cm.MemberInput("head", "رضا کریمی"), cm.MemberInput("employment_expert", "زهرا موسوی")]
PROVINCE_QUORUM = [cm.MemberInput("deputy", "مهدی نوری"), cm.MemberInput("employment_expert", "نرگس شریفی")]


@pytest.fixture
def committee(app_db, users):
    """A secretary of شهرستان تهران and the provincial committee of استان تهران."""
    expert = users["county_expert"]
    with new_session(app_db) as session:
        secretary = create_user(session, SYSTEM, username="secretary", full_name="دبیر کمیته تهران",
                                password=PASSWORD, role="committee_secretary", county_id=expert.county_id)
        province = create_user(session, SYSTEM, username="province", full_name="کمیته استان تهران",
                               password=PASSWORD, role="province_committee", province_id=expert.province_id)
        return {"expert": expert, "secretary": actor_for(secretary), "province": actor_for(province)}


def scored_cases(engine, expert, names: list[str], seed: int = 7) -> list[int]:
    """Programme A cases in «scored», the first name scoring highest."""
    rng = random.Random(seed)
    ids = []
    with new_session(engine) as session:
        for years, first_name in zip(range(20, 0, -3), names):
            case = submit_application(session, expert, IntakeData(
                program="A", county_id=expert.county_id, channel="in_person",
                national_code=generate_national_code(rng), first_name=first_name, last_name="احمدی", gender="female",
                mobile="09121234567", applied_on=date(2024, 6, 1),
                household=HouseholdData(marital_status="married", insured_years=years, need_grade=3),
            ))
            score_application(session, expert, case.id)
            ids.append(case.id)
    return ids


def on_sessions_page(actor):
    at = app_as(actor).run()
    at.switch_page("pages/sessions.py").run()
    assert not at.exception, at.exception
    return at


def rows(engine, model, *where):
    with new_session(engine) as session:
        return list(session.exec(select(model).where(*where)).all())


def test_the_approval_terms_read_in_persian_digits_and_a_month_past_the_cap_writes_nothing(app_db, committee):
    [case] = scored_cases(app_db, committee["expert"], ["مریم"])
    at = on_sessions_page(committee["secretary"])
    at.text_input(key="new_member_head").input("رضا کریمی")
    at.text_input(key="new_member_employment_expert").input("زهرا موسوی")
    next(t for t in at.text_input if t.label == "شماره جلسه").input("۱۳/۱۴۰۳")
    at.button(key="FormSubmitter:new_session-تشکیل جلسه").click().run()
    [session] = rows(app_db, CommitteeSession)
    at.selectbox(key=f"decide_case_{session.id}").select(case).run()
    # the terms open in Persian digits, as everything else on the screen (a number input showed «60», «100»)
    assert at.text_input(key=f"decide_{case}_months").value == "۶۰"
    assert at.text_input(key=f"decide_{case}_share").value == "۱۰۰"
    at.selectbox(key=f"decide_{case}_rate").select(1400)
    at.text_input(key=f"decide_{case}_months").input("61")  # one past the 60-month cap
    at.button(key=f"FormSubmitter:decide_{case}-ثبت تصمیم").click().run()
    assert not at.exception, at.exception
    assert at.text_input(key=f"decide_{case}_months").value == "۶۱"  # what was typed, in Persian digits
    assert any("۶۰" in e.value and "ماه" in e.value for e in at.error), [e.value for e in at.error]
    assert rows(app_db, Decision) == []  # nothing written
    at.text_input(key=f"decide_{case}_months").input("۲۴")
    at.button(key=f"FormSubmitter:decide_{case}-ثبت تصمیم").click().run()
    assert not at.error, [e.value for e in at.error]
    [decision] = rows(app_db, Decision)
    assert (decision.months_granted, decision.share_percent) == (24, 100)


def test_secretary_opens_a_session_decides_and_closes_it(app_db, committee):
    first, second = scored_cases(app_db, committee["expert"], ["مریم", "سارا"])
    at = on_sessions_page(committee["secretary"])
    assert at.title[0].value == "جلسات کمیته"

    # a new session with its members (Form 2)
    at.text_input(key="new_member_head").input("رضا کریمی")
    at.text_input(key="new_member_employment_expert").input("زهرا موسوی")
    at.text_area(key="new_member_guests").input("حسن رضایی")
    number = next(t for t in at.text_input if t.label == "شماره جلسه")
    number.input("۱۲/۱۴۰۳")
    at.button(key="FormSubmitter:new_session-تشکیل جلسه").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    [session] = rows(app_db, CommitteeSession)
    assert (session.level, session.county_id, session.number, session.status) == (
        "county", committee["secretary"].county_id, "12/1403", "open")
    members = {(m.role, m.full_name) for m in rows(app_db, SessionMember)}
    assert members == {("head", "رضا کریمی"), ("employment_expert", "زهرا موسوی"), ("guest", "حسن رضایی")}
    assert "تشکیل شد" in at.success[0].value
    assert at.subheader[0].value.startswith("کمیته اشتغال و کارآفرینی شهرستان تهران — جلسه")  # «شهرستان» said once
    assert at.get("download_button")  # the minutes (Form 2), built on click by services.printing

    # the agenda lists both cases, best score first; approve the first
    agenda = at.dataframe[1].value
    assert list(agenda["متقاضی"]) == ["مریم احمدی", "سارا احمدی"]
    at.selectbox(key=f"decide_case_{session.id}").select(first).run()
    at.selectbox(key=f"decide_{first}_rate").select(1400)
    at.text_input(key=f"decide_{first}_months").input("36")
    at.button(key=f"FormSubmitter:decide_{first}-ثبت تصمیم").click().run()
    assert not at.error, [e.value for e in at.error]
    [decision] = rows(app_db, Decision)
    assert (decision.application_id, decision.outcome, decision.months_granted, decision.contract_rate_bp) == (
        first, "approve", 36, 1400)
    assert rows(app_db, Application, Application.id == first)[0].state == State.county_decision

    # reject the second: a reason, then the confirmation dialog
    at.selectbox(key=f"decide_case_{session.id}").select(second).run()
    at.radio[0].set_value(cm.Outcome.reject)
    at.text_area(key=f"decide_{second}_reason").input("شغل ایجادشده تأیید نشد")
    at.button(key=f"FormSubmitter:decide_{second}-ثبت تصمیم").click().run()
    assert rows(app_db, Application, Application.id == second)[0].state == State.scored  # not before confirming
    at.button(key="reject_confirm").click().run()
    assert rows(app_db, Application, Application.id == second)[0].state == State.rejected
    assert "رد شد" in at.success[0].value

    # close, through the dialog
    at.button(key="close_session").click().run()
    at.button(key="close_confirm").click().run()
    assert not at.error, [e.value for e in at.error]
    assert rows(app_db, CommitteeSession)[0].status == "closed"
    assert not [b for b in at.button if b.key == "close_session"]


def test_a_bad_session_date_is_refused_in_persian(app_db, committee):
    at = on_sessions_page(committee["secretary"])
    next(t for t in at.text_input if t.label == "تاریخ جلسه (شمسی)").input("1403/13/40")
    next(t for t in at.text_input if t.label == "شماره جلسه").input("1")
    at.button(key="FormSubmitter:new_session-تشکیل جلسه").click().run()
    assert "ماه باید بین ۱ و ۱۲ باشد" in at.error[0].value
    assert rows(app_db, CommitteeSession) == []


def test_province_committee_confirms_and_activates(app_db, committee):
    [case] = scored_cases(app_db, committee["expert"], ["مریم"])
    with new_session(app_db) as session:
        county = cm.create_session(session, committee["secretary"], program="A", held_on=date(2024, 7, 1),
                                   number="1", members=QUORUM)
        cm.record_decision(session, committee["secretary"], county.id, case, "approve", months=24,
                           share_percent=100, contract_rate_bp=1800)
        province = cm.create_session(session, committee["province"], program="A", held_on=date(2024, 7, 20),
                                     number="1", members=PROVINCE_QUORUM)
        for kind in ("form1", "sso_payment_proof", "sso_discount_inquiry"):
            mark_received(session, committee["expert"], case, kind, True)
        for condition in ("registered_client", "job_readiness"):
            confirm_condition(session, committee["expert"], case, condition, True)
    at = on_sessions_page(committee["province"])
    assert "پیشنهاد کمیته شهرستان" in " ".join(m.value for m in at.markdown)
    heading = at.subheader[0].value
    assert heading.startswith("کمیته اشتغال و کارآفرینی استان تهران") and "استان استان" not in heading
    assert "معاونت تخصصی" in at.warning[0].value  # what the confirmation still lacks, by name

    # the specialised deputy confirms job readiness and the duration
    at.selectbox(key=f"deputy_{case}_which").select("rehabilitation")
    at.text_input(key=f"deputy_{case}_months").input("24")
    at.button(key=f"FormSubmitter:deputy_{case}-ثبت تأیید معاونت").click().run()
    assert not at.error, [e.value for e in at.error]
    assert "معاونت تخصصی ثبت شد" in at.success[0].value and not at.warning
    at.text_input(key=f"decide_{case}_months").input("12")
    at.button(key=f"FormSubmitter:decide_{case}-ثبت تصمیم").click().run()
    assert not at.error, [e.value for e in at.error]
    application = rows(app_db, Application, Application.id == case)[0]
    assert (application.state, application.months_granted, application.contract_rate_bp) == ("province_decision", 12, 1800)
    assert rows(app_db, Decision, Decision.session_id == province.id)[0].level == "province"

    start = next(t for t in at.text_input if t.label == "ماه شروع پرداخت (شمسی)")
    start.input("فروردین ۱۴۰۳")  # before the provincial confirmation (1403/04): refused without a reason
    at.button(key="FormSubmitter:activate-آغاز پرداخت").click().run()
    assert "دلیل" in at.error[0].value
    assert rows(app_db, Application, Application.id == case)[0].state == "province_decision"
    start = next(t for t in at.text_input if t.label == "ماه شروع پرداخت (شمسی)")
    start.input("مهر ۱۴۰۳")
    at.button(key="FormSubmitter:activate-آغاز پرداخت").click().run()
    assert not at.error, [e.value for e in at.error]
    application = rows(app_db, Application, Application.id == case)[0]
    assert (application.state, application.start_year, application.start_month) == ("active", 1403, 7)


def test_a_decision_taken_by_another_member_shows_at_the_next_rerun(app_db, committee, users):
    """The page reads its tables once per data version (ui.versioned): a write by anyone, on any
    app server, is seen at the next rerun; another county's secretary never sees this session."""
    first, second = scored_cases(app_db, committee["expert"], ["مریم", "سارا"])
    secretary = committee["secretary"]
    with new_session(app_db) as session:
        colleague = actor_for(create_user(session, SYSTEM, username="secretary2", full_name="عضو دیگر کمیته",
                                          password=PASSWORD, role="committee_secretary",
                                          county_id=secretary.county_id))
        opened = cm.create_session(session, secretary, program="A", held_on=date(2024, 7, 1), number="۷",
                                   members=QUORUM)
    at = on_sessions_page(secretary)
    assert "هنوز تصمیمی ثبت نشده است." in [c.value for c in at.caption]
    at.run()  # answered from the cache: the same
    assert "هنوز تصمیمی ثبت نشده است." in [c.value for c in at.caption]

    with new_session(app_db) as session:
        cm.record_decision(session, colleague, opened.id, second, "defer", "مدارک شغل کامل نیست")
    at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    decisions = at.dataframe[-1].value
    assert list(decisions["متقاضی"]) == ["سارا احمدی"]
    assert list(decisions["ثبت‌کننده"]) == ["عضو دیگر کمیته"]
    assert list(at.dataframe[0].value["پرونده‌های تصمیم‌گرفته"]) == ["۱"]

    with new_session(app_db) as session:
        county = session.exec(select(County).where(County.id != secretary.county_id)).first()
        stranger = actor_for(create_user(session, SYSTEM, username="secretary3", full_name="دبیر شهرستان دیگر",
                                         password=PASSWORD, role="committee_secretary", county_id=county.id))
    elsewhere = on_sessions_page(stranger)
    assert not elsewhere.dataframe  # no session of its area: not this one, cached for another user
    assert "هنوز جلسه‌ای در حوزه شما ثبت نشده است" in elsewhere.info[0].value


def test_the_folded_forms_are_built_when_unfolded_and_still_save(app_db, committee):
    """Once the committee has a session, «تشکیل جلسه تازه» and «ویرایش حاضران» are folded and their
    fields are built only when unfolded; unfolded, each saves as before."""
    secretary = committee["secretary"]
    with new_session(app_db) as session:
        opened = cm.create_session(session, secretary, program="A", held_on=date(2024, 7, 1), number="۷",
                                   members=QUORUM)
    at = on_sessions_page(secretary)
    keys = {t.key for t in at.text_input} | {t.key for t in at.text_area}
    assert not {k for k in keys if k and (k.startswith("new_member") or k.startswith(f"members_{opened.id}"))}
    assert {e.label for e in at.expander} >= {"تشکیل جلسه تازه", "ویرایش حاضران"}

    at.session_state[f"sessions_members_open_{opened.id}"] = True  # the secretary unfolds «ویرایش حاضران»
    at.run()
    at.text_area(key=f"members_{opened.id}_guests").input("حسن رضایی")
    at.button(key="FormSubmitter:members-ذخیره حاضران").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert "فهرست حاضران ذخیره شد." in at.success[0].value
    assert {(m.role, m.full_name) for m in rows(app_db, SessionMember, SessionMember.session_id == opened.id)} == {
        ("head", "رضا کریمی"), ("employment_expert", "زهرا موسوی"), ("guest", "حسن رضایی")}

    at.session_state["sessions_new_open"] = True  # and «تشکیل جلسه تازه»
    at.run()
    at.text_input(key="new_member_head").input("رضا کریمی")
    at.text_input(key="new_member_employment_expert").input("زهرا موسوی")
    next(t for t in at.text_input if t.label == "شماره جلسه").input("۸")
    at.button(key="FormSubmitter:new_session-تشکیل جلسه").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert sorted(s.number for s in rows(app_db, CommitteeSession)) == ["7", "8"]


def test_the_decisions_table_shows_fifty_a_page(app_db, committee):
    """The session's decisions, 50 a page in the order taken; the second page shows the rest."""
    secretary = committee["secretary"]
    letters = "ابپتثجچحخدذرزژسشصضطظعغفقکگلمنوهی"
    names = [f"مریم {letters[i // len(letters)]}{letters[i % len(letters)]}" for i in range(52)]
    cases = [case for group in range(0, 52, 4)  # scored_cases takes up to 7 names at a time
             for case in scored_cases(app_db, committee["expert"], names[group:group + 4], seed=group)]
    with new_session(app_db) as session:
        opened = cm.create_session(session, secretary, program="A", held_on=date(2024, 7, 1), number="۹",
                                   members=QUORUM)
        for case in cases:
            cm.record_decision(session, secretary, opened.id, case, "defer", "مدارک شغل کامل نیست")
    at = on_sessions_page(secretary)
    decisions = at.dataframe[-1].value
    assert len(decisions) == 50 and "ردیف ۱ تا ۵۰ از ۵۲" in [c.value for c in at.caption]
    assert list(decisions["متقاضی"])[:2] == [f"{names[0]} احمدی", f"{names[1]} احمدی"]
    at.selectbox(key=f"decisions_page_{opened.id}").select(2).run()
    assert not at.exception
    assert list(at.dataframe[-1].value["متقاضی"]) == [f"{names[50]} احمدی", f"{names[51]} احمدی"]
    assert "ردیف ۵۱ تا ۵۲ از ۵۲" in [c.value for c in at.caption]
