"""Demo data obeys the rules the services enforce (issue 6): one demo database per backend is
generated and walked, and each test checks one rule over every case, person, run and message.

All twelve failed on the generator before this change (db/demo.py at cc3a397): county approvals
without months/share/rate, condition 3 ticked before the committee met, no deputy's confirmation,
county roles on provincial sessions and no agendas, introductions in a year without a quota,
«پایان مدت مصوب» with granted months unpaid, one case per person, B decided by a committee and no
head of household recorded, «sent» SMS that nothing sent, runs nobody approved.
"""
from __future__ import annotations

import shutil
import uuid
from collections import defaultdict
from datetime import date

import jdatetime
import pytest
from sqlalchemy import select

from db.engine import make_engine, new_session
from db.models import (
    AgendaEntry,
    Applicant,
    Application,
    ApplicationEvent,
    CommitteeSession,
    Decision,
    DeputyConfirmation,
    Document,
    EligibilityConfirmation,
    Introduction,
    Notification,
    PaymentLine,
    PaymentRun,
    Program,
    Quota,
    SessionMember,
    User,
)
from demo import create_demo_users, generate_demo
from demo.vocab import COMPLETE_TERM_REASON, MAX_MONTHS_A
from lib import catalog
from lib.text import to_persian_digits
from lib.workflow import State
from tests.conftest import _pg_database_url, _pg_drop, _pg_exec

APPLICANTS = 400
TODAY = date(2025, 11, 22)  # 1404/09/01
IN_FORCE = (State.active.value, State.suspended.value, State.completed.value)
ENDED = (State.completed.value, State.rejected.value, State.withdrawn.value)


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def demo_engine(request, sqlite_template, tmp_path_factory):
    """One demo database per backend for the whole module (generation is the slow part)."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("demo-rules") / "demo.db"
        shutil.copy(sqlite_template, path)
        engine = make_engine(f"sqlite:///{path}")
        drop = None
    else:
        admin = request.getfixturevalue("pg_admin_url")
        template = request.getfixturevalue("pg_template")
        name = f"bimeyar_t_{uuid.uuid4().hex[:10]}"
        _pg_exec(admin, f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        engine = make_engine(_pg_database_url(admin, name))
        drop = (admin, name)
    with new_session(engine) as session:
        create_demo_users(session)
    generate_demo(engine, APPLICANTS, seed=11, today=TODAY)
    yield engine
    engine.dispose()
    if drop:
        _pg_drop(*drop)


def _all(engine, stmt):
    with engine.connect() as conn:
        return conn.execute(stmt).all()


def _codes(engine) -> dict[int, str]:
    return dict(_all(engine, select(Program.id, Program.code)))


def _month(at) -> int:
    """A timestamp's Jalali month as one index (year × 12 + month − 1)."""
    j = jdatetime.date.fromgregorian(date=at.date() if hasattr(at, "date") else at)
    return j.year * 12 + j.month - 1


def _cases(engine) -> dict[int, dict]:
    codes = _codes(engine)
    return {
        row[0]: {"applicant": row[1], "program": codes[row[2]], "state": row[3], "months": row[4], "share": row[5],
                 "rate": row[6], "tracking": row[7], "start": (row[8], row[9])}
        for row in _all(engine, select(
            Application.id, Application.applicant_id, Application.program_id, Application.state,
            Application.months_granted, Application.share_percent, Application.contract_rate_bp,
            Application.tracking_code, Application.start_year, Application.start_month))
    }


def _events(engine) -> dict[int, list]:
    events = defaultdict(list)
    for application_id, src, dst, at, note in _all(engine, select(
            ApplicationEvent.application_id, ApplicationEvent.from_state, ApplicationEvent.to_state,
            ApplicationEvent.at, ApplicationEvent.note).order_by(ApplicationEvent.at, ApplicationEvent.id)):
        events[application_id].append((src, dst, at, note))
    return events


