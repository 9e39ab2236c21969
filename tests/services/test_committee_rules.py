"""The rules of issue 6 on committees and programme A (seed 003), each refused in Persian with
nothing written: one open session per case and level, no session after today, the provincial
confirmation's requirements (documents, eligibility, the specialised deputy), Form 2 made by the
decision, the 60-month cap counting grants, the first month of payment, one support per person
and month across programmes, the provincial committee's own roster. SQLite and PostgreSQL."""
from __future__ import annotations

import io
import itertools
import re
import unicodedata
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from lib.jalali import local_today
from db.models import (
    Introduction,
    AgendaEntry,
    Application,
    AuditLog,
    CommitteeSession,
    DeputyConfirmation,
    Document,
    EligibilityConfirmation,
    PaymentLine,
    PaymentRun,
    Program,
)
from lib import catalog
from lib.errors import InvalidInput
from lib.jalali import YearMonth, current_year_month, format_jalali
from lib.payments import MAX_MONTHS
from lib.text import strip_bidi_controls, to_persian_digits
from lib.workflow import State
from services import committee as cm
from services import printing
from services.coverage import ensure_no_overlap
from services.documents import check_documents
from services.eligibility import confirm_condition
from services.printing import _members_rows
from tests.services.refusals import refused as _refused
from tests.services.test_committee import (
    HELD_ON,
    INTAKE_DOCUMENTS,
    PROVINCE_QUORUM,
    QUORUM,
    approve,
    make_ready,
    open_session,
    receive_documents,
    scored_case,
    state_of,
)

_SERIAL = itertools.count()
TODAY = date(2024, 12, 1)  # 1403/09/11: the tests' «today», after HELD_ON (1403/04/11)


_LTR_RUN = re.compile(r"[0-9A-Za-z۰-۹][0-9A-Za-z۰-۹/\-٬._]*[0-9A-Za-z۰-۹]|[0-9A-Za-z۰-۹]")
_LAM_ALEF = re.compile("ل([اأإآ])")


def _clean(text: str) -> str:  # as tests/services/test_printing.py reads a PDF
    text = unicodedata.normalize("NFKC", strip_bidi_controls(text)).replace("\u200c", "")
    return _LAM_ALEF.sub(r"\1ل", re.sub(r"\s+", " ", text).strip())


def pdf_text(data: bytes) -> str:
    """The PDF's text in reading order (pypdf's layout lines are visual: reversed, codes turned back)."""
    lines = []
    for page in PdfReader(io.BytesIO(data)).pages:
        for line in page.extract_text(extraction_mode="layout").splitlines():
            if line.strip():
                logical = _clean(strip_bidi_controls(line)[::-1])
                lines.append(_LTR_RUN.sub(lambda m: m.group(0)[::-1], logical))
    return " ".join(lines)


def has(text: str, phrase: str) -> bool:
    return _clean(phrase) in text


def refused(session, counts, call, error=InvalidInput) -> str:
    return _refused(session, counts, call, error).message


def fa(n) -> str:
    return to_persian_digits(n)


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    """Pin the calendar so the first-month and retroactive rules are tested at fixed dates."""
    for module in ("services.committee.sessions", "services.committee.decisions", "services.committee.activation"):
        monkeypatch.setattr(f"{module}.today", lambda: TODAY)


def confirmed_case(session, secretary, province, expert, intake, *, months=24, ready=True, **overrides) -> Application:
    """A programme A case confirmed by the provincial committee (state «province_decision»)."""
    case = scored_case(session, expert, intake, **overrides)
    approve(session, secretary, open_session(session, secretary, number=f"c{case.id}"), case, months=months)
    if ready:
        make_ready(session, expert, province, case, months=months)
    approve(session, province, open_session(session, province, number=f"p{case.id}"), case, months=months)
    return case


