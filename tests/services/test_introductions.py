"""Programme B: the ranked waiting list, introductions within the county's quota, activation.

Every test runs on SQLite and PostgreSQL (the ``session`` fixture)."""
from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlmodel import Session, select

from lib.jalali import local_today
from db.engine import new_session
from db.models import Application, ApplicationEvent, AuditLog, Introduction, Notification, Quota
from lib.errors import Forbidden, InvalidInput
from lib.jalali import YearMonth, to_gregorian
from lib.payments import monthly_premium, program_b_shares
from lib.text import to_persian_digits
from lib.workflow import State
from services import applications as apps
from services.branches import add_branch, set_branch_active
from services.introductions import introduce, introductions, mark_active, record_sso_refusal, waiting_list
from services.quotas import lock_quota, set_quota
from tests.services.conftest import APPLIED_ON
from tests.services.refusals import refused as _refused

YEAR = 1403
ON = date(2024, 7, 1)  # 1403/04/11
BRANCH_NAME = "شعبه ۲۴ تهران"

def refused(session, counts, call, error=InvalidInput) -> str:
    """A refusal (see tests/services/refusals.py); returns its Persian message."""
    return _refused(session, counts, call, error).message



@pytest.fixture
def branch(session, admin, areas) -> int:
    """An SSO branch of the acting county (as an administrator adds it); its id."""
    return add_branch(session, admin, areas.county, BRANCH_NAME, "24").id


def fa(n: int) -> str:
    return to_persian_digits(n)


@pytest.fixture
def b_case(session, secretary, intake) -> Callable[..., Application]:
    """A programme-B case found eligible (state «county_decision»), i.e. on the waiting list."""

    def make(*, actor=None, eligible: bool = True, **overrides) -> Application:
        who = actor or secretary
        case = apps.submit_application(session, who, intake("B", **overrides))
        if eligible:
            apps.change_state(session, who, case.id, State.county_decision)
        return case

    return make


@pytest.fixture
def quota(session, province_committee, areas) -> Callable[[int], None]:
    """Announce ``slots`` for the acting county in 1403."""
    return lambda slots, county=None, year=YEAR: set_quota(
        session, province_committee, county or areas.county, year, slots
    )


# --------------------------------------------------------------------------- waiting list
def test_waiting_list_puts_committee_priority_first_then_date_then_id(session, secretary, b_case, quota):
    quota(2)
    late = b_case(applied_on=APPLIED_ON + timedelta(days=5))
    early_2 = b_case(applied_on=APPLIED_ON)
    early_1_older_id = early_2  # same date: the lower id first
    early_3 = b_case(applied_on=APPLIED_ON)
    favoured = b_case(applied_on=APPLIED_ON + timedelta(days=9))
    first = b_case(applied_on=APPLIED_ON + timedelta(days=9))
    apps.set_priority(session, secretary, favoured.id, 2, "سرپرست خانوار با فرزند معلول")
    apps.set_priority(session, secretary, first.id, 1, "بیماری صعب‌العلاج")

    frame = waiting_list(session, secretary, secretary.county_id, YEAR)
    assert list(frame["application_id"]) == [first.id, favoured.id, early_1_older_id.id, early_3.id, late.id]
    assert list(frame["rank"]) == [1, 2, 3, 4, 5]
    assert frame.loc[0, "priority_reason"] == "بیماری صعب‌العلاج"
    assert list(frame["within_quota"]) == [True, True, False, False, False]
    assert frame.loc[0, "tracking_code"] == first.tracking_code


def test_waiting_list_holds_only_eligible_programme_b_cases_of_the_county(
    session, secretary, b_case, intake, areas, make_actor
):
    from lib.permissions import Role

    waiting = b_case()
    b_case(eligible=False)  # received, not yet found eligible
    apps.submit_application(session, secretary, intake("A"))  # programme A never waits here
    other = make_actor(Role.committee_secretary, province_id=areas.province, county_id=areas.sibling_county)
    b_case(actor=other, county_id=areas.sibling_county)
    frame = waiting_list(session, secretary, areas.county, YEAR)
    assert list(frame["application_id"]) == [waiting.id]
    assert not frame["within_quota"].any()  # no quota announced yet


