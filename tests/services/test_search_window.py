"""A search lists what a plain filter over every case would: of the cases in the user's area whose
applicant's name, national code or tracking code contains every typed word (as the search box
normalises it), the 500 registered last, newest application first — and counts «more than 500»
exactly when there are more. On PostgreSQL it reads windows of case numbers, newest first
(migration 0023); the first window's size is drawn here so that one, two or many windows are read.
"""
from __future__ import annotations

import itertools
from datetime import date, timedelta
from unittest import mock

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, insert
from sqlmodel import select

import db.search
from db.models import Applicant, Application, Program
from db.search import indexed
from services.cases import SEARCH_CAP, count_cases, list_cases, search_tokens

ZWNJ = "\u200c"
SURNAMES = ("زاده", f"علی{ZWNJ}زاده", "علیزاده", "کرمانی", "تهرانی", "نوری%_\\")
SEARCHES = (
    "زاده",  # in four surnames
    f"علي{ZWNJ}زاده",  # typed with the Arabic yeh and a half-space: the search reads ی, keeps the half-space
    "علیزاده",  # without the half-space: another surname
    "کرمانی ی",  # a word through the index and a letter matched column by column
    "w00",  # a piece of the tracking codes, letters without case
    "۹۰۰۰",  # Persian digits: a piece of the national codes
    "%_\\",  # characters, not patterns
    "ناپیدا",  # no case
)
_serial = itertools.count(1)


def _write(session, areas, groups: list[tuple[str, int, bool]]) -> list[int]:
    """``count`` cases of applicants named ``surname`` for each group, in the acting county or (``here``
    false) another province's; application dates do not follow case numbers. Their ids."""
    program = session.exec(select(Program.id).where(Program.code == "A")).one()
    people, cases = [], []
    for surname, count, here in groups:
        county, province = (areas.county, areas.province) if here else (areas.other_county, areas.other_province)
        for _ in range(count):
            n = next(_serial)
            people.append(dict(national_code=f"9{n:09d}", first_name="نفر", last_name=surname, county_id=county))
            cases.append(dict(tracking_code=f"W{n:08d}", program_id=program, county_id=county, province_id=province,
                              channel="in_person", state="received", applied_on=date(2025, 1, 1) - timedelta(days=n * 7 % 45)))
    if not people:
        return []
    session.exec(insert(Applicant), params=people)
    codes = [p["national_code"] for p in people]
    applicant_of = dict(session.exec(select(Applicant.national_code, Applicant.id).where(Applicant.national_code.in_(codes))).all())
    for person, case in zip(people, cases):
        case["applicant_id"] = applicant_of[person["national_code"]]
    session.exec(insert(Application), params=cases)
    session.commit()
    return list(session.exec(select(Application.id).where(Application.tracking_code.in_([c["tracking_code"] for c in cases]))).all())


def _remove(session, ids: list[int]) -> None:
    applicants = session.exec(select(Application.applicant_id).where(Application.id.in_(ids))).all()
    session.exec(delete(Application).where(Application.id.in_(ids)))
    session.exec(delete(Applicant).where(Applicant.id.in_(applicants)))
    session.commit()


def _contains(token: str, first: str, last: str, national: str, code: str) -> bool:
    if indexed(token):  # through the search table: in any of them, letters without case
        return any(token.lower() in field.lower() for field in (first, last, national, code))
    return token in first or token in last or token.upper() in code or (token.isdigit() and token in national)


def _plain_filter(session, text: str, county_id: int | None) -> list[tuple[int, date]]:
    """(id, application date) of every case (of the county, if given) containing every typed word,
    read and tested in Python."""
    query = select(Application.id, Application.applied_on, Applicant.first_name, Applicant.last_name,
                   Applicant.national_code, Application.tracking_code).join(Applicant, Applicant.id == Application.applicant_id)
    if county_id is not None:
        query = query.where(Application.county_id == county_id)
    tokens = search_tokens(text)
    return [(case_id, applied) for case_id, applied, *fields in session.exec(query).all()
            if all(_contains(token, *fields) for token in tokens)]


def _listed(found: list[tuple[int, date]]) -> list[int]:
    """The SEARCH_CAP with the highest case numbers, newest application first."""
    last_registered = sorted(found, key=lambda row: row[0], reverse=True)[:SEARCH_CAP]
    return [case_id for case_id, _ in sorted(last_registered, key=lambda row: (row[1], row[0]), reverse=True)]


groups = st.lists(st.tuples(st.sampled_from(SURNAMES), st.integers(0, 6), st.booleans()), max_size=4)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(groups=groups, text=st.sampled_from(SEARCHES), window=st.integers(1, 40), national=st.booleans())
@example(groups=[], text="زاده", window=8, national=True)  # no case at all
@example(groups=[("کرمانی", 5, True)], text="ناپیدا", window=8, national=False)  # no match
@example(groups=[("زاده", SEARCH_CAP, True)], text="زاده", window=16, national=False)  # exactly 500: all listed
@example(groups=[("زاده", SEARCH_CAP, True), ("کرمانی", 30, True), ("زاده", 1, True)], text="زاده", window=3,
         national=True)  # 501 among others: the 500 registered last, «more than 500»
@example(groups=[("زاده", SEARCH_CAP + 1, True)], text="w00", window=64, national=False)  # a word in the codes
@example(groups=[(f"علی{ZWNJ}زاده", 3, True), ("علیزاده", 2, True)], text=f"علي{ZWNJ}زاده", window=1,
         national=False)  # Arabic yeh typed, the half-space kept
@example(groups=[("کرمانی", 4, True), ("کرمانی", 4, False)], text="کرمانی ی", window=2, national=False)  # area
@example(groups=[("نوری%_\\", 2, True), ("نوری", 2, True)], text="%_\\", window=4, national=True)  # not patterns
def test_a_search_lists_and_counts_what_a_plain_filter_over_every_case_finds(
        session, areas, county_expert, national_manager, groups, text, window, national):
    actor = national_manager if national else county_expert
    county = None if national else areas.county
    ids = _write(session, areas, groups)
    try:
        with mock.patch.object(db.search, "FIRST_WINDOW", window):
            listed = list(list_cases(session, actor, text=text)["id"])
            counted = count_cases(session, actor, text=text, at_most=SEARCH_CAP + 1)
        found = _plain_filter(session, text, county)
        assert listed == _listed(found)
        every = len(found)
        assert counted == min(every, SEARCH_CAP + 1)  # «more than 500» exactly when there are more
        assert count_cases(session, actor, text=text) == every
    finally:
        if ids:
            _remove(session, ids)
