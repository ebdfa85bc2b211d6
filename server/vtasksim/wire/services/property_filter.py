"""vmodl.query.PropertyFilter on the wire: DestroyPropertyFilter."""

from __future__ import annotations

from typing import Any

from vtasksim.domain.property_filter import PropertyFilter
from vtasksim.wire.models import RequiredMoRef
from vtasksim.wire.services import VimService, call_of, vim_method


class PropertyFilterService(VimService):

    @vim_method(RequiredMoRef)
    def DestroyPropertyFilter(ctx: Any, this: Any) -> Any:
        call = call_of(ctx)
        property_filter = call.target(this, PropertyFilter)
        property_filter.collector.destroy_filter(call.session, property_filter.ref)
        return call.reply()
