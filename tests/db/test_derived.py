"""Bulk loads with the triggers suspended (db/derived.py) leave exactly what the triggers leave.

The same rows — cases in every state with or without grant figures, score cards (several per
case), payment lines live or not, introductions refused or not — are loaded into two copies of a
migrated SQLite database: one with the triggers firing row by row, one inside
``triggers_suspended`` (everything rebuilt, or only the new rows added to what was there). Every
derived table must come out the same: the three tallies, the case search rows, each case's score
total, each case's first reaching of each stage (``stagereach``, from the events), when the stage each
waiting case waits for began (``application.stage_since``), the finished stages per month (``stagemonthtally``). And a load that fails inside the block leaves the triggers and the data as they were.
"""
from __future__ import annotations

import shutil
import sqlite3
from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from db.bulk import insert_rows, next_id, sqlite_indexes_deferred
from db.derived import SOURCE_TABLES, triggers_suspended
from db.engine import make_engine
from db.models.cases import WAITING_STATES
from db.models import Applicant, Application, ApplicationEvent, Introduction, PaymentLine, PaymentRun, ScoreCardRecord
from lib.service_agreement import STAGE_LABELS
from lib.workflow import State

STATES = [s.value for s in State]
STARTED_BY = {State.documents_incomplete.value: State.received.value}  # a wait's start when not its own state
EVENT_STATES = ["received", "documents_incomplete", "scored", "county_decision", "province_decision", "introduced",
                "active", "rejected"]
NOW = datetime(2026, 11, 30, 8, 0, tzinfo=timezone.utc)

CASE = st.fixed_dictionaries({
    "county": st.integers(0, 2),
    "program": st.integers(0, 1),
    "state": st.sampled_from(STATES),
    "rate": st.sampled_from([None, 1400, 1800]),
    "share": st.sampled_from([None, 60, 100]),
    "start": st.sampled_from([None, (1403, 1), (1404, 7)]),
    "months": st.sampled_from([None, 0, 6, 60]),
    "cards": st.lists(st.integers(0, 120), max_size=3),
    "lines": st.lists(st.tuples(st.booleans(), st.sampled_from(["payment", "topup", "reversal"]),
                                st.sampled_from(["pending", "confirmed", "rejected"]), st.sampled_from([1403, 1404]),
                                st.integers(0, 10**9)), max_size=3),
    "introduction": st.none() | st.tuples(st.sampled_from([1403, 1404]), st.booleans()),
    "name": st.sampled_from(["زهرا", "علی", "O'Brien", "نام  دو‌بخشی"]),
    # the timeline: (state, hours after the application), in the order written (not always in time)
    "events": st.lists(st.tuples(st.sampled_from(EVENT_STATES), st.integers(0, 24 * 60)), max_size=5),
})

RUNNING = {"county": 0, "program": 0, "state": "active", "rate": 1800, "share": 60, "start": (1403, 1), "months": 6,
           "cards": [40, 75], "lines": [(True, "payment", "pending", 1403, 1000), (False, "payment", "pending", 1403, 5)],
           "introduction": (1403, False), "name": "زهرا",
           "events": [("received", 2), ("scored", 30), ("county_decision", 50), ("province_decision", 70), ("active", 99)]}
WAITING = {**RUNNING, "state": "scored", "rate": None, "share": None, "start": None, "months": None, "cards": [0],
           "lines": [(True, "reversal", "rejected", 1404, 7)], "introduction": (1404, True), "name": "O'Brien",
           "events": [("scored", 10), ("received", 5), ("documents_incomplete", 6), ("received", 7)]}


