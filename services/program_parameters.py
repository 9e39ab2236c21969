"""Programme parameters (پارامترهای برنامه): the premium rate, programme B's funding shares and the cap
of months per person, kept as versions an administrator adds (never edits); the newest is in force.

Saving a version copies its values onto the programme row, which is what the calculation services
read: payment preparation and its cap (services/payments), the ledger, the forecast, the letters;
the committees' 60-month check (services/committee/cap.py) and programme B's share split
(:func:`share_weights`) read them through this module. Version 0 is what the reference data loaded,
until an administrator saves a version (a database migrated with programmes in it starts at 1).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from db.models import Program, utcnow
from db.models.reference import ProgramParameterVersion
from lib import validate
from lib.errors import InvalidInput
from lib.payments import MAX_MONTHS, PROGRAM_B_SHARES
from lib.permissions import Action
from lib.text import format_percent_bp
from services.base import Actor, audit

__all__ = ["Parameters", "current_parameters", "parameter_history", "set_parameters", "share_weights", "month_cap",
           "MAX_CAP_MONTHS", "REFERENCE_DATA"]

MAX_CAP_MONTHS = 600  # fifty years: beyond any programme; a typo of a zero is caught
MAX_NOTE = int(ProgramParameterVersion.__table__.c["note"].type.length)  # type: ignore[attr-defined]
REFERENCE_DATA = "داده‌های پایه"
FIELDS = ("rate_bp", "max_months", "agency_share_bp", "government_share_bp")


@dataclass(frozen=True)
class Parameters:
    program_code: str
    program_name: str
    version: int  # 0: as loaded with the reference data
    rate_bp: int
    max_months: int | None
    agency_share_bp: int | None
    government_share_bp: int | None
    note: str | None
    set_by_name: str
    set_at: datetime | None

    def values(self) -> dict[str, int | None]:
        return {name: getattr(self, name) for name in FIELDS}


def _program(session: Session, code: object, *, lock: bool = False) -> Program:
    query = select(Program).where(Program.code == code)
    program = session.exec(query.with_for_update() if lock else query).first() if isinstance(code, str) else None
    if program is None:
        raise InvalidInput("برنامه انتخاب‌شده در فهرست نیست؛ برنامه را از فهرست انتخاب کنید.", field="program")
    return program


def _from_version(program: Program, row: ProgramParameterVersion) -> Parameters:
    return Parameters(program.code, program.name, row.version, row.rate_bp, row.max_months, row.agency_share_bp,
                      row.government_share_bp, row.note, row.set_by_name, row.set_at)


def _from_program(program: Program) -> Parameters:
    return Parameters(program.code, program.name, 0, program.rate_bp, program.max_months, program.agency_share_bp,
                      program.government_share_bp, None, REFERENCE_DATA, None)


def _newest(session: Session, program_id: int) -> ProgramParameterVersion | None:
    return session.exec(select(ProgramParameterVersion).where(ProgramParameterVersion.program_id == program_id)
                        .order_by(ProgramParameterVersion.version.desc()).limit(1)).first()


def current_parameters(session: Session, program_code: str) -> Parameters:
    """The parameters in force for a programme (any signed-in screen may show them)."""
    program = _program(session, program_code)
    row = _newest(session, program.id)
    return _from_program(program) if row is None else _from_version(program, row)


def parameter_history(session: Session, actor: Actor, program_code: str) -> list[Parameters]:
    """Every saved version, the newest first (version 0, the reference data, last when never saved)."""
    actor.require(Action.manage_reference_data)
    program = _program(session, program_code)
    rows = session.exec(select(ProgramParameterVersion).where(ProgramParameterVersion.program_id == program.id)
                        .order_by(ProgramParameterVersion.version.desc())).all()
    return [_from_version(program, r) for r in rows] or [_from_program(program)]


def share_weights(session: Session, program_id: int) -> dict[str, int]:
    """Programme B's split of each premium (basis points: agency, government) in force."""
    program = session.get(Program, program_id)
    if program is None or program.agency_share_bp is None or program.government_share_bp is None:
        return dict(PROGRAM_B_SHARES)
    return {"agency": program.agency_share_bp, "government": program.government_share_bp}


