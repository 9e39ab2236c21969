"""Sign-in sessions that survive a reload, and throttled sign-in failures. No Streamlit here.

Sessions. Signing in creates a random token (256 bits) that the browser keeps in a cookie; the
database keeps only its SHA-256 (``SignInSession.token_hash``), so whoever reads the database or a
backup cannot sign in with it. Every run of a page checks the token with one indexed query
(``check_session``): the row must exist, the account be active, the password unchanged since sign-in
(a digest of the password hash is kept with the session), role and area unchanged, and the session
not idle longer than ``BIMEYAR_SESSION_IDLE_MINUTES`` (default 120) nor older than
``BIMEYAR_SESSION_MAX_HOURS`` (default 12). Signing out, deactivating the account or changing its
password deletes the rows, which signs the browser out on every tab and every app server.

Throttling. Each failed sign-in counts against the account name typed (whether or not such an
account exists) and against the client address. The first ``FREE_FAILURES`` cost nothing; after
them every failure makes that key wait longer (5 s, 10 s, 20 s, …), up to one minute for an account
and fifteen minutes for a client. Nothing is locked: a stranger can delay an account by at most a
minute per try, and an administrator sees and clears the throttles (``list_throttles``,
``clear_throttle``). Failures older than ``FORGET_AFTER`` start the count again.
"""
from __future__ import annotations

import hashlib
import os
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, case, delete, func, or_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, select

from db.models import SignInSession, SignInThrottle, User, utcnow
from lib.errors import InvalidInput
from lib.permissions import Action, Role
from services.base import Actor, as_utc, audit, find, snapshot

IDLE_ENV = "BIMEYAR_SESSION_IDLE_MINUTES"
MAX_AGE_ENV = "BIMEYAR_SESSION_MAX_HOURS"
DEFAULT_IDLE_MINUTES = 120
DEFAULT_MAX_HOURS = 12
TOUCH_EVERY = timedelta(minutes=1)  # last_seen_at is written at most once a minute per session

FREE_FAILURES = 3
FIRST_DELAY = timedelta(seconds=5)
# "status": the applicant's status lookup by client address (services.case_status)
MAX_DELAY = {"account": timedelta(minutes=1), "client": timedelta(minutes=15), "status": timedelta(minutes=15)}
FORGET_AFTER = timedelta(hours=1)
UNKNOWN_CLIENT = "unknown"  # every attempt whose address is not known shares this one client key

SESSION_ENDED = (
    "نشست شما بسته شده است (خروج در زبانه یا رایانه‌ای دیگر، غیرفعال شدن حساب یا تغییر گذرواژه)؛ دوباره وارد شوید."
)
SESSION_IDLE = "نشست شما به دلیل بی‌کاری طولانی یا پایان زمان مجاز بسته شد؛ دوباره وارد شوید."
ACCOUNT_DEACTIVATED = "حساب شما غیرفعال شده است و از سامانه خارج شدید؛ با مدیر سامانه تماس بگیرید."
PASSWORD_CHANGED = "گذرواژه حساب شما تغییر کرده است و از سامانه خارج شدید؛ با گذرواژه تازه وارد شوید."
ROLE_CHANGED = "نقش یا حوزه کاری حساب شما تغییر کرده است و از سامانه خارج شدید؛ دوباره وارد شوید."


def actor_for(user: User) -> Actor:
    return Actor(
        id=user.id,
        username=user.username,
        full_name=user.full_name,
        role=Role(user.role),
        province_id=user.province_id,
        county_id=user.county_id,
    )


def _digest(value: str) -> str:
    return hashlib.sha256(str(value).encode("utf-8", "surrogatepass")).hexdigest()


def password_stamp(password_hash: str) -> str:
    """What a session remembers of the password: a digest of its (argon2) hash."""
    return _digest("password:" + password_hash)


