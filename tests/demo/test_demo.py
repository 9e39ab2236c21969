"""Demo data: complete (every state), valid (codes, money, workflow, scores) and marked as demo.

Runs on SQLite and, with BIMEYAR_TEST_PG_URL, on PostgreSQL (the ``engine`` fixture).
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date

import jdatetime
import pytest
from sqlalchemy import func, select, text

from demo import DEMO_ACCOUNTS, DEMO_PASSWORD, create_demo_users, generate_demo
from db.engine import new_session
from db.models import (
    Applicant,
    Application,
    ApplicationEvent,
    Budget,
    CommitteeSession,
    County,
    Decision,
    Household,
    Introduction,
    MinimumWage,
    Notification,
    PaymentLine,
    PaymentRun,
    Program,
    Quota,
    ScoreCardRecord,
    SessionMember,
    SsoBranch,
    User,
)
from lib import catalog
from lib.identifiers import is_valid_national_code
from lib.jalali import month_days
from lib.payments import monthly_premium, program_b_shares
from lib.scoring import ScoreInput, score
from lib.text import to_persian_digits
from lib.workflow import INITIAL_STATE, State, can_transition
from services.introductions import branch_title, introduce, letter_number
from services.users import authenticate

APPLICANTS = 300
TODAY = date(2025, 11, 22)  # 1404/09/01: two Jalali years of history, 1403 (leap) and 1404


@pytest.fixture
def demo(engine):
    with new_session(engine) as session:
        created = create_demo_users(session)
    counts = generate_demo(engine, APPLICANTS, seed=7, today=TODAY)
    return engine, counts, created


def _all(engine, stmt):
    with engine.connect() as conn:
        return conn.execute(stmt).all()


def _program_codes(engine) -> dict[int, str]:
    return dict(_all(engine, select(Program.id, Program.code)))


def test_counts_and_every_state_present(demo):
    engine, counts, _ = demo
    assert counts["applicants"] == APPLICANTS
    assert counts["applications"] > APPLICANTS  # some people applied again, or to the other programme
    for table in ("events", "score_cards", "committee_sessions", "decisions", "payment_runs",
                  "payment_lines", "notifications", "quotas", "budgets", "introductions"):
        assert counts[table] > 0, table
    states = {s for (s,) in _all(engine, select(Application.state).distinct())}
    assert states == {s.value for s in State}


def test_both_programmes_and_only_women_in_b(demo):
    engine, _, _ = demo
    codes = _program_codes(engine)
    by_program = defaultdict(int)
    for program_id, gender in _all(
        engine, select(Application.program_id, Applicant.gender).join(Applicant, Applicant.id == Application.applicant_id)
    ):
        by_program[codes[program_id]] += 1
        if codes[program_id] == "B":
            assert gender == "female"
    assert 0.55 < by_program["A"] / APPLICANTS < 0.75
    assert by_program["B"] > 0


def test_everything_marked_demo(demo):
    engine, _, _ = demo
    for model in (Applicant, Application, CommitteeSession, PaymentRun):
        assert _all(engine, select(func.count()).select_from(model).where(model.is_demo == False)) == [(0,)]  # noqa: E712


def test_national_codes_valid_and_unique(demo):
    engine, _, _ = demo
    codes = [c for (c,) in _all(engine, select(Applicant.national_code))]
    assert len(codes) == APPLICANTS
    assert len(set(codes)) == len(codes)
    assert all(is_valid_national_code(c) for c in codes)


def test_applied_within_last_two_jalali_years(demo):
    engine, _, _ = demo
    first = jdatetime.date(1403, 1, 1).togregorian()
    (low, high), = _all(engine, select(func.min(Application.applied_on), func.max(Application.applied_on)))
    assert first <= low and high < TODAY


def test_event_sequences_follow_the_workflow(demo):
    engine, _, _ = demo
    codes = _program_codes(engine)
    cases = {a: (codes[p], s, applied) for a, p, s, applied in _all(
        engine, select(Application.id, Application.program_id, Application.state, Application.applied_on))}
    events = defaultdict(list)
    for row in _all(engine, select(ApplicationEvent.application_id, ApplicationEvent.from_state,
                                   ApplicationEvent.to_state, ApplicationEvent.at)
                    .order_by(ApplicationEvent.application_id, ApplicationEvent.at, ApplicationEvent.id)):
        events[row[0]].append(row[1:])
    assert set(events) == set(cases)
    for application_id, (program, state, applied) in cases.items():
        history = events[application_id]
        assert history[0][0] is None and history[0][1] == INITIAL_STATE.value
        assert history[0][2].date() == applied
        for (src, dst, at), (_, previous, before) in zip(history[1:], history):
            assert src == previous, application_id
            assert can_transition(program, src, dst), (application_id, program, src, dst)
            assert at >= before
        assert history[-1][1] == state


def test_a_state_change_sends_an_sms(demo):
    engine, _, _ = demo
    moves = _all(engine, select(func.count()).select_from(ApplicationEvent).where(
        (ApplicationEvent.from_state.is_(None)) | (ApplicationEvent.from_state != ApplicationEvent.to_state)))
    sms = _all(engine, select(func.count()).select_from(Notification).where(Notification.channel == "sms"))
    assert moves == sms


def test_the_sms_name_what_the_services_would_name(demo):
    """As services.notify writes them: the introduction names the branch and the letter, missing
    documents are named, documents coming in and a deferral have their own messages."""
    engine, _, _ = demo
    letters: dict[int, set[str]] = {}  # a case refused by one branch may be introduced again
    for application_id, letter in _all(engine, select(Introduction.application_id, Introduction.letter_no)):
        letters.setdefault(application_id, set()).add(to_persian_digits(letter))
    introduced = _all(engine, select(Notification.application_id, Notification.body)
                      .where(Notification.event == "state.introduced"))
    assert introduced
    for application_id, body in introduced:
        assert "—" not in body and "شعبه" in body
        assert any(letter in body for letter in letters[application_id])
    incomplete = [b for (b,) in _all(engine, select(Notification.body).where(Notification.event == "state.documents_incomplete"))]
    assert incomplete and all("—" not in b and "مدارک ناقص: " in b for b in incomplete)
    events = {e for (e,) in _all(engine, select(Notification.event).distinct())}
    assert {"documents.complete", "state.received", "state.introduced"} <= events


def test_newest_score_card_is_the_score_of_the_stored_household(demo):
    engine, _, _ = demo
    households = {row[0]: row[1:] for row in _all(engine, select(
        Household.application_id, Household.disabled_members, Household.severity, Household.marital_status,
        Household.dependants, Household.insured_years, Household.need_grade))}
    newest = {}
    for application_id, total, rows in _all(engine, select(
            ScoreCardRecord.application_id, ScoreCardRecord.total, ScoreCardRecord.rows)
            .order_by(ScoreCardRecord.scored_at, ScoreCardRecord.id)):
        newest[application_id] = (total, rows)
    assert newest
    codes = _program_codes(engine)
    scored = {a for a, p in _all(engine, select(ApplicationEvent.application_id, Application.program_id)
                                 .join(Application, Application.id == ApplicationEvent.application_id)
                                 .where(ApplicationEvent.to_state == State.scored.value)) if codes[p] == "A"}
    assert set(newest) == scored
    for application_id, (total, rows) in newest.items():
        card = score(ScoreInput(*households[application_id]))
        assert total == card.total
        assert rows == card.to_dict()["rows"]


def test_decisions_come_from_sessions_with_form2_members(demo):
    engine, _, _ = demo
    decided = _all(engine, select(Decision.application_id, Decision.level, Decision.outcome,
                                  Decision.decided_at, CommitteeSession.held_on, CommitteeSession.level,
                                  CommitteeSession.status)
                   .join(CommitteeSession, CommitteeSession.id == Decision.session_id))
    assert len(decided) == _all(engine, select(func.count()).select_from(Decision))[0][0]
    for _, level, outcome, decided_at, held_on, session_level, status in decided:
        assert level == session_level and status == "closed"
        assert decided_at.date() == held_on
        assert outcome in ("approve", "reject", "defer")
    # every programme A case that reached a committee's decision state has the approving decision
    # (programme B has no committee: its county unit confirms eligibility itself)
    codes = _program_codes(engine)
    for state, level in ((State.county_decision, "county"), (State.province_decision, "province")):
        reached = {a for (a, p) in _all(engine, select(ApplicationEvent.application_id, Application.program_id)
                                        .join(Application, Application.id == ApplicationEvent.application_id)
                                        .where(ApplicationEvent.to_state == state.value)) if codes[p] == "A"}
        approved = {a for (a,) in _all(engine, select(Decision.application_id)
                                       .where(Decision.level == level, Decision.outcome == "approve"))}
        assert reached and reached == approved
    roles = {r for (r,) in _all(engine, select(SessionMember.role).distinct())}
    assert set(catalog.COMMITTEE_ROLES) - {"guest"} <= roles <= set(catalog.ALL_COMMITTEE_ROLES)
    open_sessions = _all(engine, select(CommitteeSession.held_on).where(CommitteeSession.status == "open"))
    assert open_sessions and all(held > TODAY for (held,) in open_sessions)


def test_no_month_is_paid_twice(demo):
    engine, _, _ = demo
    twice = _all(engine, select(PaymentLine.applicant_id, PaymentLine.jalali_year, PaymentLine.jalali_month, func.count())
                 .group_by(PaymentLine.applicant_id, PaymentLine.jalali_year, PaymentLine.jalali_month)
                 .having(func.count() > 1))
    assert twice == []


def test_payment_lines_are_premiums_and_shares_add_up(demo):
    engine, _, _ = demo
    codes = _program_codes(engine)
    wages = dict(_all(engine, select(MinimumWage.jalali_year, MinimumWage.daily_wage_rial)))
    lines = _all(engine, select(PaymentLine.program_id, PaymentLine.jalali_year, PaymentLine.jalali_month,
                                PaymentLine.days, PaymentLine.daily_wage_rial, PaymentLine.rate_bp,
                                PaymentLine.percent, PaymentLine.full_amount_rial, PaymentLine.amount_rial,
                                PaymentLine.agency_rial, PaymentLine.government_rial, Application.state,
                                Application.months_granted, PaymentLine.share_percent, Application.share_percent)
                 .join(Application, Application.id == PaymentLine.application_id))
    assert {codes[line[0]] for line in lines} == {"A", "B"}
    for (program_id, year, month, days, wage, rate, percent, full, amount, agency, government, state, _,
         share, granted_share) in lines:
        assert state in (State.active.value, State.suspended.value, State.completed.value)
        assert days == month_days(year, month) and wage == wages[year]
        assert full == monthly_premium(wage, days, rate, 100)
        # the committee's share, cut by the run's percent
        assert share == (granted_share if codes[program_id] == "A" else 100)
        assert amount == monthly_premium(wage, days, rate, share * percent // 100)
        assert agency + government == amount
        if codes[program_id] == "B":
            assert (rate, percent) == (1800, 100)
            assert {"agency": agency, "government": government} == program_b_shares(amount)
        else:
            assert (agency, government) == (amount, 0)
    for _, count, granted in _all(engine, select(
            PaymentLine.application_id, func.count(), Application.months_granted)
            .join(Application, Application.id == PaymentLine.application_id)
            .group_by(PaymentLine.application_id, Application.months_granted)):
        assert granted is None or count <= granted  # programme A: never beyond the months granted


def test_runs_budgets_and_quotas_are_partly_consumed(demo):
    engine, _, _ = demo
    codes = _program_codes(engine)
    runs = _all(engine, select(PaymentRun.id, PaymentRun.status, PaymentRun.total_rial, PaymentRun.budget_rial,
                               func.sum(PaymentLine.amount_rial))
                .join(PaymentLine, PaymentLine.run_id == PaymentRun.id)
                .group_by(PaymentRun.id, PaymentRun.status, PaymentRun.total_rial, PaymentRun.budget_rial))
    assert runs
    for _, status, total, budget, lines in runs:
        assert status == "finalized" and total == lines <= budget
    spent = defaultdict(int)
    for province_id, program_id, year, amount in _all(engine, select(
            PaymentRun.province_id, PaymentRun.program_id, PaymentRun.jalali_year, func.sum(PaymentRun.total_rial))
            .group_by(PaymentRun.province_id, PaymentRun.program_id, PaymentRun.jalali_year)):
        spent[(province_id, program_id, year)] = amount
    budgets = defaultdict(int)
    sources = set()
    for province_id, program_id, year, source, amount in _all(engine, select(
            Budget.province_id, Budget.program_id, Budget.jalali_year, Budget.source, Budget.amount_rial)):
        budgets[(province_id, program_id, year)] += amount
        sources.add(source)
    assert sources <= set(catalog.FUNDING_SOURCES)
    current = jdatetime.date.fromgregorian(date=TODAY).year
    assert any(key[2] == current and amount > 0 for key, amount in spent.items())
    for key, amount in spent.items():
        assert amount <= budgets[key], key
        if key[2] == current:
            assert amount < budgets[key]
    introduced = defaultdict(int)  # this year's introductions SSO did not refuse (a refusal frees the seat)
    for (county_id,) in _all(engine, select(Introduction.county_id).where(
            Introduction.jalali_year == current, Introduction.refused_on.is_(None))):
        introduced[county_id] += 1
    quotas = _all(engine, select(Quota.county_id, Quota.program_id, Quota.jalali_year, Quota.slots))
    assert quotas
    for county_id, program_id, year, slots in quotas:
        assert codes[program_id] == "B" and year in (current - 1, current)
        if year == current:
            assert introduced[county_id] < slots


def _introduced_events(engine) -> dict[int, list]:
    """application id → its «introduced» events as (program code, county, date, user, note)."""
    codes = _program_codes(engine)
    events = defaultdict(list)
    for application_id, program_id, county_id, at, user_id, note in _all(engine, select(
            ApplicationEvent.application_id, Application.program_id, Application.county_id, ApplicationEvent.at,
            ApplicationEvent.user_id, ApplicationEvent.note)
            .join(Application, Application.id == ApplicationEvent.application_id)
            .where(ApplicationEvent.to_state == State.introduced.value)):
        events[application_id].append((codes[program_id], county_id, at.date(), user_id, note))
    return events


def _introductions(engine) -> list:
    return _all(engine, select(
        Introduction.id, Introduction.application_id, Introduction.county_id, Introduction.jalali_year,
        Introduction.branch, Introduction.letter_no, Introduction.introduced_on, Introduction.introduced_by,
        Introduction.created_at, Introduction.branch_id).order_by(Introduction.id))


def test_every_b_case_that_was_introduced_has_its_introduction(demo):
    engine, counts, _ = demo
    events = _introduced_events(engine)
    rows = _introductions(engine)
    assert counts["introductions"] == len(rows) > 0
    by_case = defaultdict(list)
    for row in rows:
        by_case[row[1]].append(row)
    # exactly the cases whose history passed «introduced», all of them programme B, once each
    assert set(by_case) == set(events)
    assert all(history[0][0] == "B" and len(history) == 1 for history in events.values())
    assert all(len(found) == 1 for found in by_case.values())
    # …whatever became of them afterwards
    reached = {s for (s,) in _all(engine, select(Application.state).where(Application.id.in_(list(by_case)))
                                  .distinct())}
    assert {State.introduced.value, State.active.value, State.suspended.value, State.completed.value} <= reached
    county_names = dict(_all(engine, select(County.id, County.name)))
    branches = {b: (c, n, demo) for b, c, n, demo in _all(engine, select(
        SsoBranch.id, SsoBranch.county_id, SsoBranch.name, SsoBranch.is_demo))}
    for _, application_id, county_id, year, branch, letter_no, introduced_on, by, created_at, branch_id in rows:
        (_, case_county, event_day, event_user, note), = events[application_id]
        assert county_id == case_county
        assert introduced_on == event_day == created_at.date()
        assert year == jdatetime.date.fromgregorian(date=introduced_on).year
        assert by == event_user
        assert branches[branch_id] == (county_id, branch, True)  # one of her county's branches, on file
        assert branch.startswith("شعبه ") and branch.endswith(county_names[county_id])
        # the timeline names the branch and the letter as services.introductions writes them
        assert note == f"معرفی به {branch_title(branch)} با نامه شماره {letter_no}"


def test_programme_a_cases_have_no_introduction(demo):
    engine, _, _ = demo
    codes = _program_codes(engine)
    programs = {p for (p,) in _all(engine, select(Application.program_id).distinct()
                                   .join(Introduction, Introduction.application_id == Application.id))}
    assert {codes[p] for p in programs} == {"B"}


def test_letter_numbers_are_unique_and_numbered_per_county_and_year(demo):
    engine, _, _ = demo
    rows = _introductions(engine)
    letters = [row[5] for row in rows]
    assert len(set(letters)) == len(letters)
    by_year = defaultdict(list)
    for _, _, county_id, year, _, letter_no, introduced_on, _, created_at, _ in rows:
        by_year[(county_id, year)].append((created_at, letter_no))
    for (county_id, year), letters in by_year.items():
        letters.sort()  # in date order: 1, 2, 3 … as services.introductions numbers them
        assert [no for _, no in letters] == [letter_number(county_id, year, n) for n in range(1, len(letters) + 1)]


def test_introductions_fit_the_quotas(demo):
    engine, _, _ = demo
    current = jdatetime.date.fromgregorian(date=TODAY).year
    codes = _program_codes(engine)
    slots = {(county_id, year): n for county_id, program_id, year, n in _all(
        engine, select(Quota.county_id, Quota.program_id, Quota.jalali_year, Quota.slots)) if codes[program_id] == "B"}
    introduced = dict(_all(engine, select(Introduction.county_id, func.count())
                           .where(Introduction.jalali_year == current, Introduction.refused_on.is_(None))
                           .group_by(Introduction.county_id)))
    assert introduced and sum(introduced.values()) > 0
    for county_id, count in introduced.items():
        assert count <= slots[(county_id, current)], county_id
    years = {y for (y,) in _all(engine, select(Introduction.jalali_year).distinct())}
    assert years <= {current - 1, current}


def test_the_demo_county_can_introduce_after_the_demo(demo):
    """services.introductions continues the demo's numbering, within the demo's quota, with an
    id the database hands out (the sequence was moved past the demo's ids on PostgreSQL)."""
    engine, _, _ = demo
    with new_session(engine) as session:
        actor = authenticate(session, "demo.secretary", DEMO_PASSWORD)
        county_id = session.get(User, actor.id).county_id
        program_id = {code: pid for pid, code in _program_codes(engine).items()}["B"]
        waiting = session.execute(select(Application.id).where(
            Application.program_id == program_id, Application.county_id == county_id,
            Application.state == State.county_decision.value, Application.applied_on <= TODAY)
            .order_by(Application.id)).scalars().first()
        assert waiting is not None
        year = jdatetime.date.fromgregorian(date=TODAY).year
        before = session.execute(select(func.count()).select_from(Introduction).where(
            Introduction.county_id == county_id, Introduction.jalali_year == year)).scalar_one()
        largest = session.execute(select(func.max(Introduction.id))).scalar_one()
        branch_id = session.execute(select(SsoBranch.id).where(SsoBranch.county_id == county_id)
                                    .order_by(SsoBranch.id)).scalars().first()
        made = introduce(session, actor, waiting, branch_id, TODAY, reason="آزمون")
        assert made.letter_no == letter_number(county_id, year, before + 1)
        assert made.id == largest + 1


def test_demo_accounts_exist_once_and_sign_in(demo):
    engine, _, created = demo
    assert [c[0] for c in created] == [a.username for a in DEMO_ACCOUNTS]
    with new_session(engine) as session:
        assert create_demo_users(session) == []  # never twice
        for account in DEMO_ACCOUNTS:
            actor = authenticate(session, account.username, DEMO_PASSWORD)
            assert actor.role == account.role
            user = session.get(User, actor.id)
            assert user.is_demo
            if account.level == "county":
                assert user.county_id is not None
            elif account.level == "province":
                assert user.province_id is not None and user.county_id is None
    with engine.connect() as conn:
        audited = conn.execute(text("SELECT count(*) FROM auditlog WHERE action = 'user.create'")).scalar_one()
    assert audited == len(DEMO_ACCOUNTS)


def test_demo_county_is_busy_and_its_people_act_there(demo):
    engine, _, _ = demo
    with engine.connect() as conn:
        users = dict(conn.execute(select(User.username, User.county_id)).all())
        county = users["demo.expert"]
        in_county = conn.execute(select(func.count()).select_from(Application)
                                 .where(Application.county_id == county)).scalar_one()
        assert in_county >= APPLICANTS * 0.12
        by_expert = conn.execute(select(func.count(func.distinct(Application.county_id)))
                                 .join(ApplicationEvent, ApplicationEvent.application_id == Application.id)
                                 .join(User, User.id == ApplicationEvent.user_id)
                                 .where(User.username == "demo.expert")).scalar_one()
        assert by_expert == 1


def test_a_second_batch_appends_without_conflicts(demo):
    engine, counts, _ = demo
    more = generate_demo(engine, 40, seed=8, today=TODAY)
    assert more["applicants"] == 40
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Applicant)).scalar_one() == APPLICANTS + 40
        assert conn.execute(select(func.count()).select_from(Introduction)).scalar_one() == (
            counts["introductions"] + more["introductions"])
        letters = conn.execute(select(Introduction.letter_no)).scalars().all()
        assert len(set(letters)) == len(letters)
        # the quotas, topped up by the second batch, still cover both batches' introductions
        current = jdatetime.date.fromgregorian(date=TODAY).year
        slots = dict(conn.execute(select(Quota.county_id, Quota.slots).where(Quota.jalali_year == current)).all())
        for county_id, count in conn.execute(select(Introduction.county_id, func.count())
                                             .where(Introduction.jalali_year == current,
                                                    Introduction.refused_on.is_(None))
                                             .group_by(Introduction.county_id)):
            assert count <= slots[county_id]
    # the ids handed out in Python left the sequences (PostgreSQL) ready for ordinary inserts
    with new_session(engine) as session:
        county_id = session.execute(select(Applicant.county_id)).scalars().first()
        person = Applicant(national_code="0499370899", first_name="آزمون", last_name="آزمون", county_id=county_id)
        session.add(person)
        session.commit()
        assert person.id == APPLICANTS + 40 + 1


def test_same_seed_same_data(sqlite_template, tmp_path):
    import shutil

    from db.engine import make_engine

    dumps = []
    for name in ("one.db", "two.db"):
        path = tmp_path / name
        shutil.copy(sqlite_template, path)
        engine = make_engine(f"sqlite:///{path}")
        generate_demo(engine, 120, seed=3, today=TODAY)
        with engine.connect() as conn:
            dumps.append([
                conn.execute(text(f"SELECT * FROM {table} ORDER BY id")).all()
                for table in ("applicant", "application", "applicationevent", "decision", "introduction",
                              "paymentline")
            ])
        engine.dispose()
    assert dumps[0] == dumps[1]
