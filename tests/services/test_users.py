"""Accounts: creation rules, argon2 passwords, sign-in with lock-out, and the audit trail."""
from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone

import pytest
from argon2 import PasswordHasher
from sqlmodel import select

from db.engine import new_session
from db.models import AuditLog, User
from lib.errors import Forbidden, InvalidInput
from lib.permissions import Role
from services import users
from services.users import BAD_CREDENTIALS, LOCK_MINUTES, MAX_FAILED_LOGINS

PASSWORD = "Gozarvazhe-1403"
PERSIAN = re.compile(r"[\u0600-\u06FF]")
T0 = datetime(2025, 3, 1, 8, 0, 0)  # naive UTC, as ``utcnow()`` gives


def _create(session, admin, username="maryam.ahmadi", password=PASSWORD, role=Role.county_expert, **kw):
    return users.create_user(
        session, admin, username=username, full_name="مریم احمدی", password=password, role=role, **kw
    )


@pytest.fixture
def account(session, admin, areas):
    """A county expert account created by the administrator, with PASSWORD."""
    return _create(session, admin, county_id=areas.county)


def _audit_rows(session, action=None):
    query = select(AuditLog).order_by(AuditLog.id)
    if action:
        query = query.where(AuditLog.action == action)
    return list(session.exec(query).all())


# --------------------------------------------------------------------------- creation
@pytest.mark.parametrize(
    ("overrides", "field", "fragment"),
    [
        ({"username": "1maryam"}, "username", "نام کاربری"),
        ({"username": "ab"}, "username", "نام کاربری"),
        ({"username": "مریم"}, "username", "نام کاربری"),
        ({"username": "maryam ahmadi"}, "username", "نام کاربری"),
        ({"password": "kutah12"}, "password", "۸ نویسه"),
        ({"role": Role.county_expert, "county_id": None}, "county_id", "شهرستان"),
        ({"role": Role.province_committee, "province_id": None, "county_id": None}, "province_id", "استان"),
        ({"role": "chief"}, "role", "نقش"),
    ],
    ids=["digit-first", "too-short", "persian", "space", "short-password", "expert-no-county",
         "committee-no-province", "unknown-role"],
)
def test_create_user_refuses_bad_input_in_persian_and_writes_nothing(
    session, admin, areas, counts, overrides, field, fragment
):
    before = counts()
    kw = {"county_id": areas.county, **overrides}
    with pytest.raises(InvalidInput) as err:
        users.create_user(
            session, admin, full_name="مریم احمدی",
            **{"username": "maryam", "password": PASSWORD, "role": Role.county_expert, **kw},
        )
    assert err.value.field == field
    assert fragment in err.value.message
    assert PERSIAN.search(err.value.message)
    session.rollback()
    assert counts() == before


def test_duplicate_username_is_refused_with_its_name(session, admin, areas, account, counts):
    before = counts()
    with pytest.raises(InvalidInput) as err:
        _create(session, admin, username="  Maryam.Ahmadi ", county_id=areas.sibling_county)
    assert err.value.field == "username"
    assert "maryam.ahmadi" in err.value.message and "پیش‌تر ثبت شده" in err.value.message
    session.rollback()
    assert counts() == before


def test_usernames_are_stored_lower_case_and_the_area_is_filled_from_the_county(session, admin, areas):
    user = _create(session, admin, username="Reza_Karimi", county_id=areas.county)
    assert user.username == "reza_karimi"
    assert (user.province_id, user.county_id) == (areas.province, areas.county)


def test_county_must_lie_in_the_given_province(session, admin, areas, counts):
    before = counts()
    with pytest.raises(InvalidInput) as err:
        _create(session, admin, county_id=areas.other_county, province_id=areas.province)
    assert err.value.field == "county_id"
    session.rollback()
    assert counts() == before


