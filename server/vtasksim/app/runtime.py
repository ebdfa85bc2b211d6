"""What a running server serves: the simulator of the current fixture, and how to load another.

The site asks the runtime for its simulator on every call, so the control API can load a fixture
or reset the current one (a fresh simulator from the same source) between two calls. Sessions,
tasks created since and fault rules added since go with the old simulator: a reset is a server
restart without the restart.

The clock is ``system`` (wall time, delays on the reactor) or ``manual``: time stands still until
the control API advances it, so scenario tests never sleep. A reset keeps a manual clock's time
(a client that saw ten o'clock must not see nine) but drops what was scheduled on it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

from vtasksim.app.fixtures import Fixture, SettingsOverrides, load_fixture_document, load_fixture_document_text
from vtasksim.app.request_log import RequestLog
from vtasksim.domain.clock import Clock, ManualClock
from vtasksim.domain.simulator import Simulator

CLOCK_MODES = ("system", "manual")


@dataclass(frozen=True, slots=True)
class FixtureSource:
    """Where the current fixture came from: a file, or text sent through the control API."""

    path: Path | None = None
    text: str | None = None
    name: str = ""

    def load(self, clock: Clock, overrides: SettingsOverrides | None) -> Fixture:
        if self.path is not None:
            return load_fixture_document(self.path, clock, overrides)
        return load_fixture_document_text(self.text or "", self.name, clock, overrides)

    def describe(self) -> str:
        return str(self.path) if self.path is not None else self.name


@dataclass
class Runtime:
    source: FixtureSource
    system_clock: Callable[[], Clock]
    clock_mode: str = "system"
    overrides: SettingsOverrides | None = None
    requests: RequestLog = field(default_factory=RequestLog)
    fixture: Fixture | None = None
    #: Called with the new simulator after every load (a live view re-subscribes to its changes).
    listeners: list[Callable[[Simulator], None]] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.clock_mode not in CLOCK_MODES:
            raise ValueError(f"unknown clock {self.clock_mode!r}; one of {', '.join(CLOCK_MODES)}")

    @property
    def simulator(self) -> Simulator:
        assert self.fixture is not None, "load() first"
        return self.fixture.simulator

    @property
    def manual_clock(self) -> ManualClock | None:
        clock = self.fixture.simulator.clock if self.fixture is not None else None
        return clock if isinstance(clock, ManualClock) else None

    def load(self, source: FixtureSource | None = None) -> Fixture:
        """Load ``source`` (default: the current one again); on a FixtureError nothing changes."""
        source = source or self.source
        fixture = source.load(self._new_clock(), self.overrides)
        self.source, self.fixture = source, fixture
        for listener in list(self.listeners):
            listener(fixture.simulator)
        return fixture

    def _new_clock(self) -> Clock:
        if self.clock_mode == "system":
            return self.system_clock()
        previous = self.manual_clock
        start = previous.now() if previous is not None else datetime.now(timezone.utc).replace(microsecond=0)
        return ManualClock(start)
