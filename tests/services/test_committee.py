"""Committee sessions and decisions (Form 2): agenda, approvals, the 60-month cap, closing,
corrections, activation and area checks — on SQLite and PostgreSQL."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from db.models import (
    Application,
    ApplicationEvent,
    AuditLog,
    CommitteeSession,
    Decision,
    Document,
    Notification,
    PaymentLine,
    PaymentRun,
    SessionMember,
)
from lib import catalog
from lib.errors import Forbidden, InvalidInput
from lib.jalali import YearMonth
from lib.payments import MAX_MONTHS
from lib.permissions import Role
from lib.text import to_persian_digits
from lib.workflow import State
from services import applications as apps
from services import committee as cm
from services.applications import HouseholdData
from services.base import snapshot
from services.committee import MemberInput
from services.eligibility import confirm_condition
from tests.services.refusals import refused as _refused

HELD_ON = date(2024, 7, 1)  # 1403/04/11
QUORUM = [
    MemberInput("head", "رضا کریمی"),
    MemberInput("employment_expert", "زهرا موسوی"),
    MemberInput("guest", "حسن رضایی"),
]
PROVINCE_QUORUM = [
    MemberInput("deputy", "مهدی نوری"),
    MemberInput("employment_expert", "نرگس شریفی"),
    MemberInput("employment_expert", "علی امینی"),
]
TERMS = dict(months=24, share_percent=100, contract_rate_bp=1800)

def refused(session, counts, call, error=InvalidInput) -> str:
    """A refusal (see tests/services/refusals.py); returns its Persian message."""
    return _refused(session, counts, call, error).message



# --------------------------------------------------------------------------- helpers
def scored_case(session, expert, intake, *, insured_years: int = 3, **overrides) -> Application:
    """A programme A case in «scored» (total = 1 + 2 + 2 + 2 + insured years + 3)."""
    household = HouseholdData(
        disabled_members=1, severity="moderate", marital_status="married", dependants=2,
        insured_years=insured_years, need_grade=3,
    )
    case = apps.submit_application(session, expert, intake("A", household=household, **overrides))
    apps.score_application(session, expert, case.id)
    return case


def open_session(session, actor, program: str = "A", number: str = "1/1403", **kw) -> CommitteeSession:
    quorum = PROVINCE_QUORUM if actor.role == Role.province_committee else QUORUM
    return cm.create_session(session, actor, program=program, held_on=kw.pop("held_on", HELD_ON),
                             number=number, members=kw.pop("members", quorum), **kw)


def approve(session, actor, cs, case, seen=None, **terms):
    return cm.record_decision(session, actor, cs.id, case.id, "approve", "", seen=seen, **{**TERMS, **terms})


INTAKE_DOCUMENTS = ("form1", "sso_payment_proof", "sso_discount_inquiry")  # Form 2 is the county's decision


def make_ready(session, expert, province, case, months: int = MAX_MONTHS) -> None:
    """What the provincial confirmation needs besides the county approval: the three intake
    documents, conditions 1 and 2, and the specialised deputy's confirmation."""
    receive_documents(session, case, INTAKE_DOCUMENTS)
    for condition in ("registered_client", "job_readiness"):
        confirm_condition(session, expert, case.id, condition, True)
    cm.confirm_deputy(session, province, case.id, deputy="rehabilitation", job_ready=True, months=months)


def pay_months(session, case: Application, months: int) -> None:
    """``months`` paid months of an earlier, completed case of the same applicant."""
    old = Application(
        tracking_code=f"OLD{case.id:07d}", applicant_id=case.applicant_id, program_id=case.program_id,
        county_id=case.county_id, province_id=case.province_id, channel="in_person",
        state=State.completed.value, applied_on=date(2019, 1, 1),
    )
    session.add(old)
    session.flush()
    run = PaymentRun(program_id=case.program_id, province_id=case.province_id, jalali_year=1398, start_month=1,
                     months=months, strategy="full", budget_rial=10**12, status="finalized")
    session.add(run)
    session.flush()
    for i in range(months):
        ym = YearMonth(1398, 1).add(i)
        session.add(PaymentLine(
            run_id=run.id, application_id=old.id, applicant_id=case.applicant_id, program_id=case.program_id,
            jalali_year=ym.year, jalali_month=ym.month, days=ym.days, daily_wage_rial=505_627, rate_bp=1800,
            percent=100, full_amount_rial=0, amount_rial=0, agency_rial=0, government_rial=0,
        ))
    session.commit()