def paid_case(session, case: Application, program_code: str, months: list[YearMonth], state=State.completed,
              run_status: str = "finalized") -> Application:
    """Another case of the same person, with payment lines in ``months``."""
    program_id = session.exec(select(Program.id).where(Program.code == program_code)).one()
    other = Application(
        tracking_code=f"P{program_code}{case.id:06d}{next(_SERIAL):03d}", applicant_id=case.applicant_id, program_id=program_id,
        county_id=case.county_id, province_id=case.province_id, channel="in_person", state=state.value,
        applied_on=date(2019, 1, 1),
    )
    session.add(other)
    session.flush()
    run = PaymentRun(program_id=program_id, province_id=case.province_id, jalali_year=months[0].year if months else 1398,
                     start_month=1, months=1, strategy="full", budget_rial=10**12, status=run_status)
    session.add(run)
    session.flush()
    for ym in months:
        session.add(PaymentLine(
            run_id=run.id, application_id=other.id, applicant_id=case.applicant_id, program_id=program_id,
            jalali_year=ym.year, jalali_month=ym.month, days=ym.days, daily_wage_rial=1, rate_bp=1800,
            percent=100, full_amount_rial=0, amount_rial=0, agency_rial=0, government_rial=0,
            live=run_status == "finalized",
        ))
    session.commit()
    return other


# --------------------------------------------------------------------------- sessions and the agenda
def test_a_session_is_never_dated_after_today(session, secretary, counts):
    message = refused(session, counts, lambda: open_session(session, secretary, held_on=TODAY + timedelta(days=1)))
    assert "امروز" in message and format_jalali(TODAY) in message
    assert open_session(session, secretary, held_on=TODAY).held_on == TODAY


def test_a_session_dated_in_the_future_takes_no_decision(session, secretary, county_expert, intake, counts):
    case = scored_case(session, county_expert, intake)
    program_id = session.exec(select(Program.id).where(Program.code == "A")).one()
    future = CommitteeSession(level="county", program_id=program_id, province_id=case.province_id,
                              county_id=case.county_id, held_on=TODAY + timedelta(days=3), number="9/1403")
    session.add(future)  # a session recorded before the rule existed
    session.commit()
    message = refused(session, counts, lambda: approve(session, secretary, future, case))
    assert "برگزار نشده" in message
    assert state_of(session, case.id) == State.scored


def test_a_case_sits_on_one_open_session_per_level(session, secretary, county_expert, intake, counts):
    case = scored_case(session, county_expert, intake)
    first = open_session(session, secretary, number="1/1403")
    second = open_session(session, secretary, number="2/1403")
    cm.record_decision(session, secretary, first.id, case.id, "defer", "بازدید دوباره لازم است")
    assert case.id not in {i.application_id for i in cm.agenda(session, secretary, second.id)}
    message = refused(session, counts, lambda: approve(session, secretary, second, case))
    assert f"جلسه شماره {fa('1/1403')}" in message.replace("\u2066", "").replace("\u2069", "")
    assert format_jalali(HELD_ON) in message and "باز" in message
    cm.close_session(session, secretary, first.id)  # closing releases the case to the next session
    assert case.id in {i.application_id for i in cm.agenda(session, secretary, second.id)}
    approve(session, secretary, second, case)
    assert state_of(session, case.id) == State.county_decision


def test_the_database_holds_one_open_agenda_entry_per_case_and_level(session, secretary, county_expert, intake):
    case = scored_case(session, county_expert, intake)
    first = open_session(session, secretary, number="1/1403")
    second = open_session(session, secretary, number="2/1403")
    session.add(AgendaEntry(session_id=first.id, application_id=case.id, level="county"))
    session.commit()
    session.add(AgendaEntry(session_id=second.id, application_id=case.id, level="county"))
    with pytest.raises(IntegrityError):
        session.commit()
    session.rollback()
    session.add(AgendaEntry(session_id=second.id, application_id=case.id, level="county", is_open=False))
    session.commit()  # a released entry does not count


def test_a_decision_made_meanwhile_in_the_same_session_refuses_the_later_one(session, secretary, county_expert,
                                                                               intake, counts):
    case = scored_case(session, county_expert, intake)
    cs = open_session(session, secretary)
    first = approve(session, secretary, cs, case)  # another member, a moment earlier
    message = refused(session, counts, lambda: cm.record_decision(session, secretary, cs.id, case.id, "defer", "x"))
    assert "در همین فاصله" in message and fa(first.id) in message
    again = cm.record_decision(session, secretary, cs.id, case.id, "defer", "بازدید", seen=first.id)
    assert again.supersedes_id == first.id


