"""Users: creation, throttled sign-in, password changes. Passwords are argon2 hashes.

Sign-in never locks an account: failures are throttled by account name and by client
(services.sign_in), and an unknown name gets the same answer, the same writes and the same
argon2 work as a wrong password."""
from __future__ import annotations

import re
import unicodedata
from datetime import datetime, timedelta
from math import ceil

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import Session, select

from db.models import County, Province, SignInThrottle, User, utcnow
from lib.errors import InvalidInput
from lib.permissions import Action, Area, Role, validate_user_area
from lib import validate
from lib.text import to_persian_digits
from services.base import SYSTEM, Actor, as_utc, audit, find, snapshot
from services.reference import hold_counties, refuse_retired
from services.sign_in import (
    actor_for,
    forget_failures,
    record_failure,
    revoke_sessions,
    throttle_keys,
    throttle_wait,
)

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 200
USERNAME_RE = re.compile(r"^[a-z][a-z0-9_.-]{2,59}$")
BAD_CREDENTIALS = "نام کاربری یا گذرواژه نادرست است؛ دوباره وارد کنید."
DEMO_PASSWORD = "demo1234"
"""The password of every demo account (``demo.create_demo_users``); shown on the login page only
in a database that holds demo accounts."""

_hasher = PasswordHasher()
# A hash to verify against when the user does not exist, so timing does not reveal names.
_DUMMY_HASH = _hasher.hash("bimeyar-dummy-password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _throttled_message(wait: timedelta) -> str:
    seconds = to_persian_digits(max(1, ceil(wait.total_seconds())))
    return f"چند ورود نادرست پیاپی ثبت شده است؛ {seconds} ثانیه دیگر دوباره تلاش کنید."


def _password_matches(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _usable_password(password: object) -> bool:
    """Text that can be a password: a string of at most MAX_PASSWORD_LENGTH characters, each
    encodable (no lone surrogate) and no NUL or other control character."""
    return (
        isinstance(password, str)
        and len(password) <= MAX_PASSWORD_LENGTH
        and not any(unicodedata.category(ch) in ("Cc", "Cs") for ch in password)
    )


def _check_password_rules(password: str) -> None:
    if not _usable_password(password):
        raise InvalidInput(
            f"گذرواژه باید حداکثر {to_persian_digits(MAX_PASSWORD_LENGTH)} نویسه و بی نویسه‌های نامرئی یا کنترلی "
            "باشد؛ گذرواژه دیگری انتخاب کنید.",
            field="password",
        )
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            f"گذرواژه باید دست‌کم {to_persian_digits(MIN_PASSWORD_LENGTH)} نویسه باشد؛ گذرواژه بلندتری انتخاب کنید.",
            field="password",
        )


def _resolve_area(session: Session, role: Role, province_id: int | None, county_id: int | None) -> Area:
    if county_id is not None:
        county = find(session, County, county_id)
        if county is None:
            raise InvalidInput("شهرستان انتخاب‌شده وجود ندارد؛ از فهرست انتخاب کنید.", field="county_id")
        if province_id is not None and province_id != county.province_id:
            raise InvalidInput("شهرستان انتخاب‌شده در استان انتخاب‌شده نیست.", field="county_id")
        hold_counties(session, [county.id])  # re-read under a lock: a retire at the same moment waits or was first
        if not county.active:  # retired by an administrator (services.reference)
            message = f"شهرستان «{county.name}» غیرفعال شده است؛ شهرستان دیگری انتخاب کنید."
            session.rollback()
            raise InvalidInput(message, field="county_id")
        province_id = county.province_id
    elif province_id is not None and find(session, Province, province_id) is None:
        raise InvalidInput("استان انتخاب‌شده وجود ندارد؛ از فهرست انتخاب کنید.", field="province_id")
    area = Area(province_id=province_id, county_id=county_id)
    validate_user_area(role, area)
    return area


def create_user(
    session: Session,
    actor: Actor,
    *,
    username: str,
    full_name: str,
    password: str,
    role: Role | str,
    province_id: int | None = None,
    county_id: int | None = None,
    is_demo: bool = False,
) -> User:
    actor.require(Action.manage_users)
    username = validate.clean_text(username, field="username", label_fa="نام کاربری", max_length=60).lower()
    if not USERNAME_RE.fullmatch(username):
        raise InvalidInput(
            "نام کاربری باید با حرف لاتین شروع شود و ۳ تا ۶۰ نویسه از حروف کوچک لاتین، رقم، نقطه، خط تیره یا زیرخط باشد.",
            field="username",
        )
    full_name = validate.clean_text(full_name, field="full_name", label_fa="نام و نام خانوادگی کاربر",
                                    max_length=120, required=True)
    try:
        role = Role(role)
    except ValueError:
        raise InvalidInput("نقش کاربر معتبر نیست؛ یکی از نقش‌های فهرست را انتخاب کنید.", field="role") from None
    _check_password_rules(password)
    area = _resolve_area(session, role, province_id, county_id)
    if session.exec(select(User).where(User.username == username)).first() is not None:
        raise InvalidInput(f"نام کاربری «{username}» پیش‌تر ثبت شده است؛ نام دیگری انتخاب کنید.", field="username")
    user = User(
        username=username,
        full_name=full_name,
        password_hash=hash_password(password),
        role=role.value,
        province_id=area.province_id,
        county_id=area.county_id,
        is_demo=is_demo,
    )
    session.add(user)
    session.flush()
    audit(session, actor, "user.create", "user", user.id, after=snapshot(user, exclude=("password_hash",)))
    session.commit()
    return user


def authenticate(
    session: Session, username: str, password: str, *, client: str | None = None, now: datetime | None = None
) -> Actor:
    """Sign in. Failures are throttled by account name and by ``client`` (the browser's address,
    None when unknown), with growing delays; nothing is ever locked. Whether the name exists or
    not, a failure gives the same message after the same work: one argon2 verification, the same
    throttle writes, one audit row."""
    now = as_utc(now) if now is not None else utcnow()
    typed = username.strip().lower() if isinstance(username, str) else ""
    password = password if _usable_password(password) else ""  # such a password matches no one's
    possible = USERNAME_RE.fullmatch(typed) is not None  # anything else can be no one's name
    keys = throttle_keys(typed if possible else None, client)
    wait = throttle_wait(session, keys, now=now)
    if wait:
        raise InvalidInput(_throttled_message(wait))
    user = session.exec(select(User).where(User.username == typed)).first() if possible else None
    matches = _password_matches(user.password_hash if user is not None else _DUMMY_HASH, password)
    if user is None or not matches:
        record_failure(session, keys, now=now)
        audit(session, actor_for(user) if user is not None else SYSTEM, "user.login_failed", "user",
              user.id if user is not None else None)
        session.commit()
        raise InvalidInput(BAD_CREDENTIALS)
    if not user.active:  # said only to someone who knows the password
        raise InvalidInput("این حساب غیرفعال است؛ با مدیر سامانه تماس بگیرید.")
    system = actor_for(user)
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)  # ends the user's other sessions (their stamp)
    forget_failures(session, "account", user.username, now=now)
    user.last_login_at = now
    session.add(user)
    audit(session, system, "user.login", "user", user.id)
    session.commit()
    return system