def _paid(engine) -> dict[int, list]:
    """application id → its live payment lines' months (Jalali month indexes)."""
    paid = defaultdict(list)
    for application_id, year, month in _all(engine, select(
            PaymentLine.application_id, PaymentLine.jalali_year, PaymentLine.jalali_month)
            .where(PaymentLine.live == True, PaymentLine.line_kind == "payment")):  # noqa: E712
        paid[application_id].append(year * 12 + month - 1)
    return paid


def test_every_programme_a_approval_carries_months_share_and_rate(demo_engine):
    """Both committees' approvals of a programme A case name the months, the share and the rate
    (the county proposes, the province confirms the same), and a case in force has them."""
    codes = _codes(demo_engine)
    cases = _cases(demo_engine)
    approvals = _all(demo_engine, select(
        Decision.application_id, Decision.level, Decision.months_granted, Decision.share_percent,
        Decision.contract_rate_bp).where(Decision.outcome == "approve"))
    levels = defaultdict(dict)
    for application_id, level, months, share, rate in approvals:
        if cases[application_id]["program"] != "A":
            continue
        assert months and share and rate, (application_id, level)
        assert 0 < months <= MAX_MONTHS_A and rate in catalog.CONTRACT_RATES
        levels[application_id][level] = (months, share, rate)
    assert any("county" in by for by in levels.values())
    for application_id, by in levels.items():
        if "province" in by:
            assert by["province"] == by["county"], application_id
            case = cases[application_id]
            if case["state"] != State.completed.value:  # completing cuts the grant to the months paid
                assert (case["months"], case["share"], case["rate"]) == by["province"]
    for application_id, case in cases.items():
        if case["program"] == "A" and case["state"] in IN_FORCE:
            assert case["months"] and case["share"] and case["rate"], application_id
            assert "province" in levels[application_id], application_id
    assert codes


def test_every_programme_a_case_in_force_has_its_documents_and_conditions(demo_engine):
    """The four documents received and eligibility conditions 1–3 confirmed; condition 3 (the
    job) by the county committee's decision, so not before the committee met."""
    cases = _cases(demo_engine)
    events = _events(demo_engine)
    documents = defaultdict(set)
    for application_id, kind in _all(demo_engine, select(Document.application_id, Document.kind)
                                     .where(Document.received == True)):  # noqa: E712
        documents[application_id].add(kind)
    conditions = defaultdict(dict)
    for application_id, condition, satisfied, at in _all(demo_engine, select(
            EligibilityConfirmation.application_id, EligibilityConfirmation.condition,
            EligibilityConfirmation.satisfied, EligibilityConfirmation.confirmed_at)):
        conditions[application_id][condition] = (satisfied, at)
    checked = 0
    for application_id, case in cases.items():
        if case["program"] != "A":
            continue
        history = events[application_id]
        county_met = [at for _, dst, at, _ in history if dst == State.county_decision.value]
        if "job_confirmed" in conditions[application_id]:
            assert county_met and conditions[application_id]["job_confirmed"][1] >= county_met[0], application_id
        if case["state"] not in IN_FORCE:
            continue
        checked += 1
        assert documents[application_id] == set(catalog.DOCUMENTS["A"]), application_id
        assert set(conditions[application_id]) == set(catalog.ELIGIBILITY_CONDITIONS), application_id
        assert all(satisfied for satisfied, _ in conditions[application_id].values()), application_id
    assert checked > 20


def test_every_provincial_confirmation_has_the_deputys_confirmation_before_it(demo_engine):
    """The specialised deputy that referred the applicant confirmed job readiness and at least the
    months granted, before the provincial committee confirmed (seed 003)."""
    cases = _cases(demo_engine)
    covering = dict(_all(demo_engine, select(Application.id, Application.covering_domain)))
    deputies = {row[0]: row[1:] for row in _all(demo_engine, select(
        DeputyConfirmation.application_id, DeputyConfirmation.deputy, DeputyConfirmation.job_ready,
        DeputyConfirmation.months, DeputyConfirmation.confirmed_at))}
    confirmed = _all(demo_engine, select(Decision.application_id, Decision.months_granted, Decision.decided_at)
                     .where(Decision.level == "province", Decision.outcome == "approve"))
    assert confirmed
    for application_id, months, decided_at in confirmed:
        deputy, ready, deputy_months, at = deputies[application_id]
        assert deputy == covering[application_id] and deputy in catalog.SPECIALISED_DEPUTIES
        assert ready and deputy_months >= months and at < decided_at
    in_force = [a for a, c in cases.items() if c["program"] == "A" and c["state"] in IN_FORCE]
    assert in_force and all(a in deputies for a in in_force)


