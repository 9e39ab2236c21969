"""The scoring worksheet (one applicant and the county grid) and the priority ranking."""
from __future__ import annotations

import re
from datetime import date

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlmodel import select

from db.models import (
    Application,
    ApplicationEvent,
    AuditLog,
    Household,
    Notification,
    ScoreCardRecord,
    ScoringPolicyVersion,
    User,
)
from lib.errors import Forbidden, InvalidInput
from lib.scoring import CRITERIA, DEFAULT_POLICY, ScoreInput, Step, score
from lib.workflow import STATE_LABELS, State
from services import applications as apps
from services.applications import HouseholdData
from services.scoring_sheet import (
    INPUT_LABELS,
    POINTS_COLUMNS,
    pending_choices,
    pending_worksheet,
    preview_card,
    preview_worksheet,
    ranking,
    save_worksheet,
    save_worksheet_row,
)
from tests.services.refusals import refused as _refused

GOOD = dict(disabled_members=2, severity="severe", marital_status="widowed", dependants=4, insured_years=31, need_grade=4)
# 3 + 3 + 2 + 5 + 29 (capped) + 4
GOOD_TOTAL = 46


@pytest.fixture
def submit(session, admin, intake):
    def make(program="A", **kw):
        return apps.submit_application(session, admin, intake(program, **kw))

    return make


# --------------------------------------------------------------------------- one applicant
def test_preview_is_live_and_provisional_without_the_grade():
    card = preview_card(DEFAULT_POLICY, HouseholdData(**{**GOOD, "need_grade": None}))
    assert card.provisional and card.total == GOOD_TOTAL - 4
    card = preview_card(DEFAULT_POLICY, HouseholdData(**GOOD))
    assert not card.provisional and card.total == GOOD_TOTAL
    assert [r.maximum for r in card.rows] == [5, 4, 2, 5, 29, 5]
    with pytest.raises(InvalidInput) as err:
        preview_card(DEFAULT_POLICY, HouseholdData(disabled_members=0, severity="mild"))
    assert err.value.field == "severity"


def test_save_row_writes_household_card_state_event_sms_and_audit(session, submit, county_expert):
    case = submit()
    record = save_worksheet_row(session, county_expert, case.id, HouseholdData(**GOOD))
    assert record.total == GOOD_TOTAL and record.policy_version == DEFAULT_POLICY.version
    assert record.scored_by == county_expert.id
    assert [r["points"] for r in record.rows] == [3, 3, 2, 5, 29, 4]
    household = session.get(Household, case.id)
    assert (household.dependants, household.insured_years, household.need_grade, household.marital_status) == (4, 31, 4, "widowed")
    assert session.get(Application, case.id).state == State.scored
    last = session.exec(select(ApplicationEvent).where(ApplicationEvent.application_id == case.id).order_by(ApplicationEvent.id.desc())).first()
    assert (last.from_state, last.to_state, last.user_id) == ("received", "scored", county_expert.id)
    events = [n.event for n in session.exec(select(Notification).where(Notification.application_id == case.id))]
    assert events == ["state.received", "state.scored"]
    actions = {a.action for a in session.exec(select(AuditLog).where(AuditLog.username == county_expert.username))}
    assert actions == {"household.save", "score.save", "application.state"}


def test_rescoring_keeps_the_state_and_adds_a_card(session, submit, county_expert):
    case = submit()
    save_worksheet_row(session, county_expert, case.id, HouseholdData(**GOOD))
    save_worksheet_row(session, county_expert, case.id, HouseholdData(**{**GOOD, "need_grade": 1}))
    cards = session.exec(select(ScoreCardRecord).where(ScoreCardRecord.application_id == case.id).order_by(ScoreCardRecord.id)).all()
    assert [c.total for c in cards] == [GOOD_TOTAL, GOOD_TOTAL - 3]
    assert session.get(Application, case.id).state == State.scored
    assert len(session.exec(select(Notification).where(Notification.application_id == case.id)).all()) == 2