@pytest.fixture(scope="module")
def template(sqlite_template, tmp_path_factory):
    """The migrated database with a payment run per programme (lines need one)."""
    path = tmp_path_factory.mktemp("derived") / "base.db"
    shutil.copy(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        counties = conn.execute(text("SELECT id, province_id FROM county ORDER BY id LIMIT 3")).all()
        programs = list(conn.scalars(text("SELECT id FROM program ORDER BY code")))
        policy = conn.scalar(text("SELECT version FROM scoringpolicyversion LIMIT 1"))
        runs = []
        for program in programs:
            conn.execute(PaymentRun.__table__.insert().values(
                program_id=program, province_id=counties[0][1], jalali_year=1403, start_month=1, months=1,
                strategy="full", budget_rial=10**12, status="draft", created_at=NOW))
            runs.append(conn.scalar(text("SELECT max(id) FROM paymentrun")))
    engine.dispose()
    return path, {"counties": counties, "programs": programs, "runs": runs, "policy": policy}


def _copy(template, tmp_path, name: str):
    path, world = template
    target = tmp_path / name
    shutil.copy(path, target)
    return make_engine(f"sqlite:///{target}"), world


def _load(conn, world, cases: list[dict]) -> None:
    """The cases as rows, written with db.bulk (as the demo and the import write them)."""
    applicant, application = next_id(conn, Applicant), next_id(conn, Application)
    card, line, intro = next_id(conn, ScoreCardRecord), next_id(conn, PaymentLine), next_id(conn, Introduction)
    event = next_id(conn, ApplicationEvent)
    rows: dict[str, list[dict]] = {k: [] for k in ("applicant", "application", "card", "line", "intro", "event")}
    for c in cases:
        county_id, province_id = world["counties"][c["county"]]
        program_id = world["programs"][c["program"]]
        rows["applicant"].append(dict(id=applicant, national_code=f"{applicant:010d}", first_name=c["name"],
                                      last_name=f"آزمون{applicant}", county_id=county_id, created_at=NOW))
        start = c["start"] or (None, None)
        rows["application"].append(dict(
            id=application, tracking_code=f"T{application:09d}", applicant_id=applicant, program_id=program_id,
            county_id=county_id, province_id=province_id, channel="in_person", state=c["state"],
            applied_on=date(2024, 5, 1), contract_rate_bp=c["rate"], share_percent=c["share"],
            months_granted=c["months"], start_year=start[0], start_month=start[1], created_at=NOW, updated_at=NOW))
        for total in c["cards"]:
            rows["card"].append(dict(id=card, application_id=application, policy_version=world["policy"], total=total,
                                     rows=[], scored_at=NOW))
            card += 1
        for month, (live, kind, status, year, amount) in enumerate(c["lines"], start=1):
            agency = amount * 8 // 18
            rows["line"].append(dict(
                id=line, run_id=world["runs"][c["program"]], application_id=application, applicant_id=applicant,
                program_id=program_id, county_id=county_id, jalali_year=year, jalali_month=month, days=30,
                daily_wage_rial=1000, rate_bp=1800, percent=100, share_percent=100, full_amount_rial=amount,
                amount_rial=amount, agency_rial=agency, government_rial=amount - agency, live=live, line_kind=kind,
                sso_status=status))
            line += 1
        if c["introduction"] is not None:
            year, refused = c["introduction"]
            rows["intro"].append(dict(
                id=intro, application_id=application, county_id=county_id, jalali_year=year, branch="شعبه",
                letter_no=f"L{intro}", introduced_on=date(2024, 6, 1), created_at=NOW,
                refused_on=date(2024, 6, 9) if refused else None))
            intro += 1
        for state, hours in c["events"]:
            rows["event"].append(dict(id=event, application_id=application, from_state=None, to_state=state,
                                      at=datetime(2024, 5, 1, tzinfo=timezone.utc) + timedelta(hours=hours)))
            event += 1
        applicant += 1
        application += 1
    for name, model in (("applicant", Applicant), ("application", Application), ("card", ScoreCardRecord),
                        ("line", PaymentLine), ("intro", Introduction), ("event", ApplicationEvent)):
        if rows[name]:
            insert_rows(conn, model, tuple(rows[name][0]), rows[name])


def derived(engine) -> dict[str, list]:
    """Every derived table's rows that hold something (a tally row at zero counts nothing)."""
    queries = {
        "casetally": "SELECT * FROM casetally WHERE cases <> 0 ORDER BY 1, 2, 3, 4, 5, 6, 7, 8",
        "spendtally": "SELECT * FROM spendtally WHERE lines <> 0 OR agency_rial <> 0 OR government_rial <> 0 "
                      "ORDER BY 1, 2, 3, 4, 5, 6",
        "seattally": "SELECT * FROM seattally WHERE introduced <> 0 ORDER BY 1, 2",
        "casestatetally": "SELECT * FROM casestatetally WHERE cases <> 0 ORDER BY 1, 2, 3",
        "personcasetally": "SELECT * FROM personcasetally WHERE cases <> 0 ORDER BY 1",
        "paidtally": "SELECT * FROM paidtally WHERE lines <> 0 ORDER BY 1, 2",
        "provincecosttally": "SELECT * FROM provincecosttally WHERE cases <> 0 ORDER BY 1, 2, 3, 4, 5, 6, 7",
        "case_search": "SELECT rowid, body FROM case_search ORDER BY rowid",
        "score_total": "SELECT id, score_total FROM application ORDER BY id",
        "stagereach": "SELECT * FROM stagereach ORDER BY application_id, state",
        "stage_since": "SELECT id, stage_since FROM application ORDER BY id",
        # a sum of days kept by adding and taking off differs from one summed at once in the last bits
        "stagemonthtally": "SELECT program_id, state, month, province_id, county_id, done, round(days_sum, 6), late "
                           "FROM stagemonthtally WHERE done <> 0 ORDER BY 1, 2, 3, 4, 5",
        "triggers": "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name",
    }
    with engine.connect() as conn:
        return {name: [tuple(r) for r in conn.execute(text(sql))] for name, sql in queries.items()}


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(before=st.lists(CASE, max_size=4), loaded=st.lists(CASE, min_size=1, max_size=8), only_new=st.booleans())
@example(before=[], loaded=[RUNNING, WAITING], only_new=False)  # a fresh database (the demo)
@example(before=[RUNNING, WAITING], loaded=[RUNNING, WAITING, RUNNING], only_new=True)  # same keys: counts added
@example(before=[RUNNING], loaded=[WAITING], only_new=False)  # everything recounted over the old rows
@example(before=[{**WAITING, "cards": []}], loaded=[{**RUNNING, "cards": [], "lines": [], "introduction": None}],
         only_new=True)  # nothing scored, paid or introduced
@example(before=[], loaded=[{**WAITING, "events": [(State.documents_incomplete.value, 0)]}],
         only_new=False)  # an event to a state that ends no stage: no stage row, with or without the triggers
def test_a_suspended_load_leaves_what_the_triggers_leave(template, tmp_path_factory, before, loaded, only_new):
    tmp = tmp_path_factory.mktemp("load")
    results = []
    for suspended in (False, True):
        engine, world = _copy(template, tmp, f"{suspended}.db")
        with engine.begin() as conn:
            _load(conn, world, before)
        with engine.begin() as conn:
            if suspended:
                with triggers_suspended(conn, only_new=only_new):
                    _load(conn, world, loaded)
            else:
                _load(conn, world, loaded)
        results.append(derived(engine))
        engine.dispose()
    with_triggers, rebuilt = results
    assert rebuilt == with_triggers
    assert with_triggers["case_search"] and with_triggers["casetally"] and with_triggers["casestatetally"]
    # a stage row for each case that reached a stage's state (documents incomplete ends none)
    assert with_triggers["stagereach"] or not any(state in STAGE_LABELS for c in before + loaded for state, _ in c["events"])
    # when its stage began on each case waiting for one that reached the state that started it (0028)
    started = [c for c in before + loaded if c["state"] in WAITING_STATES
               and STARTED_BY.get(c["state"], c["state"]) in {state for state, _ in c["events"]}]
    assert len([since for _, since in with_triggers["stage_since"] if since is not None]) == len(started)
    # every stage time counted once in its month (0029)
    assert sum(row[5] for row in with_triggers["stagemonthtally"]) == sum(1 for row in with_triggers["stagereach"]
                                                                          if row[-1] is not None)


def test_a_load_that_fails_inside_the_block_leaves_triggers_and_data_as_they_were(template, tmp_path):
    engine, world = _copy(template, tmp_path, "fail.db")
    with engine.begin() as conn:
        _load(conn, world, [RUNNING])
    before = derived(engine)
    with pytest.raises(RuntimeError):
        with engine.begin() as conn:
            with triggers_suspended(conn):
                _load(conn, world, [RUNNING, WAITING])
                assert not conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger' "
                                             "AND name LIKE 'casetally%'")).all()  # really off inside
                raise RuntimeError("the loader fails half-way")
    assert derived(engine) == before
    with engine.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM application")) == 1
    # and the triggers still count a later ordinary write
    with engine.begin() as conn:
        _load(conn, world, [WAITING])
    assert len(derived(engine)["case_search"]) == 2
    engine.dispose()