def test_waiting_list_of_another_county_is_forbidden(session, sibling_county_expert, b_case, areas):
    b_case()
    with pytest.raises(Forbidden):
        waiting_list(session, sibling_county_expert, areas.county, YEAR)


# --------------------------------------------------------------------------- introduce
def test_introduction_within_quota_writes_letter_state_event_sms_and_audit(branch, session, secretary, b_case, quota, areas):
    quota(3)
    case = b_case()
    made = introduce(session, secretary, case.id, branch, ON)

    session.expire_all()
    assert made.letter_no == f"{areas.county}-{YEAR}-1"
    assert made.jalali_year == YEAR and made.branch == BRANCH_NAME and made.branch_id == branch and made.introduced_by == secretary.id
    assert session.get(Application, case.id).state == State.introduced.value
    event = session.exec(
        select(ApplicationEvent).where(ApplicationEvent.application_id == case.id).order_by(ApplicationEvent.id.desc())
    ).first()
    assert (event.from_state, event.to_state) == (State.county_decision.value, State.introduced.value)
    assert BRANCH_NAME in event.note and made.letter_no in event.note
    sms = session.exec(
        select(Notification).where(Notification.application_id == case.id, Notification.event == "state.introduced")
    ).one()
    assert case.tracking_code in sms.body and "معرفی به تأمین اجتماعی" in sms.body
    actions = [a.action for a in session.exec(select(AuditLog).where(AuditLog.user_id == secretary.id)).all()]
    assert "introduction.create" in actions and "application.state" in actions
    entry = session.exec(select(AuditLog).where(AuditLog.action == "introduction.create")).one()
    assert entry.after["letter_no"] == made.letter_no and entry.after["rank"] == 1
    # the waiting list no longer holds her; the next letter gets the next number
    assert waiting_list(session, secretary, areas.county, YEAR).empty
    second = introduce(session, secretary, b_case().id, branch, ON)
    assert second.letter_no == f"{areas.county}-{YEAR}-2"


def test_over_quota_is_refused_and_the_case_keeps_its_place(branch, session, secretary, b_case, quota, counts, areas):
    quota(1)
    first, second, third = b_case(), b_case(), b_case()
    introduce(session, secretary, first.id, branch, ON)
    message = refused(session, counts, lambda: introduce(session, secretary, third.id, branch, ON, reason="فوری"))
    assert "تکمیل" in message
    assert f"رتبه آن {fa(2)}" in message  # second waits ahead of her
    assert f"{fa(1)} از {fa(1)}" in message
    frame = waiting_list(session, secretary, areas.county, YEAR)
    assert list(frame["application_id"]) == [second.id, third.id]


def test_without_a_quota_nobody_is_introduced(branch, session, secretary, b_case, counts, quota):
    case = b_case()
    message = refused(session, counts, lambda: introduce(session, secretary, case.id, branch, ON))
    assert "سهمیه‌ای اعلام نشده" in message
    quota(2, year=YEAR - 1)  # last year's quota does not cover this year's introduction
    message = refused(session, counts, lambda: introduce(session, secretary, case.id, branch, ON))
    assert fa(YEAR) in message


def test_a_case_ranked_beyond_the_free_slots_needs_a_reason(branch, session, secretary, b_case, quota, counts):
    quota(2)
    first, second, third = b_case(), b_case(), b_case()
    introduce(session, secretary, second.id, branch, ON)  # rank 2 of 3 with 2 free: in turn
    message = refused(session, counts, lambda: introduce(session, secretary, third.id, branch, ON))
    assert "خارج از نوبت" in message and f"رتبه {fa(2)}" in message
    made = introduce(session, secretary, third.id, branch, ON, reason="متقاضی رتبه اول مدارک را تکمیل نکرده")
    note = session.exec(
        select(ApplicationEvent.note).where(
            ApplicationEvent.application_id == third.id, ApplicationEvent.to_state == State.introduced.value
        )
    ).one()
    assert "خارج از نوبت" in note and "مدارک را تکمیل نکرده" in note
    entry = session.exec(
        select(AuditLog).where(AuditLog.entity == "introduction", AuditLog.entity_id == str(made.id))
    ).one()
    assert entry.after["rank"] == 2 and "مدارک" in entry.after["reason"]
    assert session.get(Application, first.id).state == State.county_decision.value