def month_cap(session: Session, program_id: int) -> int:
    """The cap of months per person in force (programme A; the seed's 60 if the row has none)."""
    program = session.get(Program, program_id)
    return program.max_months if program is not None and program.max_months is not None else MAX_MONTHS


def _bp(value: object, field: str, label: str, *, minimum: int) -> int:
    return validate.integer(value, field=field, label_fa=f"{label} (واحد پایه؛ ۱۸۰۰ یعنی ۱۸٪)", minimum=minimum,
                            maximum=10_000)


def _checked(program: Program, rate_bp: object, max_months: object, agency_share_bp: object,
             government_share_bp: object) -> dict[str, int | None]:
    rate = _bp(rate_bp, "rate_bp", "نرخ حق بیمه", minimum=1)
    if program.code == "A":
        cap = validate.integer(max_months, field="max_months", label_fa="سقف ماه‌های حمایت هر نفر", minimum=1,
                               maximum=MAX_CAP_MONTHS)
        if agency_share_bp not in (None, "") or government_share_bp not in (None, ""):
            raise InvalidInput("برنامه الف سهم دستگاه و دولت ندارد؛ این دو خانه را خالی بگذارید.", field="agency_share_bp")
        return {"rate_bp": rate, "max_months": cap, "agency_share_bp": None, "government_share_bp": None}
    cap = validate.optional_integer(max_months, field="max_months", label_fa="سقف ماه‌های حمایت هر نفر", minimum=1,
                                    maximum=MAX_CAP_MONTHS)
    agency = _bp(agency_share_bp, "agency_share_bp", "سهم دستگاه", minimum=0)
    government = _bp(government_share_bp, "government_share_bp", "سهم دولت", minimum=0)
    if agency + government != rate:
        raise InvalidInput(
            f"سهم دستگاه ({format_percent_bp(agency)}) و سهم دولت ({format_percent_bp(government)}) روی هم باید "
            f"برابر نرخ حق بیمه ({format_percent_bp(rate)}) باشند؛ یکی را اصلاح کنید.", field="government_share_bp")
    return {"rate_bp": rate, "max_months": cap, "agency_share_bp": agency, "government_share_bp": government}


def set_parameters(
    session: Session, actor: Actor, *, program: object, rate_bp: object, max_months: object = None,
    agency_share_bp: object = None, government_share_bp: object = None, note: object = None,
) -> Parameters:
    """Save a new version of a programme's parameters (administrators; the reason or the decree is
    required), put it in force and audit the change with the values before and after."""
    actor.require(Action.manage_reference_data)
    try:
        prog = _program(session, program, lock=True)
        values = _checked(prog, rate_bp, max_months, agency_share_bp, government_share_bp)
        text = validate.clean_text(note, field="note", label_fa="دلیل تغییر یا شماره مصوبه", max_length=MAX_NOTE,
                                   multiline=True, required=True)
        before = current_parameters(session, prog.code)
        if before.values() == values:
            raise InvalidInput("این مقادیر همان مقادیر در حال اجراست؛ چیزی برای ذخیره تغییر نکرده است.", field="rate_bp")
        number = int(session.exec(select(func.max(ProgramParameterVersion.version))
                                  .where(ProgramParameterVersion.program_id == prog.id)).one() or 0) + 1
        row = ProgramParameterVersion(program_id=prog.id, version=number, note=text, set_by=actor.id,
                                      set_by_name=actor.full_name, set_at=utcnow(), **values)
        session.add(row)
        for name, value in values.items():
            setattr(prog, name, value)
        session.add(prog)
        session.flush()
        audit(session, actor, "program_parameters.set", "program", prog.code,
              before={"version": before.version, **before.values()},
              after={"version": number, **values, "note": text})
        session.commit()
    except IntegrityError:
        session.rollback()
        raise InvalidInput("هم‌زمان نسخه دیگری از پارامترهای این برنامه ذخیره شد؛ صفحه را تازه کنید و دوباره بررسی کنید.",
                           field="rate_bp") from None
    except BaseException:
        session.rollback()
        raise
    return _from_version(prog, row)
