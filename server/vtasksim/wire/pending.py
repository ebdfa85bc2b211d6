"""A reply that comes later: what a vim method returns while it waits (WaitForUpdates).

The wire knows nothing of how the process waits; the Twisted site registers for the outcome
and tells the reply when the client hung up, so that the domain stops waiting for it.
"""

from __future__ import annotations

from typing import Any, Callable

from vtasksim.domain.faults import MethodFault

class PendingReply:
    """``render`` turns the domain's answer into the response; it runs when the process asks for
    the reply, never inside the domain change that settled it (a bug there must not fail the
    call that made the change)."""

    def __init__(self, render: Callable[[Any], Any], abandon: Callable[[], None]) -> None:
        self._render = render
        self._abandon = abandon
        self._listener: Callable[[], None] | None = None
        self.settled = False
        self._outcome: Any = None

    def settle(self, outcome: Any) -> None:
        """The domain's answer is known: a value to render, or a MethodFault."""
        if self.settled:
            return
        self.settled, self._outcome = True, outcome
        if self._listener is not None:
            self._listener()

    def when_settled(self, listener: Callable[[], None]) -> None:
        self._listener = listener
        if self.settled:
            listener()

    def abandon(self) -> None:
        """The client went away before the answer."""
        if not self.settled:
            self.settled = True
            self._abandon()

    def reply(self) -> Any:
        """The response element; the vim fault is raised."""
        if isinstance(self._outcome, MethodFault):
            raise self._outcome
        return self._render(self._outcome)

    def now(self) -> Any:
        """The reply if the answer is already known, else this pending reply."""
        return self.reply() if self.settled else self
