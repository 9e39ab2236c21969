"""The case list and the case page's data: area limits, filters, search, timeline."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from db.models import Application, Decision, Document, EligibilityConfirmation, Notification, User
from lib import catalog
from lib.errors import Forbidden, InvalidInput
from lib.text import ARABIC_INDIC_DIGITS, LATIN_DIGITS, PERSIAN_DIGITS
from lib.workflow import State
from services import applications as apps
from services.cases import (
    CASE_COLUMNS,
    case_detail,
    case_id_by_tracking_code,
    count_cases,
    counties_in_area,
    format_moment,
    list_cases,
    parse_case_id,
)


@dataclass
class Cases:
    maryam: Application  # A, Tehran county, 1403/03/12
    zahra: Application  # B, Tehran county, later
    ali: Application  # A, Tehran county, scored twice
    sibling: Application  # A, Islamshahr (same province)
    other: Application  # A, Kashan (another province)


@pytest.fixture
def cases(session, admin, areas, intake) -> Cases:
    def submit(program, **kw):
        return apps.submit_application(session, admin, intake(program, **kw))

    maryam = submit("A", national_code="0012345679", applied_on=date(2024, 6, 1))
    zahra = submit("B", first_name="زهرا", last_name="کریمی", applied_on=date(2024, 7, 15))
    ali = submit("A", first_name="علی", last_name="رضایی", applied_on=date(2024, 6, 20))
    apps.score_application(session, admin, ali.id, need_grade=2)
    apps.score_application(session, admin, ali.id, need_grade=5)  # the newest card counts
    sibling = submit("A", county_id=areas.sibling_county, first_name="سارا", last_name="نوری", applied_on=date(2024, 5, 1))
    other = submit("A", county_id=areas.other_county, first_name="رضا", last_name="کاشانی", applied_on=date(2024, 5, 2))
    return Cases(maryam, zahra, ali, sibling, other)


def _codes(frame) -> list[str]:
    return list(frame["tracking_code"])


# --------------------------------------------------------------------------- list_cases
def test_each_role_lists_only_its_area(session, cases, county_expert, province_committee, national_manager):
    mine = list_cases(session, county_expert)
    assert set(mine["id"]) == {cases.maryam.id, cases.zahra.id, cases.ali.id}
    province = list_cases(session, province_committee)
    assert set(province["id"]) == {cases.maryam.id, cases.zahra.id, cases.ali.id, cases.sibling.id}
    assert set(list_cases(session, national_manager)["id"]) == {
        cases.maryam.id, cases.zahra.id, cases.ali.id, cases.sibling.id, cases.other.id,
    }


def test_list_is_newest_first_with_the_current_score(session, cases, county_expert):
    frame = list_cases(session, county_expert)
    assert list(frame.columns) == list(CASE_COLUMNS)
    assert list(frame["id"]) == [cases.zahra.id, cases.ali.id, cases.maryam.id]
    ali = frame.set_index("id").loc[cases.ali.id]
    # default household: 1 disabled (1), moderate (2), married (2), 2 dependants (2), 3 years (3) + grade 5
    assert ali["total"] == 15
    assert ali["applicant"] == "علی رضایی" and ali["county"] == "تهران" and ali["state"] == "scored"
    assert pd.isna(frame.set_index("id").loc[cases.maryam.id, "total"])  # not scored yet


def test_filters_narrow_the_list(session, cases, areas, province_committee):
    def ids(**kw):
        return set(list_cases(session, province_committee, **kw)["id"])

    assert ids(program="B") == {cases.zahra.id}
    assert ids(state="scored") == {cases.ali.id}
    assert ids(county_id=areas.sibling_county) == {cases.sibling.id}
    assert ids(date_from=date(2024, 6, 1), date_to=date(2024, 6, 30)) == {cases.maryam.id, cases.ali.id}
    assert ids(date_from=date(2024, 6, 2)) == {cases.zahra.id, cases.ali.id}
    assert ids(program="A", county_id=areas.county, state="received") == {cases.maryam.id}
    assert len(list_cases(session, province_committee, limit=2)) == 2


def test_a_national_user_filters_by_province(session, cases, areas, national_manager, province_committee):
    def ids(**kw):
        return set(list_cases(session, national_manager, **kw)["id"])

    assert ids(province_id=areas.other_province) == {cases.other.id}
    assert cases.other.id not in ids(province_id=areas.province)
    assert count_cases(session, national_manager, province_id=areas.province) == len(ids(province_id=areas.province))
    with pytest.raises(Forbidden):
        list_cases(session, province_committee, province_id=areas.other_province)
    with pytest.raises(InvalidInput):
        list_cases(session, national_manager, province_id=999_999)


def test_pages_beyond_the_first_reach_every_case(session, cases, national_manager):
    everyone = list(list_cases(session, national_manager)["id"])
    assert count_cases(session, national_manager) == len(everyone) >= 4
    pages = [list(list_cases(session, national_manager, limit=2, offset=k)["id"]) for k in range(0, len(everyone), 2)]
    assert [i for page in pages for i in page] == everyone  # same order, nothing lost or repeated
    assert count_cases(session, national_manager, program="B", text="") == len(list_cases(session, national_manager, program="B"))


def test_a_county_outside_the_area_is_refused(session, cases, areas, county_expert, province_committee):
    with pytest.raises(Forbidden):
        list_cases(session, county_expert, county_id=areas.sibling_county)
    with pytest.raises(Forbidden):
        list_cases(session, province_committee, county_id=areas.other_county)


def test_bad_filters_say_what_to_fix(session, cases, county_expert):
    with pytest.raises(InvalidInput) as err:
        list_cases(session, county_expert, date_from=date(2024, 7, 1), date_to=date(2024, 6, 1))
    assert "بازه تاریخ" in err.value.message
    with pytest.raises(InvalidInput):
        list_cases(session, county_expert, state="nonsense")


@pytest.mark.parametrize(
    ("typed", "who"),
    [
        ("۰۰۱۲۳۴۵۶۷۹", "maryam"),  # Persian digits, whole national code
        ("٢٣٤٥", "maryam"),  # Arabic-Indic digits, part of it
        ("علي", "ali"),  # Arabic ي
        ("كريمي", "zahra"),  # Arabic ك and ي
        ("زهرا  کریمی", "zahra"),  # two words, extra space
        ("\u2066رضایی\u2069", "ali"),  # pasted with direction marks
    ],
)
def test_text_search_normalises_digits_and_letters(session, cases, county_expert, typed, who):
    assert set(list_cases(session, county_expert, text=typed)["id"]) == {getattr(cases, who).id}


def test_text_search_by_tracking_code_and_no_wildcards(session, cases, county_expert):
    code = cases.ali.tracking_code
    assert set(list_cases(session, county_expert, text=code.lower())["id"]) == {cases.ali.id}
    assert list_cases(session, county_expert, text="%").empty
    assert list_cases(session, county_expert, text="_").empty


def test_search_never_reaches_another_county(session, cases, county_expert):
    assert list_cases(session, county_expert, text="کاشانی").empty
    assert list_cases(session, county_expert, text=cases.other.tracking_code).empty


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(scripts=st.lists(st.sampled_from([LATIN_DIGITS, PERSIAN_DIGITS, ARABIC_INDIC_DIGITS]), min_size=10, max_size=10))
def test_national_code_is_found_in_any_mix_of_digits(session, cases, county_expert, scripts):
    code = "0012345679"
    typed = "".join(script[int(d)] for script, d in zip(scripts, code))
    assert set(list_cases(session, county_expert, text=typed)["id"]) == {cases.maryam.id}


def test_counties_in_area(session, areas, county_expert, province_committee, national_manager):
    assert counties_in_area(session, county_expert) == [(areas.county, "تهران")]
    province = dict(counties_in_area(session, province_committee))
    assert areas.sibling_county in province and areas.other_county not in province
    national = dict(counties_in_area(session, national_manager))
    assert national[areas.other_county] == "کاشان (اصفهان)"


def test_case_by_tracking_code(session, cases, county_expert):
    assert case_id_by_tracking_code(session, county_expert, f" {cases.ali.tracking_code.lower()} ") == cases.ali.id
    with pytest.raises(Forbidden):
        case_id_by_tracking_code(session, county_expert, cases.other.tracking_code)
    with pytest.raises(InvalidInput):
        case_id_by_tracking_code(session, county_expert, "A999")


# --------------------------------------------------------------------------- case_detail
def test_another_countys_case_is_refused(session, cases, sibling_county_expert, other_province_committee):
    with pytest.raises(Forbidden) as err:
        case_detail(session, sibling_county_expert, cases.maryam.id)
    assert "محدوده" in err.value.message
    with pytest.raises(Forbidden):
        case_detail(session, other_province_committee, cases.maryam.id)


def test_a_missing_case_is_a_persian_message(session, county_expert):
    with pytest.raises(InvalidInput) as err:
        case_detail(session, county_expert, 999_999)
    assert "پیدا نشد" in err.value.message


def test_timeline_shows_every_state_change_with_who_when_and_note(session, cases, county_expert, admin):
    apps.change_state(session, county_expert, cases.maryam.id, State.documents_incomplete, note="گواهی پرداخت ناقص است")
    apps.change_state(session, county_expert, cases.maryam.id, State.received)
    apps.score_application(session, county_expert, cases.maryam.id, need_grade=4)
    detail = case_detail(session, county_expert, cases.maryam.id)
    expert_name = session.get(User, county_expert.id).full_name
    admin_name = session.get(User, admin.id).full_name
    steps = [(e.from_label, e.to_label, e.by, e.note) for e in detail.timeline]
    assert steps == [
        (None, "دریافت شده", admin_name, "ثبت درخواست"),
        ("دریافت شده", "نقص مدارک", expert_name, "گواهی پرداخت ناقص است"),
        ("نقص مدارک", "دریافت شده", expert_name, None),
        ("دریافت شده", "امتیازدهی شده", expert_name, "امتیاز ۱۴"),
    ]
    assert all(e.at.tzinfo is not None for e in detail.timeline)
    assert [e.at for e in detail.timeline] == sorted(e.at for e in detail.timeline)
    assert detail.state_label == "امتیازدهی شده"
    # one SMS per state change, in order
    assert len(detail.sms) == 4
    assert "امتیازدهی شده" in detail.sms[-1].body and detail.sms[-1].status_label == "در صف ارسال"


def test_case_detail_carries_the_whole_case(session, cases, county_expert, secretary):
    detail = case_detail(session, county_expert, cases.ali.id)
    assert detail.applicant["first_name"] == "علی" and detail.application["tracking_code"] == cases.ali.tracking_code
    assert detail.program_code == "A" and detail.county_name == "تهران" and detail.province_name == "تهران"
    assert detail.household["need_grade"] == 5
    assert detail.score.card.total == 15 and detail.score.card.policy_version == "1392-v1"
    assert [r.points for r in detail.score.card.rows] == [1, 2, 2, 2, 3, 5]
    assert detail.score.scored_at.tzinfo is not None
    # the checklist lists programme A's four documents, none received yet
    assert [d.kind for d in detail.documents] == list(catalog.DOCUMENTS["A"])
    assert not detail.documents_complete
    assert [c.condition for c in detail.eligibility] == list(catalog.ELIGIBILITY_CONDITIONS)
    assert all(c.satisfied is None for c in detail.eligibility)
    assert detail.decisions == ()


def test_documents_eligibility_and_decisions_with_who(session, cases, county_expert, secretary):
    for kind in catalog.DOCUMENTS["A"]:
        session.add(Document(application_id=cases.ali.id, kind=kind, received=True, original_name=f"{kind}.pdf",
                             uploaded_by=county_expert.id, uploaded_at=datetime.now(timezone.utc)))
    session.add(EligibilityConfirmation(application_id=cases.ali.id, condition="job_readiness", satisfied=True,
                                        confirmed_by=county_expert.id, note="نامه معاونت توانبخشی"))
    session.add(Decision(application_id=cases.ali.id, level="county", outcome="approve", reason="امتیاز کافی",
                         months_granted=12, decided_by=secretary.id))
    session.commit()
    detail = case_detail(session, county_expert, cases.ali.id)
    assert detail.documents_complete
    assert detail.documents[0].uploaded_by == session.get(User, county_expert.id).full_name
    readiness = next(c for c in detail.eligibility if c.condition == "job_readiness")
    assert readiness.satisfied is True and readiness.note == "نامه معاونت توانبخشی"
    assert readiness.label == catalog.ELIGIBILITY_CONDITIONS["job_readiness"]
    (decision,) = detail.decisions
    assert (decision.level_label, decision.outcome_label, decision.months_granted) == ("کمیته شهرستان", "تأیید", 12)
    assert decision.decided_by == session.get(User, secretary.id).full_name


def test_programme_b_case_lists_its_own_documents(session, cases, county_expert):
    detail = case_detail(session, county_expert, cases.zahra.id)
    assert [d.kind for d in detail.documents] == list(catalog.DOCUMENTS["B"])
    assert detail.eligibility == () and detail.score is None


def test_sms_of_the_case_only(session, cases, county_expert):
    detail = case_detail(session, county_expert, cases.maryam.id)
    stored = session.exec(select(Notification).where(Notification.application_id == cases.maryam.id)).all()
    assert [s.body for s in detail.sms] == [n.body for n in stored]
    assert cases.maryam.tracking_code in detail.sms[0].body


def test_format_moment_is_jalali_tehran_time_in_persian_digits():
    assert format_moment(datetime(2024, 6, 1, 12, 0, tzinfo=timezone.utc)) == "۱۴۰۳/۰۳/۱۲ ساعت ۱۵:۳۰"
    assert format_moment(datetime(2024, 3, 19, 21, 0)) == "۱۴۰۳/۰۱/۰۱ ساعت ۰۰:۳۰"  # naive = UTC; Nowruz in Tehran
    assert format_moment(None) == "—"


def test_deep_link_case_numbers_accept_any_digits():
    assert parse_case_id("۴۲") == 42 and parse_case_id(" 42 ") == 42 and parse_case_id("٤٢") == 42
    for bad in ("", "abc", "-1", "4.2"):
        with pytest.raises(InvalidInput) as err:
            parse_case_id(bad)
        assert "شماره پرونده" in err.value.message
