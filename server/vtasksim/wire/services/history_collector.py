"""vim.HistoryCollector on the wire: what task and event history collectors share.

SetCollectorPageSize, RewindCollector, ResetCollector and DestroyCollector are HistoryCollector's
methods, called on a TaskHistoryCollector or an EventHistoryCollector; their rules live in
``vtasksim.domain.history.history_collector``.
"""

from __future__ import annotations

from typing import Any

from vtasksim.domain.history.event_history_collector import EventHistoryCollector
from vtasksim.domain.history.history_collector import HistoryCollector
from vtasksim.domain.history.task_history_collector import TaskHistoryCollector
from vtasksim.wire.models import RequiredInt, RequiredMoRef
from vtasksim.wire.services import Call, VimService, call_of, vim_method

_COLLECTOR_TYPES: dict[str, type[HistoryCollector]] = {
    "TaskHistoryCollector": TaskHistoryCollector,
    "EventHistoryCollector": EventHistoryCollector,
}


def history_collector(call: Call, this: Any) -> HistoryCollector:
    """The collector ``_this`` names, of whichever HistoryCollector type it is."""
    kind = _COLLECTOR_TYPES.get(this.type if this is not None else "", HistoryCollector)
    return call.target(this, kind)


class HistoryCollectorService(VimService):

    @vim_method(RequiredMoRef, RequiredInt)
    def SetCollectorPageSize(ctx: Any, this: Any, maxCount: int) -> Any:
        call = call_of(ctx)
        history_collector(call, this).set_page_size(maxCount)
        return call.reply()

    @vim_method(RequiredMoRef)
    def RewindCollector(ctx: Any, this: Any) -> Any:
        call = call_of(ctx)
        history_collector(call, this).rewind()
        return call.reply()

    @vim_method(RequiredMoRef)
    def ResetCollector(ctx: Any, this: Any) -> Any:
        call = call_of(ctx)
        history_collector(call, this).reset()
        return call.reply()

    @vim_method(RequiredMoRef)
    def DestroyCollector(ctx: Any, this: Any) -> Any:
        call = call_of(ctx)
        history_collector(call, this).destroy()
        return call.reply()
