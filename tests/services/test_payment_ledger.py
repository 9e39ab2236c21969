"""A beneficiary's ledger: months granted, paid by run with amounts, confirmed by SSO, left of 60."""
from __future__ import annotations

import pytest

from lib.errors import Forbidden
from services.payments.ledger import beneficiary_ledger
from services.payments.reconcile import reconcile_run
from tests.services.paid_runs import make_person, make_run
from tests.services.test_reconcile import answer


def test_the_ledger_counts_finalised_months_amounts_and_sso_answers(session, province_committee, areas):
    person = make_person(session, program="A", province_id=areas.province, county_id=areas.county)
    first, _ = make_run(session, program="A", province_id=areas.province, county_id=areas.county, amounts=[1000], people=[person], month=1)
    make_run(session, program="A", province_id=areas.province, county_id=areas.county, amounts=[1200], people=[person], month=2)
    make_run(session, program="A", province_id=areas.province, county_id=areas.county, amounts=[999], people=[person], month=3, status="approved")
    make_run(session, program="A", province_id=areas.province, county_id=areas.county, amounts=[999], people=[person], month=4, status="cancelled")
    reconcile_run(session, province_committee, first.id, answer(session, province_committee, first.id, {0: (None, "تأیید", None)}))
    ledger = beneficiary_ledger(session, province_committee, person.application_id)
    assert (ledger.months_granted, ledger.cap, ledger.months_paid, ledger.months_left) == (12, 60, 2, 58)
    assert (ledger.months_confirmed, ledger.amount_paid_rial, ledger.granted_left) == (1, 2200, 10)
    assert ledger.first_month == "فروردین ۱۴۰۴"
    runs = ledger.runs
    assert list(runs["status"]) == ["finalized", "finalized", "approved"]  # the cancelled run is left out
    assert list(runs["amount_rial"]) == [1000, 1200, 999] and list(runs["confirmed"]) == [1, 0, 0]
    assert runs["period"].iloc[1] == "اردیبهشت ۱۴۰۴"


def test_a_reversal_gives_the_money_back_in_the_ledger(session, province_committee, areas):
    person = make_person(session, program="A", province_id=areas.province, county_id=areas.county)
    make_run(session, program="A", province_id=areas.province, county_id=areas.county, amounts=[1000], people=[person])
    make_run(session, program="A", province_id=areas.province, county_id=areas.county, amounts=[400], people=[person], line_kind="reversal")
    ledger = beneficiary_ledger(session, province_committee, person.application_id)
    assert (ledger.months_paid, ledger.amount_paid_rial) == (1, 600)


def test_another_area_may_not_read_a_ledger(session, other_province_committee, areas):
    person = make_person(session, program="A", province_id=areas.province, county_id=areas.county)
    with pytest.raises(Forbidden):
        beneficiary_ledger(session, other_province_committee, person.application_id)
