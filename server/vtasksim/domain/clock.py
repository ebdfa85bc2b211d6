"""Time as the simulator sees it.

Domain objects read the time and schedule their own future (a delayed cancelation) through a
:class:`Clock`, never through the reactor or ``time`` directly: the process layer plugs in the
reactor, tests and scenario timelines plug in a :class:`ManualClock` they advance by hand.
"""

from __future__ import annotations

import heapq
import itertools
from datetime import datetime, timedelta, timezone
from typing import Callable, Protocol


class Scheduled(Protocol):
    def cancel(self) -> None: ...


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""

    def call_later(self, delay: float, action: Callable[[], None]) -> Scheduled:
        """Run ``action`` ``delay`` seconds from now."""


class SystemClock:
    """Wall-clock time; ``call_later`` delegates to a scheduler such as Twisted's reactor."""

    def __init__(self, call_later: Callable[[float, Callable[[], None]], Scheduled]) -> None:
        self._call_later = call_later

    def now(self) -> datetime:
        return datetime.now(timezone.utc)

    def call_later(self, delay: float, action: Callable[[], None]) -> Scheduled:
        return self._call_later(delay, action)


class _ManualCall:
    def __init__(self, when: datetime, action: Callable[[], None]) -> None:
        self.when, self.action, self.cancelled = when, action, False

    def cancel(self) -> None:
        self.cancelled = True


class ManualClock:
    """A clock that moves only when told to: deterministic tests and scenario timelines."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 1, 1, tzinfo=timezone.utc)
        self._pending: list[tuple[datetime, int, _ManualCall]] = []
        self._order = itertools.count()

    def now(self) -> datetime:
        return self._now

    def call_later(self, delay: float, action: Callable[[], None]) -> _ManualCall:
        call = _ManualCall(self._now + timedelta(seconds=delay), action)
        heapq.heappush(self._pending, (call.when, next(self._order), call))
        return call

    def advance(self, seconds: float) -> None:
        """Move time forward, running every action that falls due, in order."""
        target = self._now + timedelta(seconds=seconds)
        while self._pending and self._pending[0][0] <= target:
            when, _, call = heapq.heappop(self._pending)
            self._now = max(self._now, when)
            if not call.cancelled:
                call.action()
        self._now = target