@pytest.mark.parametrize(
    "overrides, expected",
    [
        ({"branch_id": None}, "از فهرست شعب"),
        ({"branch_id": 10**6}, "در فهرست شعب"),
        ({"introduced_on": local_today() + timedelta(days=1)}, "آینده"),
        ({"introduced_on": APPLIED_ON - timedelta(days=1)}, "پیش از تاریخ درخواست"),
        ({"reason": "ب" * 201}, "کوتاه‌تر"),
    ],
)
def test_bad_input_is_refused_with_what_to_fix(branch, session, secretary, b_case, quota, counts, overrides, expected):
    quota(5)
    case = b_case()
    args = {"branch_id": branch, "introduced_on": ON, **overrides}
    message = refused(session, counts, lambda: introduce(session, secretary, case.id, **args))
    assert expected in message


def test_the_longest_accepted_branch_and_reason_are_stored_whole(session, admin, secretary, b_case, quota, areas):
    quota(1)
    b_case()  # ranked first: the second needs a reason
    case = b_case()
    branch, reason = "ش" * 120, "ب" * 200
    introduce(session, secretary, case.id, add_branch(session, admin, areas.county, branch).id, ON, reason=reason)
    note = session.exec(
        select(ApplicationEvent.note).where(
            ApplicationEvent.application_id == case.id, ApplicationEvent.to_state == State.introduced.value
        )
    ).one()
    assert branch in note and reason in note


def test_only_waiting_programme_b_cases_are_introduced(branch, session, secretary, b_case, quota, counts, intake):
    quota(5)
    received = b_case(eligible=False)
    assert "فهرست انتظار" in refused(session, counts, lambda: introduce(session, secretary, received.id, branch, ON))
    programme_a = apps.submit_application(session, secretary, intake("A"))
    assert "برنامه" in refused(session, counts, lambda: introduce(session, secretary, programme_a.id, branch, ON))
    done = b_case()
    introduce(session, secretary, done.id, branch, ON)
    assert "فهرست انتظار" in refused(session, counts, lambda: introduce(session, secretary, done.id, branch, ON))


def test_county_staff_cannot_introduce_another_countys_case_nor_without_the_role(
    branch, session, secretary, county_expert, b_case, quota, counts, areas, make_actor
):
    from lib.permissions import Role

    quota(5)
    case = b_case()
    neighbour = make_actor(Role.committee_secretary, province_id=areas.province, county_id=areas.sibling_county)
    refused(session, counts, lambda: introduce(session, neighbour, case.id, branch, ON), Forbidden)
    refused(session, counts, lambda: introduce(session, county_expert, case.id, branch, ON), Forbidden)
    with pytest.raises(Forbidden):
        introductions(session, neighbour, areas.county, YEAR)


def test_two_introductions_competing_for_the_last_slot_one_wins(branch, engine, session, secretary, b_case, quota, areas):
    """Two users, two sessions, one free slot: exactly one introduction, the other refused
    with the Persian «quota full» message (never a database error, never over quota)."""
    quota(1)
    cases = [b_case(), b_case()]
    barrier = threading.Barrier(2)
    outcome: dict[int, object] = {}

    def run(case_id: int) -> None:
        with new_session(engine) as own:
            barrier.wait()
            try:
                outcome[case_id] = introduce(own, secretary, case_id, branch, ON, reason="هم‌زمانی")
            except InvalidInput as exc:
                outcome[case_id] = exc.message

    threads = [threading.Thread(target=run, args=(c.id,)) for c in cases]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    made = [v for v in outcome.values() if isinstance(v, Introduction)]
    messages = [v for v in outcome.values() if isinstance(v, str)]
    assert len(made) == 1 and len(messages) == 1, outcome
    assert "تکمیل" in messages[0]
    assert len(session.exec(select(Introduction)).all()) == 1