def state_of(session, case_id: int) -> str:
    session.expire_all()
    return session.get(Application, case_id).state


def decisions_of(session, case_id: int) -> list[Decision]:
    return list(session.exec(select(Decision).where(Decision.application_id == case_id).order_by(Decision.id)).all())


def receive_documents(session, case: Application, kinds) -> None:
    for kind in kinds:
        session.add(Document(application_id=case.id, kind=kind, received=True))
    session.commit()


@pytest.fixture
def sibling_secretary(make_actor, areas):
    return make_actor(Role.committee_secretary, province_id=areas.province, county_id=areas.sibling_county)


@pytest.fixture
def sibling_expert(make_actor, areas):
    return make_actor(Role.county_expert, province_id=areas.province, county_id=areas.sibling_county)


# --------------------------------------------------------------------------- sessions
def test_the_level_follows_the_role_and_members_are_kept(session, secretary, province_committee, areas):
    county = open_session(session, secretary)
    province = open_session(session, province_committee)
    assert (county.level, county.county_id, county.province_id) == ("county", areas.county, areas.province)
    assert (province.level, province.county_id, province.province_id) == ("province", None, areas.province)
    members = session.exec(select(SessionMember).where(SessionMember.session_id == county.id)).all()
    assert {(m.role, m.full_name) for m in members} == {(m.role, m.full_name) for m in QUORUM}
    entry = session.exec(select(AuditLog).where(AuditLog.action == "session.create")).first()
    assert entry.username == secretary.username and entry.after["members"][0]["role"] == "head"
    assert [s.id for s in cm.list_sessions(session, secretary)] == [county.id]  # not the province's


def test_bad_session_input_is_refused_in_persian(session, secretary, province_committee, counts):
    open_session(session, secretary, number="7/1403")
    assert "شماره دیگری" in refused(session, counts, lambda: open_session(session, secretary, number="۷/۱۴۰۳"))
    next_year = HELD_ON + timedelta(days=365)  # numbering restarts every Jalali year
    assert open_session(session, secretary, number="7/1403", held_on=next_year).id
    typed = open_session(session, secretary, number="8/1403", held_on="۱۴۰۳/۰۴/۱۱")
    assert typed.held_on == HELD_ON
    assert "۱۲" in refused(session, counts, lambda: open_session(session, secretary, number="9", held_on="1403/13/01"))
    assert "جلسه کمیته ندارد" in refused(session, counts, lambda: open_session(session, province_committee, program="B"))
    assert "شماره جلسه" in refused(session, counts, lambda: open_session(session, secretary, number="  "))
    twice = [MemberInput("head", "الف"), MemberInput("head", "ب")]
    assert "فقط یک نفر" in refused(session, counts, lambda: open_session(session, secretary, number="9", members=twice))
    unknown = [MemberInput("mayor", "الف")]
    assert "کمیته اشتغال و کارآفرینی شهرستان" in refused(session, counts, lambda: open_session(session, secretary, number="9", members=unknown))


def test_a_county_expert_cannot_open_a_session(session, county_expert, counts):
    refused(session, counts, lambda: open_session(session, county_expert), Forbidden)


def test_closing_needs_the_head_an_expert_and_a_decision(session, secretary, county_expert, intake, counts):
    case = scored_case(session, county_expert, intake)
    empty = open_session(session, secretary, number="0/1403")
    assert "هیچ تصمیمی" in refused(session, counts, lambda: cm.close_session(session, secretary, empty.id))
    cs = open_session(session, secretary, members=[MemberInput("employment_expert", "زهرا موسوی")])
    approve(session, secretary, cs, case)
    message = refused(session, counts, lambda: cm.close_session(session, secretary, cs.id))
    assert catalog.COMMITTEE_ROLES["head"] in message
    cm.set_members(session, secretary, cs.id, QUORUM)
    closed = cm.close_session(session, secretary, cs.id)
    assert closed.status == "closed" and closed.closed_at is not None
    assert session.exec(select(AuditLog).where(AuditLog.action == "session.close")).first().after["status"] == "closed"


def test_a_closed_session_refuses_new_decisions_and_member_changes(session, secretary, county_expert, intake, counts):
    first, second = scored_case(session, county_expert, intake), scored_case(session, county_expert, intake)
    cs = open_session(session, secretary)
    approve(session, secretary, cs, first)
    cm.close_session(session, secretary, cs.id)
    message = refused(session, counts, lambda: approve(session, secretary, cs, second))
    assert "بسته شده" in message and "تصمیم اصلاحی" in message
    refused(session, counts, lambda: cm.set_members(session, secretary, cs.id, QUORUM))
    refused(session, counts, lambda: cm.close_session(session, secretary, cs.id))
    assert state_of(session, second.id) == State.scored