def change_password(
    session: Session, actor: Actor, user_id: int, new_password: str, *, current_password: str | None = None
) -> User:
    """A user changes their own password, proving the current one; an administrator may reset
    anyone else's. Every session of the account ends (every tab, every app server)."""
    own = actor.id == user_id
    if not own:
        actor.require(Action.manage_users)
    user = find(session, User, user_id)
    if user is None:
        raise InvalidInput("کاربر پیدا نشد.")
    current_password = current_password if _usable_password(current_password) else ""
    if own and not _password_matches(user.password_hash, current_password):
        raise InvalidInput("گذرواژه کنونی درست نیست؛ گذرواژه‌ای را که با آن وارد شدید بنویسید.",
                           field="current_password")
    _check_password_rules(new_password)
    before = snapshot(user, exclude=("password_hash",))
    user.password_hash = hash_password(new_password)
    session.add(user)
    ended = revoke_sessions(session, user.id)
    audit(session, actor, "user.password", "user", user.id,
          before=before, after={**snapshot(user, exclude=("password_hash",)), "sessions_ended": ended})
    session.commit()
    return user


REACTIVATE_FIX = "نخست شهرستان را دوباره فعال کنید، یا برای او در شهرستانی که اکنون در آن کار می‌کند حساب تازه بسازید."


def set_active(session: Session, actor: Actor, user_id: int, active: bool) -> User:
    """Activate or deactivate an account; deactivating ends its sessions at once. An account of a retired
    county is not activated again (services.reference: retiring asked that none was active)."""
    actor.require(Action.manage_users)
    user = find(session, User, user_id)
    if user is None:
        raise InvalidInput("کاربر پیدا نشد.")
    if user.id == actor.id and not active:
        raise InvalidInput("نمی‌توانید حساب خودتان را غیرفعال کنید.")
    if active and not user.active and user.county_id is not None:  # a retired county keeps no active user
        refuse_retired(session, [user.county_id], REACTIVATE_FIX, takes="کاربر فعال")
    before = snapshot(user, exclude=("password_hash",))
    user.active = active
    session.add(user)
    ended = 0 if active else revoke_sessions(session, user.id)
    audit(session, actor, "user.activate" if active else "user.deactivate", "user", user.id,
          before=before, after={**snapshot(user, exclude=("password_hash",)), "sessions_ended": ended})
    session.commit()
    return user


def unlock(session: Session, actor: Actor, user_id: int) -> User:
    """Forget the failed sign-ins counted against this account's name (its throttle)."""
    actor.require(Action.manage_users)
    user = find(session, User, user_id)
    if user is None:
        raise InvalidInput("کاربر پیدا نشد.")
    throttle = session.get(SignInThrottle, ("account", user.username))
    before = {"failures": throttle.failures if throttle is not None else 0}
    forget_failures(session, "account", user.username)
    audit(session, actor, "user.unlock", "user", user.id, before=before, after={"failures": 0})
    session.commit()
    return user


def has_demo_data(session: Session) -> bool:
    """True when the database holds the demo data set (its accounts are marked)."""
    return session.exec(select(User.id).where(User.is_demo == True).limit(1)).first() is not None  # noqa: E712


def demo_accounts(session: Session) -> list[User]:
    return list(session.exec(select(User).where(User.is_demo == True).order_by(User.id)).all())  # noqa: E712


def list_users(session: Session, actor: Actor) -> list[User]:
    actor.require(Action.manage_users)
    return list(session.exec(select(User).order_by(User.username)).all())


def demo_account_rows(session: Session) -> list[dict[str, str]]:
    """The demo accounts for the login page (only in a database that holds demo data)."""
    accounts = demo_accounts(session)
    if not accounts:
        return []
    from lib.permissions import ROLE_LABELS

    rows = []
    for user in accounts:
        if user.county_id:
            area = f"شهرستان {session.get(County, user.county_id).name}"
        elif user.province_id:
            area = f"استان {session.get(Province, user.province_id).name}"
        else:
            area = "کل کشور"
        rows.append({"username": user.username, "role": ROLE_LABELS[Role(user.role)], "area": area, "password": DEMO_PASSWORD})
    return rows