# --------------------------------------------------------------------------- Form 2 and eligibility
def test_form2_is_not_an_intake_document(session, county_expert, intake):
    case = scored_case(session, county_expert, intake)
    receive_documents(session, case, INTAKE_DOCUMENTS)
    result = check_documents(session, county_expert, case.id)
    assert result.missing == () and state_of(session, case.id) == State.scored


def test_the_county_decision_fills_in_form2_and_condition_3(session, secretary, county_expert, intake, counts):
    case = scored_case(session, county_expert, intake)
    message = refused(session, counts, lambda: confirm_condition(session, county_expert, case.id, "job_confirmed", True))
    assert "کمیته" in message
    cs = open_session(session, secretary)
    first = approve(session, secretary, cs, case)
    session.expire_all()
    form2 = session.exec(select(Document).where(Document.application_id == case.id,
                                                Document.kind == "committee_approval")).one()
    job = session.exec(select(EligibilityConfirmation).where(EligibilityConfirmation.application_id == case.id,
                                                             EligibilityConfirmation.condition == "job_confirmed")).one()
    assert (form2.received, form2.uploaded_by) == (True, secretary.id)
    assert (job.satisfied, job.confirmed_by) == (True, secretary.id) and "تأیید" in job.note
    cm.record_decision(session, secretary, cs.id, case.id, "defer", "شغل دیده نشد", seen=first.id)
    session.expire_all()
    assert session.get(Document, form2.id).received is False
    assert session.get(EligibilityConfirmation, job.id).satisfied is False


# --------------------------------------------------------------------------- the provincial confirmation
def test_the_provincial_confirmation_names_everything_missing(session, secretary, province_committee, county_expert,
                                                              intake, counts):
    case = scored_case(session, county_expert, intake)
    approve(session, secretary, open_session(session, secretary), case)
    province = open_session(session, province_committee)
    [item] = cm.agenda(session, province_committee, province.id)
    message = refused(session, counts, lambda: approve(session, province_committee, province, case))
    expected = [catalog.DOCUMENTS["A"][k] for k in INTAKE_DOCUMENTS] + [
        catalog.ELIGIBILITY_CONDITIONS["registered_client"], catalog.ELIGIBILITY_CONDITIONS["job_readiness"],
        "معاونت تخصصی",
    ]
    for name in expected:
        assert name in message, name
        assert any(name in gap for gap in item.missing), name
    for done in (catalog.DOCUMENTS["A"]["committee_approval"], catalog.ELIGIBILITY_CONDITIONS["job_confirmed"]):
        assert done not in message  # the county committee's approval is Form 2 and condition 3

    make_ready(session, county_expert, province_committee, case, months=12)
    message = refused(session, counts, lambda: approve(session, province_committee, province, case, months=24))
    assert f"{fa(24)} ماه" in message and f"{fa(12)} ماه" in message  # the deputy confirmed less
    approve(session, province_committee, province, case, months=12)
    assert state_of(session, case.id) == State.province_decision


def test_a_not_ready_deputy_opinion_blocks_the_confirmation(session, secretary, province_committee, county_expert,
                                                           intake, counts):
    case = scored_case(session, county_expert, intake)
    approve(session, secretary, open_session(session, secretary), case)
    make_ready(session, county_expert, province_committee, case)
    cm.confirm_deputy(session, province_committee, case.id, deputy="rehabilitation", job_ready=False, months=24,
                      note="آمادگی شغلی کافی نیست")
    province = open_session(session, province_committee)
    assert "معاونت تخصصی" in refused(session, counts, lambda: approve(session, province_committee, province, case))


