"""The domain's clock on Twisted's reactor."""

from __future__ import annotations

from typing import Any

from vtasksim.domain.clock import SystemClock


def reactor_clock(reactor: Any) -> SystemClock:
    """Wall-clock time, with delayed actions scheduled on ``reactor``."""
    return SystemClock(reactor.callLater)
