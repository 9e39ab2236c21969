"""Users and their sign-in sessions and throttles."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint
from sqlmodel import Field, SQLModel

from db.models.common import utcnow


# --------------------------------------------------------------------------- users
class User(SQLModel, table=True):
    __table_args__ = (
        CheckConstraint("failed_logins >= 0", name="user_failed_logins"),
    )
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=60, unique=True)
    full_name: str = Field(max_length=120)
    password_hash: str = Field(max_length=200)
    role: str = Field(max_length=30)
    province_id: int | None = Field(default=None, foreign_key="province.id")
    county_id: int | None = Field(default=None, foreign_key="county.id")
    active: bool = True
    is_demo: bool = False
    # No longer written (sign-in failures are throttled in SignInThrottle, issue 9); kept because
    # dropping them would rebuild ``user`` on SQLite, which every other table references.
    failed_logins: int = 0
    locked_until: datetime | None = None
    last_login_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)


class SignInSession(SQLModel, table=True):
    """A signed-in browser. Its cookie holds a random token; the database holds only the token's
    SHA-256, so a copy of the database signs no one in. Deleting the row signs that browser out
    on every tab and every app server; ``password_stamp`` (a digest of the password hash at
    sign-in) ends the session when the password changes by any route."""

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    password_stamp: str = Field(max_length=64)
    client: str = Field(default="", max_length=64)
    created_at: datetime = Field(default_factory=utcnow)
    last_seen_at: datetime = Field(default_factory=utcnow)


class SignInThrottle(SQLModel, table=True):
    """Failed sign-ins counted per account name (existing or not) and per client address.
    After a few free failures each further one waits longer; nothing is ever locked."""

    __table_args__ = (CheckConstraint("failures >= 0", name="signin_throttle_failures"),)
    kind: str = Field(primary_key=True, max_length=10)  # "account" or "client"
    subject: str = Field(primary_key=True, max_length=64)  # the user name as typed, or the address
    failures: int = 0
    last_failure_at: datetime = Field(default_factory=utcnow)
    blocked_until: datetime = Field(default_factory=utcnow)
