"""Gateways that hand one SMS to a provider, and what came of it.

The sender (services/sms_sender.py) calls ``gateway.send(mobile, text, key)`` and gets a
:class:`Delivery`: sent (with the provider's id), or failed with a kind —

- ``no_number`` / ``bad_number``: the applicant has no usable mobile; trying again is useless;
- ``refused``: the provider refused this message (4xx); not retried;
- ``provider_down``: the request never reached the provider (connection refused, 5xx, 429); retried;
- ``unknown``: the request was sent but no answer came (time-out, a broken answer): the provider may
  have sent it. It is retried only with the same idempotency ``key``, which the provider uses to
  send a message once however often it is asked.

Two gateways: :class:`LogGateway` (default: an intranet with no provider writes each message to a
log file) and :class:`HttpGateway` for a provider reached by URL and key (JSON over HTTP; the
provider's contract is in the README). Chosen by ``BIMEYAR_SMS_GATEWAY`` = ``log`` | ``http``.
"""
from __future__ import annotations

import json
import os
import socket
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from db.engine import ROOT

GATEWAY_ENV, URL_ENV, KEY_ENV, TIMEOUT_ENV, LOG_ENV = (
    "BIMEYAR_SMS_GATEWAY", "BIMEYAR_SMS_URL", "BIMEYAR_SMS_KEY", "BIMEYAR_SMS_TIMEOUT", "BIMEYAR_SMS_LOG",
)
RETRIED = frozenset({"provider_down", "unknown"})
ERROR_KINDS = ("no_number", "bad_number", "refused", "provider_down", "unknown")


@dataclass(frozen=True)
class Delivery:
    sent: bool
    provider_id: str | None = None
    error_kind: str | None = None
    error: str | None = None

    @classmethod
    def failed(cls, kind: str, error: str) -> Delivery:
        assert kind in ERROR_KINDS
        return cls(sent=False, error_kind=kind, error=error[:300])


class LogGateway:
    """Writes each message as a JSON line to a file (``BIMEYAR_SMS_LOG``, default data/sms.log).

    The key is the provider id, so a message written twice (outcome unknown, then retried) is seen as
    the same message in the log."""

    name = "log"

    def __init__(self, path: Path | None = None):
        configured = os.environ.get(LOG_ENV, "").strip()
        self.path = path or (Path(configured) if configured else ROOT / "data" / "sms.log")

    def send(self, mobile: str, text: str, key: str) -> Delivery:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps({"at": datetime.now(timezone.utc).isoformat(timespec="seconds"), "to": mobile,
                           "text": text, "key": key}, ensure_ascii=False)
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as log:
            log.write(line + "\n")
        return Delivery(sent=True, provider_id=f"log:{key}")


class HttpGateway:
    """POST ``{"to", "text"}`` as JSON to the provider's URL with ``Authorization: Bearer <key>`` and
    ``Idempotency-Key: <key of the message>``. 2xx with ``{"id": …}`` is sent; 4xx refused (the
    provider's ``{"error": "bad_number"}`` is kept as bad_number); 429/5xx or no connection,
    provider_down; a time-out after connecting or an unreadable 2xx, unknown."""

    name = "http"

    def __init__(self, url: str, key: str, timeout: float = 10.0):
        self.url, self.key, self.timeout = url, key, timeout

    def send(self, mobile: str, text: str, key: str) -> Delivery:
        body = json.dumps({"to": mobile, "text": text}, ensure_ascii=False).encode()
        request = urllib.request.Request(self.url, data=body, method="POST", headers={
            "Content-Type": "application/json; charset=utf-8",
            "Authorization": f"Bearer {self.key}",
            "Idempotency-Key": key,
        })
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:
                raw = answer.read(10_000)
        except urllib.error.HTTPError as exc:
            detail = exc.read(2_000).decode("utf-8", "replace")
            if exc.code == 429 or exc.code >= 500:
                return Delivery.failed("provider_down", f"HTTP {exc.code}: {detail}")
            kind = "bad_number" if "bad_number" in detail else "refused"
            return Delivery.failed(kind, f"HTTP {exc.code}: {detail}")
        except (TimeoutError, socket.timeout) as exc:
            return Delivery.failed("unknown", f"no answer in {self.timeout:g} s ({exc})")
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, (TimeoutError, socket.timeout)):
                return Delivery.failed("unknown", f"no answer in {self.timeout:g} s")
            return Delivery.failed("provider_down", f"no connection: {exc.reason}")
        except (ConnectionError, OSError) as exc:  # reset while reading the answer: it may have been sent
            return Delivery.failed("unknown", f"connection lost: {exc}")
        try:
            provider_id = str(json.loads(raw)["id"])[:80]
        except (ValueError, KeyError, TypeError):
            return Delivery.failed("unknown", f"unreadable answer: {raw[:200]!r}")
        return Delivery(sent=True, provider_id=provider_id)


def configured_gateway() -> LogGateway | HttpGateway:
    """The gateway the environment names (log when nothing is set)."""
    kind = os.environ.get(GATEWAY_ENV, "log").strip() or "log"
    if kind == "log":
        return LogGateway()
    if kind == "http":
        url, key = os.environ.get(URL_ENV, "").strip(), os.environ.get(KEY_ENV, "").strip()
        if not url or not key:
            raise ValueError(f"{GATEWAY_ENV}=http needs {URL_ENV} and {KEY_ENV}")
        return HttpGateway(url, key, float(os.environ.get(TIMEOUT_ENV, "10")))
    raise ValueError(f"{GATEWAY_ENV} must be log or http, not {kind!r}")
