"""The applicant already on file, as the intake form shows and prefills them, and the counties
to choose from. Nothing here imports Streamlit."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlmodel import Session, select

from db.models import Application, County, Household, Program, Province
from lib.permissions import Action
from lib.workflow import OPEN_STATES, ProgramCode, State
from services.applications import find_applicant
from services.base import Actor, area_conditions

__all__ = ["ApplicantCase", "ApplicantOnFile", "applicant_on_file", "county_choices", "HOUSEHOLD_FIELDS"]

HOUSEHOLD_FIELDS = ("disabled_members", "severity", "marital_status", "dependants", "insured_years")


@dataclass(frozen=True)
class ApplicantCase:
    application_id: int
    tracking_code: str
    program: str
    state: str
    applied_on: date
    open: bool


@dataclass(frozen=True)
class ApplicantOnFile:
    """A person already on file, as the intake form shows and prefills them (plain data)."""

    applicant_id: int
    national_code: str
    full_name: str
    county_id: int
    fields: dict[str, Any]  # Applicant columns for prefilling Form 1
    last_case: dict[str, Any]  # Form 1 columns of the newest case ({} when none)
    cases: tuple[ApplicantCase, ...]
    household: dict[str, Any] = field(default_factory=dict)  # the newest case's household ({} when none)


def applicant_on_file(session: Session, actor: Actor, national_code: str) -> ApplicantOnFile | None:
    """The applicant with this national code and their cases in the actor's area, or None.

    InvalidInput for a malformed code; Forbidden when the person is on file in another area
    (:func:`services.applications.find_applicant`)."""
    actor.require(Action.intake)
    applicant = find_applicant(session, actor, national_code)
    if applicant is None:
        return None
    rows = session.exec(
        select(Application, Program.code)
        .join(Program, Program.id == Application.program_id)
        .where(Application.applicant_id == applicant.id, *area_conditions(actor, Application))
        .order_by(Application.applied_on.desc(), Application.id.desc())  # type: ignore[attr-defined]
    ).all()
    cases = tuple(
        ApplicantCase(
            application_id=a.id,
            tracking_code=a.tracking_code,
            program=code,
            state=a.state,
            applied_on=a.applied_on,
            open=State(a.state) in OPEN_STATES,
        )
        for a, code in rows
    )
    newest = rows[0][0] if rows else None
    form_columns = (
        "covering_domain", "target_group", "job_field", "discount_holder", "licence_no", "licence_date", "head_of_household",
    )
    fields = {
        name: getattr(applicant, name)
        for name in (
            "first_name", "last_name", "gender", "father_name", "birth_certificate_no", "birth_date",
            "mobile", "landline", "home_address", "work_address",
        )
    }
    return ApplicantOnFile(
        applicant_id=applicant.id,
        national_code=applicant.national_code,
        full_name=f"{applicant.first_name} {applicant.last_name}",
        county_id=applicant.county_id,
        fields=fields,
        last_case={name: getattr(newest, name) for name in form_columns} if newest else {},
        cases=cases,
        # the scoring household is programme A's: B's cases record none
        household=_latest_household(session, [a.id for a, code in rows if code == ProgramCode.A]),
    )


def _latest_household(session: Session, application_ids: list[int]) -> dict[str, Any]:
    """The household recorded with the newest of these cases (``application_ids`` newest
    first) that has one; {} when none has."""
    if not application_ids:
        return {}
    found = {
        h.application_id: h
        for h in session.exec(select(Household).where(Household.application_id.in_(application_ids))).all()  # type: ignore[attr-defined]
    }
    for application_id in application_ids:
        if application_id in found:
            return {name: getattr(found[application_id], name) for name in HOUSEHOLD_FIELDS}
    return {}


def county_choices(session: Session) -> list[tuple[int, str, str]]:
    """Every county that takes new cases (not retired) as (id, county name, province name), ordered
    by province then county: the choices of Form 1 and the import template."""
    return [
        (county_id, county, province)
        for county_id, county, province in session.exec(
            select(County.id, County.name, Province.name)
            .join(Province, Province.id == County.province_id)
            .where(County.active == True)  # noqa: E712
            .order_by(Province.name, County.name)
        ).all()
    ]


