"""The check every service test makes of a refusal: the right error, in Persian, nothing written."""
from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from lib.errors import InvalidInput

PERSIAN = re.compile(r"[\u0600-\u06FF]")


def refused(session, counts: Callable[[], dict], call: Callable[[], object], error: type[Exception] = InvalidInput):
    """Run ``call``; expect ``error`` with a Persian message and every table unchanged (the UI rolls
    back on a refusal, as ``ui.context.act`` does). Returns the error."""
    before = counts()
    with pytest.raises(error) as err:
        call()
    session.rollback()
    assert counts() == before
    assert PERSIAN.search(err.value.message), err.value.message
    return err.value