@pytest.mark.parametrize(
    "role", [Role.county_expert, Role.committee_secretary, Role.province_committee, Role.manager]
)
def test_only_an_administrator_creates_users(session, make_actor, areas, counts, role):
    county = areas.county if role in (Role.county_expert, Role.committee_secretary) else None
    province = areas.province if role is not Role.manager else None
    actor = make_actor(role, province_id=province, county_id=county)
    before = counts()
    with pytest.raises(Forbidden) as err:
        _create(session, actor, username="intruder", county_id=areas.county)
    assert PERSIAN.search(err.value.message)
    session.rollback()
    assert counts() == before
    with pytest.raises(Forbidden):
        users.list_users(session, actor)


def test_password_is_stored_as_an_argon2_hash_never_in_plain_text(session, engine, account):
    with new_session(engine) as fresh:
        stored = fresh.get(User, account.id).password_hash
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored
    assert PasswordHasher().verify(stored, PASSWORD)


# --------------------------------------------------------------------------- sign-in
def test_sign_in_returns_the_actor_with_role_and_area(session, account, areas):
    actor = users.authenticate(session, " Maryam.Ahmadi ", PASSWORD, now=T0)
    assert actor.id == account.id
    assert actor.role is Role.county_expert
    assert (actor.province_id, actor.county_id) == (areas.province, areas.county)
    session.expire_all()
    assert session.get(User, account.id).last_login_at is not None
    login = _audit_rows(session, "user.login")
    assert [(a.user_id, a.entity_id) for a in login] == [(account.id, str(account.id))]


def test_wrong_password_and_unknown_user_get_the_same_persian_message(session, account):
    with pytest.raises(InvalidInput) as wrong:
        users.authenticate(session, "maryam.ahmadi", "not-the-password", now=T0)
    with pytest.raises(InvalidInput) as unknown:
        users.authenticate(session, "nobody", PASSWORD, now=T0)
    assert wrong.value.message == unknown.value.message == BAD_CREDENTIALS
    assert PERSIAN.search(BAD_CREDENTIALS)
    session.expire_all()
    assert session.get(User, account.id).failed_logins == 1
    assert len(_audit_rows(session, "user.login_failed")) == 1


def _fail(session, times, now=T0):
    messages = []
    for i in range(times):
        with pytest.raises(InvalidInput) as err:
            users.authenticate(session, "maryam.ahmadi", f"wrong-{i}", now=now)
        messages.append(err.value.message)
    return messages


def test_five_failures_lock_the_account_even_against_the_right_password(session, engine, account):
    messages = _fail(session, MAX_FAILED_LOGINS)
    assert messages[:-1] == [BAD_CREDENTIALS] * (MAX_FAILED_LOGINS - 1)
    assert "قفل" in messages[-1] and "۱۵" in messages[-1].translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    assert len(_audit_rows(session, "user.lock")) == 1
    # the lock is in the database: a new session (another browser tab, a restart) sees it
    with new_session(engine) as fresh:
        with pytest.raises(InvalidInput) as err:
            users.authenticate(fresh, "maryam.ahmadi", PASSWORD, now=T0 + timedelta(minutes=1))
    assert "قفل" in err.value.message
    assert PERSIAN.search(err.value.message)
    assert not _audit_rows(session, "user.login")


def test_four_failures_then_success_reset_the_count(session, account):
    _fail(session, MAX_FAILED_LOGINS - 1)
    users.authenticate(session, "maryam.ahmadi", PASSWORD, now=T0)
    _fail(session, MAX_FAILED_LOGINS - 1)
    assert users.authenticate(session, "maryam.ahmadi", PASSWORD, now=T0).id == account.id


def test_the_lock_expires_after_fifteen_minutes(session, engine, account):
    _fail(session, MAX_FAILED_LOGINS)
    with new_session(engine) as fresh:
        with pytest.raises(InvalidInput):
            users.authenticate(
                fresh, "maryam.ahmadi", PASSWORD, now=T0 + timedelta(minutes=LOCK_MINUTES, seconds=-1)
            )
    with new_session(engine) as fresh:
        actor = users.authenticate(
            fresh, "maryam.ahmadi", PASSWORD, now=T0 + timedelta(minutes=LOCK_MINUTES, seconds=1)
        )
    assert actor.id == account.id


