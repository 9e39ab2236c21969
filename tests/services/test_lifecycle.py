"""Suspending, resuming, completing and withdrawing a case; re-applying; a person's history —
on SQLite and PostgreSQL."""
from __future__ import annotations

import threading
from datetime import date

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from db.engine import new_session
from db.models import (
    AgendaEntry,
    Application,
    ApplicationEvent,
    AuditLog,
    CommitteeSession,
    Notification,
    PaymentLine,
    PaymentRun,
)
from lib.errors import Forbidden, InvalidInput
from lib.jalali import YearMonth
from lib.payments import MAX_MONTHS
from lib.permissions import Role
from lib.workflow import State
from services import applications as apps
from services import lifecycle as lc
from services.committee import remaining_months
from tests.services.refusals import refused

REASON = "متقاضی به خودکفایی اقتصادی رسیده است"


# --------------------------------------------------------------------------- helpers
def put(session, case: Application, state: State, *, months: int | None = 24) -> Application:
    """Bring a case to ``state`` as the committees would have (a grant for programme A)."""
    case = session.get(Application, case.id)
    case.state = state.value
    case.months_granted = months
    case.share_percent = 100 if months else None
    case.contract_rate_bp = 1800
    case.start_year, case.start_month = 1403, 1
    session.add(case)
    session.commit()
    return case


def pay(session, case: Application, months: int, *, status: str = "finalized", start=YearMonth(1403, 1)) -> None:
    """``months`` monthly lines on this case in one run of ``status``."""
    if months == 0:
        return
    run = PaymentRun(program_id=case.program_id, province_id=case.province_id, jalali_year=start.year,
                     start_month=start.month, months=months, strategy="full", budget_rial=10**12, status=status)
    session.add(run)
    session.flush()
    for i in range(months):
        ym = start.add(i)
        session.add(PaymentLine(
            run_id=run.id, application_id=case.id, applicant_id=case.applicant_id, program_id=case.program_id,
            jalali_year=ym.year, jalali_month=ym.month, days=ym.days, daily_wage_rial=2_388_728, rate_bp=1800,
            percent=100, full_amount_rial=0, amount_rial=0, agency_rial=0, government_rial=0,
            live=status == "finalized",  # a line becomes live when its run is finalised
        ))
    session.commit()


def fresh(session, case_id: int) -> Application:
    session.expire_all()
    return session.get(Application, case_id)


def events(session, case_id: int) -> list[ApplicationEvent]:
    return list(session.exec(
        select(ApplicationEvent).where(ApplicationEvent.application_id == case_id).order_by(ApplicationEvent.id)
    ).all())


def sms(session, case_id: int) -> list[Notification]:
    return list(session.exec(select(Notification).where(Notification.application_id == case_id)).all())


def remaining(session, case: Application) -> int:
    return remaining_months(session, case.program_id, {0: case.applicant_id})[0]


def actions_of(session, actor, case) -> list[lc.Lifecycle]:
    return [o.action for o in lc.available_actions(session, actor, case.id)]


# --------------------------------------------------------------------------- the moves
def test_suspend_resume_and_complete_with_reason_timeline_sms_and_audit(session, county_expert, province_committee, intake):
    case = put(session, apps.submit_application(session, county_expert, intake("A")), State.active)
    result = lc.suspend_case(session, province_committee, case.id, "گزارش توقف کار متقاضی")
    assert (result.state, result.state_label) == (State.suspended, "معلق")
    lc.resume_case(session, province_committee, case.id, "کار دوباره راه افتاد")
    lc.complete_case(session, province_committee, case.id, REASON)
    assert fresh(session, case.id).state == State.completed
    moves = events(session, case.id)[-3:]
    assert [(e.from_state, e.to_state) for e in moves] == [
        ("active", "suspended"), ("suspended", "active"), ("active", "completed")
    ]
    assert moves[0].note == "گزارش توقف کار متقاضی" and moves[0].user_id == province_committee.id
    assert moves[2].note.startswith(REASON)
    bodies = [n.body for n in sms(session, case.id)]
    assert any("معلق" in b for b in bodies) and any("پایان یافته" in b for b in bodies)
    assert len(bodies) == 1 + 3  # received + one per move
    logged = {a.action: a for a in session.exec(select(AuditLog).where(AuditLog.entity_id == str(case.id))).all()}
    assert logged["application.complete"].after["reason"] == REASON
    assert logged["application.suspend"].before["state"] == "active"
    assert logged["application.suspend"].after["state"] == "suspended"


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_every_move_needs_a_reason(session, county_expert, province_committee, intake, counts, reason):
    case = put(session, apps.submit_application(session, county_expert, intake("A")), State.active)
    for call in (lc.suspend_case, lc.complete_case):
        error = refused(session, counts, lambda call=call: call(session, province_committee, case.id, reason))
        assert error.field == "reason" and "دلیل" in error.message
    error = refused(session, counts, lambda: lc.suspend_case(session, province_committee, case.id, "ا" * (lc.REASON_MAX + 1)))
    assert error.field == "reason" and "۲۵۰" in error.message
    assert fresh(session, case.id).state == State.active


