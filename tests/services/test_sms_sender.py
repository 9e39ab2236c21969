"""The SMS sender against a fake provider on 127.0.0.1: delivered once, retried with back-off, never
blindly twice, failures recorded by kind; two senders at once deliver each message once."""
from __future__ import annotations

import json
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlmodel import select

import cli
from db.engine import new_session
from db.models import AuditLog, County, Notification, WorkerHeartbeat, utcnow
from lib.errors import Forbidden, InvalidInput
from services.sms_gateway import Delivery, HttpGateway, LogGateway
from services.sms_sender import (
    LEASE, MAX_ATTEMPTS, backoff, cancel_message, claim_due, idempotency_key, last_heartbeat, list_messages,
    record, retry_message, send_round,
)
from tests.services.paid_runs import make_person


class FakeProvider:
    """An SMS provider on 127.0.0.1 that honours Idempotency-Key; its behaviour is set per test."""

    def __init__(self) -> None:
        self.mode = "ok"            # ok | down | slow | bad_number | refuse | twice
        self.delivered: dict[str, int] = {}   # idempotency key -> SMS actually sent (must stay 1)
        self.requests: list[dict] = []
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # quiet
                pass

            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                key = self.headers["Idempotency-Key"]
                provider.requests.append({"key": key, "auth": self.headers["Authorization"], **body})
                mode = provider.mode
                if mode == "down":
                    return self._answer(503, {"error": "maintenance"})
                if mode == "bad_number":
                    return self._answer(400, {"error": "bad_number"})
                if mode == "refuse":
                    return self._answer(403, {"error": "blocked sender"})
                if key not in provider.delivered:
                    provider.delivered[key] = 1
                if mode == "slow":
                    time.sleep(1.0)  # longer than the gateway waits: the SMS went out, the answer is lost
                self._answer(200, {"id": f"p-{key}", "status": "sent"})

            def _answer(self, code: int, payload: dict) -> None:
                data = json.dumps(payload).encode()
                try:
                    self.send_response(code)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sms"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def provider():
    fake = FakeProvider()
    yield fake
    fake.close()


@pytest.fixture
def gateway(provider):
    return HttpGateway(provider.url, "secret-key", timeout=0.3)


def queue(session, count: int, *, mobile: str = "09121234567") -> list[int]:
    tehran = session.exec(select(County).where(County.name == "تهران")).first()
    person = make_person(session, program="B", province_id=tehran.province_id, county_id=tehran.id)
    rows = [Notification(applicant_id=person.applicant_id, mobile=mobile, event="state.received",
                         body=f"پیام {i} بیمه‌یار") for i in range(count)]
    session.add_all(rows)
    session.commit()
    return [row.id for row in rows]


def statuses(session) -> dict[int, str]:
    session.expire_all()
    return {n.id: n.status for n in session.exec(select(Notification))}


def test_due_messages_are_delivered_once_with_the_providers_id(session, provider, gateway):
    ids = queue(session, 3)
    assert send_round(session, gateway) == {"sent": 3}
    assert set(statuses(session).values()) == {"sent"}
    message = session.get(Notification, ids[0])
    assert message.provider_id == f"p-{idempotency_key(ids[0])}" and message.attempts == 1 and message.sent_at
    assert provider.requests[0]["auth"] == "Bearer secret-key" and provider.requests[0]["to"] == "09121234567"
    assert send_round(session, gateway) == {}  # nothing due: nothing sent again
    assert len(provider.requests) == 3
    assert last_heartbeat(session) is not None


def test_a_provider_that_is_down_is_retried_with_back_off_then_given_up(session, provider, gateway):
    (message_id,) = queue(session, 1)
    provider.mode = "down"
    assert send_round(session, gateway) == {"queued": 1}
    message = session.get(Notification, message_id)
    assert message.last_error_kind == "provider_down" and "503" in message.last_error
    assert message.next_attempt_at is not None
    assert send_round(session, gateway) == {}  # not due before its back-off
    for attempt in range(2, MAX_ATTEMPTS + 1):
        session.exec(Notification.__table__.update().values(next_attempt_at=utcnow() - timedelta(seconds=1)))
        session.commit()
        expected = "failed" if attempt == MAX_ATTEMPTS else "queued"
        assert send_round(session, gateway) == {expected: 1}
    assert session.get(Notification, message_id).attempts == MAX_ATTEMPTS


def test_back_off_grows_and_is_capped():
    assert backoff(1) == timedelta(seconds=30)
    assert backoff(2) == timedelta(minutes=1)
    assert backoff(4) == timedelta(minutes=4)
    assert backoff(30) == timedelta(hours=1)


def test_an_unknown_outcome_is_retried_only_under_the_same_key(session, provider, gateway):
    (message_id,) = queue(session, 1)
    provider.mode = "slow"
    assert send_round(session, gateway) == {"queued": 1}
    message = session.get(Notification, message_id)
    assert message.last_error_kind == "unknown" and message.outcome_unknown
    provider.mode = "ok"
    session.exec(Notification.__table__.update().values(next_attempt_at=None))
    session.commit()
    assert send_round(session, gateway) == {"sent": 1}
    keys = [r["key"] for r in provider.requests]
    assert keys == [idempotency_key(message_id)] * 2  # asked twice, under one key
    assert provider.delivered == {idempotency_key(message_id): 1}  # the SMS went out once