def test_committees_sit_with_their_own_members_and_decide_what_is_on_their_agenda(demo_engine):
    levels = dict(_all(demo_engine, select(CommitteeSession.id, CommitteeSession.level)))
    roles = defaultdict(set)
    for session_id, role in _all(demo_engine, select(SessionMember.session_id, SessionMember.role)):
        roles[levels[session_id]].add(role)
    assert roles["province"] - {"guest"} == set(catalog.PROVINCE_COMMITTEE_ROLES) - {"guest"}
    assert roles["county"] - {"guest"} == set(catalog.COMMITTEE_ROLES) - {"guest"}
    agenda = {(s, a): (level, is_open) for s, a, level, is_open in _all(demo_engine, select(
        AgendaEntry.session_id, AgendaEntry.application_id, AgendaEntry.level, AgendaEntry.is_open))}
    decisions = _all(demo_engine, select(Decision.session_id, Decision.application_id, Decision.level))
    assert decisions
    for session_id, application_id, level in decisions:
        assert agenda[(session_id, application_id)] == (level, False), (session_id, application_id)
    waiting = [key for key, (_, is_open) in agenda.items() if is_open]
    states = dict(_all(demo_engine, select(Application.id, Application.state)))
    assert waiting and all(states[a] == State.scored.value for _, a in waiting)


def test_introductions_only_within_their_years_quota(demo_engine):
    codes = _codes(demo_engine)
    slots = {(county, year): n for county, program, year, n in _all(
        demo_engine, select(Quota.county_id, Quota.program_id, Quota.jalali_year, Quota.slots)) if codes[program] == "B"}
    introduced = defaultdict(int)  # seats taken: an introduction SSO refused gives its seat back
    refused = 0
    for county, year, refused_on in _all(demo_engine, select(
            Introduction.county_id, Introduction.jalali_year, Introduction.refused_on)):
        assert (county, year) in slots, f"introductions in a year without a quota: {(county, year)}"
        introduced[(county, year)] += refused_on is None
        refused += refused_on is not None
    current = jdatetime.date.fromgregorian(date=TODAY).year
    assert {year for _, year in introduced} == {current - 1, current}
    assert refused > 0
    for key, count in introduced.items():
        assert count <= slots[key], key


def test_nobody_is_paid_twice_for_a_month_across_cases_and_programmes(demo_engine):
    cases = _cases(demo_engine)
    by_person = defaultdict(list)
    for application_id, months in _paid(demo_engine).items():
        for month in months:
            by_person[cases[application_id]["applicant"]].append((month, application_id))
    paid_on_two_cases = 0
    for person, months in by_person.items():
        assert len({m for m, _ in months}) == len(months), person
        paid_on_two_cases += len({a for _, a in months}) > 1
    assert paid_on_two_cases > 0  # people paid on a second case exist, and still once a month


