"""vim.event.EventHistoryCollector on the wire: ReadNextEvents, ReadPreviousEvents."""

from __future__ import annotations

from typing import Any

from vtasksim.domain.history.event_history_collector import EventHistoryCollector
from vtasksim.wire.models import RequiredInt, RequiredMoRef
from vtasksim.wire.services import VimService, call_of, vim_method


class EventHistoryCollectorService(VimService):

    @vim_method(RequiredMoRef, RequiredInt)
    def ReadNextEvents(ctx: Any, this: Any, maxCount: int) -> Any:
        call = call_of(ctx)
        return call.reply(call.target(this, EventHistoryCollector).read_next_events(maxCount), "Event")

    @vim_method(RequiredMoRef, RequiredInt)
    def ReadPreviousEvents(ctx: Any, this: Any, maxCount: int) -> Any:
        call = call_of(ctx)
        return call.reply(call.target(this, EventHistoryCollector).read_previous_events(maxCount), "Event")
