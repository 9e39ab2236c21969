"""Two transactions that overlap on PostgreSQL (threads): the first writes and flushes (its triggers
run and take their row locks), then holds its transaction open for half a second while the second
writes the same rows; both then commit. What the triggers kept must count both, whichever order."""
from __future__ import annotations

import threading
from collections.abc import Callable

from db.engine import new_session


def overlapping_writes(engine, first: Callable, second: Callable) -> list[Exception]:
    """Run ``first(session)`` and ``second(session)`` (each adds or changes rows) in two transactions
    that overlap as above; the errors either raised (none expected)."""
    flushed, errors = threading.Event(), []

    def write(action: Callable, leads: bool) -> None:
        try:
            with new_session(engine) as mine:
                if not leads:
                    flushed.wait(10)
                action(mine)
                mine.flush()  # the triggers run here
                if leads:
                    flushed.set()
                    threading.Event().wait(0.5)  # the other writes meanwhile
                mine.commit()
        except Exception as error:  # noqa: BLE001 - returned to the test
            errors.append(error)

    threads = [threading.Thread(target=write, args=(first, True)), threading.Thread(target=write, args=(second, False))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return errors
