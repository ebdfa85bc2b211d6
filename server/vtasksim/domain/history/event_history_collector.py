"""vim.event.EventHistoryCollector: the events an EventFilterSpec selects, page by page."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any, Callable

from vtasksim.domain.history.event_filter import EventFilterSpec, event_matches
from vtasksim.domain.history.events import Event
from vtasksim.domain.history.history_collector import HistoryCollector
from vtasksim.domain.registry import Registry
from vtasksim.domain.vmodl import MoRef, TypedValue

if TYPE_CHECKING:
    from vtasksim.domain.session_manager import Session


class EventHistoryCollector(HistoryCollector[Event]):
    """``filter.delayedInit``: the collector is not ``initialized`` (its latest page stays empty)
    until it is first read, which spares a client that only scrolls the work of a latest page."""

    vim_type = "EventHistoryCollector"
    vim_properties = ("filter", "latestPage", "initialized")

    def __init__(
        self, ref: MoRef, spec: EventFilterSpec, owner: "Session", page_size: int, registry: Registry,
        root_folder: MoRef, release: Callable[[HistoryCollector], None],
    ) -> None:  # fmt: skip
        super().__init__(ref, spec, owner, page_size, release)
        self._registry = registry
        self._root_folder = root_folder
        self.initialized = not spec.delayedInit

    def matches(self, item: Event) -> bool:
        return event_matches(self.filter, item, self._registry, self._root_folder)

    def value_of(self, item: Event) -> Event:
        return without_message(item) if self.filter.disableFullMessage else item

    @property
    def latestPage(self) -> TypedValue | list[Any]:
        """Declared Event[]: written as ArrayOfEvent whatever subtypes the page holds."""
        page = HistoryCollector.latestPage.fget(self) if self.initialized else []  # type: ignore[attr-defined]
        return TypedValue("ArrayOfEvent", page) if page else []

    # ReadNextEvents, ReadPreviousEvents

    def read_next_events(self, max_count: int) -> list[Event]:
        events = self.read_next(max_count)
        self._initialize()
        return events

    def read_previous_events(self, max_count: int) -> list[Event]:
        events = self.read_previous(max_count)
        self._initialize()
        return events

    def _initialize(self) -> None:
        if not self.initialized:
            self.initialized = True
            self._changed("initialized", "latestPage")


def without_message(event: Event) -> Event:
    """``disableFullMessage``: the event without its formatted message."""
    return dataclasses.replace(event, fullFormattedMessage=None)
