"""Accounts: creation rules, argon2 passwords, throttled sign-in (never a lock-out), and the audit trail."""
from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone

import pytest
from argon2 import PasswordHasher
from sqlmodel import select

from db.engine import new_session
from db.models import AuditLog, SignInThrottle, User
from lib.errors import Forbidden, InvalidInput
from lib.permissions import Role
from services import sign_in, users
from services.sign_in import FREE_FAILURES, MAX_DELAY
from services.users import BAD_CREDENTIALS

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
    assert len(_audit_rows(session, "user.login_failed")) == 2


def _fail(session, times, *, username="maryam.ahmadi", now=T0, client="10.0.0.1", step=timedelta(0)):
    """``times`` wrong passwords; returns the messages. ``step`` apart (enough to wait out delays)."""
    messages = []
    for i in range(times):
        with pytest.raises(InvalidInput) as err:
            users.authenticate(session, username, f"wrong-{i}", client=client, now=now + i * step)
        messages.append(err.value.message)
    return messages


def _failure_count(session, kind, subject):
    session.expire_all()
    row = session.get(SignInThrottle, (kind, subject))
    return 0 if row is None else row.failures


def test_failures_slow_the_account_down_with_growing_delays_but_never_lock_it(session, engine, account):
    """Today five failures locked the account for fifteen minutes, even against the right password."""
    # each failure from another client, so only the account's own throttle counts
    for i in range(FREE_FAILURES):
        _fail(session, 1, client=f"10.0.1.{i}")
    assert _failure_count(session, "account", "maryam.ahmadi") == FREE_FAILURES
    _fail(session, 1, client="10.0.1.50")  # the first failure beyond the free ones: a 5-second wait
    with new_session(engine) as fresh:  # the wait is in the database: another tab or app server sees it
        with pytest.raises(InvalidInput) as err:
            users.authenticate(fresh, "maryam.ahmadi", PASSWORD, client="10.0.9.9", now=T0 + timedelta(seconds=4))
    assert "۱ ثانیه" in err.value.message and PERSIAN.search(err.value.message)
    assert _failure_count(session, "account", "maryam.ahmadi") == FREE_FAILURES + 1  # waiting costs no count
    with new_session(engine) as fresh:
        actor = users.authenticate(fresh, "maryam.ahmadi", PASSWORD, client="10.0.9.9", now=T0 + timedelta(seconds=6))
    assert actor.id == account.id
    assert _failure_count(session, "account", "maryam.ahmadi") == 0  # success forgets the account's failures


@pytest.mark.parametrize(
    ("kind", "failures", "seconds"),
    [("account", FREE_FAILURES, 0), ("account", FREE_FAILURES + 1, 5), ("account", FREE_FAILURES + 2, 10),
     ("account", FREE_FAILURES + 4, 40), ("account", FREE_FAILURES + 5, 60), ("account", 10_000, 60),
     ("client", FREE_FAILURES + 5, 80), ("client", 10_000, 900)],
)
def test_delays_double_up_to_a_minute_per_account_and_fifteen_per_client(kind, failures, seconds):
    assert sign_in.delay_after(kind, failures) == timedelta(seconds=seconds)
    assert MAX_DELAY == {"account": timedelta(minutes=1), "client": timedelta(minutes=15),
                         "status": timedelta(minutes=15)}  # the status page's lookups, per client


def test_a_stranger_cannot_lock_the_owner_out(session, engine, account):
    """Twenty wrong passwords from many computers; a minute later the owner signs in from hers."""
    now = T0
    for i in range(20):
        now = T0 + i * timedelta(minutes=1, seconds=1)  # as fast as the account's throttle allows
        _fail(session, 1, client=f"10.0.2.{i}", now=now)
    with new_session(engine) as fresh:
        actor = users.authenticate(fresh, "maryam.ahmadi", PASSWORD, client="10.0.0.200",
                                   now=now + MAX_DELAY["account"])
    assert actor.id == account.id
    assert not _audit_rows(session, "user.lock")


def test_one_client_guessing_across_accounts_is_slowed_for_every_name(session, engine, account):
    for i in range(FREE_FAILURES + 3):
        _fail(session, 1, username=f"guess{i}", client="10.0.3.3")
    with new_session(engine) as fresh:  # even the right password, from that client, waits
        with pytest.raises(InvalidInput, match="ثانیه"):
            users.authenticate(fresh, "maryam.ahmadi", PASSWORD, client="10.0.3.3", now=T0 + timedelta(seconds=1))
    with new_session(engine) as fresh:  # another client is not slowed
        assert users.authenticate(fresh, "maryam.ahmadi", PASSWORD, client="10.0.3.4", now=T0).id == account.id


def test_an_unknown_name_answers_like_a_known_one_with_the_same_work(session, engine, account, monkeypatch):
    """Same messages, the same argon2 verifications, the same rows written, the same throttling."""
    calls = []
    real_matches = users._password_matches  # one argon2 verification per call
    monkeypatch.setattr(users, "_password_matches", lambda h, p: calls.append(h) or real_matches(h, p))

    def attempts(username, client):
        calls.clear()
        messages = _fail(session, FREE_FAILURES + 2, username=username, client=client, step=timedelta(seconds=2))
        return messages, len(calls), _failure_count(session, "account", username)

    before = len(_audit_rows(session))
    known = attempts("maryam.ahmadi", "10.0.4.1")
    known_audit = len(_audit_rows(session)) - before
    unknown = attempts("no.such.user", "10.0.4.2")
    unknown_audit = len(_audit_rows(session)) - before - known_audit
    assert known == unknown
    assert known_audit == unknown_audit
    assert known[1] == FREE_FAILURES + 1  # the throttled attempt hashes nothing, for both
    assert "ثانیه" in known[0][-1] and set(known[0][:-1]) == {BAD_CREDENTIALS}
    # malformed names (a NUL, spaces, far too long) get the same answer and reach no query that could fail
    for typed in ("maryam\x00ahmadi", "x" * 10_000, "مریم"):
        with pytest.raises(InvalidInput) as err:
            users.authenticate(session, typed, PASSWORD, client="10.0.4.3", now=T0)
        assert err.value.message == BAD_CREDENTIALS