def test_cards_carry_the_current_policy_version(session, submit, county_expert):
    revised = DEFAULT_POLICY.revise("1404-v2", dependant_steps=(Step(0, 0), Step(1, 2), Step(3, 4)))
    session.add(ScoringPolicyVersion(version=revised.version, rules=revised.to_dict(), adopted_on=date(2025, 3, 21)))
    session.commit()
    case = submit()
    record = save_worksheet_row(session, county_expert, case.id, HouseholdData(**GOOD))
    assert record.policy_version == "1404-v2"
    assert record.total == GOOD_TOTAL - 5 + 4  # four dependants now score 4
    other = submit()
    assert save_worksheet(session, county_expert, [{"application_id": other.id, **GOOD}]) == 1
    saved = session.exec(select(ScoreCardRecord).where(ScoreCardRecord.application_id == other.id)).one()
    assert saved.policy_version == "1404-v2"


def test_bad_sheet_writes_nothing_and_names_the_column(session, counts, submit, county_expert):
    case = submit()
    error = _refused(
        session, counts,
        lambda: save_worksheet_row(session, county_expert, case.id, HouseholdData(**{**GOOD, "need_grade": None})),
    )
    assert case.tracking_code in error.message and f"«{INPUT_LABELS['need_grade']}»" in error.message
    assert session.get(Application, case.id).state == State.received


def test_another_countys_sheet_is_forbidden(session, counts, submit, areas, county_expert):
    case = submit(county_id=areas.sibling_county)
    _refused(session, counts, lambda: save_worksheet_row(session, county_expert, case.id, HouseholdData(**GOOD)), Forbidden)


def test_no_rescoring_after_the_committee(session, counts, submit, admin, county_expert):
    case = submit()
    save_worksheet_row(session, county_expert, case.id, HouseholdData(**GOOD))
    apps.change_state(session, admin, case.id, State.county_decision)
    error = _refused(session, counts, lambda: save_worksheet_row(session, county_expert, case.id, HouseholdData(**GOOD)))
    assert "تصمیم کمیته" in error.message


def test_programme_b_has_no_sheet(session, counts, submit, county_expert):
    case = submit("B")
    _refused(session, counts, lambda: save_worksheet_row(session, county_expert, case.id, HouseholdData(**GOOD)))


# --------------------------------------------------------------------------- the county grid
def awaiting(session, submit, admin, areas, scored_on: date):
    """Cases received (2 June), missing documents (1 June) and scored (``scored_on``), and three
    the worksheet leaves out: decided, programme B, another county."""
    received = submit(applied_on=date(2024, 6, 2), first_name="نرگس", last_name="صالحی")
    incomplete = submit(applied_on=date(2024, 6, 1))
    apps.change_state(session, admin, incomplete.id, State.documents_incomplete)
    scored = submit(applied_on=scored_on)
    save_worksheet_row(session, admin, scored.id, HouseholdData(**GOOD))
    decided = submit()
    save_worksheet_row(session, admin, decided.id, HouseholdData(**GOOD))
    apps.change_state(session, admin, decided.id, State.county_decision)
    submit("B")
    submit(county_id=areas.sibling_county)
    return received, incomplete, scored


def test_pending_worksheet_lists_the_countys_a_cases_awaiting_scoring(session, submit, admin, areas, county_expert):
    received, incomplete, scored = awaiting(session, submit, admin, areas, date(2024, 6, 3))
    frame = pending_worksheet(session, county_expert, areas.county)
    assert list(frame["application_id"]) == [incomplete.id, received.id, scored.id]  # oldest first
    row = frame.set_index("application_id").loc[scored.id]
    assert (row["severity"], row["marital_status"], row["need_grade"], row["saved_total"]) == ("severe", "widowed", 4, GOOD_TOTAL)
    assert row["policy_version"] == DEFAULT_POLICY.version
    fresh = frame.set_index("application_id").loc[received.id]
    assert pd.isna(fresh["need_grade"]) and pd.isna(fresh["saved_total"])


def test_pending_choices_name_the_worksheets_cases_in_its_order(session, submit, admin, areas, county_expert):
    """The scoring page's picker reads only what it shows: the same cases in the same order as
    the grid, each named «tracking code — applicant (state)»."""
    received, incomplete, scored = awaiting(session, submit, admin, areas, date(2024, 6, 1))  # the same day: lower number first
    frame = pending_worksheet(session, county_expert, areas.county)
    expected = tuple(
        (r.application_id, f"{r.tracking_code} — {r.applicant} ({STATE_LABELS[State(r.state)]})") for r in frame.itertuples()
    )
    choices = pending_choices(session, county_expert, areas.county)
    assert choices == expected
    assert [aid for aid, _ in choices] == [incomplete.id, scored.id, received.id]
    assert dict(choices)[received.id] == f"{received.tracking_code} — نرگس صالحی (دریافت شده)"
    with pytest.raises(Forbidden):
        pending_choices(session, county_expert, areas.sibling_county)