@pytest.mark.postgres
@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)  # row locks are PostgreSQL's
def test_on_postgresql_an_introduction_waits_for_the_quota_lock_and_then_counts_again(
    branch, engine, session, secretary, b_case, quota, areas
):
    """A holds the quota row (as an introduction in progress does); B's introduction must wait
    for it, and once A has taken the last slot and committed, B is refused. (On SQLite the
    test above: the single writer lock serialises the same way.)"""
    from db.models import Program

    quota(1)
    a_case, b_case_ = b_case(), b_case()
    program_id = session.exec(select(Program.id).where(Program.code == "B")).one()
    outcome: dict[str, object] = {}

    with new_session(engine) as holder:
        assert lock_quota(holder, program_id, areas.county, YEAR) is not None

        def competitor() -> None:
            with new_session(engine) as own:
                try:
                    outcome["b"] = introduce(own, secretary, b_case_.id, branch, ON)
                except InvalidInput as exc:
                    outcome["b"] = exc.message

        thread = threading.Thread(target=competitor)
        thread.start()
        waited = False
        with engine.connect() as probe:  # wait until B is blocked on a lock (or has finished)
            while thread.is_alive() and not waited:
                waited = bool(
                    probe.execute(
                        text(
                            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                            "AND wait_event_type = 'Lock'"
                        )
                    ).scalar()
                )
                probe.rollback()
                thread.join(0.05)
        assert waited, f"the competing introduction did not wait for the quota lock: {outcome}"
        introduce(holder, secretary, a_case.id, branch, ON)  # takes the last slot, commits, unlocks
    thread.join()
    assert isinstance(outcome["b"], str) and "تکمیل" in outcome["b"], outcome
    assert len(session.exec(select(Introduction)).all()) == 1


_SLOTS = st.integers(min_value=0, max_value=3)
_ATTEMPTS = st.integers(min_value=0, max_value=4)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(slots=_SLOTS, attempts=_ATTEMPTS)
def test_introductions_never_exceed_the_quota(branch, session, secretary, b_case, quota, areas, slots, attempts):
    """For any quota and any number of attempts, introduced = min(slots, attempts)."""
    # each example takes the earliest year without a quota (the database lives across examples)
    year = next(y for y in range(1380, 1403) if session.exec(select(Quota.id).where(Quota.jalali_year == y)).first() is None)
    quota(slots, year=year)
    day = to_gregorian(year, 6, 1)
    made = 0
    for _ in range(attempts):
        case = b_case(applied_on=to_gregorian(year, 1, 15))
        try:
            introduce(session, secretary, case.id, branch, day, reason="آزمون")
            made += 1
        except InvalidInput as exc:
            session.rollback()
            assert "تکمیل" in exc.message
    count = len(session.exec(select(Introduction).where(Introduction.jalali_year == year)).all())
    assert count == made == min(slots, attempts)


# --------------------------------------------------------------------------- activation
def test_mark_active_records_the_cover_and_shows_the_18_percent_split(branch, session, secretary, b_case, quota):
    quota(1)
    case = b_case()
    introduce(session, secretary, case.id, branch, ON)
    activation = mark_active(session, secretary, case.id, YearMonth(1403, 5))

    session.expire_all()
    stored = session.get(Application, case.id)
    assert stored.state == State.active.value
    assert (stored.start_year, stored.start_month, stored.contract_rate_bp) == (1403, 5, 1800)
    # SSO's published figure: 18 % of a 31-day month of 1403 is 13,329,102 rials
    assert activation.monthly_premium_rial == 13_329_102 == monthly_premium(2_388_728, 31, 1800)
    shares = program_b_shares(13_329_102)
    assert (activation.agency_rial, activation.government_rial) == (shares["agency"], shares["government"])
    assert activation.agency_rial + activation.government_rial == 13_329_102
    assert session.exec(
        select(Notification).where(Notification.application_id == case.id, Notification.event == "state.active")
    ).one()
    assert session.exec(select(AuditLog).where(AuditLog.action == "application.cover")).one().after["start_month"] == 5