def test_only_the_right_role_in_the_right_area_may_end_a_case(
    session, county_expert, secretary, province_committee, other_province_committee, province_manager, intake, counts
):
    case = put(session, apps.submit_application(session, county_expert, intake("A")), State.active)
    for actor in (county_expert, secretary, province_manager, other_province_committee):
        refused(session, counts, lambda actor=actor: lc.complete_case(session, actor, case.id, REASON), Forbidden)
        refused(session, counts, lambda actor=actor: lc.suspend_case(session, actor, case.id, REASON), Forbidden)
    # Programme B: the county unit (the committee secretary) ends the cover it activated.
    b = put(session, apps.submit_application(session, county_expert, intake("B")), State.active, months=None)
    refused(session, counts, lambda: lc.suspend_case(session, province_committee, b.id, REASON), Forbidden)
    refused(session, counts, lambda: lc.suspend_case(session, county_expert, b.id, REASON), Forbidden)
    lc.suspend_case(session, secretary, b.id, "غیبت در شعبه")
    lc.complete_case(session, secretary, b.id, "پایان قرارداد")
    assert fresh(session, b.id).state == State.completed


def test_a_move_from_the_wrong_state_is_refused_naming_the_state(session, county_expert, province_committee, intake, counts):
    case = put(session, apps.submit_application(session, county_expert, intake("A")), State.suspended)
    message = refused(session, counts, lambda: lc.suspend_case(session, province_committee, case.id, REASON)).message
    assert "«معلق»" in message and "«فعال»" in message
    lc.complete_case(session, province_committee, case.id, REASON)  # a suspended case may end
    message = refused(session, counts, lambda: lc.resume_case(session, province_committee, case.id, REASON)).message
    assert "«پایان یافته»" in message
    running = put(session, apps.submit_application(session, county_expert, intake("A")), State.active)
    message = refused(session, counts, lambda: lc.withdraw_case(session, county_expert, running.id, REASON)).message
    assert "«فعال»" in message and "«دریافت شده»" in message  # a running case ends as «completed», not withdrawn


@pytest.mark.parametrize(
    "state", [State.received, State.documents_incomplete, State.scored, State.county_decision, State.province_decision]
)
def test_an_applicant_withdraws_before_the_support_starts(session, county_expert, intake, state):
    case = put(session, apps.submit_application(session, county_expert, intake("A")), state,
               months=24 if state == State.province_decision else None)
    result = lc.withdraw_case(session, county_expert, case.id, "متقاضی کار دیگری پیدا کرد")
    assert result.state == State.withdrawn and fresh(session, case.id).state == State.withdrawn
    assert events(session, case.id)[-1].note == "متقاضی کار دیگری پیدا کرد"
    assert "انصراف" in sms(session, case.id)[-1].body


def test_a_withdrawn_case_leaves_the_open_committee_agenda(session, county_expert, secretary, intake, areas):
    case = put(session, apps.submit_application(session, county_expert, intake("A")), State.scored, months=None)
    meeting = CommitteeSession(level="county", program_id=case.program_id, province_id=areas.province,
                               county_id=areas.county, held_on=date(2024, 7, 1), number="3/1403")
    session.add(meeting)
    session.flush()
    session.add(AgendaEntry(session_id=meeting.id, application_id=case.id, level="county", placed_by=secretary.id))
    session.commit()
    lc.withdraw_case(session, county_expert, case.id, "انصراف متقاضی پیش از جلسه")
    assert session.exec(select(AgendaEntry).where(AgendaEntry.application_id == case.id)).all() == []
    logged = session.exec(select(AuditLog).where(AuditLog.action == "application.withdraw")).one()
    assert logged.before["open_agenda_sessions"] == [meeting.id]