def test_a_caller_that_swallows_the_error_keeps_its_triggers(template, tmp_path):
    engine, world = _copy(template, tmp_path, "swallow.db")
    before = derived(engine)["triggers"]
    with engine.begin() as conn:
        try:
            with triggers_suspended(conn, ("application",)):
                raise RuntimeError("ignored by the caller")
        except RuntimeError:
            pass
    assert derived(engine)["triggers"] == before
    engine.dispose()


def test_the_block_holds_the_write_lock_from_its_start(template, tmp_path):
    """The triggers are dropped inside a transaction that holds SQLite's write lock: another
    connection cannot write until the caller commits, when the triggers are back."""
    engine, world = _copy(template, tmp_path, "lock.db")
    other = sqlite3.connect(tmp_path / "lock.db", timeout=0.1, isolation_level=None)
    with engine.connect() as conn:
        with conn.begin():
            with triggers_suspended(conn, SOURCE_TABLES):
                with pytest.raises(sqlite3.OperationalError, match="locked"):
                    other.execute("BEGIN IMMEDIATE")
                _load(conn, world, [RUNNING])
    other.execute("BEGIN IMMEDIATE")  # free again once the caller committed
    other.execute("ROLLBACK")
    other.close()
    assert derived(engine)["case_search"]
    engine.dispose()