def test_pending_worksheet_of_another_county_is_forbidden(session, areas, county_expert, province_committee):
    with pytest.raises(Forbidden):
        pending_worksheet(session, county_expert, areas.sibling_county)
    with pytest.raises(Forbidden):  # the provincial committee does not score
        pending_worksheet(session, province_committee, areas.county)


def test_save_worksheet_saves_every_row_in_one_go(session, submit, areas, county_expert):
    cases = [submit() for _ in range(3)]
    rows = [{"application_id": c.id, **GOOD, "need_grade": g} for c, g in zip(cases, (1, 3, 5))]
    assert save_worksheet(session, county_expert, rows) == 3
    totals = {c.id: session.exec(select(ScoreCardRecord.total).where(ScoreCardRecord.application_id == c.id)).one() for c in cases}
    assert totals == {cases[0].id: GOOD_TOTAL - 3, cases[1].id: GOOD_TOTAL - 1, cases[2].id: GOOD_TOTAL + 1}
    assert all(session.get(Application, c.id).state == State.scored for c in cases)
    assert pending_worksheet(session, county_expert, areas.county)["saved_total"].tolist() == list(totals.values())


def test_one_bad_row_saves_nothing_and_names_row_and_column(session, counts, submit, county_expert):
    good = submit()
    bad = submit(first_name="نرگس", last_name="صالحی")
    rows = [
        {"application_id": good.id, **GOOD},
        {"application_id": bad.id, **GOOD, "disabled_members": 0},  # severity left behind
    ]
    error = _refused(session, counts, lambda: save_worksheet(session, county_expert, rows))
    assert bad.tracking_code in error.message and "نرگس صالحی" in error.message
    assert f"ستون «{INPUT_LABELS['severity']}»" in error.message
    assert error.field == "severity"
    assert session.get(Application, good.id).state == State.received


@pytest.mark.parametrize(
    ("change", "column"),
    [
        ({"need_grade": 9}, "need_grade"),
        ({"insured_years": -1}, "insured_years"),
        ({"marital_status": "engaged"}, "marital_status"),
        ({"dependants": 2.5}, "dependants"),
        ({"need_grade": float("nan")}, "need_grade"),
    ],
)
def test_each_kind_of_bad_value_is_refused(session, counts, submit, county_expert, change, column):
    case = submit()
    error = _refused(session, counts, lambda: save_worksheet(session, county_expert, [{"application_id": case.id, **GOOD, **change}]))
    assert error.field == column and f"«{INPUT_LABELS[column]}»" in error.message


def test_a_row_of_another_county_makes_the_whole_save_forbidden(session, counts, submit, areas, county_expert):
    mine, theirs = submit(), submit(county_id=areas.sibling_county)
    rows = [{"application_id": mine.id, **GOOD}, {"application_id": theirs.id, **GOOD}]
    _refused(session, counts, lambda: save_worksheet(session, county_expert, rows), Forbidden)


def test_empty_duplicate_and_unknown_rows_are_refused(session, counts, submit, county_expert):
    case = submit()
    _refused(session, counts, lambda: save_worksheet(session, county_expert, []))
    _refused(session, counts, lambda: save_worksheet(session, county_expert, [{"application_id": case.id, **GOOD}] * 2))
    _refused(session, counts, lambda: save_worksheet(session, county_expert, [{"application_id": 987654, **GOOD}]))


def test_preview_marks_only_the_bad_rows():
    frame = pd.DataFrame(
        [
            {"tracking_code": "A031", "applicant": "مریم احمدی", **GOOD},
            {"tracking_code": "A032", "applicant": "نرگس صالحی", **GOOD, "severity": None},
            {"tracking_code": "A033", "applicant": "سارا نوری", **GOOD, "need_grade": None},
        ]
    )
    points, problems = preview_worksheet(frame, DEFAULT_POLICY)
    assert list(points.columns) == [*POINTS_COLUMNS.values(), "total"]
    assert points.loc[0, "total"] == GOOD_TOTAL
    assert pd.isna(points.loc[1, "total"])
    assert points.loc[2, "total"] == GOOD_TOTAL - 4  # provisional: grade not yet entered
    (problem,) = problems
    assert "A032" in problem and "نرگس صالحی" in problem and f"«{INPUT_LABELS['severity']}»" in problem