def test_completion_returns_the_unpaid_months_to_the_cap(session, county_expert, province_committee, intake):
    """A case granted 24 months and paid 6 uses 6 of the person's 60 once completed."""
    case = put(session, apps.submit_application(session, county_expert, intake("A")), State.active, months=24)
    pay(session, case, 6)
    assert remaining(session, case) == MAX_MONTHS - 24  # while running, the whole grant is reserved
    result = lc.complete_case(session, province_committee, case.id, REASON)
    assert (result.months_granted_before, result.months_paid, result.months_granted, result.months_released) == (24, 6, 6, 18)
    assert fresh(session, case.id).months_granted == 6
    assert remaining(session, case) == MAX_MONTHS - 6
    assert "۱۸ ماه به سقف متقاضی برگشت" in events(session, case.id)[-1].note
    audit = session.exec(select(AuditLog).where(AuditLog.action == "application.complete")).one()
    assert audit.before["months_granted"] == 24 and audit.after["months_paid"] == 6


def test_months_paid_are_those_of_finalised_runs_each_month_once(session, county_expert, province_committee, intake):
    case = put(session, apps.submit_application(session, county_expert, intake("A")), State.active, months=24)
    other = put(session, apps.submit_application(session, county_expert, intake("A")), State.active, months=24)
    pay(session, case, 4)
    pay(session, case, 3, status="draft", start=YearMonth(1403, 7))
    pay(session, case, 2, status="cancelled", start=YearMonth(1403, 10))
    assert lc.months_paid(session, [case.id, other.id]) == {case.id: 4, other.id: 0}
    result = lc.complete_case(session, province_committee, case.id, REASON)
    assert (result.months_paid, result.months_granted) == (4, 4)


def test_suspension_keeps_the_grant_reserved(session, county_expert, province_committee, intake):
    case = put(session, apps.submit_application(session, county_expert, intake("A")), State.active, months=36)
    lc.suspend_case(session, province_committee, case.id, REASON)
    assert fresh(session, case.id).months_granted == 36
    assert remaining(session, case) == MAX_MONTHS - 36


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(granted=st.integers(1, MAX_MONTHS), paid_share=st.floats(0, 1))
@example(granted=1, paid_share=0.0)
@example(granted=MAX_MONTHS, paid_share=1.0)
@example(granted=MAX_MONTHS, paid_share=0.0)
def test_a_completed_case_counts_exactly_its_paid_months(session, county_expert, province_committee, intake, granted, paid_share):
    paid = round(granted * paid_share)
    case = put(session, apps.submit_application(session, county_expert, intake("A")), State.active, months=granted)
    pay(session, case, paid)
    result = lc.complete_case(session, province_committee, case.id, REASON)
    assert result.months_granted == paid and result.months_released == granted - paid
    assert remaining(session, case) == MAX_MONTHS - paid


# --------------------------------------------------------------------------- what the page offers
def test_available_actions_follow_state_programme_and_role(
    session, county_expert, secretary, province_committee, province_manager, intake
):
    a = apps.submit_application(session, county_expert, intake("A"))
    assert actions_of(session, county_expert, a) == [lc.Lifecycle.withdraw]
    assert actions_of(session, province_committee, a) == []  # the committee does not take applications
    put(session, a, State.active)
    assert actions_of(session, province_committee, a) == [lc.Lifecycle.suspend, lc.Lifecycle.complete]
    assert actions_of(session, county_expert, a) == [] and actions_of(session, province_manager, a) == []
    put(session, a, State.suspended)
    assert actions_of(session, province_committee, a) == [lc.Lifecycle.resume, lc.Lifecycle.complete]
    put(session, a, State.completed)
    assert actions_of(session, province_committee, a) == []
    b = put(session, apps.submit_application(session, county_expert, intake("B")), State.introduced, months=None)
    assert actions_of(session, secretary, b) == [lc.Lifecycle.withdraw, lc.Lifecycle.sso_refusal]
    assert actions_of(session, county_expert, b) == [lc.Lifecycle.withdraw]
    options = {o.action: o for o in lc.available_actions(session, secretary, b.id)}
    assert options[lc.Lifecycle.sso_refusal].irreversible and options[lc.Lifecycle.sso_refusal].target_label == "رد شده"
    running = put(session, a, State.active)
    options = {o.action: o for o in lc.available_actions(session, province_committee, running.id)}
    assert not options[lc.Lifecycle.suspend].irreversible and options[lc.Lifecycle.complete].irreversible


