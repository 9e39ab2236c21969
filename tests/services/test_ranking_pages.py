"""The ranking read a page at a time (services.ranking) and the score total kept on each case.

The pages come from three index ranges of the database; whatever the cases, joined end to end
they must be exactly lib.scoring's ranking of the area, numbered from the top. Cases are written
directly (as the demo and an import write them): the database keeps each case's current total.
"""
from __future__ import annotations

import itertools
from datetime import date, timedelta

import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete
from sqlmodel import select

from db.models import Applicant, Application, Program, ScoreCardRecord, ScoringPolicyVersion
from lib.errors import Forbidden, InvalidInput
from lib.ranking import rank_frame
from services.cases import list_cases
from services.ranking import ranking_page, waiting_by_county

RANKED = ("scored", "county_decision", "province_decision")
_serial = itertools.count(1)

# (total, discount holder, committee's rank or None, days after the first application, state, sibling county)
case_rows = st.tuples(
    st.integers(0, 6), st.booleans(), st.one_of(st.none(), st.integers(1, 3)), st.integers(0, 2),
    st.sampled_from(RANKED + ("received", "rejected")), st.booleans(),
)


def _insert(session, areas, rows) -> list[dict]:
    """Write the cases (applicant, case, one or two score cards: the newest counts); return what
    the ranking should read of each."""
    program = session.exec(select(Program.id).where(Program.code == "A")).one()
    version = session.exec(select(ScoringPolicyVersion.version)).first()
    written = []
    for total, holder, override, days, state, sibling in rows:
        n = next(_serial)
        county = areas.sibling_county if sibling else areas.county
        applicant = Applicant(national_code=f"{n:010d}", first_name="نفر", last_name=f"شماره{n}", county_id=county)
        session.add(applicant)
        session.flush()
        case = Application(tracking_code=f"R{n:08d}", applicant_id=applicant.id, program_id=program, county_id=county,
                           province_id=areas.province, channel="in_person", state=state, discount_holder=holder,
                           applied_on=date(2024, 6, 1) + timedelta(days=days), priority_override=override,
                           priority_reason="مصوبه کمیته" if override else None)
        session.add(case)
        session.flush()
        session.add(ScoreCardRecord(application_id=case.id, policy_version=version, total=total + 7, rows=[]))
        session.flush()
        session.add(ScoreCardRecord(application_id=case.id, policy_version=version, total=total, rows=[]))
        session.flush()
        written.append(dict(application_id=case.id, total=total, discount_holder=holder, applied_on=case.applied_on,
                            override_rank=override, override_reason=case.priority_reason, state=state, county=county))
    session.commit()
    return written


def _remove(session, written) -> None:
    ids = [w["application_id"] for w in written]
    session.exec(delete(ScoreCardRecord).where(ScoreCardRecord.application_id.in_(ids)))
    applicants = session.exec(select(Application.applicant_id).where(Application.id.in_(ids))).all()
    session.exec(delete(Application).where(Application.id.in_(ids)))
    session.exec(delete(Applicant).where(Applicant.id.in_(applicants)))
    session.commit()


def _expected(written, county=None) -> list[int]:
    wanted = [w for w in written if w["state"] in RANKED and (county is None or w["county"] == county)]
    if not wanted:
        return []
    frame = pd.DataFrame(wanted)
    frame["override_rank"] = frame["override_rank"].astype("Int64")
    return list(rank_frame(frame)["application_id"])


def _paged(session, actor, size, **kw) -> tuple[list[int], list[int], set[int]]:
    ids, ranks, totals = [], [], set()
    offset = 0
    while True:
        page = ranking_page(session, actor, offset=offset, limit=size, **kw)
        totals.add(page.total)
        ids += list(page.frame["application_id"])
        ranks += list(page.frame["rank"])
        if len(page.frame) < size:
            return ids, ranks, totals
        offset += size


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(rows=st.lists(case_rows, max_size=12), size=st.integers(1, 5))
@example(rows=[], size=1)
@example(rows=[(3, False, 1, 0, "scored", False), (3, True, 1, 0, "scored", True), (5, False, 2, 0, "scored", False)],
         size=1)  # overrides only, a discount holder among them, a tie on the committee's rank