# --------------------------------------------------------------------------- county decisions
def test_county_approval_sends_the_case_to_the_province(session, secretary, county_expert, intake):
    case = scored_case(session, county_expert, intake)
    cs = open_session(session, secretary)
    decision = approve(session, secretary, cs, case, months=36, share_percent=70, contract_rate_bp=1400)

    assert state_of(session, case.id) == State.county_decision
    stored = session.get(Decision, decision.id)
    assert (stored.level, stored.outcome, stored.session_id, stored.decided_by) == ("county", "approve", cs.id, secretary.id)
    assert (stored.months_granted, stored.share_percent, stored.contract_rate_bp) == (36, 70, 1400)
    application = session.get(Application, case.id)
    assert application.months_granted is None  # the county proposes; the province grants
    event = session.exec(select(ApplicationEvent).where(ApplicationEvent.application_id == case.id)
                         .order_by(ApplicationEvent.id.desc())).first()
    assert (event.from_state, event.to_state, event.user_id) == ("scored", "county_decision", secretary.id)
    sms = session.exec(select(Notification).where(Notification.application_id == case.id,
                                                  Notification.event == "state.county_decision")).all()
    assert len(sms) == 1
    actions = {e.action for e in session.exec(select(AuditLog).where(AuditLog.username == secretary.username)).all()}
    assert {"decision.record", "application.state"} <= actions


@pytest.mark.parametrize("outcome", ["reject", "defer"])
def test_reject_and_defer_need_a_reason(session, secretary, county_expert, intake, counts, outcome):
    case = scored_case(session, county_expert, intake)
    cs = open_session(session, secretary)
    message = refused(session, counts, lambda: cm.record_decision(session, secretary, cs.id, case.id, outcome, "  "))
    assert "دلیل" in message
    cm.record_decision(session, secretary, cs.id, case.id, outcome, "درآمد کافی دارد")
    assert state_of(session, case.id) == (State.rejected if outcome == "reject" else State.scored)


def test_a_deferred_case_stays_on_the_next_agenda(session, secretary, county_expert, intake):
    deferred, approved = scored_case(session, county_expert, intake), scored_case(session, county_expert, intake)
    cs = open_session(session, secretary)
    cm.record_decision(session, secretary, cs.id, deferred.id, "defer", "بازدید دوباره مددکار لازم است")
    approve(session, secretary, cs, approved)
    sms = session.exec(select(Notification.event).where(Notification.application_id == deferred.id)).all()
    assert sorted(sms) == ["decision.deferred", "state.received", "state.scored"]  # the deferral's own SMS
    here = {i.application_id: i.decision.outcome for i in cm.agenda(session, secretary, cs.id)}
    assert here == {deferred.id: "defer", approved.id: "approve"}
    cm.close_session(session, secretary, cs.id)
    later = open_session(session, secretary, number="2/1403")
    assert [i.application_id for i in cm.agenda(session, secretary, later.id)] == [deferred.id]
    assert cm.agenda(session, secretary, later.id)[0].decision is None


def test_approval_needs_months_share_and_a_contract_rate(session, secretary, county_expert, intake, counts):
    case = scored_case(session, county_expert, intake)
    cs = open_session(session, secretary)
    assert "ماه" in refused(session, counts, lambda: approve(session, secretary, cs, case, months=None))
    assert "درصد" in refused(session, counts, lambda: approve(session, secretary, cs, case, share_percent=0))
    assert "درصد" in refused(session, counts, lambda: approve(session, secretary, cs, case, share_percent=101))
    assert "نرخ قرارداد" in refused(session, counts, lambda: approve(session, secretary, cs, case, contract_rate_bp=1600))
    assert "نرخ قرارداد" in refused(session, counts, lambda: approve(session, secretary, cs, case, contract_rate_bp=None))