def test_another_areas_case_offers_nothing_and_is_refused(session, admin, sibling_county_expert, intake, areas):
    case = apps.submit_application(session, admin, intake("A", county_id=areas.county))
    with pytest.raises(Forbidden):
        lc.available_actions(session, sibling_county_expert, case.id)
    with pytest.raises(Forbidden):
        lc.withdraw_case(session, sibling_county_expert, case.id, REASON)


# --------------------------------------------------------------------------- applying again
@pytest.mark.parametrize("ending", ["complete", "withdraw", "reject"])
def test_a_closed_case_lets_the_person_apply_again_with_the_history_shown(
    session, county_expert, secretary, province_committee, intake, new_national_code, ending
):
    code = new_national_code()
    first = apps.submit_application(session, county_expert, intake("A", national_code=code))
    refused_again = pytest.raises(InvalidInput, apps.submit_application, session, county_expert,
                                  intake("A", national_code=code))
    assert first.tracking_code in refused_again.value.message  # one open case per programme
    session.rollback()
    if ending == "complete":
        put(session, first, State.active, months=24)
        pay(session, first, 10)
        lc.complete_case(session, province_committee, first.id, REASON)
    elif ending == "withdraw":
        lc.withdraw_case(session, county_expert, first.id, "انصراف")
    else:
        apps.change_state(session, secretary, first.id, State.rejected, note="شرایط برقرار نیست")
    second = apps.submit_application(session, county_expert, intake("A", national_code=code, applied_on=date(2025, 5, 1)))
    assert second.id != first.id and second.applicant_id == first.applicant_id
    assert fresh(session, second.id).state == State.received

    (entry,) = lc.applicant_history(session, county_expert, second.id)
    assert (entry.application_id, entry.tracking_code, entry.program_code) == (first.id, first.tracking_code, "A")
    assert entry.state == fresh(session, first.id).state and entry.in_area
    assert entry.ended_at is not None and entry.applied_on == first.applied_on
    if ending == "complete":
        assert (entry.months_granted, entry.months_paid) == (10, 10)
        assert remaining(session, second) == MAX_MONTHS - 10
    (back,) = lc.applicant_history(session, county_expert, first.id)
    assert back.application_id == second.id and back.ended_at is None and back.state_label == "دریافت شده"


def test_history_lists_other_programmes_and_counties_but_opens_only_the_users_own(
    session, admin, county_expert, intake, areas, new_national_code
):
    code = new_national_code()
    here_b = apps.submit_application(session, county_expert, intake("B", national_code=code))
    elsewhere = apps.submit_application(session, admin, intake("A", national_code=code, county_id=areas.other_county))
    lc.withdraw_case(session, admin, elsewhere.id, "جابه‌جایی محل زندگی")
    history = lc.applicant_history(session, county_expert, here_b.id)
    assert [(h.tracking_code, h.program_label, h.in_area) for h in history] == [
        (elsewhere.tracking_code, "خویش‌فرما", False)
    ]
    assert lc.applicant_history(session, county_expert, apps.submit_application(
        session, county_expert, intake("A")).id) == ()


# --------------------------------------------------------------------------- at the same moment
@pytest.mark.parametrize("threads", [2, 5, 8])
def test_users_ending_one_case_at_once_record_it_once(engine, session, county_expert, province_committee, intake, threads):
    """Several users press «پایان حمایت» / «تعلیق» on the same case at the same moment: one move
    is recorded (one event, one SMS); the others get a Persian message and write nothing."""
    for round_ in range(3):
        case = put(session, apps.submit_application(session, county_expert, intake("A")), State.active)
        barrier = threading.Barrier(threads)
        outcome: list[object] = []

        def run(i: int, case_id: int = case.id) -> None:
            with new_session(engine) as own:
                barrier.wait()
                call = lc.complete_case if i % 2 == 0 else lc.suspend_case
                try:
                    outcome.append(call(own, province_committee, case_id, f"هم‌زمان {i}"))
                except InvalidInput as exc:
                    outcome.append(exc.message)

        workers = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        won = [o for o in outcome if isinstance(o, lc.LifecycleResult)]
        lost = [o for o in outcome if isinstance(o, str)]
        assert len(outcome) == threads and all("اکنون در وضعیت" in m for m in lost), outcome
        chain = [e.to_state for e in events(session, case.id) if e.from_state is not None]
        # a suspension may be followed by a completion (suspended → completed is allowed); nothing twice
        assert chain in (["completed"], ["suspended"], ["suspended", "completed"]), chain
        assert sorted(w.state.value for w in won) == sorted(chain)
        assert len(sms(session, case.id)) == 1 + len(chain)