def test_the_deputys_confirmation_is_recorded_with_who_and_which_deputy(session, province_committee, county_expert,
                                                                       secretary, intake, counts):
    case = scored_case(session, county_expert, intake)  # referred by the rehabilitation deputy
    assert "توانبخشی" in refused(session, counts, lambda: cm.confirm_deputy(
        session, province_committee, case.id, deputy="social", job_ready=True, months=24))
    assert "معاونت" in refused(session, counts, lambda: cm.confirm_deputy(
        session, province_committee, case.id, deputy="mayor", job_ready=True, months=24))
    refused(session, counts, lambda: cm.confirm_deputy(
        session, province_committee, case.id, deputy="rehabilitation", job_ready=True, months=MAX_MONTHS + 1))
    refused(session, counts, lambda: cm.confirm_deputy(
        session, secretary, case.id, deputy="rehabilitation", job_ready=True, months=24), Exception)
    cm.confirm_deputy(session, province_committee, case.id, deputy="rehabilitation", job_ready=True, months=36,
                      note="نامه ۱۲۳")
    row = session.exec(select(DeputyConfirmation).where(DeputyConfirmation.application_id == case.id)).one()
    assert (row.deputy, row.months, row.confirmed_by, row.job_ready) == ("rehabilitation", 36, province_committee.id, True)
    shown = cm.deputy_confirmation(session, province_committee, case.id)
    assert shown.deputy_label == catalog.SPECIALISED_DEPUTIES["rehabilitation"]
    assert session.exec(select(AuditLog).where(AuditLog.action == "deputy.confirm")).one().after["months"] == 36


def test_a_deputys_confirmation_without_its_months_is_refused_in_persian(session, province_committee, county_expert,
                                                                       intake, counts):
    # the page's field may come empty (it no longer clamps the number): the service names the field, writes nothing
    case = scored_case(session, county_expert, intake)
    for months in (None, "", "۰"):
        assert "مدت حمایت تأییدشده" in refused(session, counts, lambda: cm.confirm_deputy(
            session, province_committee, case.id, deputy="rehabilitation", job_ready=True, months=months))
    cm.confirm_deputy(session, province_committee, case.id, deputy="rehabilitation", job_ready=True, months="۱۸")
    row = session.exec(select(DeputyConfirmation).where(DeputyConfirmation.application_id == case.id)).one()
    assert row.months == 18


def test_activation_rechecks_the_requirements(session, secretary, province_committee, county_expert, intake, counts):
    case = confirmed_case(session, secretary, province_committee, county_expert, intake)
    from services.documents import mark_received

    mark_received(session, county_expert, case.id, "sso_payment_proof", False)  # found invalid afterwards
    message = refused(session, counts, lambda: cm.activate(session, province_committee, case.id, YearMonth(1403, 5)))
    assert catalog.DOCUMENTS["A"]["sso_payment_proof"] in message


# --------------------------------------------------------------------------- the 60-month cap
def test_a_completed_grant_counts_against_the_cap(session, secretary, county_expert, intake, counts):
    case = scored_case(session, county_expert, intake)
    old = paid_case(session, case, "A", [])  # completed, nothing paid
    old.months_granted = MAX_MONTHS
    session.add(old)
    session.commit()
    cs = open_session(session, secretary)
    assert cm.agenda(session, secretary, cs.id)[0].remaining_months == 0
    assert "رد کنید" in refused(session, counts, lambda: approve(session, secretary, cs, case, months=1))


def test_lines_of_a_run_not_yet_finalised_do_not_use_the_cap(session, secretary, intake):
    """Only finalised payments are paid: a draft run's 60 lines leave the whole cap."""
    case = scored_case(session, secretary, intake)
    paid_case(session, case, "A", [YearMonth(1398, 1).add(i) for i in range(MAX_MONTHS)], state=State.rejected,
              run_status="draft")
    cs = open_session(session, secretary, number=f"draft-{case.id}")
    assert cm.agenda(session, secretary, cs.id)[0].remaining_months == MAX_MONTHS


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(granted=st.integers(0, MAX_MONTHS), paid=st.integers(0, 12), months=st.integers(1, MAX_MONTHS),
       state=st.sampled_from([State.completed, State.rejected, State.withdrawn]))