def test_activation_says_when_the_wage_is_not_confirmed(branch, session, secretary, b_case, quota):
    from services.base import SYSTEM
    from services.wages import set_wage, wage_of

    quota(1)
    case = b_case()
    introduce(session, secretary, case.id, branch, ON)
    assert wage_of(session, 1403).confirmed
    set_wage(session, SYSTEM, jalali_year=1403, daily_wage_rial=2_388_728, confirmed=False)
    activation = mark_active(session, secretary, case.id, YearMonth(1403, 5))
    assert activation.wage_confirmed is False and activation.monthly_premium_rial == 13_329_102


def test_cover_cannot_start_before_the_introduction_nor_without_one(branch, session, secretary, b_case, quota, counts):
    quota(1)
    waiting = b_case()
    assert "معرفی شده" in refused(session, counts, lambda: mark_active(session, secretary, waiting.id, YearMonth(1403, 5)))
    introduce(session, secretary, waiting.id, branch, ON)
    message = refused(session, counts, lambda: mark_active(session, secretary, waiting.id, YearMonth(1403, 3)))
    assert "تیر ۱۴۰۳" in message
    assert "سال/ماه" in refused(session, counts, lambda: mark_active(session, secretary, waiting.id, (1403, 13)))


# --------------------------------------------------------------------------- branches, SSO refusal, overlap (issue 6)
def test_only_an_active_branch_of_her_county_is_accepted(session, admin, secretary, b_case, quota, counts, areas, branch):
    quota(5)
    case = b_case()
    elsewhere = add_branch(session, admin, areas.sibling_county, "شعبه اسلامشهر").id
    assert "در فهرست شعب" in refused(session, counts, lambda: introduce(session, secretary, case.id, elsewhere, ON))
    set_branch_active(session, admin, branch, False)
    assert "فعال نیست" in refused(session, counts, lambda: introduce(session, secretary, case.id, branch, ON))


def test_sso_refusal_returns_the_seat_to_the_quota(session, secretary, b_case, quota, counts, areas, branch):
    """Our documented choice (the seed is silent): a woman SSO refused no longer holds a seat."""
    quota(1)
    first, second = b_case(), b_case()
    introduce(session, secretary, first.id, branch, ON)
    assert "تکمیل" in refused(session, counts, lambda: introduce(session, secretary, second.id, branch, ON))

    record_sso_refusal(session, secretary, first.id, "سابقه بیمه فعال در صندوق دیگر")

    session.expire_all()
    assert session.get(Application, first.id).state == State.rejected.value
    refusal = session.exec(select(Introduction).where(Introduction.application_id == first.id)).one()
    assert refusal.refused_on is not None and refusal.refused_by == secretary.id
    assert "صندوق دیگر" in refusal.refusal_reason
    assert list(waiting_list(session, secretary, areas.county, YEAR)["within_quota"]) == [True]
    made = introduce(session, secretary, second.id, branch, ON)  # the returned seat
    assert made.letter_no == f"{areas.county}-{YEAR}-2"  # letter numbers still count every letter
    note = session.exec(
        select(ApplicationEvent.note).where(
            ApplicationEvent.application_id == first.id, ApplicationEvent.to_state == State.rejected.value
        )
    ).one()
    assert "نپذیرفت" in note and "صندوق دیگر" in note
    assert session.exec(
        select(Notification).where(Notification.application_id == first.id, Notification.event == "state.rejected")
    ).one()
    entry = session.exec(select(AuditLog).where(AuditLog.action == "introduction.refused")).one()
    assert entry.before["refused_on"] is None and entry.after["refusal_reason"] == refusal.refusal_reason
    frame = introductions(session, secretary, areas.county, YEAR)
    assert frame.loc[frame["application_id"] == first.id, "refusal_reason"].item() == refusal.refusal_reason


