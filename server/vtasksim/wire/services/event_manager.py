"""vim.event.EventManager on the wire: QueryEvents, CreateCollectorForEvents."""

from __future__ import annotations

from typing import Any

from vtasksim.domain.history.event_manager import EventManager
from vtasksim.wire.models import RequiredMoRef, RequiredVimXml, VimXml
from vtasksim.wire.services import VimService, call_of, vim_method


class EventManagerService(VimService):

    @vim_method(RequiredMoRef, RequiredVimXml, VimXml)
    def QueryEvents(ctx: Any, this: Any, filter: Any, eventViewSpec: Any) -> Any:
        call = call_of(ctx)
        manager = call.target(this, EventManager)
        # eventViewSpec (EventManagerEventViewSpec) has no fields a client can set: read, then unused.
        call.read(eventViewSpec, "EventManagerEventViewSpec", "eventViewSpec")
        return call.reply(manager.query_events(call.read(filter, "EventFilterSpec", "filter")), "Event")

    @vim_method(RequiredMoRef, RequiredVimXml)
    def CreateCollectorForEvents(ctx: Any, this: Any, filter: Any) -> Any:
        call = call_of(ctx)
        manager = call.target(this, EventManager)
        collector = manager.create_collector(call.session, call.read(filter, "EventFilterSpec", "filter"))
        return call.reply(collector.ref, "ManagedObjectReference")
