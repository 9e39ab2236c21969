"""Server-side sign-in sessions: stored hashed, checked on every run, ended by sign-out,
deactivation, a password change, a new role or area, and inactivity."""
from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import event, update
from sqlmodel import select

from db.engine import new_session
from db.models import AuditLog, SignInSession, User
from lib.permissions import Role
from services import sign_in, users
from services.base import as_utc
from services.sign_in import (
    ACCOUNT_DEACTIVATED,
    PASSWORD_CHANGED,
    ROLE_CHANGED,
    SESSION_ENDED,
    SESSION_IDLE,
    check_session,
    end_session,
    start_session,
)

PASSWORD = "Gozarvazhe-1403"


@pytest.fixture
def account(session, admin, areas):
    user = users.create_user(session, admin, username="maryam.ahmadi", full_name="مریم احمدی",
                             password=PASSWORD, role=Role.county_expert, county_id=areas.county)
    return users.actor_for(user)


@pytest.fixture
def token(session, account):
    return start_session(session, account.id, client="10.0.0.1")


def test_the_database_keeps_only_a_hash_of_the_token(session, engine, account, token):
    assert len(token) >= 43  # 256 random bits, URL-safe
    with new_session(engine) as fresh:
        stored = fresh.exec(select(SignInSession.token_hash)).all()
    assert stored == [hashlib.sha256(token.encode()).hexdigest()]
    assert token not in stored[0]
    assert start_session(session, account.id) != token  # a new random token each time


def test_a_live_session_gives_the_account_as_it_is_now(engine, account, token):
    with new_session(engine) as fresh:  # another app server: only the database is shared
        result = check_session(fresh, token, expected=account)
    assert result.actor == account and result.reason is None


@pytest.mark.parametrize("bad", ["", "x", "a" * 5000, "\x00", "not-a-token"])
def test_an_unknown_token_is_no_session_and_no_error(session, token, bad):
    assert check_session(session, bad) == sign_in.SessionCheck(None, SESSION_ENDED)


def test_signing_out_ends_the_session_for_every_tab(session, engine, account, token):
    with new_session(engine) as tab_a:
        end_session(tab_a, token)
    with new_session(engine) as tab_b:  # the other tab holds the same token
        assert check_session(tab_b, token, expected=account).reason == SESSION_ENDED
    logout = session.exec(select(AuditLog).where(AuditLog.action == "user.logout")).all()
    assert [(a.user_id, a.entity_id) for a in logout] == [(account.id, str(account.id))]


def test_deactivation_ends_every_session_of_the_account(session, engine, admin, account, token):
    """Today a signed-in session outlived the deactivation of its account."""
    other = start_session(session, account.id)
    users.set_active(session, admin, account.id, False)
    with new_session(engine) as fresh:
        assert check_session(fresh, token, expected=account).reason == SESSION_ENDED
        assert "غیرفعال" in SESSION_ENDED
        assert check_session(fresh, other, expected=account).actor is None
        assert fresh.exec(select(SignInSession).where(SignInSession.user_id == account.id)).all() == []


def test_a_deactivated_account_is_refused_even_if_its_sessions_were_not_deleted(session, engine, account, token):
    """Deactivated by a route that forgot to delete the sessions (a script, SQL): still refused."""
    session.execute(update(User).where(User.id == account.id).values(active=False))
    session.commit()
    with new_session(engine) as fresh:
        assert check_session(fresh, token, expected=account).reason == ACCOUNT_DEACTIVATED


def test_a_password_reset_by_the_administrator_ends_the_sessions(session, engine, admin, account, token):
    """Today a signed-in session outlived a password reset."""
    users.change_password(session, admin, account.id, "Tazeh-Gozarvazhe")
    with new_session(engine) as fresh:
        assert check_session(fresh, token, expected=account).actor is None
    assert session.exec(select(AuditLog).where(AuditLog.action == "user.password")).one().after["sessions_ended"] == 1


def test_a_password_changed_by_any_route_ends_the_session(session, engine, account, token):
    session.execute(update(User).where(User.id == account.id).values(password_hash=users.hash_password("Digar-1234")))
    session.commit()
    with new_session(engine) as fresh:
        assert check_session(fresh, token, expected=account).reason == PASSWORD_CHANGED


@pytest.mark.parametrize("change", [{"role": "committee_secretary"}, {"county_id": None, "role": "manager"}])
def test_a_new_role_or_area_ends_the_session(session, engine, account, token, change):
    session.execute(update(User).where(User.id == account.id).values(**change))
    session.commit()
    with new_session(engine) as fresh:
        assert check_session(fresh, token, expected=account).reason == ROLE_CHANGED
    with new_session(engine) as fresh:  # and it is gone for good
        assert check_session(fresh, token).reason == SESSION_ENDED


def test_an_idle_session_ends_after_the_configured_minutes(session, engine, account, monkeypatch):
    monkeypatch.setenv(sign_in.IDLE_ENV, "30")
    token = start_session(session, account.id)
    started = as_utc(session.exec(select(SignInSession.created_at)).one())
    with new_session(engine) as fresh:  # used 29 minutes later: the idle clock starts again
        assert check_session(fresh, token, now=started + timedelta(minutes=29)).actor == account
    with new_session(engine) as fresh:
        assert check_session(fresh, token, now=started + timedelta(minutes=58)).actor == account
    with new_session(engine) as fresh:  # then 30 minutes of nothing
        assert check_session(fresh, token, now=started + timedelta(minutes=88)).reason == SESSION_IDLE


def test_no_session_lives_longer_than_the_maximum_age(session, engine, account, monkeypatch):
    monkeypatch.setenv(sign_in.MAX_AGE_ENV, "2")
    token = start_session(session, account.id)
    started = as_utc(session.exec(select(SignInSession.created_at)).one())
    for minutes in range(0, 120, 20):  # used every twenty minutes
        with new_session(engine) as fresh:
            assert check_session(fresh, token, now=started + timedelta(minutes=minutes)).actor == account
    with new_session(engine) as fresh:
        assert check_session(fresh, token, now=started + timedelta(minutes=120)).reason == SESSION_IDLE


@pytest.mark.parametrize("value", ["0", "-5", "ten"])
def test_a_bad_idle_setting_is_refused_loudly(monkeypatch, value):
    monkeypatch.setenv(sign_in.IDLE_ENV, value)
    with pytest.raises(ValueError, match=sign_in.IDLE_ENV):
        sign_in.idle_timeout()


def test_a_check_is_one_query_and_writes_at_most_once_a_minute(session, engine, account, token):
    started = as_utc(session.exec(select(SignInSession.created_at)).one())
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement.split()[0].upper())

    event.listen(engine, "before_cursor_execute", count)
    try:
        for seconds in (1, 20, 59):
            with new_session(engine) as fresh:
                assert check_session(fresh, token, expected=account, now=started + timedelta(seconds=seconds)).actor
        assert statements == ["SELECT"] * 3
        statements.clear()
        with new_session(engine) as fresh:
            assert check_session(fresh, token, expected=account, now=started + timedelta(seconds=61)).actor
        assert statements == ["SELECT", "UPDATE"]  # last_seen_at renewed
    finally:
        event.remove(engine, "before_cursor_execute", count)
