"""Programme B's own path before the waiting list: the county unit confirms eligibility (a woman
heading her household, covered by the Relief Committee, every document in), or refuses it; and
the waiting list says why an open request is not on it yet (issue 6)."""
from __future__ import annotations

import pytest
from sqlmodel import select

from db.models import Application, ApplicationEvent, AuditLog, Notification
from lib.errors import Forbidden, InvalidInput
from lib.permissions import Role
from lib.workflow import State
from services import applications as apps
from services.documents import mark_received
from services.introductions import waiting_list
from services.relief_eligibility import (
    b_eligibility,
    confirm_b_eligibility,
    not_yet_waiting,
    refuse_b_eligibility,
)
from tests.services.refusals import refused

DOCUMENTS = ("request_form", "id_documents", "head_of_household_proof", "relief_coverage")


def _all_documents(session, actor, case_id, *, but=()):
    for kind in DOCUMENTS:
        if kind not in but:
            mark_received(session, actor, case_id, kind, True)


def test_the_unit_confirms_a_complete_request_and_it_joins_the_waiting_list(session, county_expert, intake, areas):
    case = apps.submit_application(session, county_expert, intake("B"))
    _all_documents(session, county_expert, case.id)
    assert b_eligibility(session, county_expert, case.id).ok
    confirm_b_eligibility(session, county_expert, case.id)
    session.expire_all()
    assert session.get(Application, case.id).state == State.county_decision.value
    assert list(waiting_list(session, county_expert, areas.county, 1403)["application_id"]) == [case.id]
    note = session.exec(
        select(ApplicationEvent.note).where(
            ApplicationEvent.application_id == case.id, ApplicationEvent.to_state == State.county_decision.value
        )
    ).one()
    assert "واجد شرایط" in note
    sms = session.exec(select(Notification).where(Notification.event == "state.county_decision")).first()
    assert "تأیید واجد شرایط بودن" in sms.body and "کمیته شهرستان" not in sms.body  # B's own word for the state
    assert session.exec(select(AuditLog).where(AuditLog.action == "application.state", AuditLog.entity_id == str(case.id))).all()


def test_missing_documents_are_named_and_nothing_moves(session, county_expert, intake, counts):
    case = apps.submit_application(session, county_expert, intake("B"))
    _all_documents(session, county_expert, case.id, but=("relief_coverage", "head_of_household_proof"))
    error = refused(session, counts, lambda: confirm_b_eligibility(session, county_expert, case.id))
    assert "گواهی پوشش کمیته امداد" in error.message and "مدرک سرپرستی خانوار" in error.message
    assert not b_eligibility(session, county_expert, case.id).ok


def test_a_request_recorded_before_sex_and_household_were_asked_is_not_confirmed(session, county_expert, intake, counts):
    """Older rows (every applicant stored female, head of household unknown) must be checked."""
    case = apps.submit_application(session, county_expert, intake("B"))
    _all_documents(session, county_expert, case.id)
    row = session.get(Application, case.id)
    row.head_of_household = None
    session.add(row)
    session.commit()
    error = refused(session, counts, lambda: confirm_b_eligibility(session, county_expert, case.id))
    assert "سرپرست خانوار" in error.message


def test_refusal_needs_a_reason_and_ends_the_case(session, county_expert, intake, counts):
    case = apps.submit_application(session, county_expert, intake("B"))
    assert refused(session, counts, lambda: refuse_b_eligibility(session, county_expert, case.id, " ")).field == "reason"
    refuse_b_eligibility(session, county_expert, case.id, "تحت پوشش کمیته امداد نیست")
    session.expire_all()
    assert session.get(Application, case.id).state == State.rejected.value
    assert "واجد شرایط بودن" in refused(session, counts, lambda: confirm_b_eligibility(session, county_expert, case.id)).message


def test_only_programme_b_only_in_the_area_only_once(
    session, county_expert, sibling_county_expert, intake, counts, make_actor, areas
):
    a_case = apps.submit_application(session, county_expert, intake("A"))
    assert "برنامه" in refused(session, counts, lambda: confirm_b_eligibility(session, county_expert, a_case.id)).message
    case = apps.submit_application(session, county_expert, intake("B"))
    _all_documents(session, county_expert, case.id)
    refused(session, counts, lambda: confirm_b_eligibility(session, sibling_county_expert, case.id), Forbidden)
    manager = make_actor(Role.manager, province_id=areas.province)
    refused(session, counts, lambda: confirm_b_eligibility(session, manager, case.id), Forbidden)
    confirm_b_eligibility(session, county_expert, case.id)
    refused(session, counts, lambda: confirm_b_eligibility(session, county_expert, case.id), InvalidInput)


def test_the_waiting_list_says_why_a_request_is_not_on_it(session, county_expert, intake, areas):
    incomplete = apps.submit_application(session, county_expert, intake("B"))
    _all_documents(session, county_expert, incomplete.id, but=("id_documents",))
    complete = apps.submit_application(session, county_expert, intake("B"))
    _all_documents(session, county_expert, complete.id)
    confirmed = apps.submit_application(session, county_expert, intake("B"))
    _all_documents(session, county_expert, confirmed.id)
    confirm_b_eligibility(session, county_expert, confirmed.id)
    apps.submit_application(session, county_expert, intake("A"))  # programme A never appears here

    frame = not_yet_waiting(session, county_expert, areas.county)
    why = dict(zip(frame["application_id"], frame["reason"]))
    assert set(why) == {incomplete.id, complete.id}
    assert "تصویر شناسنامه و کارت ملی" in why[incomplete.id]
    assert "تأیید نشده" in why[complete.id]


def test_another_countys_reasons_are_not_shown(session, sibling_county_expert, areas):
    with pytest.raises(Forbidden):
        not_yet_waiting(session, sibling_county_expert, areas.county)


@pytest.mark.parametrize("threads", [2, 6])
def test_simultaneous_confirmations_move_the_case_once(engine, session, county_expert, intake, threads):
    import threading

    from db.engine import new_session

    case = apps.submit_application(session, county_expert, intake("B"))
    _all_documents(session, county_expert, case.id)
    barrier = threading.Barrier(threads)
    outcome: list[object] = []

    def run() -> None:
        with new_session(engine) as own:
            barrier.wait()
            try:
                outcome.append(confirm_b_eligibility(own, county_expert, case.id))
            except InvalidInput as exc:
                outcome.append(exc.message)

    workers = [threading.Thread(target=run) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert sum(isinstance(o, Application) for o in outcome) == 1, outcome
    moves = session.exec(
        select(ApplicationEvent).where(
            ApplicationEvent.application_id == case.id, ApplicationEvent.to_state == State.county_decision.value
        )
    ).all()
    assert len(moves) == 1
    assert len(session.exec(select(Notification).where(Notification.event == "state.county_decision")).all()) == 1