def test_no_case_completed_before_its_granted_months_were_paid(demo_engine):
    """A programme A case ends, as services.lifecycle ends it, with its grant cut to the months
    paid: at the end of the granted months (all paid), or early with a reason and the months
    returned to the person's cap named; no case is paid beyond its grant, nor a person beyond the
    60 months across cases."""
    cases = _cases(demo_engine)
    events = _events(demo_engine)
    paid = _paid(demo_engine)
    granted = {a: m for a, m in _all(demo_engine, select(Decision.application_id, Decision.months_granted)
                                      .where(Decision.level == "province", Decision.outcome == "approve"))}
    completed = early = 0
    for application_id, case in cases.items():
        if case["program"] != "A":
            continue
        months = len(paid.get(application_id, ()))
        if case["months"] is not None:
            assert months <= case["months"], application_id
        if case["state"] != State.completed.value:
            continue
        completed += 1
        assert case["months"] == months, application_id  # only the months paid stay used
        (note,) = [n for _, dst, _, n in events[application_id] if dst == State.completed.value]
        reason, _, tally = note.partition(" — ")
        assert tally.endswith(f"{to_persian_digits(granted[application_id] - months)} ماه به سقف متقاضی برگشت.")
        if months < granted[application_id]:
            early += 1
            assert reason != COMPLETE_TERM_REASON and "پیش از پایان مدت" in reason, (application_id, note)
        else:
            assert reason == COMPLETE_TERM_REASON, (application_id, note)
    assert completed > 5 and 0 < early < completed
    per_person = defaultdict(int)
    for application_id, months in paid.items():
        if cases[application_id]["program"] == "A":
            per_person[cases[application_id]["applicant"]] += len(months)
    assert max(per_person.values()) <= MAX_MONTHS_A


def test_reapplications_follow_a_case_that_ended(demo_engine):
    cases = _cases(demo_engine)
    events = _events(demo_engine)
    by_person = defaultdict(list)
    for application_id, case in cases.items():
        by_person[case["applicant"]].append((events[application_id][0][2], application_id))
    again = 0
    for person, history in by_person.items():
        history.sort()
        for (_, earlier), (applied, later) in zip(history, history[1:]):
            if cases[earlier]["program"] != cases[later]["program"]:
                continue
            again += 1
            assert cases[earlier]["state"] in ENDED, (person, earlier)
            assert events[earlier][-1][2] < applied  # the first had ended when they applied again
            assert cases[earlier]["tracking"] in events[later][0][3]  # the timeline names the earlier case
    assert again >= 2


def _active_months(history: list, paid_to: int) -> set[int]:
    """Jalali month indexes during which the case was «active» (from its events)."""
    months, since = set(), None
    for _, dst, at, _ in history:
        if dst == State.active.value and since is None:
            since = _month(at)
        elif dst != State.active.value and since is not None:
            months.update(range(since, _month(at) + 1))
            since = None
    if since is not None:
        months.update(range(since, paid_to + 1))
    return months


def test_both_programmes_never_overlap_and_are_refused_while_the_other_supports(demo_engine):
    cases = _cases(demo_engine)
    events = _events(demo_engine)
    by_person = defaultdict(list)
    for application_id, case in cases.items():
        by_person[case["applicant"]].append(application_id)
    genders = dict(_all(demo_engine, select(Applicant.id, Applicant.gender)))
    now = _month(TODAY)
    both = refused = 0
    for person, ids in by_person.items():
        programmes = {cases[a]["program"] for a in ids}
        if programmes != {"A", "B"}:
            continue
        both += 1
        assert genders[person] == "female"
        a_months = set().union(*(_active_months(events[a], now) for a in ids if cases[a]["program"] == "A"))
        b_months = set().union(*(_active_months(events[a], now) for a in ids if cases[a]["program"] == "B"))
        # a month may hold the end of one and the start of the other, never two supports paid
        assert len(a_months & b_months) <= 1, person
        for a in ids:
            others = [o for o in ids if cases[o]["program"] != cases[a]["program"]]
            note = events[a][-1][3] or ""
            if cases[a]["state"] == State.rejected.value and any(cases[o]["tracking"] in note for o in others):
                refused += 1
                (other,) = [o for o in others if cases[o]["tracking"] in note]
                assert cases[other]["state"] in (State.active.value, State.suspended.value)
                assert State.active.value in [dst for _, dst, _, _ in events[other]]
    assert both >= 2 and refused >= 1


