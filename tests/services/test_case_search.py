"""The case list's search through the trigram search table (migration 0018) and its capped count.

Whatever is typed, the cases found are those whose applicant's first or last name, national code
or tracking code contains every typed word — as a plain substring test would find them, letters
without case — and the table follows every change of a name or a code, whoever writes it.
"""
from __future__ import annotations

import itertools
from datetime import date

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, update
from sqlmodel import select

from db.models import Applicant, Application, Program
from lib.errors import InvalidInput
from services.cases import count_cases, list_cases

_serial = itertools.count(1)
LETTERS = "مریمعلیرضاتهنی"  # a few Persian letters, so that words share pieces
names = st.text(alphabet=LETTERS, min_size=1, max_size=6)


def _case(session, areas, first: str, last: str) -> Application:
    program = session.exec(select(Program.id).where(Program.code == "A")).one()
    n = next(_serial)
    applicant = Applicant(national_code=f"{n:010d}", first_name=first, last_name=last, county_id=areas.county)
    session.add(applicant)
    session.flush()
    case = Application(tracking_code=f"A03{n:07d}", applicant_id=applicant.id, program_id=program,
                       county_id=areas.county, province_id=areas.province, channel="in_person", state="received",
                       applied_on=date(2024, 6, 1))
    session.add(case)
    session.commit()
    return case


def _found(session, actor, text) -> set[int]:
    ids = set(list_cases(session, actor, text=text)["id"])
    assert count_cases(session, actor, text=text) == len(ids)
    return ids


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(people=st.lists(st.tuples(names, names), min_size=1, max_size=5), words=st.lists(names, min_size=1, max_size=2))
@example(people=[("مریم", "تهرانی")], words=["تهرانی"])  # a whole surname (through the index)
@example(people=[("مریم", "تهرانی")], words=["ه"])  # one letter: too short for a trigram, still found
@example(people=[("مریم", "تهرانی")], words=["یم", "تهر"])  # two words: both must match
@example(people=[("علی", "رضا")], words=["علیرضا"])  # across first and last name: not a match
def test_search_finds_exactly_the_cases_containing_every_word(session, areas, county_expert, people, words):
    cases = {_case(session, areas, first, last).id: (first, last) for first, last in people}
    try:
        expected = {cid for cid, (first, last) in cases.items() if all(w in first or w in last for w in words)}
        assert _found(session, county_expert, " ".join(words)) & set(cases) == expected
    finally:
        applicants = session.exec(select(Application.applicant_id).where(Application.id.in_(list(cases)))).all()
        session.exec(delete(Application).where(Application.id.in_(list(cases))))
        session.exec(delete(Applicant).where(Applicant.id.in_(applicants)))
        session.commit()


def test_codes_are_found_by_any_piece_and_letters_without_case(session, areas, county_expert):
    case = _case(session, areas, "زهرا", "کریمی")
    national = session.get(Applicant, case.applicant_id).national_code
    assert _found(session, county_expert, national[-4:]) == {case.id}
    assert _found(session, county_expert, case.tracking_code[:6].lower() + " " + case.tracking_code[-3:]) == {case.id}
    assert _found(session, county_expert, "%%%") == set()  # characters, not patterns
    assert _found(session, county_expert, '"کریمی"') == set()  # quotes are characters too


def test_the_search_follows_renames_and_new_codes_whoever_writes_them(session, areas, county_expert):
    case = _case(session, areas, "زهرا", "کریمی")
    old_code = case.tracking_code
    session.exec(update(Applicant).where(Applicant.id == case.applicant_id).values(last_name="نوروزی"))
    session.commit()
    assert _found(session, county_expert, "کریمی") == set()
    assert _found(session, county_expert, "نوروزی") == {case.id}
    session.exec(update(Application).where(Application.id == case.id).values(tracking_code="A039999999"))
    session.commit()
    assert _found(session, county_expert, "9999") == {case.id}
    assert _found(session, county_expert, old_code) == set()


def test_a_capped_count_stops_at_its_cap(session, areas, county_expert):
    for k in range(3):
        _case(session, areas, "نفر", f"شماره{k}")
    assert count_cases(session, county_expert) == 3
    assert count_cases(session, county_expert, at_most=2) == 2
    assert count_cases(session, county_expert, at_most=5) == 3
    assert count_cases(session, county_expert, text="شماره", at_most=1) == 1
    with pytest.raises(InvalidInput):
        count_cases(session, county_expert, at_most=0)
