"""Scoring policy versions: a preview of who moves up or down in each county's ranking before a new
version is adopted; adopting it audits the lines changed; new cards use it, saved cards keep theirs."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlmodel import select

from db.models import AuditLog, Household, ScoreCardRecord, ScoringPolicyVersion
from lib.errors import Forbidden, InvalidInput
from lib.scoring import DEFAULT_POLICY, ScoreInput, score
from services.applications import current_policy, score_application
from services.scoring_policy import adopt_policy, draft_policy, policy_versions, preview_policy
from tests.services.test_sla_dashboard import make_case

AT = datetime(2025, 1, 1, 9, tzinfo=timezone.utc)
MORE_FOR_FOUR_DEPENDANTS = {"dependants.4": 10}


def scored_case(session, county_id: int, province_id: int, *, dependants: int, insured_years: int):
    case = make_case(session, county_id, province_id, "A", [("received", AT), ("scored", AT)])
    household = Household(application_id=case.id, marital_status="married", dependants=dependants,
                          insured_years=insured_years, need_grade=1)
    card = score(ScoreInput(disabled_members=0, severity=None, marital_status="married", dependants=dependants,
                            insured_years=insured_years, need_grade=1), DEFAULT_POLICY)
    session.add(household)
    session.add(ScoreCardRecord(application_id=case.id, policy_version=card.policy_version, total=card.total,
                                rows=card.to_dict()["rows"]))
    session.commit()
    return case


def test_the_preview_shows_who_moves_up_and_down_in_their_county(session, admin, areas):
    four = scored_case(session, areas.county, areas.province, dependants=4, insured_years=0)  # 2+5+1 = 8
    seven = scored_case(session, areas.county, areas.province, dependants=0, insured_years=7)  # 2+7+1 = 10
    scored_case(session, areas.sibling_county, areas.province, dependants=4, insured_years=0)  # alone: stays first
    policy = draft_policy(session, "1404-v2", MORE_FOR_FOUR_DEPENDANTS)
    preview = preview_policy(session, admin, policy)
    assert (preview.cases, preview.counties, preview.up, preview.down, preview.same) == (3, 2, 1, 1, 1)
    moves = {m.tracking_code: (m.old_rank, m.new_rank, m.old_total, m.new_total) for m in preview.moves}
    assert moves == {four.tracking_code: (2, 1, 8, 13), seven.tracking_code: (1, 2, 10, 10)}
    assert session.exec(select(ScoringPolicyVersion)).all()[0].version == "1392-v1"  # nothing written


def test_adopting_a_version_keeps_old_cards_and_scores_new_ones_with_it(session, admin, areas, county_expert):
    old = scored_case(session, areas.county, areas.province, dependants=4, insured_years=0)
    adopted = adopt_policy(session, admin, version="1404-v2", points=MORE_FOR_FOUR_DEPENDANTS, note="مصوبه شورا")
    assert adopted.current and current_policy(session).version == "1404-v2"
    assert session.exec(select(ScoreCardRecord.policy_version).where(ScoreCardRecord.application_id == old.id)).one() \
        == "1392-v1"
    fresh = score_application(session, county_expert, old.id)  # scored again: with the version in force
    assert (fresh.policy_version, fresh.total) == ("1404-v2", 13)
    versions = policy_versions(session, admin)
    assert [(v.version, v.current, v.cards) for v in versions] == [("1404-v2", True, 1), ("1392-v1", False, 1)]
    record = session.exec(select(AuditLog).where(AuditLog.action == "scoring_policy.create")).one()
    assert record.before == {"version": "1392-v1"} and "۵ ← ۱۰" in record.after["changes"]
    assert "تعداد افراد تحت تکفل" in record.after["changes"]


@pytest.mark.parametrize("version, points, note, words", [
    ("1392-v1", MORE_FOR_FOUR_DEPENDANTS, "x", "پیش‌تر ثبت شده"),
    ("1404-v2", {}, "x", "تغییر نکرده"),
    ("1404-v2", {"dependants.4": 5}, "x", "تغییر نکرده"),
    ("1404-v2", {"dependants.4": -1}, "x", "معتبر نیست"),
    ("1404-v2", {"need_grade.max": 9}, "x", "در جدول امتیازات نیست"),
    ("  ", MORE_FOR_FOUR_DEPENDANTS, "x", "نام نسخه"),
    ("1404-v2", MORE_FOR_FOUR_DEPENDANTS, " ", "دلیل"),
])
def test_bad_versions_are_refused_and_nothing_is_written(session, admin, version, points, note, words):
    with pytest.raises(InvalidInput, match=words):
        adopt_policy(session, admin, version=version, points=points, note=note)
    assert [v.version for v in session.exec(select(ScoringPolicyVersion)).all()] == ["1392-v1"]


def test_one_version_a_day_and_only_administrators(session, admin, province_manager):
    adopt_policy(session, admin, version="1404-v2", points=MORE_FOR_FOUR_DEPENDANTS, note="مصوبه")
    with pytest.raises(InvalidInput, match="از فردا"):
        adopt_policy(session, admin, version="1404-v3", points={"dependants.4": 7}, note="مصوبه دوم")
    with pytest.raises(Forbidden):
        adopt_policy(session, province_manager, version="1404-v4", points={"dependants.4": 7}, note="x")
    with pytest.raises(Forbidden):
        preview_policy(session, province_manager, DEFAULT_POLICY)
