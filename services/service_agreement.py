"""The service agreement per programme: its validity period and each stage's target time and
in-person visits, set by an administrator (the seeds give no figure; nothing is shipped as fact).
What is set is published on the service-information page (open without sign-in) with who set it
and when; the app warns a month before the agreement's validity ends (lib.service_agreement)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session, select

from db.models import Program, utcnow
from db.models.reference import ServiceAgreement, StageTarget
from lib import validate
from lib.catalog import DOCUMENTS
from lib.errors import InvalidInput
from lib.permissions import Action
from lib.service_agreement import STAGE_LABELS, stages_of, validity_warning
from services.base import Actor, audit, snapshot

__all__ = ["StageView", "AgreementView", "agreements", "agreement_of", "set_validity", "set_stage_target",
           "expiry_warnings", "MAX_TARGET_DAYS", "MAX_VISITS"]

MAX_TARGET_DAYS = 365
MAX_VISITS = 20


@dataclass(frozen=True)
class StageView:
    stage: str
    label: str
    target_days: int | None  # None: no administrator has set it
    visits: int | None
    set_by_name: str | None
    set_at: datetime | None


@dataclass(frozen=True)
class AgreementView:
    program_code: str
    program_name: str
    agency: str
    service_code: str | None
    documents: tuple[str, ...]
    valid_from: date | None
    valid_until: date | None
    period_set_by: str | None
    period_set_at: datetime | None
    stages: tuple[StageView, ...]

    @property
    def complete(self) -> bool:
        """Every stage has a target."""
        return all(s.target_days is not None for s in self.stages)

    @property
    def total_days(self) -> int | None:
        return sum(s.target_days for s in self.stages) if self.complete else None  # type: ignore[misc]

    @property
    def total_visits(self) -> int | None:
        return sum(s.visits for s in self.stages) if self.complete else None  # type: ignore[misc]

    def warning(self, today: date) -> str | None:
        return validity_warning(self.valid_until, today)


def _program(session: Session, code: object) -> Program:
    program = session.exec(select(Program).where(Program.code == code)).first() if isinstance(code, str) else None
    if program is None:
        raise InvalidInput("برنامه انتخاب‌شده در فهرست نیست؛ برنامه را از فهرست انتخاب کنید.", field="program")
    return program


def agreement_of(session: Session, program_code: str) -> AgreementView:
    """One programme's agreement as published (a public read: no sign-in needed)."""
    program = _program(session, program_code)
    period = session.get(ServiceAgreement, program.id)
    targets = {t.stage: t for t in session.exec(select(StageTarget).where(StageTarget.program_id == program.id)).all()}
    stages = []
    for code in stages_of(program.code):
        t = targets.get(code)
        stages.append(StageView(code, STAGE_LABELS[code], t.target_days if t else None, t.visits if t else None,
                                t.set_by_name if t else None, t.set_at if t else None))
    return AgreementView(
        program.code, program.name, program.agency, program.service_code,
        tuple(DOCUMENTS.get(program.code, {}).values()),
        period.valid_from if period else None, period.valid_until if period else None,
        period.set_by_name if period else None, period.set_at if period else None, tuple(stages),
    )


def agreements(session: Session) -> list[AgreementView]:
    """Every active programme's agreement, by programme code."""
    codes = session.exec(select(Program.code).where(Program.active == True).order_by(Program.code)).all()  # noqa: E712
    return [agreement_of(session, code) for code in codes]


def expiry_warnings(session: Session, today: date) -> list[tuple[AgreementView, str]]:
    """The agreements whose validity ends within a month («ending») or has ended («ended»)."""
    return [(a, kind) for a in agreements(session) if (kind := a.warning(today)) is not None]


def set_validity(session: Session, actor: Actor, *, program: object, valid_from: object, valid_until: object) -> AgreementView:
    """Record the agreement's validity period (start optional, end required); audited."""
    actor.require(Action.manage_reference_data)
    prog = _program(session, program)
    start = validate.optional_date(valid_from, field="valid_from", label_fa="آغاز اعتبار")
    end = validate.a_date(valid_until, field="valid_until", label_fa="پایان اعتبار", not_before=start)
    row = session.get(ServiceAgreement, prog.id)
    before = snapshot(row, exclude=("set_at",))
    if row is None:
        row = ServiceAgreement(program_id=prog.id, set_by_name=actor.full_name)
        session.add(row)
    row.valid_from, row.valid_until = start, end
    row.set_by, row.set_by_name, row.set_at = actor.id, actor.full_name, utcnow()
    after = snapshot(row, exclude=("set_at",))
    audit(session, actor, "service_agreement.period", "service_agreement", prog.id, before=before, after=after)
    session.commit()
    return agreement_of(session, prog.code)


def set_stage_target(
    session: Session, actor: Actor, *, program: object, stage: object, target_days: object, visits: object,
) -> AgreementView:
    """Set one stage's target (days) and the in-person visits it asks for; audited with who and when."""
    actor.require(Action.manage_reference_data)
    prog = _program(session, program)
    if stage not in stages_of(prog.code):
        raise InvalidInput("این مرحله در این برنامه نیست؛ مرحله را از فهرست انتخاب کنید.", field="stage")
    days = validate.integer(target_days, field="target_days", label_fa="مهلت مرحله (روز)", minimum=1,
                            maximum=MAX_TARGET_DAYS)
    count = validate.integer(visits, field="visits", label_fa="مراجعه حضوری", minimum=0, maximum=MAX_VISITS)
    row = session.exec(select(StageTarget).where(StageTarget.program_id == prog.id, StageTarget.stage == stage)).first()
    before = snapshot(row, exclude=("set_at", "id"))
    if row is None:
        row = StageTarget(program_id=prog.id, stage=stage, target_days=days, visits=count, set_by_name=actor.full_name)
        session.add(row)
    row.target_days, row.visits = days, count
    row.set_by, row.set_by_name, row.set_at = actor.id, actor.full_name, utcnow()
    after = snapshot(row, exclude=("set_at", "id"))
    audit(session, actor, "service_agreement.target", "service_agreement", prog.id, before=before, after=after)
    session.commit()
    return agreement_of(session, prog.code)