def test_a_provider_answering_sent_twice_is_recorded_once(session, provider, gateway):
    (message_id,) = queue(session, 1)
    provider.mode = "twice"
    assert send_round(session, gateway) == {"sent": 1}
    session.exec(Notification.__table__.update().values(status="queued"))  # as if the answer were replayed
    session.commit()
    send_round(session, gateway)
    assert provider.delivered == {idempotency_key(message_id): 1}
    assert session.get(Notification, message_id).provider_id == f"p-{idempotency_key(message_id)}"


@pytest.mark.parametrize(("mode", "kind"), [("bad_number", "bad_number"), ("refuse", "refused")])
def test_a_refusal_fails_at_once_by_kind(session, provider, gateway, mode, kind):
    (message_id,) = queue(session, 1)
    provider.mode = mode
    assert send_round(session, gateway) == {"failed": 1}
    assert session.get(Notification, message_id).last_error_kind == kind


def test_no_number_and_a_bad_number_never_reach_the_provider(session, provider, gateway):
    (none,) = queue(session, 1, mobile="")
    (bad,) = queue(session, 1, mobile="12345")
    assert send_round(session, gateway) == {"failed": 2}
    assert session.get(Notification, none).last_error_kind == "no_number"
    assert session.get(Notification, bad).last_error_kind == "bad_number"
    assert provider.requests == []


def test_no_provider_listening_is_provider_down(session):
    (message_id,) = queue(session, 1)
    send_round(session, HttpGateway("http://127.0.0.1:9/sms", "k", timeout=0.5))
    assert session.get(Notification, message_id).last_error_kind == "provider_down"


def test_a_claim_lost_with_its_sender_is_taken_again_as_unknown(session, provider, gateway):
    (message_id,) = queue(session, 1)
    _, claimed = claim_due(session)  # a sender claims, then dies
    assert [m.id for m in claimed] == [message_id]
    assert send_round(session, gateway) == {}  # its lease still holds
    later = utcnow() + LEASE + timedelta(seconds=1)
    token, claimed = claim_due(session, now=later)
    assert [m.id for m in claimed] == [message_id] and claimed[0].outcome_unknown


def test_the_log_gateway_writes_each_message(session, tmp_path):
    queue(session, 2)
    log = tmp_path / "sms.log"
    assert send_round(session, LogGateway(log)) == {"sent": 2}
    lines = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert [line["text"] for line in lines] == ["پیام 0 بیمه‌یار", "پیام 1 بیمه‌یار"]
    assert oct(log.stat().st_mode & 0o777) == "0o600"


def test_send_sms_once_from_the_command_line(engine, monkeypatch, tmp_path, capsys):
    with new_session(engine) as session:
        queue(session, 2)
    monkeypatch.setenv("BIMEYAR_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("BIMEYAR_SMS_LOG", str(tmp_path / "sms.log"))
    assert cli.main(["send-sms", "--once"]) == 0
    assert "sent 2" in capsys.readouterr().out
    monkeypatch.setenv("BIMEYAR_SMS_GATEWAY", "http")  # without URL and key: refused, nothing sent
    assert cli.main(["send-sms", "--once"]) == 2
    with new_session(engine) as session:
        assert session.get(WorkerHeartbeat, "sms-sender") is not None


def test_the_administrator_retries_a_failed_message_and_cancels_a_waiting_one(session, provider, gateway, admin):
    failed, waiting = queue(session, 2)
    provider.mode = "bad_number"
    claim_token, _ = claim_due(session, limit=1)
    record(session, failed, claim_token, Delivery.failed("bad_number", "x"))
    frame = list_messages(session, admin)
    assert list(frame["id"])[:1] == [failed]  # failed first
    assert frame.iloc[0]["error_label"] == "شماره نامعتبر"
    retry_message(session, admin, failed)
    assert session.get(Notification, failed).status == "queued"
    cancel_message(session, admin, waiting)
    assert session.get(Notification, waiting).status == "cancelled"
    with pytest.raises(InvalidInput):
        retry_message(session, admin, waiting)  # only failed ones
    actions = [a.action for a in session.exec(select(AuditLog).where(AuditLog.entity == "notification"))]
    assert actions == ["sms.retry", "sms.cancel"]


def test_only_an_administrator_manages_messages(session, county_expert):
    with pytest.raises(Forbidden):
        list_messages(session, county_expert)


def test_two_senders_at_once_deliver_each_message_once(engine, provider):
    with new_session(engine) as session:
        ids = queue(session, 60)
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def sender() -> None:
        try:
            barrier.wait()
            gateway = HttpGateway(provider.url, "k", timeout=5)
            while True:
                with new_session(engine) as session:
                    if not send_round(session, gateway, limit=7):
                        return
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    assert len(provider.requests) == 60  # no message was asked for twice
    assert sorted(provider.delivered) == sorted(idempotency_key(i) for i in ids)
    with new_session(engine) as session:
        assert set(statuses(session).values()) == {"sent"}