def test_administrator_sees_and_clears_throttles(session, engine, admin, account, county_expert):
    _fail(session, FREE_FAILURES + 1, client="10.0.5.5")
    with pytest.raises(Forbidden):
        sign_in.list_throttles(session, county_expert, now=T0)
    rows = {(t.kind, t.subject): t for t in sign_in.list_throttles(session, admin, now=T0)}
    assert rows[("account", "maryam.ahmadi")].failures == FREE_FAILURES + 1
    assert rows[("account", "maryam.ahmadi")].waiting == timedelta(seconds=5)
    assert rows[("client", "10.0.5.5")].failures == FREE_FAILURES + 1
    with pytest.raises(Forbidden):
        sign_in.clear_throttle(session, county_expert, "client", "10.0.5.5")
    session.rollback()
    assert sign_in.clear_throttle(session, admin, "client", "10.0.5.5")
    users.unlock(session, admin, account.id)  # the account's throttle (bimeyar unlock does this)
    assert sign_in.list_throttles(session, admin, now=T0) == []
    with new_session(engine) as fresh:
        assert users.authenticate(fresh, "maryam.ahmadi", PASSWORD, client="10.0.5.5", now=T0).id == account.id
    cleared = _audit_rows(session, "signin.throttle_clear")
    assert [(a.user_id, a.entity_id) for a in cleared] == [(admin.id, "client:10.0.5.5")]
    unlock = _audit_rows(session, "user.unlock")
    assert [(a.user_id, a.entity_id) for a in unlock] == [(admin.id, str(account.id))]
    assert unlock[0].before == {"failures": FREE_FAILURES + 1}


def test_failures_older_than_an_hour_start_the_count_again(session, account):
    _fail(session, FREE_FAILURES, client="10.0.6.6")
    _fail(session, 1, client="10.0.6.7", now=T0 + sign_in.FORGET_AFTER + timedelta(seconds=1))
    assert _failure_count(session, "account", "maryam.ahmadi") == 1


def test_a_success_forgets_failures_older_than_an_hour_of_every_name(session, account):
    _fail(session, 2, username="someone.else", client="10.0.8.8")
    later = T0 + sign_in.FORGET_AFTER + timedelta(minutes=1)
    users.authenticate(session, "maryam.ahmadi", PASSWORD, client="10.0.8.9", now=later)
    assert session.exec(select(SignInThrottle)).all() == []


def test_aware_and_naive_utc_clocks_agree(session, engine, account):
    _fail(session, FREE_FAILURES + 1, now=T0.replace(tzinfo=timezone.utc))
    with new_session(engine) as fresh:
        with pytest.raises(InvalidInput, match="ثانیه"):
            users.authenticate(fresh, "maryam.ahmadi", PASSWORD, now=T0 + timedelta(seconds=4))
    with new_session(engine) as fresh:
        users.authenticate(fresh, "maryam.ahmadi", PASSWORD, now=(T0 + timedelta(seconds=6)).replace(tzinfo=timezone.utc))


@pytest.mark.postgres
@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
def test_concurrent_failures_on_one_name_are_all_counted(engine, account):
    """Twelve wrong passwords at the same moment: each is counted (an atomic upsert), none lost."""
    import threading

    barrier = threading.Barrier(12)
    errors = []

    def attempt(i):
        with new_session(engine) as own:
            barrier.wait()
            try:
                users.authenticate(own, "maryam.ahmadi", f"wrong-{i}", client=f"10.0.7.{i}", now=T0)
            except InvalidInput as exc:
                errors.append(exc.message)

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(errors) == 12
    with new_session(engine) as fresh:
        assert fresh.get(SignInThrottle, ("account", "maryam.ahmadi")).failures == 12


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
    users.change_password(session, me, account.id, "Tazeh-Gozarvazhe", current_password=PASSWORD)
    with pytest.raises(InvalidInput):
        users.authenticate(session, "maryam.ahmadi", PASSWORD, now=T0)
    assert users.authenticate(session, "maryam.ahmadi", "Tazeh-Gozarvazhe", now=T0).id == account.id
    with pytest.raises(Forbidden):  # someone else's password: only an administrator
        users.change_password(session, county_expert, account.id, "Digar-Gozarvazhe")


def test_changing_ones_own_password_needs_the_current_one(session, engine, account, counts):
    """Today anyone at an unlocked screen could change the password without knowing it."""
    me = users.actor_for(account)
    before = counts()
    for current in (None, "", "not-the-password"):
        with pytest.raises(InvalidInput) as err:
            users.change_password(session, me, account.id, "Tazeh-Gozarvazhe", current_password=current)
        assert err.value.field == "current_password" and "گذرواژه کنونی" in err.value.message
        session.rollback()
    assert counts() == before
    with new_session(engine) as fresh:
        assert users.authenticate(fresh, "maryam.ahmadi", PASSWORD, now=T0).id == account.id


def test_an_administrator_resets_a_password_without_knowing_it(session, admin, account):
    users.change_password(session, admin, account.id, "Tazeh-Gozarvazhe")
    assert users.authenticate(session, "maryam.ahmadi", "Tazeh-Gozarvazhe", now=T0).id == account.id


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