def test_nothing_is_suspended_on_postgresql(engine):
    if engine.dialect.name != "postgresql":
        pytest.skip("the PostgreSQL half")
    names = "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal ORDER BY 1"
    with engine.begin() as conn:
        before = list(conn.scalars(text(names)))
        with triggers_suspended(conn):
            assert list(conn.scalars(text(names))) == before


# --------------------------------------------------------------------------- indexes built after the load
INDEXES = "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name = :t ORDER BY name"


def test_the_indexes_of_empty_tables_are_built_after_the_load_as_they_were(template, tmp_path):
    engine, world = _copy(template, tmp_path, "indexes.db")
    with engine.connect() as conn:
        before = {t: conn.execute(text(INDEXES), {"t": t}).all() for t in ("application", "county")}
    assert before["application"] and before["county"] is not None
    with engine.begin() as conn:
        with sqlite_indexes_deferred(conn, (Application, "county")) as deferred:
            assert deferred == ["application"]  # counties are there already: their indexes stay
            assert conn.execute(text(INDEXES), {"t": "application"}).all() == []
            assert conn.execute(text(INDEXES), {"t": "county"}).all() == before["county"]
            _load(conn, world, [RUNNING, WAITING])
    with engine.connect() as conn:
        assert conn.execute(text(INDEXES), {"t": "application"}).all() == before["application"]
        # the rebuilt index answers: the case list's order reads it
        plan = " ".join(str(r[-1]) for r in conn.execute(text(
            "EXPLAIN QUERY PLAN SELECT id FROM application ORDER BY applied_on, id")))
        assert "ix_application_applied_on_id" in plan
    engine.dispose()


def test_a_duplicate_a_deferred_unique_index_refuses_fails_the_load(template, tmp_path):
    """Two open cases of one person in one programme: refused when the index is built again."""
    engine, world = _copy(template, tmp_path, "unique.db")
    with pytest.raises(IntegrityError, match="uq_application_open_per_program"):
        with engine.begin() as conn:
            with sqlite_indexes_deferred(conn, (Application,)):
                _load(conn, world, [WAITING])
                conn.execute(text(
                    "INSERT INTO application (tracking_code, applicant_id, program_id, county_id, province_id, "
                    "channel, state, covering_domain, target_group, job_field, discount_holder, licence_no, "
                    "applied_on, is_demo, created_at, updated_at) SELECT 'T-second', applicant_id, program_id, "
                    "county_id, province_id, channel, 'received', '', '', '', 0, '', applied_on, 0, created_at, "
                    "updated_at FROM application"))
    with engine.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM application")) == 0
        assert conn.execute(text(INDEXES), {"t": "application"}).all()
    engine.dispose()
