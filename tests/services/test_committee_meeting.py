"""The committee's reads behind the sessions page and the meeting view: the agenda's order (the
index the pages cache) holds exactly the agenda, in its order, whatever each case's fate; a
meeting step reads the case, its details and the names in the strip's window in one session —
on SQLite and PostgreSQL."""
from __future__ import annotations

import importlib
from datetime import date

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import event

from db.models import Application
from lib.errors import Forbidden, InvalidInput
from lib.ranking import RankItem, rank
from lib.workflow import ProgramCode
from services import applications as apps
from services import committee as cm
from services.committee import meeting as mt
from tests.services.test_committee import approve, open_session, scored_case, sibling_secretary  # noqa: F401  (a fixture)

agenda_module = importlib.import_module("services.committee.agenda")  # the package re-exports a function «agenda»
FATES = ("waiting", "approved here", "deferred here", "rejected here", "deferred elsewhere")


def _place(session, secretary, here, elsewhere, case, fate: str) -> None:
    if fate == "approved here":
        approve(session, secretary, here, case)
    elif fate in ("deferred here", "rejected here"):
        outcome = "defer" if fate == "deferred here" else "reject"
        cm.record_decision(session, secretary, here.id, case.id, outcome, "بازدید از محل")
    elif fate == "deferred elsewhere":  # on the agenda of another open session of the county
        cm.record_decision(session, secretary, elsewhere.id, case.id, "defer", "بازدید از محل")


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.integers(0, 29), st.booleans(), st.sampled_from(FATES), st.sampled_from([None, 1, 2])),
                min_size=1, max_size=5))
@example([(3, False, "waiting", None)])  # one case, nothing decided
@example([(5, False, "approved here", None), (5, True, "deferred elsewhere", None), (0, False, "rejected here", None)])
@example([(29, True, "deferred here", None), (0, False, "waiting", None), (29, False, "waiting", None)])  # ties, a holder
@example([(0, True, "waiting", 2), (29, False, "waiting", None), (1, False, "deferred here", 1)])  # committee overrides
def test_the_agenda_index_is_the_agenda_in_its_order(session, secretary, county_expert, intake, cases):
    """The index (the waiting cases' sort keys less those another open session holds, then this
    session's own, sorted in Python) lists the same cases in the same order as the whole agenda (one
    condition, ranked with lib.ranking.rank): waiting and decided here in, taken by another open
    session out."""
    count = len(cm.list_sessions(session, secretary))
    here = open_session(session, secretary, number=f"here-{count}")
    elsewhere = open_session(session, secretary, number=f"elsewhere-{count}")
    made = []
    for years, holder, fate, override in cases:
        case = scored_case(session, county_expert, intake, insured_years=years, discount_holder=holder)
        if override is not None:
            apps.set_priority(session, secretary, case.id, override, "سرپرست خانوار با بیماری صعب‌العلاج")
        _place(session, secretary, here, elsewhere, case, fate)
        made.append((case.id, fate))
    index = cm.agenda_index(session, secretary, here.id)
    agenda = [item.application_id for item in cm.agenda(session, secretary, here.id)]
    assert list(index.ids) == agenda
    assert {case for case, fate in made if fate != "deferred elsewhere"} <= set(index.ids)
    assert not {case for case, fate in made if fate == "deferred elsewhere"} & set(index.ids)


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.integers(0, 29), st.booleans(), st.sampled_from(("waiting", "deferred here", "deferred elsewhere"))),
                min_size=1, max_size=4))
@example([(3, False, "waiting")])  # one case
@example([(7, False, "waiting"), (7, False, "deferred here"), (0, True, "deferred elsewhere")])  # a tie; one taken
def test_the_provincial_agenda_index_is_its_agenda_in_its_order(
        session, secretary, province_committee, county_expert, intake, cases):
    """At the provincial level too (on SQLite its waiting cases are read by id after the index of
    state and province): the index equals the whole agenda, in order."""
    count = len(cm.list_sessions(session, province_committee))
    county = open_session(session, secretary, number=f"county-{count}")
    made = [(scored_case(session, county_expert, intake, insured_years=years, discount_holder=holder), fate)
            for years, holder, fate in cases]
    for case, _ in made:
        approve(session, secretary, county, case)
    cm.close_session(session, secretary, county.id)
    here = open_session(session, province_committee, number=f"here-{count}")
    elsewhere = open_session(session, province_committee, number=f"elsewhere-{count}")
    for case, fate in made:
        if fate == "deferred here":
            cm.record_decision(session, province_committee, here.id, case.id, "defer", "بازدید از محل")
        elif fate == "deferred elsewhere":
            cm.record_decision(session, province_committee, elsewhere.id, case.id, "defer", "بازدید از محل")
    index = cm.agenda_index(session, province_committee, here.id)
    assert list(index.ids) == [item.application_id for item in cm.agenda(session, province_committee, here.id)]
    assert {case.id for case, fate in made if fate != "deferred elsewhere"} <= set(index.ids)
    assert not {case.id for case, fate in made if fate == "deferred elsewhere"} & set(index.ids)


RANK_ROWS = st.lists(
    st.tuples(st.integers(0, 3), st.dates(date(2024, 1, 1), date(2024, 1, 3)), st.booleans(),
              st.one_of(st.none(), st.integers(1, 3)), st.one_of(st.none(), st.integers(0, 2))),
    max_size=12,
)