# --------------------------------------------------------------------------- the 60-month cap
def test_months_above_what_remains_of_the_cap_are_refused(session, secretary, county_expert, intake, counts):
    case = scored_case(session, county_expert, intake)
    pay_months(session, case, 50)
    cs = open_session(session, secretary)
    item = cm.agenda(session, secretary, cs.id)[0]
    assert item.remaining_months == MAX_MONTHS - 50
    message = refused(session, counts, lambda: approve(session, secretary, cs, case, months=11))
    assert f"فقط {to_persian_digits(10)} ماه" in message and "حداکثر" in message
    approve(session, secretary, cs, case, months=10)  # exactly what remains
    assert state_of(session, case.id) == State.county_decision


def test_nothing_left_of_the_cap_says_so(session, secretary, county_expert, intake, counts):
    case = scored_case(session, county_expert, intake)
    pay_months(session, case, MAX_MONTHS)
    cs = open_session(session, secretary)
    message = refused(session, counts, lambda: approve(session, secretary, cs, case, months=1))
    assert "رد کنید" in message


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(paid=st.integers(0, MAX_MONTHS), months=st.integers(1, MAX_MONTHS))
def test_an_approval_is_accepted_exactly_when_it_fits_the_cap(session, secretary, intake, paid, months):
    """Whatever was paid before, months + paid never exceeds 60 in an accepted approval."""
    case = scored_case(session, secretary, intake)
    pay_months(session, case, paid)
    cs = open_session(session, secretary, number=f"cap-{case.id}")
    try:
        approve(session, secretary, cs, case, months=months)
        accepted = True
    except InvalidInput:
        session.rollback()
        accepted = False
    assert accepted == (paid + months <= MAX_MONTHS)
    assert state_of(session, case.id) == (State.county_decision if accepted else State.scored)


# --------------------------------------------------------------------------- re-deciding and corrections
def test_deciding_again_in_an_open_session_supersedes(session, secretary, county_expert, intake):
    case = scored_case(session, county_expert, intake)
    cs = open_session(session, secretary)
    first = approve(session, secretary, cs, case, months=24)
    second = approve(session, secretary, cs, case, seen=first.id, months=12)  # same state: no move, a new row
    assert state_of(session, case.id) == State.county_decision
    third = cm.record_decision(session, secretary, cs.id, case.id, "defer", "مدارک شغلی ناقص است", seen=second.id)
    assert state_of(session, case.id) == State.scored  # back to waiting
    assert [d.supersedes_id for d in decisions_of(session, case.id)] == [None, first.id, second.id]
    view = cm.session_view(session, secretary, cs.id)
    assert [(d.id, d.superseded) for d in view.decisions] == [(first.id, True), (second.id, True), (third.id, False)]
    assert cm.agenda(session, secretary, cs.id)[0].decision.id == third.id
    assert view.summary.decided_cases == 1


def test_a_correction_cites_the_old_decision_and_leaves_it_alone(session, secretary, county_expert, intake, counts):
    case = scored_case(session, county_expert, intake)
    first_session = open_session(session, secretary)
    old = approve(session, secretary, first_session, case, months=48)
    cm.close_session(session, secretary, first_session.id)
    old_row = snapshot(session.get(Decision, old.id))
    second_session = open_session(session, secretary, number="2/1403")

    message = refused(session, counts, lambda: approve(session, secretary, second_session, case))
    assert "تصمیم اصلاحی" in message  # a decided case is not re-decided by the back door
    found = cm.closed_decision_for(session, secretary, second_session.id, f" {case.tracking_code.lower()} ")
    assert found.id == old.id and found.terms.months == 48

    correction = cm.correct_decision(session, secretary, old.id, second_session.id, "reject", "اشتغال متقاضی تأیید نشد")
    session.expire_all()
    assert snapshot(session.get(Decision, old.id)) == old_row
    new = session.get(Decision, correction.id)
    assert (new.supersedes_id, new.session_id, new.outcome) == (old.id, second_session.id, "reject")
    assert state_of(session, case.id) == State.rejected
    # the old one is superseded now; only the latest may be corrected, and not in its own open session
    refused(session, counts, lambda: cm.correct_decision(session, secretary, old.id, second_session.id, "reject", "دوباره"))
    message = refused(session, counts, lambda: cm.correct_decision(session, secretary, correction.id, second_session.id, "defer", "x"))
    assert "همان جلسه" in message


