"""Reads of reference data for forms (areas, programmes, wages)."""
from __future__ import annotations

from sqlmodel import Session, select

from db.models import County, MinimumWage, Program, Province


def provinces(session: Session) -> list[Province]:
    return list(session.exec(select(Province).order_by(Province.name)).all())


def counties_of(session: Session, province_id: int) -> list[County]:
    return list(session.exec(select(County).where(County.province_id == province_id).order_by(County.name)).all())


def programs(session: Session) -> list[Program]:
    return list(session.exec(select(Program).order_by(Program.code)).all())


def minimum_wages(session: Session) -> dict[int, int]:
    return {w.jalali_year: w.daily_wage_rial for w in session.exec(select(MinimumWage)).all()}
