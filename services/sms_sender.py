"""Delivering the SMS outbox: claim what is due, hand it to the gateway, record what came of it.

A message is claimed by one sender at a time (PostgreSQL: ``FOR UPDATE SKIP LOCKED``; SQLite: one
UPDATE statement under the database's write lock), committed as ``sending`` with a lease, then
delivered outside any transaction, and its outcome recorded in a short transaction of its own:

- sent: ``sent`` with the provider's id;
- ``no_number`` / ``bad_number`` / ``refused``: ``failed`` at once (trying again would not help);
- ``provider_down`` / ``unknown``: ``queued`` again after a back-off (30 s, 1, 2, 4 … minutes,
  at most an hour), ``failed`` after :data:`MAX_ATTEMPTS`.

Every attempt carries the message's idempotency key (``bimeyar-<id>``), so a message whose outcome
was unknown (a time-out after the request left, or a sender that died holding the claim) is sent
again only under that key: a provider that honours it sends the SMS once. An administrator lists
the messages (failed first), retries a failed one or cancels one that is waiting (audited).
"""
from __future__ import annotations

import socket
import uuid
from datetime import datetime, timedelta

import pandas as pd
from sqlalchemy import and_, or_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, func, select

from db.engine import is_sqlite
from db.models import Notification, WorkerHeartbeat, utcnow
from lib.errors import InvalidInput
from lib.identifiers import normalize_mobile
from lib.permissions import Action
from services.base import Actor, as_utc, audit, find, snapshot
from services.sms_gateway import RETRIED, Delivery

LEASE = timedelta(minutes=2)
MAX_ATTEMPTS = 8
FIRST_BACKOFF = timedelta(seconds=30)
LONGEST_BACKOFF = timedelta(hours=1)
WORKER = "sms-sender"

STATUS_LABELS = {"failed": "ناموفق", "queued": "در صف ارسال", "sending": "در حال ارسال", "sent": "ارسال شده",
                 "cancelled": "لغو شده"}
ERROR_LABELS = {"no_number": "بدون شماره همراه", "bad_number": "شماره نامعتبر", "refused": "رد از سوی سامانه پیامک",
                "provider_down": "سامانه پیامک در دسترس نبود", "unknown": "نتیجه نامعلوم (با همان شناسه دوباره فرستاده می‌شود)"}


def idempotency_key(notification_id: int) -> str:
    return f"bimeyar-{notification_id}"


def backoff(attempts: int) -> timedelta:
    """The wait before attempt ``attempts + 1`` (``attempts`` ≥ 1 made so far)."""
    return min(FIRST_BACKOFF * (2 ** max(attempts - 1, 0)), LONGEST_BACKOFF)


def _due(now: datetime):
    waiting = and_(Notification.status == "queued",
                   or_(Notification.next_attempt_at.is_(None), Notification.next_attempt_at <= now))
    lost = and_(Notification.status == "sending", Notification.claimed_until < now)
    return or_(waiting, lost)


def claim_due(session: Session, *, limit: int = 50, now: datetime | None = None) -> tuple[str, list[Notification]]:
    """Claim up to ``limit`` due messages for this round and commit the claim; returns (token, messages).

    A message still ``sending`` after its lease was held by a sender that stopped mid-delivery: it is
    claimed again and marked as of unknown outcome (it may have reached the provider)."""
    now = now or utcnow()
    token = f"{socket.gethostname()[:40]}:{uuid.uuid4().hex[:12]}"
    lease_end = now + LEASE
    claim = dict(status="sending", claimed_by=token, claimed_until=lease_end,
                 outcome_unknown=or_(Notification.outcome_unknown, Notification.status == "sending"))
    if is_sqlite(session.get_bind()):
        # One statement: SQLite runs it under the write lock, so no other sender picks the same rows.
        due_ids = select(Notification.id).where(_due(now)).order_by(Notification.id).limit(limit).scalar_subquery()
        session.exec(update(Notification).where(Notification.id.in_(due_ids)).values(**claim))
    else:
        ids = list(session.exec(select(Notification.id).where(_due(now)).order_by(Notification.id).limit(limit)
                                .with_for_update(skip_locked=True)))
        if ids:
            session.exec(update(Notification).where(Notification.id.in_(ids)).values(**claim))
    session.commit()
    claimed = list(session.exec(select(Notification).where(Notification.claimed_by == token).order_by(Notification.id)))
    return token, claimed