# --------------------------------------------------------------------------- province
def test_province_approval_grants_months_share_and_rate(session, secretary, province_committee, county_expert, intake):
    case = scored_case(session, county_expert, intake)
    county = open_session(session, secretary)
    approve(session, secretary, county, case, months=36, share_percent=80, contract_rate_bp=1400)
    cm.close_session(session, secretary, county.id)

    province = open_session(session, province_committee)
    make_ready(session, county_expert, province_committee, case)
    [item] = cm.agenda(session, province_committee, province.id)
    assert item.proposal.terms == cm.Terms(36, 80, 1400) and item.proposal.session_number == "1/1403"
    cm.record_decision(session, province_committee, province.id, case.id, "approve", "با بودجه امسال",
                       months=24, share_percent=60, contract_rate_bp=1400)
    session.expire_all()
    application = session.get(Application, case.id)
    assert application.state == State.province_decision
    assert (application.months_granted, application.share_percent, application.contract_rate_bp) == (24, 60, 1400)
    assert decisions_of(session, case.id)[-1].level == "province"
    grant = session.exec(select(AuditLog).where(AuditLog.action == "application.grant")).one()
    assert (grant.before["months_granted"], grant.after["months_granted"]) == (None, 24)


def test_a_province_rejection_clears_the_grant(session, secretary, province_committee, county_expert, intake):
    case = scored_case(session, county_expert, intake)
    county = open_session(session, secretary)
    approve(session, secretary, county, case)
    province = open_session(session, province_committee)
    make_ready(session, county_expert, province_committee, case)
    first = approve(session, province_committee, province, case)
    cm.record_decision(session, province_committee, province.id, case.id, "reject", "اعتبار کافی نیست", seen=first.id)
    session.expire_all()
    application = session.get(Application, case.id)
    assert application.state == State.rejected and application.months_granted is None


def test_activation_starts_the_payments(session, secretary, province_committee, county_expert, intake, counts):
    case = scored_case(session, county_expert, intake)
    approve(session, secretary, open_session(session, secretary), case)
    province = open_session(session, province_committee)
    refused(session, counts, lambda: cm.activate(session, province_committee, case.id, YearMonth(1403, 7)))
    make_ready(session, county_expert, province_committee, case)
    approve(session, province_committee, province, case, months=12)
    refused(session, counts, lambda: cm.activate(session, secretary, case.id, YearMonth(1403, 7)), Forbidden)
    assert "ماه" in refused(session, counts, lambda: cm.activate(session, province_committee, case.id, YearMonth(1403, 13)))
    assert [g.terms.months for g in cm.awaiting_activation(session, province_committee)] == [12]
    cm.activate(session, province_committee, case.id, "مهر ۱۴۰۳")  # as typed on the page
    assert cm.awaiting_activation(session, province_committee) == []
    session.expire_all()
    application = session.get(Application, case.id)
    assert (application.state, application.start_year, application.start_month) == ("active", 1403, 7)
    assert session.exec(select(Notification).where(Notification.application_id == case.id,
                                                   Notification.event == "state.active")).first()
    assert session.exec(select(AuditLog).where(AuditLog.action == "application.activate")).first().after["state"] == "active"


def test_activation_refuses_a_grant_above_the_cap(session, secretary, province_committee, county_expert, intake, counts):
    case = scored_case(session, county_expert, intake)
    approve(session, secretary, open_session(session, secretary), case, months=30)
    make_ready(session, county_expert, province_committee, case)
    approve(session, province_committee, open_session(session, province_committee), case, months=30)
    pay_months(session, case, 40)  # paid meanwhile on an earlier case: only 20 remain
    message = refused(session, counts, lambda: cm.activate(session, province_committee, case.id, YearMonth(1403, 7)))
    assert f"فقط {to_persian_digits(20)} ماه" in message


# --------------------------------------------------------------------------- areas
def test_a_secretary_of_another_county_is_refused(session, secretary, sibling_secretary, sibling_expert,
                                                  county_expert, intake, areas, counts):
    case = scored_case(session, county_expert, intake)
    cs = open_session(session, secretary)
    refused(session, counts, lambda: approve(session, sibling_secretary, cs, case), Forbidden)
    refused(session, counts, lambda: cm.close_session(session, sibling_secretary, cs.id), Forbidden)
    refused(session, counts, lambda: cm.agenda(session, sibling_secretary, cs.id), Forbidden)
    # her own session cannot reach a Tehran case either
    own = open_session(session, sibling_secretary)
    refused(session, counts, lambda: approve(session, sibling_secretary, own, case), Forbidden)
    assert cs.id not in {s.id for s in cm.list_sessions(session, sibling_secretary)}
    assert state_of(session, case.id) == State.scored