def _env_number(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{name} must be a whole number, got {raw!r}") from None
    if value <= 0:
        raise ValueError(f"{name} must be positive, got {raw!r}")
    return value


def idle_timeout() -> timedelta:
    return timedelta(minutes=_env_number(IDLE_ENV, DEFAULT_IDLE_MINUTES))


def max_age() -> timedelta:
    return timedelta(hours=_env_number(MAX_AGE_ENV, DEFAULT_MAX_HOURS))


def _now(now: datetime | None) -> datetime:
    return as_utc(now) if now is not None else utcnow()


# --------------------------------------------------------------------------- sessions
def start_session(session: Session, user_id: int, *, client: str | None = None, now: datetime | None = None) -> str:
    """A new session for a user who has just proved the password; returns the token for the cookie."""
    now = _now(now)
    user = find(session, User, user_id)
    if user is None or not user.active:
        raise InvalidInput("این حساب فعال نیست؛ با مدیر سامانه تماس بگیرید.")
    session.execute(  # this user's sessions that ran out: keep the table small
        delete(SignInSession).where(
            SignInSession.user_id == user_id,
            or_(SignInSession.last_seen_at < now - idle_timeout(), SignInSession.created_at < now - max_age()),
        )
    )
    token = secrets.token_urlsafe(32)
    session.add(SignInSession(
        token_hash=_digest(token), user_id=user_id, password_stamp=password_stamp(user.password_hash),
        client=client_key(client), created_at=now, last_seen_at=now,
    ))
    session.commit()
    return token


@dataclass(frozen=True)
class SessionCheck:
    """The account behind a token as it is now, or why the browser was signed out (Persian)."""

    actor: Actor | None
    reason: str | None = None


def check_session(
    session: Session, token: str, *, expected: Actor | None = None, now: datetime | None = None
) -> SessionCheck:
    """One indexed query: is the session behind ``token`` still good for ``expected``?

    A session that fails is deleted, so every tab sharing it is signed out too."""
    now = _now(now)
    row = session.exec(
        select(SignInSession, User)
        .join(User, User.id == SignInSession.user_id)
        .where(SignInSession.token_hash == _digest(token or ""))
    ).first()
    if row is None:
        return SessionCheck(None, SESSION_ENDED)
    signed, user = row
    reason = None
    if not user.active:
        reason = ACCOUNT_DEACTIVATED
    elif signed.password_stamp != password_stamp(user.password_hash):
        reason = PASSWORD_CHANGED
    elif as_utc(signed.last_seen_at) + idle_timeout() <= now or as_utc(signed.created_at) + max_age() <= now:
        reason = SESSION_IDLE
    elif expected is not None and (expected.id, expected.role, expected.province_id, expected.county_id) != (
        user.id, Role(user.role), user.province_id, user.county_id
    ):
        reason = ROLE_CHANGED
    if reason is not None:
        session.execute(delete(SignInSession).where(SignInSession.id == signed.id))
        session.commit()
        return SessionCheck(None, reason)
    if now - as_utc(signed.last_seen_at) >= TOUCH_EVERY:
        session.execute(update(SignInSession).where(SignInSession.id == signed.id).values(last_seen_at=now))
        session.commit()
    return SessionCheck(actor_for(user))


def end_session(session: Session, token: str) -> None:
    """Sign out: the session is deleted; every tab that shares it is signed out on its next run."""
    row = session.exec(select(SignInSession).where(SignInSession.token_hash == _digest(token or ""))).first()
    if row is None:
        return
    user = session.get(User, row.user_id)
    session.delete(row)
    audit(session, actor_for(user), "user.logout", "user", user.id)
    session.commit()


def revoke_sessions(session: Session, user_id: int) -> int:
    """Delete every session of a user (in the caller's transaction); returns how many there were."""
    result = session.execute(delete(SignInSession).where(SignInSession.user_id == user_id))
    return result.rowcount or 0


def active_session_count(session: Session, user_id: int) -> int:
    return session.exec(select(func.count(SignInSession.id)).where(SignInSession.user_id == user_id)).one()


# --------------------------------------------------------------------------- throttling
def delay_after(kind: str, failures: int) -> timedelta:
    """How long a key waits after its ``failures``-th failure in a row."""
    if failures <= FREE_FAILURES:
        return timedelta(0)
    return min(MAX_DELAY[kind], FIRST_DELAY * 2 ** min(failures - FREE_FAILURES - 1, 20))


def client_key(client: object) -> str:
    """The browser's address as stored: printable text of at most 64 characters; anything else
    (absent, not text, control characters a forged header could carry) is the unknown client."""
    if not isinstance(client, str) or not client or not client.isprintable():
        return UNKNOWN_CLIENT
    return client[:64]


def throttle_keys(account: str | None, client: str | None) -> list[tuple[str, str]]:
    """The keys an attempt counts against: the account name (when it is a possible one) and the client."""
    keys = [("client", client_key(client))]
    if account:
        keys.insert(0, ("account", account[:64]))
    return keys


def _key_condition(keys: list[tuple[str, str]]):
    return or_(*(and_(SignInThrottle.kind == kind, SignInThrottle.subject == subject) for kind, subject in keys))


def throttle_wait(session: Session, keys: list[tuple[str, str]], *, now: datetime | None = None) -> timedelta:
    """How long these keys must still wait (zero when they may try now); one query."""
    now = _now(now)
    until = session.exec(select(func.max(SignInThrottle.blocked_until)).where(_key_condition(keys))).one()
    if until is None or as_utc(until) <= now:
        return timedelta(0)
    return as_utc(until) - now


def record_failure(session: Session, keys: list[tuple[str, str]], *, now: datetime | None = None) -> None:
    """Count one failure against each key (in the caller's transaction). Concurrent failures on one
    key are counted exactly: an atomic INSERT … ON CONFLICT DO UPDATE … RETURNING."""
    now = _now(now)
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    for kind, subject in keys:
        statement = insert(SignInThrottle).values(
            kind=kind, subject=subject, failures=1, last_failure_at=now, blocked_until=now
        )
        statement = statement.on_conflict_do_update(
            index_elements=["kind", "subject"],
            set_={
                "failures": case(
                    (SignInThrottle.last_failure_at < now - FORGET_AFTER, 1), else_=SignInThrottle.failures + 1
                ),
                "last_failure_at": now,
            },
        ).returning(SignInThrottle.failures)
        failures = session.execute(statement).scalar_one()
        session.execute(
            update(SignInThrottle)
            .where(SignInThrottle.kind == kind, SignInThrottle.subject == subject)
            .values(blocked_until=now + delay_after(kind, failures))
        )


def forget_failures(session: Session, kind: str, subject: str, *, now: datetime | None = None) -> None:
    """A successful sign-in forgets the account's failures, and every key's failures older than
    ``FORGET_AFTER`` (names typed by strangers would otherwise pile up); in the caller's transaction."""
    now = _now(now)
    session.execute(delete(SignInThrottle).where(
        or_(and_(SignInThrottle.kind == kind, SignInThrottle.subject == subject),
            SignInThrottle.last_failure_at < now - FORGET_AFTER)
    ))


@dataclass(frozen=True)
class ThrottleRow:
    kind: str
    subject: str
    failures: int
    last_failure_at: datetime
    blocked_until: datetime
    waiting: timedelta  # zero when it may try now


def list_throttles(session: Session, actor: Actor, *, now: datetime | None = None) -> list[ThrottleRow]:
    """For the administrator: every key with failures still remembered, those waiting first."""
    actor.require(Action.manage_users)
    now = _now(now)
    rows = session.exec(
        select(SignInThrottle).where(SignInThrottle.last_failure_at >= now - FORGET_AFTER)
        .order_by(SignInThrottle.blocked_until.desc(), SignInThrottle.kind, SignInThrottle.subject)
    ).all()
    return [
        ThrottleRow(
            kind=r.kind, subject=r.subject, failures=r.failures,
            last_failure_at=as_utc(r.last_failure_at), blocked_until=as_utc(r.blocked_until),
            waiting=max(timedelta(0), as_utc(r.blocked_until) - now),
        )
        for r in rows
    ]


def clear_throttle(session: Session, actor: Actor, kind: str, subject: str) -> bool:
    """The administrator forgets the failures of an account name or a client; audited."""
    actor.require(Action.manage_users)
    if not isinstance(kind, str) or kind not in MAX_DELAY:
        raise InvalidInput("نوع محدودیت ورود معتبر نیست؛ «حساب» یا «رایانه» را انتخاب کنید.", field="kind")
    if not isinstance(subject, str) or not subject.isprintable() or len(subject) > 64:
        return False  # no throttle is kept under such a name
    row = session.get(SignInThrottle, (kind, subject))
    if row is None:
        return False
    before = snapshot(row)
    session.delete(row)
    audit(session, actor, "signin.throttle_clear", "signin_throttle", f"{kind}:{subject}", before=before)
    session.commit()
    return True