def test_sso_refusal_needs_a_reason_and_an_introduced_case(session, secretary, county_expert, b_case, quota, counts, branch):
    quota(2)
    waiting, introduced = b_case(), b_case()
    introduce(session, secretary, introduced.id, branch, ON)
    assert "دلیل" in refused(session, counts, lambda: record_sso_refusal(session, secretary, introduced.id, "  "))
    assert "معرفی شده" in refused(session, counts, lambda: record_sso_refusal(session, secretary, waiting.id, "نپذیرفت"))
    refused(session, counts, lambda: record_sso_refusal(session, county_expert, introduced.id, "نپذیرفت"), Forbidden)
    record_sso_refusal(session, secretary, introduced.id, "نپذیرفت")
    assert "معرفی شده" in refused(session, counts, lambda: record_sso_refusal(session, secretary, introduced.id, "دوباره"))


def test_cover_in_b_is_refused_while_programme_a_covers_the_same_months(
    session, secretary, b_case, quota, counts, intake, branch
):
    from db.models import Applicant

    quota(1)
    case = b_case()
    code = session.get(Applicant, case.applicant_id).national_code
    a_case = apps.submit_application(session, secretary, intake("A", national_code=code))
    row = session.get(Application, a_case.id)
    row.state, row.start_year, row.start_month, row.months_granted = State.active.value, 1403, 1, 12
    session.add(row)
    session.commit()
    introduce(session, secretary, case.id, branch, ON)
    message = refused(session, counts, lambda: mark_active(session, secretary, case.id, YearMonth(1403, 5)))
    assert a_case.tracking_code in message
    activation = mark_active(session, secretary, case.id, YearMonth(1404, 1))  # after A's 12 months
    assert activation.start == YearMonth(1404, 1)


def _race(engine, calls: list[Callable[[Session], object]]) -> list[object]:
    """Run each call in its own session and thread, all released at once; results or messages."""
    barrier = threading.Barrier(len(calls))
    outcome: list[object] = [None] * len(calls)

    def run(i: int) -> None:
        with new_session(engine) as own:
            barrier.wait()
            try:
                outcome[i] = calls[i](own)
            except InvalidInput as exc:
                outcome[i] = exc.message

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcome


@pytest.mark.parametrize("threads", [2, 5])
def test_simultaneous_sso_refusals_are_recorded_once(engine, session, secretary, b_case, quota, branch, threads):
    quota(1)
    case = b_case()
    introduce(session, secretary, case.id, branch, ON)
    outcome = _race(engine, [lambda own: record_sso_refusal(own, secretary, case.id, "نپذیرفت")] * threads)
    assert sum(isinstance(o, Application) for o in outcome) == 1, outcome
    assert all("معرفی شده" in o for o in outcome if isinstance(o, str))
    events = session.exec(
        select(ApplicationEvent).where(ApplicationEvent.application_id == case.id, ApplicationEvent.to_state == "rejected")
    ).all()
    assert len(events) == 1
    assert len(session.exec(select(Notification).where(Notification.application_id == case.id,
                                                       Notification.event == "state.rejected")).all()) == 1


@pytest.mark.parametrize("threads", [2, 4])
def test_simultaneous_activations_are_recorded_once(engine, session, secretary, b_case, quota, branch, threads):
    quota(1)
    case = b_case()
    introduce(session, secretary, case.id, branch, ON)
    outcome = _race(engine, [lambda own: mark_active(own, secretary, case.id, YearMonth(1403, 5))] * threads)
    assert sum(not isinstance(o, str) for o in outcome) == 1, outcome
    events = session.exec(
        select(ApplicationEvent).where(ApplicationEvent.application_id == case.id, ApplicationEvent.to_state == "active")
    ).all()
    assert len(events) == 1