def test_aware_and_naive_utc_clocks_agree(session, engine, account):
    _fail(session, MAX_FAILED_LOGINS, now=T0.replace(tzinfo=timezone.utc))
    with new_session(engine) as fresh:
        with pytest.raises(InvalidInput):
            users.authenticate(fresh, "maryam.ahmadi", PASSWORD, now=T0 + timedelta(minutes=5))
    with new_session(engine) as fresh:
        users.authenticate(
            fresh, "maryam.ahmadi", PASSWORD, now=(T0 + timedelta(minutes=16)).replace(tzinfo=timezone.utc)
        )


def test_administrator_unlocks_at_once(session, engine, admin, account, county_expert):
    _fail(session, MAX_FAILED_LOGINS)
    with pytest.raises(Forbidden):
        users.unlock(session, county_expert, account.id)
    session.rollback()
    users.unlock(session, admin, account.id)
    with new_session(engine) as fresh:
        assert users.authenticate(fresh, "maryam.ahmadi", PASSWORD, now=T0 + timedelta(minutes=1)).id == account.id
    unlock = _audit_rows(session, "user.unlock")
    assert [(a.user_id, a.username, a.entity_id) for a in unlock] == [(admin.id, admin.username, str(account.id))]
    assert unlock[0].before["locked_until"] is not None and unlock[0].after["locked_until"] is None


def test_a_deactivated_account_cannot_sign_in(session, admin, account):
    users.set_active(session, admin, account.id, False)
    with pytest.raises(InvalidInput) as err:
        users.authenticate(session, "maryam.ahmadi", PASSWORD, now=T0)
    assert "غیرفعال" in err.value.message
    users.set_active(session, admin, account.id, True)
    assert users.authenticate(session, "maryam.ahmadi", PASSWORD, now=T0).id == account.id


def test_an_administrator_cannot_deactivate_themselves(session, admin, counts):
    before = counts()
    with pytest.raises(InvalidInput):
        users.set_active(session, admin, admin.id, False)
    session.rollback()
    assert counts() == before


def test_changed_password_replaces_the_old_one(session, account, county_expert):
    me = users.actor_for(account)
    users.change_password(session, me, account.id, "Tazeh-Gozarvazhe")
    with pytest.raises(InvalidInput):
        users.authenticate(session, "maryam.ahmadi", PASSWORD, now=T0)
    assert users.authenticate(session, "maryam.ahmadi", "Tazeh-Gozarvazhe", now=T0).id == account.id
    with pytest.raises(Forbidden):  # someone else's password: only an administrator
        users.change_password(session, county_expert, account.id, "Digar-Gozarvazhe")


# --------------------------------------------------------------------------- audit
def test_every_account_write_is_audited_without_the_password_hash(session, engine, admin, areas, account):
    users.set_active(session, admin, account.id, False)
    users.set_active(session, admin, account.id, True)
    users.change_password(session, admin, account.id, "Tazeh-Gozarvazhe")
    users.unlock(session, admin, account.id)
    rows = _audit_rows(session)
    by_action = {a.action: a for a in rows}
    assert {"user.create", "user.deactivate", "user.activate", "user.password", "user.unlock"} <= set(by_action)
    for action in ("user.create", "user.deactivate", "user.activate", "user.password", "user.unlock"):
        record = by_action[action]
        assert (record.user_id, record.username) == (admin.id, admin.username)
        assert (record.entity, record.entity_id) == ("user", str(account.id))
    created = by_action["user.create"]
    assert created.before is None
    assert created.after["username"] == "maryam.ahmadi"
    assert created.after["role"] == "county_expert"
    assert created.after["county_id"] == areas.county
    assert by_action["user.deactivate"].before["active"] is True
    assert by_action["user.deactivate"].after["active"] is False
    with new_session(engine) as fresh:
        hashes = [u.password_hash for u in fresh.exec(select(User)).all()]
    dumped = json.dumps([[a.before, a.after] for a in rows], ensure_ascii=False)
    assert "password_hash" not in dumped
    assert "$argon2" not in dumped
    assert PASSWORD not in dumped and "Tazeh-Gozarvazhe" not in dumped
    assert not any(h in dumped for h in hashes)
