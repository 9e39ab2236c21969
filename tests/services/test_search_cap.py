"""A search of the case list reads at most SEARCH_CAP matches — those registered last — whatever
the size of the area, and still counts every match; the ranking's «waiting» figure per county
(read from the ranking indexes) is the same as each county's ranking, cases ordered by hand included."""
from __future__ import annotations

import itertools
from datetime import date, timedelta

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, insert
from sqlmodel import select

from db.models import Applicant, Application, Program
from services.cases import SEARCH_CAP, count_cases, list_cases
from services.ranking import ranking_page, waiting_by_county
from tests.services.test_ranking_pages import _insert, _remove, case_rows

_serial = itertools.count(1)


def _bulk(session, areas, n: int, last_name: str) -> list[int]:
    """``n`` cases of applicants named ``last_name``; application dates go back as case numbers go up
    (so «registered last» and «newest application» differ). Their ids, in order."""
    program = session.exec(select(Program.id).where(Program.code == "A")).one()
    start = next(_serial) * 10_000
    session.exec(insert(Applicant), params=[
        Applicant(national_code=f"7{start + k:09d}", first_name="نفر", last_name=last_name,
                  county_id=areas.county).model_dump(exclude={"id"}) for k in range(n)])
    applicants = session.exec(select(Applicant.id).where(Applicant.last_name == last_name).order_by(Applicant.id)).all()
    session.exec(insert(Application), params=[
        Application(tracking_code=f"S{start + k:08d}", applicant_id=a, program_id=program, county_id=areas.county,
                    province_id=areas.province, channel="in_person", state="received",
                    applied_on=date(2025, 1, 1) - timedelta(days=k)).model_dump(exclude={"id"})
        for k, a in enumerate(applicants)])
    session.commit()
    return list(session.exec(select(Application.id).where(Application.applicant_id.in_(applicants))
                             .order_by(Application.id)).all())


def _drop(session, ids: list[int]) -> None:
    applicants = session.exec(select(Application.applicant_id).where(Application.id.in_(ids))).all()
    session.exec(delete(Application).where(Application.id.in_(ids)))
    session.exec(delete(Applicant).where(Applicant.id.in_(applicants)))
    session.commit()


def test_a_search_with_more_matches_lists_those_registered_last_and_counts_them_all(session, areas, county_expert):
    ids = _bulk(session, areas, SEARCH_CAP + 3, "کرمانشاهی")
    try:
        for text in ("کرمانشاهی", "کرمان شاهی", "ی"):  # one indexed word, two, a word too short for the index
            listed = list_cases(session, county_expert, text=text, limit=10_000)
            assert list(listed["id"]) == ids[3:], text  # the 500 registered last, newest application first
            assert count_cases(session, county_expert, text=text) >= SEARCH_CAP + 3
            assert count_cases(session, county_expert, text=text, at_most=SEARCH_CAP + 1) == SEARCH_CAP + 1
        second = list_cases(session, county_expert, text="کرمانشاهی", limit=200, offset=400)
        assert list(second["id"]) == ids[3:][400:]  # pages within the cap
    finally:
        _drop(session, ids)


def test_a_search_within_the_cap_lists_every_match_newest_application_first(session, areas, county_expert):
    ids = _bulk(session, areas, 5, "بروجردی")
    try:
        listed = list_cases(session, county_expert, text="بروجردی")
        assert list(listed["id"]) == ids  # the first written applied last
        assert count_cases(session, county_expert, text="بروجردی", at_most=SEARCH_CAP + 1) == 5
    finally:
        _drop(session, ids)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(rows=st.lists(case_rows, max_size=10))
@example(rows=[])
@example(rows=[(3, False, 1, 0, "scored", False), (2, True, None, 0, "county_decision", True),
               (4, False, 2, 0, "province_decision", True), (1, False, 1, 0, "received", False)])  # ordered by hand
def test_waiting_per_county_is_each_countys_ranking(session, areas, province_committee, county_expert, rows):
    written = _insert(session, areas, rows)
    try:
        waiting = waiting_by_county(session, province_committee)
        for county in (areas.county, areas.sibling_county):
            total = ranking_page(session, province_committee, county_id=county).total
            assert waiting.get(county, 0) == total == sum(
                1 for w in written if w["county"] == county and w["state"] in ("scored", "county_decision",
                                                                                "province_decision"))
        assert 0 not in waiting.values()  # counties with none are left out
        assert waiting_by_county(session, county_expert) == (
            {areas.county: waiting[areas.county]} if areas.county in waiting else {})  # her county alone
    finally:
        _remove(session, written)
