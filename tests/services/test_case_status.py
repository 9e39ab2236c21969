"""The applicant's status lookup (پیگیری درخواست): the stage in the programme's words, its date and
the next step; a wrong pair answers like a missing one; repeated tries from one client wait."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import example, given, settings, strategies as st
from sqlmodel import select

from db.models import Introduction, SignInThrottle
from lib.errors import InvalidInput
from lib.identifiers import generate_national_code
from services.applications import submit_application
from services.case_status import NOT_FOUND, THROTTLE_KIND, CaseStatus, lookup_status
from services.documents import check_documents
from services.sign_in import FREE_FAILURES

T0 = datetime(2026, 11, 30, 10, 0, tzinfo=timezone.utc)


def _ask(session, case_or_code, national, *, client="10.0.0.1", now=T0):
    code = case_or_code if isinstance(case_or_code, str) else case_or_code.tracking_code
    return lookup_status(session, code, national, client=client, now=now)


def test_programme_a_missing_documents_are_named(session, county_expert, intake):
    data = intake("A")
    case = submit_application(session, county_expert, data)
    check_documents(session, county_expert, case.id)
    answer = _ask(session, case, data.national_code)
    assert answer.found and answer.stage == "نقص مدارک"
    assert "فرم مشخصات (فرم شماره ۱)" in answer.next_step
    assert "کمیته اشتغال" not in answer.next_step  # Form 2 is the committee's, not the applicant's
    assert answer.since[:2] == "۱۴"  # a Jalali year in Persian digits
    # nothing else: no name, no amount
    assert "مریم" not in repr(answer) and "احمدی" not in repr(answer)


def test_programme_b_names_its_own_stage_and_the_branch_to_visit(session, county_expert, intake, areas):
    data = intake("B")
    case = submit_application(session, county_expert, data)
    case.state = "county_decision"
    session.add(case)
    session.commit()
    assert _ask(session, case, data.national_code).stage == "تأیید واجد شرایط بودن"
    session.add(Introduction(application_id=case.id, county_id=areas.county, jalali_year=1405,
                             branch="شعبه ۱۲ تهران", letter_no="4521", introduced_on=date(2026, 11, 1)))
    case.state = "introduced"
    session.add(case)
    session.commit()
    answer = _ask(session, case, data.national_code, client="10.0.0.2")
    assert answer.stage == "معرفی به تأمین اجتماعی"
    assert "شعبه ۱۲ تهران" in answer.next_step and "۴۵۲۱" in answer.next_step


def test_a_wrong_pair_answers_exactly_like_a_missing_one(session, county_expert, intake, new_national_code):
    data = intake("A")
    case = submit_application(session, county_expert, data)
    other = new_national_code()
    wrong_pair = _ask(session, case, other, client="a")
    missing = _ask(session, "A0399999999", other, client="b")
    assert wrong_pair == missing
    assert not wrong_pair.found and wrong_pair.message == NOT_FOUND
    assert not wrong_pair.stage and not wrong_pair.since and not wrong_pair.next_step


def test_every_try_counts_and_repeated_tries_wait_longer(session, county_expert, intake):
    data = intake("A")
    case = submit_application(session, county_expert, data)
    for i in range(FREE_FAILURES):
        assert _ask(session, case, data.national_code, now=T0 + timedelta(seconds=i)).found
    _ask(session, "A0300000000", data.national_code, now=T0 + timedelta(seconds=3))  # the 4th try: 5 s wait
    with pytest.raises(InvalidInput, match="ثانیه دیگر"):
        _ask(session, case, data.national_code, now=T0 + timedelta(seconds=4))
    assert _ask(session, case, data.national_code, client="10.9.9.9", now=T0 + timedelta(seconds=4)).found
    assert _ask(session, case, data.national_code, now=T0 + timedelta(seconds=9)).found  # waited 5 s
    row = session.get(SignInThrottle, (THROTTLE_KIND, "10.0.0.1"))
    assert row.failures == 5
    assert row.blocked_until.replace(tzinfo=timezone.utc) - (T0 + timedelta(seconds=9)) == timedelta(seconds=10)


def test_malformed_input_is_refused_before_any_lookup(session):
    with pytest.raises(InvalidInput, match="کد ملی"):
        _ask(session, "A0312345678", "1234567890")
    with pytest.raises(InvalidInput, match="کد رهگیری"):
        _ask(session, "", "0499370899")
    with pytest.raises(InvalidInput, match="کد رهگیری"):
        _ask(session, "A03\u0000", "0499370899")
    assert session.exec(select(SignInThrottle)).all() == []


def test_the_tracking_code_may_be_typed_with_persian_digits(session, county_expert, intake):
    data = intake("A")
    case = submit_application(session, county_expert, data)
    persian = case.tracking_code.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    assert _ask(session, persian, data.national_code).found


def test_enumeration_gets_identical_answers(session, county_expert, intake):
    """Guessing pairs, near a real case (its tracking code) or not, learns nothing but «not found»."""
    import random

    data = intake("A")
    real_code = submit_application(session, county_expert, data).tracking_code

    @settings(max_examples=25, deadline=None)
    @given(seed=st.integers(0, 10**9), serial=st.integers(0, 99_999_999))
    @example(seed=0, serial=0)
    @example(seed=1, serial=99_999_999)
    def guess(seed, serial):
        guessed_national = generate_national_code(random.Random(seed))
        assume_real = guessed_national == data.national_code
        for code in (f"A03{serial:08d}", real_code):
            if assume_real and code == real_code:
                continue
            answer = _ask(session, code, guessed_national, client=f"c{seed}-{serial}-{code}")
            assert answer == CaseStatus(found=False, message=NOT_FOUND)

    guess()