@example(rows=[(2, True, None, 1, "scored", False), (2, True, None, 0, "county_decision", True),
               (4, False, None, 2, "province_decision", False), (2, False, None, 0, "received", False)],
         size=2)  # the page boundary between the others and the discount holders; a case not ranked
@example(rows=[(4, False, None, 0, "scored", False)] * 3 + [(1, False, 2, 2, "scored", True)], size=3)  # equal totals and dates
def test_pages_joined_are_the_whole_ranking_numbered_from_the_top(session, areas, province_committee, rows, size):
    written = _insert(session, areas, rows)
    try:
        for county in (None, areas.county):
            expected = _expected(written, county)
            ids, ranks, totals = _paged(session, province_committee, size, county_id=county)
            assert ids == expected
            assert ranks == list(range(1, len(expected) + 1))
            assert totals == {len(expected)}
    finally:
        _remove(session, written)


def test_a_page_shows_the_current_cards_total_and_who_set_the_override(session, areas, province_committee):
    low, high = _insert(session, areas, [(1, False, None, 0, "scored", False), (5, False, None, 0, "scored", False)])
    page = ranking_page(session, province_committee, limit=1)
    assert page.total == 2 and list(page.frame["application_id"]) == [high["application_id"]]
    assert page.frame.loc[0, "total"] == 5  # the newest card (the first said 12)
    second = ranking_page(session, province_committee, offset=1, limit=5)
    assert list(second.frame["rank"]) == [2] and second.offset == 1
    # a newer card (written directly, as an import does) moves the case up at once
    version = session.exec(select(ScoringPolicyVersion.version)).first()
    session.add(ScoreCardRecord(application_id=low["application_id"], policy_version=version, total=9, rows=[]))
    session.commit()
    assert list(ranking_page(session, province_committee).frame["application_id"]) == [
        low["application_id"], high["application_id"]]
    # the case list shows the same current totals
    shown = list_cases(session, province_committee).set_index("id")["total"]
    assert (shown[low["application_id"]], shown[high["application_id"]]) == (9, 5)
    # removing that card brings the earlier one back
    newest = session.exec(select(ScoreCardRecord).where(ScoreCardRecord.application_id == low["application_id"])
                          .order_by(ScoreCardRecord.id.desc())).first()
    session.delete(newest)
    session.commit()
    assert list_cases(session, province_committee).set_index("id")["total"][low["application_id"]] == 1


def test_bad_pages_and_areas_are_refused(session, areas, county_expert):
    with pytest.raises(InvalidInput):
        ranking_page(session, county_expert, limit=0)
    with pytest.raises(InvalidInput):
        ranking_page(session, county_expert, offset=-1)
    with pytest.raises(Forbidden):
        ranking_page(session, county_expert, county_id=areas.sibling_county)
    with pytest.raises(InvalidInput):
        ranking_page(session, county_expert, program="B")


def test_waiting_by_county_counts_what_each_county_would_rank(session, areas, province_committee):
    written = _insert(session, areas, [
        (3, False, None, 0, "scored", False), (2, True, None, 0, "county_decision", False),
        (4, False, None, 0, "scored", True), (1, False, None, 0, "received", True),  # not ranked yet
        (5, False, None, 0, "rejected", False),
    ])
    try:
        waiting = waiting_by_county(session, province_committee)
        assert waiting == {areas.county: 2, areas.sibling_county: 1}
        for county, n in waiting.items():  # the same figure as the county's ranking
            assert ranking_page(session, province_committee, county_id=county).total == n
    finally:
        _remove(session, written)
