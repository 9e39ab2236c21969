"""`bimeyar send-sms`: the SMS sender, outside the app's processes.

Runs as a service (deploy/systemd/bimeyar-sms.service): every ``--interval`` seconds it claims the
due messages, delivers them through the configured gateway (services/sms_gateway.py:
``BIMEYAR_SMS_GATEWAY=log`` writes them to data/sms.log; ``http`` posts them to a provider at
``BIMEYAR_SMS_URL`` with ``BIMEYAR_SMS_KEY``) and records a heartbeat. With ``--once`` it delivers
what is due now and exits (for cron and tests). Several senders at once deliver each message once.
"""
from __future__ import annotations

import argparse
import signal
import time
from collections.abc import Callable

from sqlalchemy.engine import Engine


def cmd_send_sms(args: argparse.Namespace, engine_of: Callable[[argparse.Namespace], Engine]) -> int:
    from db.engine import new_session
    from services.sms_gateway import configured_gateway
    from services.sms_sender import send_round

    try:
        gateway = configured_gateway()
    except ValueError as exc:
        print(f"send-sms: {exc}")
        return 2
    engine = engine_of(args)
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    while True:
        total: dict[str, int] = {}
        while True:  # drain what is due now, a batch at a time
            with new_session(engine) as session:
                counts = send_round(session, gateway, limit=args.batch)
            for status, n in counts.items():
                total[status] = total.get(status, 0) + n
            if sum(counts.values()) < args.batch or stopping:
                break
        if args.once or total:
            summary = ", ".join(f"{status} {n}" for status, n in sorted(total.items())) or "nothing due"
            print(f"send-sms ({gateway.name}): {summary}", flush=True)
        if args.once or stopping:
            return 0
        time.sleep(args.interval)
        if stopping:
            return 0


def add_commands(sub: argparse._SubParsersAction, engine_of: Callable[[argparse.Namespace], Engine]) -> None:
    p = sub.add_parser("send-sms", help="deliver the SMS outbox (a service; --once for cron and tests)",
                       description=__doc__.split("\n\n")[1])
    p.add_argument("--once", action="store_true", help="deliver what is due now, then exit")
    p.add_argument("--interval", type=float, default=5.0, help="seconds between rounds (default %(default)s)")
    p.add_argument("--batch", type=int, default=50, help="messages claimed per round (default %(default)s)")
    p.set_defaults(func=lambda args: cmd_send_sms(args, engine_of))
