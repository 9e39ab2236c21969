"""The demo accounts (one per role, all with :data:`DEMO_PASSWORD`) and where they work.

Created through :func:`services.users.create_user`, so they are audited like any account.
"""
from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import func, select
from sqlalchemy.engine import Connection
from sqlmodel import Session

from db.models import Applicant, County, Province, User
from lib.errors import InvalidInput
from lib.permissions import ROLE_LABELS, Role
from services.base import SYSTEM
from services.users import DEMO_PASSWORD, create_user

__all__ = [
    "DEMO_PASSWORD",
    "DEMO_PROVINCE",
    "DEMO_COUNTY",
    "DemoAccount",
    "DEMO_ACCOUNTS",
    "create_demo_users",
    "demo_area_ids",
    "demo_counts",
]

DEMO_PROVINCE = "تهران"
DEMO_COUNTY = "تهران"


class DemoAccount(NamedTuple):
    """One demo account: ``level`` is where it works (county, province or the whole country)."""

    username: str
    role: Role
    full_name: str
    level: str  # "county" | "province" | "national"

    @property
    def role_label(self) -> str:
        return ROLE_LABELS[self.role]

    @property
    def area_label(self) -> str:
        if self.level == "county":
            return f"شهرستان {DEMO_COUNTY}، استان {DEMO_PROVINCE}"
        if self.level == "province":
            return f"استان {DEMO_PROVINCE}"
        return "کل کشور"


DEMO_ACCOUNTS: tuple[DemoAccount, ...] = (
    DemoAccount("demo.expert", Role.county_expert, "مریم رضایی", "county"),
    DemoAccount("demo.secretary", Role.committee_secretary, "علی محمدی", "county"),
    DemoAccount("demo.province", Role.province_committee, "فاطمه حسینی", "province"),
    DemoAccount("demo.manager", Role.manager, "حسن کریمی", "national"),
    DemoAccount("demo.admin", Role.admin, "زهرا احمدی", "national"),
)
"""The demo accounts, all with :data:`DEMO_PASSWORD` (for the login page's hint)."""


def demo_area_ids(session_or_conn: Session | Connection) -> tuple[int, int]:
    """(province id, county id) of the demo county; InvalidInput if reference data is missing."""
    stmt = (
        select(County.id, County.province_id)
        .join(Province, Province.id == County.province_id)
        .where(Province.name == DEMO_PROVINCE, County.name == DEMO_COUNTY)
    )
    row = session_or_conn.execute(stmt).first()
    if row is None:
        raise InvalidInput(
            "اطلاعات پایه (استان‌ها و شهرستان‌ها) بارگذاری نشده است؛ ابتدا «bimeyar load-reference» "
            "یا «bimeyar init» را اجرا کنید."
        )
    return int(row[1]), int(row[0])


def create_demo_users(session: Session) -> list[tuple[str, str, str]]:
    """Create the demo accounts that do not exist yet (never twice); return those created as
    (username, role label, area label). Audited: :func:`services.users.create_user` as SYSTEM."""
    province_id, county_id = demo_area_ids(session)
    existing = set(
        session.execute(
            select(User.username).where(User.username.in_([a.username for a in DEMO_ACCOUNTS]))  # type: ignore[attr-defined]
        ).scalars()
    )
    created: list[tuple[str, str, str]] = []
    for account in DEMO_ACCOUNTS:
        if account.username in existing:
            continue
        create_user(
            session,
            SYSTEM,
            username=account.username,
            full_name=account.full_name,
            password=DEMO_PASSWORD,
            role=account.role,
            province_id=province_id if account.level == "province" else None,
            county_id=county_id if account.level == "county" else None,
            is_demo=True,
        )
        created.append((account.username, account.role_label, account.area_label))
    return created


def demo_counts(session_or_conn: Session | Connection) -> tuple[int, int]:
    """(demo applicants, other applicants) in the database."""
    rows = dict(
        session_or_conn.execute(select(Applicant.is_demo, func.count()).group_by(Applicant.is_demo)).all()
    )
    return int(rows.get(True, 0)), int(rows.get(False, 0))