def _precheck(message: Notification) -> Delivery | None:
    if not message.mobile:
        return Delivery.failed("no_number", "the applicant has no mobile number")
    try:
        normalize_mobile(message.mobile)
    except InvalidInput:
        return Delivery.failed("bad_number", f"not an Iranian mobile number: {message.mobile!r}")
    return None


def record(session: Session, message_id: int, token: str, delivery: Delivery, *, now: datetime | None = None) -> str:
    """Record one attempt's outcome (only while this round still holds the claim); returns the new status."""
    now = now or utcnow()
    message = session.exec(select(Notification).where(Notification.id == message_id,
                                                      Notification.claimed_by == token)).first()
    if message is None:  # the claim was lost (lease ran out and another sender took it)
        return "lost"
    message.attempts += 1
    message.claimed_by = message.claimed_until = None
    if delivery.sent:
        message.status, message.sent_at, message.provider_id = "sent", now, delivery.provider_id
        message.last_error_kind = message.last_error = None
        message.outcome_unknown = False
    else:
        message.last_error_kind, message.last_error = delivery.error_kind, delivery.error
        message.outcome_unknown = message.outcome_unknown or delivery.error_kind == "unknown"
        if delivery.error_kind in RETRIED and message.attempts < MAX_ATTEMPTS:
            message.status, message.next_attempt_at = "queued", now + backoff(message.attempts)
        else:
            message.status = "failed"
    session.add(message)
    session.commit()
    return message.status


def beat(session: Session, detail: str, *, name: str = WORKER) -> None:
    """Record this round (an upsert: several senders share the name without colliding)."""
    insert = sqlite_insert if is_sqlite(session.get_bind()) else pg_insert
    values = {"name": name, "beat_at": utcnow(), "detail": detail[:300]}
    statement = insert(WorkerHeartbeat).values(**values)
    session.exec(statement.on_conflict_do_update(index_elements=["name"],
                                                 set_={"beat_at": values["beat_at"], "detail": values["detail"]}))
    session.commit()


def last_heartbeat(session: Session, name: str = WORKER) -> datetime | None:
    row = session.get(WorkerHeartbeat, name)
    return as_utc(row.beat_at) if row else None


def send_round(session: Session, gateway, *, limit: int = 50) -> dict[str, int]:
    """One round: claim, deliver, record; returns how many ended in each status (and the heartbeat)."""
    token, claimed = claim_due(session, limit=limit)
    counts: dict[str, int] = {}
    for message in claimed:
        message_id, mobile, body = message.id, message.mobile, message.body
        delivery = _precheck(message) or gateway.send(mobile, body, idempotency_key(message_id))
        status = record(session, message_id, token, delivery)
        counts[status] = counts.get(status, 0) + 1
    beat(session, f"{gateway.name}: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) if counts
         else f"{gateway.name}: nothing due")
    return counts


# --------------------------------------------------------------------------- the administrator's screen
def message_counts(session: Session, actor: Actor) -> dict[str, int]:
    """How many messages are in each status (those with none left out): one count per status through
    the status index."""
    actor.require(Action.manage_reference_data)
    counts = {status: session.exec(select(func.count()).select_from(Notification)
                                   .where(Notification.status == status)).one() for status in STATUS_LABELS}
    return {status: int(count) for status, count in counts.items() if count}


SORT_GROUPS = (("failed",), ("sending",), ("queued",), ("sent", "cancelled"))
"""The list's order with every status shown: failed first, then being sent, then waiting, then the rest."""
SORT_RANK = {status: rank for rank, group in enumerate(SORT_GROUPS) for status in group}
SORTED_IN_MEMORY = 5_000
"""A status with at most this many messages is read through the status index and sorted; one with more
is read newest first along the primary key (SQLite; PostgreSQL's planner chooses by its statistics)."""
_COLUMNS = ["id", "created_at", "mobile", "event", "body", "status", "attempts", "error_kind", "error", "provider_id",
            "sent_at", "next_attempt_at"]