@settings(max_examples=60, deadline=None)
@given(RANK_ROWS, st.booleans())
@example([], False)  # an empty agenda
@example([(0, date(2024, 1, 1), False, None, 0)], True)  # one case
@example([(0, date(2024, 1, 2), False, None, 1), (0, date(2024, 1, 1), False, None, 1)], True)  # same total: the earlier application first
@example([(0, date(2024, 1, 1), False, None, 1), (0, date(2024, 1, 1), False, None, 1)], False)  # a full tie: the lower id first
@example([(0, date(2024, 1, 1), True, None, 2), (0, date(2024, 1, 1), False, None, 0)], True)  # a holder after everyone else
@example([(0, date(2024, 1, 1), False, 2, 2), (0, date(2024, 1, 1), True, 1, 0), (0, date(2024, 1, 1), False, None, 2)], False)
@example([(0, date(2024, 1, 1), False, None, None), (0, date(2024, 1, 1), False, None, 0)], True)  # no score ranks as 0
def test_the_agenda_sort_key_orders_as_the_ranking_rules(rows, as_text):
    """The sort key the agenda index sorts by (read as the driver gives it: SQLite's dates as ISO
    text, flags as 0/1) orders cases exactly as lib.ranking.rank: overrides first by their rank,
    then by total, holders last, ties by date then id; a case without a score ranks with 0."""
    cases = [(i, day, holder, override, total) for i, (_, day, holder, override, total) in enumerate(rows, start=1)]
    expected = [item.application_id for item in rank(
        RankItem(i, total or 0, holder, day, override, "دستور کمیته" if override else None)
        for i, day, holder, override, total in cases
    )]
    keys = agenda_module.rank_keys(ProgramCode.A, [
        (i, day.isoformat() if as_text else day, int(holder) if as_text else holder, override,
         "دستور کمیته" if override else None, total) for i, day, holder, override, total in cases
    ])
    assert sorted(keys, key=keys.__getitem__) == expected
    programme_b = agenda_module.rank_keys(ProgramCode.B, [(i, day, holder, None, None, None) for i, day, holder, _, _ in cases])
    assert sorted(programme_b, key=programme_b.__getitem__) == [i for i, *_ in sorted(cases, key=lambda c: (c[1], c[0]))]


def test_an_override_without_its_reason_stops_the_agenda_index_with_a_persian_message(
        session, secretary, county_expert, intake):
    """As lib.ranking refuses it: the index is not read with a manual rank whose reason is missing."""
    first = scored_case(session, county_expert, intake, insured_years=9)
    scored_case(session, county_expert, intake, insured_years=4)
    cs = open_session(session, secretary, number=f"reason-{first.id}")
    row = session.get(Application, first.id)
    row.priority_override, row.priority_reason = 1, None  # as no service writes it: straight in the table
    session.add(row)
    session.commit()
    with pytest.raises(InvalidInput) as refused:
        cm.agenda_index(session, secretary, cs.id)
    assert "دلیل" in refused.value.message


def test_a_meeting_step_reads_the_case_its_details_and_the_names_in_view(session, secretary, county_expert, intake):
    first = scored_case(session, county_expert, intake, insured_years=20, first_name="مریم")
    second = scored_case(session, county_expert, intake, insured_years=5, first_name="سارا")
    cs = open_session(session, secretary)
    approve(session, secretary, cs, first)
    step = mt.meeting_step(session, secretary, cs.id, first.id, 1, (first.id, second.id))
    assert step.item == mt.meeting_case(session, secretary, cs.id, first.id, 1)
    assert step.item.decision.outcome == "approve" and step.item.position == 1
    assert step.details == cm.case_details(session, secretary, first.id)
    assert step.names == {first.id: "مریم احمدی", second.id: "سارا احمدی"}


def test_a_step_names_only_cases_of_the_committees_area_and_tells_a_case_that_left(
        session, secretary, sibling_county_expert, county_expert, intake, areas):
    here = scored_case(session, county_expert, intake, insured_years=9)
    there = scored_case(session, sibling_county_expert, intake, county_id=areas.sibling_county)
    cs = open_session(session, secretary)
    other = open_session(session, secretary, number="2/1403")
    cm.record_decision(session, secretary, other.id, here.id, "defer", "بازدید از محل")  # another session took it
    step = mt.meeting_step(session, secretary, cs.id, here.id, 1, (here.id, there.id))
    assert step.item is None and step.details is None  # the page asks to refresh the agenda
    assert set(step.names) == {here.id}  # another county's case is not named, even when asked for


def test_a_step_of_another_countys_session_is_refused(session, secretary, sibling_secretary, county_expert, intake):
    case = scored_case(session, county_expert, intake)
    cs = open_session(session, secretary)
    with pytest.raises(Forbidden):
        mt.meeting_step(session, sibling_secretary, cs.id, case.id, 1, (case.id,))


def test_a_step_reads_the_programme_once(session, secretary, county_expert, intake):
    """The programme row is read once per step (the session keeps it), not once per check."""
    case = scored_case(session, county_expert, intake)
    cs = open_session(session, secretary)
    statements: list[str] = []

    def seen(_conn, _cursor, statement, *_):
        statements.append(statement)

    engine = session.get_bind()
    session.expunge_all()
    event.listen(engine, "before_cursor_execute", seen)
    try:
        step = mt.meeting_step(session, secretary, cs.id, case.id, 1, (case.id,))
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert step.item is not None and step.details is not None
    assert sum(1 for s in statements if s.lstrip().upper().startswith("SELECT PROGRAM.")) == 1
    wage = mt.approval_wage(session, secretary)
    terms = cm.Terms(24, 100, 1800)
    assert mt.cost_at(wage, terms) == mt.approval_cost(session, secretary, terms)