@example(granted=MAX_MONTHS, paid=0, months=MAX_MONTHS, state=State.completed)  # the case of the issue
@example(granted=30, paid=0, months=30, state=State.completed)  # exactly what remains
@example(granted=20, paid=31, months=29, state=State.completed)  # more paid than granted: the payments count
@example(granted=60, paid=5, months=55, state=State.rejected)  # a refused case's grant never counts
def test_an_approval_fits_the_cap_of_grants_and_payments(session, secretary, intake, granted, paid, months, state):
    case = scored_case(session, secretary, intake)
    other = paid_case(session, case, "A", [YearMonth(1398, 1).add(i) for i in range(paid)], state=state)
    other.months_granted = granted or None
    session.add(other)
    session.commit()
    used = max(granted, paid) if state == State.completed else paid  # a case that never started: its payments
    cs = open_session(session, secretary, number=f"cap-{case.id}")
    try:
        approve(session, secretary, cs, case, months=months)
        accepted = True
    except InvalidInput:
        session.rollback()
        accepted = False
    assert accepted == (used + months <= MAX_MONTHS)


# --------------------------------------------------------------------------- the first month of payment
def test_the_first_month_follows_the_provincial_confirmation(session, secretary, province_committee, county_expert,
                                                             intake, counts):
    case = confirmed_case(session, secretary, province_committee, county_expert, intake)  # confirmed 1403/04
    message = refused(session, counts, lambda: cm.activate(session, province_committee, case.id, YearMonth(1395, 1)))
    assert "۱۴۰۳" in message and "دلیل" in message
    message = refused(session, counts, lambda: cm.activate(session, province_committee, case.id, YearMonth(1402, 12),
                                                           retroactive_reason="تأخیر اداری"))
    assert "آغاز سال جاری" in message
    cm.activate(session, province_committee, case.id, YearMonth(1403, 1), retroactive_reason="تأخیر در تشکیل جلسه استان")
    entry = session.exec(select(AuditLog).where(AuditLog.action == "application.activate")).one()
    assert entry.after["retroactive_reason"] == "تأخیر در تشکیل جلسه استان"
    assert (entry.after["start_year"], entry.after["start_month"]) == (1403, 1)


def test_the_first_month_is_never_a_month_already_paid(session, secretary, province_committee, county_expert,
                                                       intake, counts):
    case = confirmed_case(session, secretary, province_committee, county_expert, intake, months=12)
    paid_case(session, case, "A", [YearMonth(1403, 8)])
    message = refused(session, counts, lambda: cm.activate(session, province_committee, case.id, YearMonth(1403, 5)))
    assert "پرداخت شده" in message
    cm.activate(session, province_committee, case.id, YearMonth(1403, 9))
    assert state_of(session, case.id) == State.active


# --------------------------------------------------------------------------- one support per month
def test_a_person_covered_by_programme_b_is_not_activated_in_a(session, secretary, province_committee, county_expert,
                                                               intake, counts):
    case = confirmed_case(session, secretary, province_committee, county_expert, intake)
    b = paid_case(session, case, "B", [], state=State.active)
    b.start_year, b.start_month = 1403, 2  # open-ended: covered until completed
    session.add(b)
    session.commit()
    message = refused(session, counts, lambda: cm.activate(session, province_committee, case.id, YearMonth(1403, 5)))
    assert b.tracking_code in message and "دو حمایت" in message
    assert state_of(session, case.id) == State.province_decision


def test_overlap_is_checked_month_by_month(session, county_expert, intake):
    from services import applications as apps

    case = apps.submit_application(session, county_expert, intake("B"))
    a = paid_case(session, case, "A", [], state=State.active)
    a.start_year, a.start_month, a.months_granted = 1403, 1, 12  # 1403/01 … 1403/12
    session.add(a)
    session.commit()
    ensure_no_overlap(session, case, YearMonth(1404, 1), None)  # right after: fine
    with pytest.raises(InvalidInput) as err:
        ensure_no_overlap(session, case, YearMonth(1403, 12), None)
    assert a.tracking_code in err.value.message
    paid_case(session, case, "A", [YearMonth(1404, 3)])  # paid months count whatever the case's state
    with pytest.raises(InvalidInput):
        ensure_no_overlap(session, case, YearMonth(1404, 1), 6)
    ensure_no_overlap(session, case, YearMonth(1404, 4), 6)