def _more_than(session: Session, statuses: tuple[str, ...], n: int) -> bool:
    """Whether more than ``n`` messages have one of ``statuses`` (reads at most n + 1 index entries)."""
    some = select(Notification.id).where(Notification.status.in_(statuses)).limit(n + 1).subquery()
    return session.exec(select(func.count()).select_from(some)).one() > n


def _newest(session: Session, statuses: tuple[str, ...], limit: int, below: int | None) -> list:
    """The newest ``limit`` messages of ``statuses`` with an id below ``below`` (all if None)."""
    status = Notification.status
    if is_sqlite(session.get_bind()) and _more_than(session, statuses, SORTED_IN_MEMORY):
        status = Notification.status.concat("")  # SQLite would sort them all: walk the primary key down instead
    query = select(Notification.id, Notification.created_at, Notification.mobile, Notification.event,
                   Notification.body, Notification.status, Notification.attempts, Notification.last_error_kind,
                   Notification.last_error, Notification.provider_id, Notification.sent_at,
                   Notification.next_attempt_at).where(status.in_(statuses))  # type: ignore[union-attr]
    if below is not None:
        query = query.where(Notification.id < below)
    return list(session.exec(query.order_by(Notification.id.desc()).limit(limit)).all())


def list_messages(session: Session, actor: Actor, *, status: str | None = None, limit: int = 200,
                  after: tuple[int, int] | None = None) -> pd.DataFrame:
    """The newest ``limit`` messages of ``status`` (all statuses: failed first, then being sent, then
    waiting, then the rest; newest first within each). ``after``: the (:data:`SORT_RANK`, id) of the
    last message of the page before — the next page starts right after it (keyset paging: each page
    reads only its own rows, whatever the size of the outbox)."""
    actor.require(Action.manage_reference_data)
    if status is not None and status not in STATUS_LABELS:
        raise InvalidInput("وضعیت پیامک نامعتبر است.", field="status")
    groups = SORT_GROUPS if status is None else ((status,),)
    first_rank, below = (after[0] if status is None else 0, after[1]) if after is not None else (0, None)
    rows: list = []
    for rank, statuses in enumerate(groups):
        if rank < first_rank or len(rows) >= limit:
            continue
        rows += _newest(session, statuses, limit - len(rows), below if rank == first_rank else None)
    frame = pd.DataFrame(rows, columns=_COLUMNS)
    frame["status_label"] = frame["status"].map(STATUS_LABELS)
    frame["error_label"] = frame["error_kind"].map(ERROR_LABELS).fillna("")
    return frame


def _for_admin(session: Session, actor: Actor, message_id: object) -> Notification:
    actor.require(Action.manage_reference_data)
    message = find(session, Notification, message_id)
    if message is None:
        raise InvalidInput("پیامک پیدا نشد.", field="message_id")
    return message


def _change_if(session: Session, actor: Actor, message: Notification, allowed: tuple[str, ...], action: str,
               **values) -> Notification:
    """Change a message only if it is still in one of ``allowed`` (a sender may claim it meanwhile)."""
    before = snapshot(message)
    done = session.exec(update(Notification).where(Notification.id == message.id, Notification.status.in_(allowed))
                        .values(**values))
    if done.rowcount != 1:
        session.rollback()
        raise InvalidInput("وضعیت این پیامک همین حالا تغییر کرد؛ فهرست را دوباره ببینید.", field="message_id")
    session.refresh(message)
    audit(session, actor, action, "notification", message.id, before=before, after=snapshot(message))
    session.commit()
    return message


def retry_message(session: Session, actor: Actor, message_id: object) -> Notification:
    """Queue a failed message again, due now (with the same idempotency key)."""
    message = _for_admin(session, actor, message_id)
    if message.status != "failed":
        raise InvalidInput("فقط پیامک ناموفق دوباره فرستاده می‌شود.", field="message_id")
    return _change_if(session, actor, message, ("failed",), "sms.retry", status="queued", next_attempt_at=None, attempts=0)


def cancel_message(session: Session, actor: Actor, message_id: object) -> Notification:
    """Cancel a message that is waiting or failed (never one being sent or already sent)."""
    message = _for_admin(session, actor, message_id)
    if message.status not in ("queued", "failed"):
        raise InvalidInput("فقط پیامکِ در صف یا ناموفق لغو می‌شود.", field="message_id")
    return _change_if(session, actor, message, ("queued", "failed"), "sms.cancel", status="cancelled")