def test_the_province_committee_stays_in_its_province(session, secretary, other_province_committee,
                                                      province_committee, county_expert, intake, counts):
    case = scored_case(session, county_expert, intake)
    approve(session, secretary, open_session(session, secretary), case)
    theirs = open_session(session, other_province_committee)
    refused(session, counts, lambda: approve(session, other_province_committee, theirs, case), Forbidden)
    ours = open_session(session, province_committee)
    refused(session, counts, lambda: approve(session, other_province_committee, ours, case), Forbidden)
    # nor may the province committee decide in a county session
    county = open_session(session, secretary, number="2/1403")
    refused(session, counts, lambda: cm.record_decision(session, province_committee, county.id, case.id, "defer", "x"), Forbidden)


def test_the_province_agenda_gathers_the_counties_approvals(session, secretary, sibling_secretary, sibling_expert,
                                                           province_committee, county_expert, intake, areas):
    here = scored_case(session, county_expert, intake, insured_years=2)
    there = scored_case(session, sibling_expert, intake, county_id=areas.sibling_county, insured_years=9)
    waiting = scored_case(session, county_expert, intake)  # not yet decided by its county
    approve(session, secretary, open_session(session, secretary), here)
    approve(session, sibling_secretary, open_session(session, sibling_secretary), there)
    province = open_session(session, province_committee)
    items = cm.agenda(session, province_committee, province.id)
    assert [i.application_id for i in items] == [there.id, here.id]  # higher total first
    assert waiting.id not in {i.application_id for i in items}
    assert {i.county_name for i in items} == {"تهران", "اسلامشهر"}


# --------------------------------------------------------------------------- agenda order
def test_agenda_puts_overrides_first_and_discount_holders_last(session, secretary, county_expert, intake):
    strong = scored_case(session, county_expert, intake, insured_years=20)
    weak = scored_case(session, county_expert, intake, insured_years=1)
    early = scored_case(session, county_expert, intake, insured_years=1, applied_on=date(2024, 5, 1))
    holder = scored_case(session, county_expert, intake, insured_years=29, discount_holder=True)
    special = scored_case(session, county_expert, intake, insured_years=0)
    apps.set_priority(session, secretary, special.id, 1, "سرپرست خانوار با بیماری صعب‌العلاج")
    cs = open_session(session, secretary)
    items = cm.agenda(session, secretary, cs.id)
    assert [i.application_id for i in items] == [special.id, strong.id, early.id, weak.id, holder.id]
    assert [i.position for i in items] == [1, 2, 3, 4, 5]
    assert items[0].override_reason.startswith("سرپرست")
    assert items[1].total > items[2].total == items[3].total


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.integers(0, 29), st.booleans()), min_size=1, max_size=4))
def test_agenda_order_invariants(session, secretary, intake, cases):
    """However the cases score: overrides, then the others by total, discount holders last."""
    for years, holder in cases:
        scored_case(session, secretary, intake, insured_years=years, discount_holder=holder)
    cs = open_session(session, secretary, number=f"inv-{len(cm.list_sessions(session, secretary))}")
    items = cm.agenda(session, secretary, cs.id)
    groups = [2 if i.discount_holder else 1 for i in items]
    assert groups == sorted(groups)
    for a, b in zip(items, items[1:]):
        if a.discount_holder == b.discount_holder:
            assert a.total >= b.total


# --------------------------------------------------------------------------- programme B
def test_programme_b_has_no_committee_session(session, secretary, county_expert, intake, counts):
    """Seed 000: the Relief Committee's county unit confirms eligibility itself
    (services.relief_eligibility); no Welfare Organisation committee with Form 2 roles decides B."""
    apps.submit_application(session, county_expert, intake("B"))
    message = refused(session, counts, lambda: open_session(session, secretary, program="B"))
    assert "جلسه کمیته ندارد" in message and "مدارک و شرایط پذیرش" in message


def test_case_details_show_the_score_card_documents_and_eligibility(session, secretary, county_expert, intake):
    case = scored_case(session, county_expert, intake, insured_years=4)
    receive_documents(session, case, ["form1"])
    details = cm.case_details(session, secretary, case.id)
    assert len(details.score_lines) == 6
    assert details.score_total == sum(line.points for line in details.score_lines) == 14
    assert details.score_maximum == 50
    assert [d.ok for d in details.documents] == [True, False, False, False]
    assert [e.ok for e in details.eligibility] == [None, None, None, None]  # conditions 1–3, the deputy
    assert "معاونت تخصصی" in details.eligibility[-1].label
