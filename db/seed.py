"""Reference data every database needs: provinces and counties, the two programmes,
the minimum wage table and the default scoring policy. Idempotent: it adds what is
missing and never overwrites what an administrator has edited."""
from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

from sqlmodel import Session, select

from db.models import County, MinimumWage, Program, Province, ScoringPolicyVersion
from lib.scoring import DEFAULT_POLICY
from lib.text import normalize_persian

REFERENCE_DIR = Path(__file__).resolve().parent / "reference"

PROGRAMS = (
    Program(
        code="A",
        name="پرداخت سهم بیمه خویش‌فرما",
        agency="سازمان بهزیستی کشور",
        rate_bp=1800,
        max_months=60,
    ),
    Program(
        code="B",
        name="بیمه اجتماعی زنان سرپرست خانوار نیازمند",
        agency="کمیته امداد امام خمینی (ره)",
        rate_bp=1800,
        agency_share_bp=800,
        government_share_bp=1000,
        service_code="19042711100",
    ),
)


def read_divisions() -> list[tuple[str, str, str]]:
    with open(REFERENCE_DIR / "divisions.csv", encoding="utf-8") as fh:
        return [
            (row["province_code"], normalize_persian(row["province_name"]), normalize_persian(row["county_name"]))
            for row in csv.DictReader(fh)
        ]


def read_wages() -> list[MinimumWage]:
    with open(REFERENCE_DIR / "minimum_wages.csv", encoding="utf-8") as fh:
        return [
            MinimumWage(
                jalali_year=int(row["jalali_year"]),
                daily_wage_rial=int(row["daily_wage_rial"]),
                confirmed=row["confirmed"].strip().lower() == "true",
            )
            for row in csv.DictReader(fh)
        ]


def load_reference_data(session: Session) -> dict[str, int]:
    """Insert missing reference rows; return how many of each were added."""
    added = {"provinces": 0, "counties": 0, "programs": 0, "wages": 0, "policies": 0}
    provinces = {p.name: p for p in session.exec(select(Province)).all()}
    counties = {(c.province_id, c.name) for c in session.exec(select(County)).all()}
    for code, province_name, county_name in read_divisions():
        province = provinces.get(province_name)
        if province is None:
            province = Province(code=code, name=province_name)
            session.add(province)
            session.flush()
            provinces[province_name] = province
            added["provinces"] += 1
        if (province.id, county_name) not in counties:
            session.add(County(province_id=province.id, name=county_name))
            counties.add((province.id, county_name))
            added["counties"] += 1
    have_programs = set(session.exec(select(Program.code)).all())
    for program in PROGRAMS:
        if program.code not in have_programs:
            session.add(Program.model_validate(program.model_dump(exclude={"id"})))
            added["programs"] += 1
    have_years = set(session.exec(select(MinimumWage.jalali_year)).all())
    for wage in read_wages():
        if wage.jalali_year not in have_years:
            session.add(wage)
            added["wages"] += 1
    if session.get(ScoringPolicyVersion, DEFAULT_POLICY.version) is None:
        session.add(
            ScoringPolicyVersion(
                version=DEFAULT_POLICY.version,
                rules=DEFAULT_POLICY.to_dict(),
                adopted_on=date(2013, 12, 4),
                note="جدول امتیازات پیش‌نویس دستورالعمل ۱۳۹۲",
            )
        )
        added["policies"] += 1
    session.commit()
    return added