HOUSEHOLDS = st.fixed_dictionaries(
    {
        "disabled_members": st.integers(0, 30),
        "marital_status": st.sampled_from(["single", "married", "widowed", "divorced"]),
        "dependants": st.integers(0, 30),
        "insured_years": st.integers(0, 80),
        "need_grade": st.none() | st.integers(1, 5),
        "severity_choice": st.sampled_from(["mild", "moderate", "severe", "very_severe"]),
    }
).map(lambda d: {**{k: v for k, v in d.items() if k != "severity_choice"},
                 "severity": d["severity_choice"] if d["disabled_members"] else None})


@settings(max_examples=60, deadline=None)
@given(st.lists(HOUSEHOLDS, min_size=1, max_size=8))
def test_grid_points_equal_the_single_sheet(households):
    frame = pd.DataFrame([{"tracking_code": f"A{i}", "applicant": "x", **h} for i, h in enumerate(households)])
    points, problems = preview_worksheet(frame, DEFAULT_POLICY)
    assert problems == []
    for i, h in enumerate(households):
        card = score(ScoreInput(**h), DEFAULT_POLICY, require_need_grade=False)
        assert points.loc[i, "total"] == card.total
        assert [points.loc[i, POINTS_COLUMNS[c]] for c in CRITERIA] == [card.row(c).points for c in CRITERIA]


# --------------------------------------------------------------------------- ranking
def test_ranking_overrides_first_then_total_then_discount_holders(session, submit, admin, secretary, county_expert, areas):
    def scored(grade, applied_on, **kw):
        case = submit(applied_on=applied_on, **kw)
        save_worksheet_row(session, admin, case.id, HouseholdData(**{**GOOD, "need_grade": grade}))
        return case

    low = scored(1, date(2024, 6, 1))
    high = scored(5, date(2024, 6, 5))
    tie_late = scored(3, date(2024, 6, 9))
    tie_early = scored(3, date(2024, 6, 2))
    holder_top = scored(5, date(2024, 6, 1), discount_holder=True)
    overridden = scored(1, date(2024, 6, 10), discount_holder=True)
    submit()  # not scored: not ranked
    apps.set_priority(session, secretary, overridden.id, 1, "سرپرست خانوار با فرزند معلول؛ مصوبه جلسه")
    frame = ranking(session, county_expert, county_id=areas.county)
    assert list(frame["application_id"]) == [overridden.id, high.id, tie_early.id, tie_late.id, low.id, holder_top.id]
    assert list(frame["rank"]) == [1, 2, 3, 4, 5, 6]
    first = frame.iloc[0]
    assert first["override_reason"] == "سرپرست خانوار با فرزند معلول؛ مصوبه جلسه"
    assert first["override_by"] == session.get(User, secretary.id).full_name
    assert frame.iloc[-1]["discount_holder"] and frame.iloc[-1]["total"] == GOOD_TOTAL + 1
    # clearing the override puts the case back among the discount holders
    apps.set_priority(session, secretary, overridden.id, None, None)
    frame = ranking(session, county_expert)
    assert list(frame["application_id"])[-2:] == [holder_top.id, overridden.id]


def test_ranking_keeps_to_the_area_and_the_pre_payment_queue(session, submit, admin, areas, county_expert, province_committee):
    mine = submit()
    save_worksheet_row(session, admin, mine.id, HouseholdData(**GOOD))
    sibling = submit(county_id=areas.sibling_county)
    save_worksheet_row(session, admin, sibling.id, HouseholdData(**GOOD))
    rejected = submit()
    save_worksheet_row(session, admin, rejected.id, HouseholdData(**GOOD))
    apps.change_state(session, admin, rejected.id, State.rejected)
    assert list(ranking(session, county_expert)["application_id"]) == [mine.id]
    assert set(ranking(session, province_committee)["application_id"]) == {mine.id, sibling.id}
    assert list(ranking(session, province_committee, county_id=areas.sibling_county)["application_id"]) == [sibling.id]
    with pytest.raises(Forbidden):
        ranking(session, county_expert, county_id=areas.sibling_county)
    with pytest.raises(InvalidInput):
        ranking(session, county_expert, program="B")


def test_ranking_of_an_empty_county_is_an_empty_table(session, county_expert):
    frame = ranking(session, county_expert)
    assert frame.empty and "rank" in frame.columns