# --------------------------------------------------------------------------- the provincial committee
def test_the_provincial_committee_has_its_own_roster_and_quorum(session, province_committee, secretary, county_expert,
                                                                intake, counts):
    message = refused(session, counts, lambda: open_session(session, province_committee, members=QUORUM))
    assert catalog.PROVINCE_COMMITTEE_ROLES["deputy"] in message
    case = scored_case(session, county_expert, intake)
    approve(session, secretary, open_session(session, secretary), case)
    experts_only = [cm.MemberInput("employment_expert", "نرگس شریفی"), cm.MemberInput("social_liaison", "رضا امیری")]
    province = open_session(session, province_committee, members=experts_only)
    cm.record_decision(session, province_committee, province.id, case.id, "defer", "بودجه امسال تمام شده")
    message = refused(session, counts, lambda: cm.close_session(session, province_committee, province.id))
    assert catalog.PROVINCE_COMMITTEE_ROLES["deputy"] in message
    assert catalog.COMMITTEE_ROLES["head"] not in message
    cm.set_members(session, province_committee, province.id, PROVINCE_QUORUM)
    assert cm.close_session(session, province_committee, province.id).status == "closed"
    [summary] = cm.list_sessions(session, province_committee, level="province")
    assert summary.committee_title == "کمیته اشتغال و کارآفرینی استان تهران"
    county = cm.list_sessions(session, secretary)[0]
    assert county.committee_title == "کمیته اشتغال و کارآفرینی شهرستان تهران"

    data = printing.minutes_pdf(session, province_committee, province.id)
    text = pdf_text(data)
    for phrase in ("کمیته اشتغال و کارآفرینی استان تهران", catalog.PROVINCE_COMMITTEE_ROLES["deputy"], "مهدی نوری",
                   "نرگس شریفی، علی امینی"):
        assert has(text, phrase), phrase
    assert not has(text, catalog.COMMITTEE_ROLES["head"]) and not has(text, "استان استان")
    rows = _members_rows([], "province")  # nobody there: every provincial role is marked absent
    assert [r[1] for r in rows] == [catalog.PROVINCE_COMMITTEE_ROLES[r] for r in printing.PROVINCE_ROLES]
    assert {r[0] for r in rows} == {"غایب"}



def test_simultaneous_activations_in_both_programmes_cover_the_person_once(engine, session, secretary, province_committee,
                                                                          county_expert, intake):
    """Programme A's activation and programme B's «insured» for the same person at the same moment:
    both take the person's row lock (services.coverage), so exactly one wins and the other is
    refused for overlapping cover."""
    import threading

    from db.engine import new_session
    from services.introductions import mark_active

    month = current_year_month()
    for _ in range(3):
        case = confirmed_case(session, secretary, province_committee, county_expert, intake)
        b = paid_case(session, case, "B", [], state=State.introduced)
        session.add(Introduction(application_id=b.id, county_id=b.county_id, jalali_year=month.year, branch="شعبه",
                                 letter_no=f"race-{b.id}", introduced_on=local_today()))
        session.commit()
        barrier, outcome = threading.Barrier(2), []

        def run(fn) -> None:
            with new_session(engine) as own:
                barrier.wait()
                try:
                    fn(own)
                    outcome.append("ok")
                except InvalidInput as exc:
                    outcome.append(exc.message)
                except Exception as exc:  # noqa: BLE001 - any other error fails the assertion below
                    outcome.append(exc)

        calls = [lambda own: cm.activate(own, province_committee, case.id, month),
                 lambda own: mark_active(own, secretary, b.id, month)]
        workers = [threading.Thread(target=run, args=(call,)) for call in calls]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        assert outcome.count("ok") == 1 and all(isinstance(o, str) for o in outcome), outcome
        assert "دو حمایت" in next(o for o in outcome if o != "ok")
        session.expire_all()
        running = [s for s in (state_of(session, case.id), state_of(session, b.id)) if s == State.active]
        assert len(running) == 1
