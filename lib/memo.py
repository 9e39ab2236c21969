"""Checks computed once per distinct input: many rows of a spreadsheet repeat the same values.

A :class:`CheckMemo` remembers what a pure check gave for a value at one place of the code (its
*site*: the column being checked) — the cleaned value, or the :class:`~lib.errors.InvalidInput`
it raised — so that 20,000 rows with a few hundred distinct dates, names or counties run each
check a few hundred times. The outcome is returned, never re-raised (re-raising one exception
object would grow its traceback on every row). A value that cannot be hashed is checked every
time. Pure: no I/O.
"""
from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

from lib.errors import InvalidInput


class CheckMemo:
    """``outcome(site, value, check, *args, **kwargs)`` → ``(True, cleaned)`` or ``(False, InvalidInput)``.

    One site always calls the same check with the same other arguments (the caller's promise:
    only ``value`` varies), so the value alone is the key within its site. Only for checks
    whose result depends on their arguments alone and whose results are immutable (text,
    numbers, dates): one result is shared by every row that gave the same value."""

    __slots__ = ("_sites",)

    def __init__(self) -> None:
        self._sites: dict[Hashable, dict[Any, tuple[bool, Any]]] = {}

    def outcome(self, site: Hashable, value: Any, check: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[bool, Any]:
        seen = self._sites.get(site)
        if seen is None:
            seen = self._sites[site] = {}
        try:
            return seen[value]
        except KeyError:
            found = seen[value] = _run(check, (value, *args), kwargs)
            return found
        except TypeError:  # an unhashable value: no memory
            return _run(check, (value, *args), kwargs)

    def known(self, site: Hashable, value: Any) -> tuple[bool, Any] | None:
        """What :meth:`outcome` already gave for ``value`` at ``site``, or None (not yet, or
        unhashable): a caller checking thousands of rows looks here first and builds the
        check's arguments only on a miss."""
        seen = self._sites.get(site)
        if seen is None:
            return None
        try:
            return seen.get(value)
        except TypeError:
            return None

    def seed(self, site: Hashable, cleaned: dict[Any, Any]) -> None:
        """Record outcomes worked out elsewhere (a column checked at once): each value passes
        and gives its cleaned value. Only for values the site's own check would pass with
        exactly that result (the caller's promise, to be tested against the check)."""
        seen = self._sites.setdefault(site, {})
        for value, out in cleaned.items():
            seen[value] = (True, out)

    def __len__(self) -> int:
        return sum(len(seen) for seen in self._sites.values())


def _run(check: Callable[..., Any], args: tuple, kwargs: dict) -> tuple[bool, Any]:
    try:
        return True, check(*args, **kwargs)
    except InvalidInput as exc:
        return False, exc