def test_programme_b_is_women_heading_their_household_checked_by_the_unit(demo_engine):
    """Programme A has men and women; programme B only women recorded as heads of household, whose
    eligibility the county unit confirms itself (no committee session decides a B case)."""
    codes = _codes(demo_engine)
    genders = defaultdict(set)
    for program, gender, head in _all(demo_engine, select(Application.program_id, Applicant.gender,
                                                          Application.head_of_household)
                                      .join(Applicant, Applicant.id == Application.applicant_id)):
        genders[codes[program]].add(gender)
        if codes[program] == "B":
            assert head is True
    assert genders == {"A": {"female", "male"}, "B": {"female"}}
    decided = {codes[p] for (p,) in _all(demo_engine, select(Application.program_id).distinct()
                                         .join(Decision, Decision.application_id == Application.id))}
    assert decided == {"A"}


def test_no_sms_claims_to_have_been_sent(demo_engine):
    """Nothing sends SMS yet: every message is queued, none marked sent without a sender."""
    rows = _all(demo_engine, select(Notification.status, Notification.sent_at))
    assert rows
    assert {status for status, _ in rows} == {"queued"}
    assert all(sent_at is None for _, sent_at in rows)


def test_payment_runs_are_prepared_approved_and_finalised_by_different_people(demo_engine):
    users = dict(_all(demo_engine, select(User.username, User.id)))
    runs = _all(demo_engine, select(
        PaymentRun.id, PaymentRun.status, PaymentRun.province_id, PaymentRun.created_by, PaymentRun.created_at,
        PaymentRun.approved_by, PaymentRun.approved_at, PaymentRun.finalized_by, PaymentRun.finalized_at,
        PaymentRun.total_rial, PaymentRun.agency_rial, PaymentRun.government_rial, PaymentRun.people,
        PaymentRun.line_count, PaymentRun.jalali_year, PaymentRun.start_month, PaymentRun.months,
        PaymentRun.end_year, PaymentRun.end_month))
    lines = defaultdict(list)
    for run_id, case, amount, agency, government, live in _all(demo_engine, select(
            PaymentLine.run_id, PaymentLine.application_id, PaymentLine.amount_rial, PaymentLine.agency_rial,
            PaymentLine.government_rial, PaymentLine.live)):
        lines[run_id].append((case, amount, agency, government, live))
    province = _all(demo_engine, select(User.province_id).where(User.username == "demo.province"))[0][0]
    in_demo_province = 0
    for (run_id, status, province_id, prepared_by, prepared_at, approved_by, approved_at, finalized_by,
         finalized_at, total, agency, government, people, count, year, start, months, end_year, end_month) in runs:
        assert status == "finalized"
        assert prepared_at < approved_at < finalized_at
        own = lines[run_id]
        assert all(live for *_, live in own)
        assert count == len(own) and people == len({c for c, *_ in own})  # as services.payments counts: cases
        assert (total, agency, government) == tuple(sum(x[i] for x in own) for i in (1, 2, 3))
        assert (end_year * 12 + end_month) - (year * 12 + start) + 1 == months
        if province_id == province:
            in_demo_province += 1
            assert prepared_by == finalized_by == users["demo.province"]
            assert approved_by == users["demo.manager"]
    assert in_demo_province > 0


def test_running_programme_a_beneficiaries_have_a_proof_of_premium_payment_of_the_last_year(demo_engine):
    """A payment run holds back a person whose proof of paying her own SSO premium is older than
    12 months before the period (services.payments.prepare): every running A beneficiary of the
    demo has one of the last few months, so a demo run of next month pays them."""
    from datetime import datetime, timedelta, timezone

    from services.payments.prepare import PROOF_KIND

    cases = _cases(demo_engine)
    proofs = dict(_all(demo_engine, select(Document.application_id, Document.uploaded_at)
                       .where(Document.kind == PROOF_KIND, Document.received == True)))  # noqa: E712
    since = datetime.combine(TODAY, datetime.min.time(), tzinfo=timezone.utc) - timedelta(days=300)
    running = [i for i, case in cases.items()
               if case["program"] == "A" and case["state"] in (State.active.value, State.suspended.value)]
    assert len(running) > 10
    for application_id in running:
        uploaded = proofs[application_id]
        if uploaded.tzinfo is None:
            uploaded = uploaded.replace(tzinfo=timezone.utc)
        assert uploaded >= since, application_id
