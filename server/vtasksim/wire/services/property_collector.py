"""vmodl.query.PropertyCollector on the wire: RetrieveProperties and RetrievePropertiesEx."""

from __future__ import annotations

from typing import Any

from vtasksim.domain.property_collector import PropertyCollector
from vtasksim.wire.models import RequiredMoRef, RequiredString, RequiredVimXmlList, VimXml
from vtasksim.wire.services import Call, VimService, call_of, vim_method

def _specs(call: Call, elements: list[Any]) -> list[Any]:
    return [call.read(element, "PropertyFilterSpec", "specSet") for element in elements]


class PropertyCollectorService(VimService):
    managed_type = "PropertyCollector"

    @vim_method(RequiredMoRef, RequiredVimXmlList)
    def RetrieveProperties(ctx: Any, this: Any, specSet: list[Any]) -> Any:
        call = call_of(ctx)
        collector = call.target(this, "PropertyCollector", PropertyCollector)
        return call.reply(collector.retrieve_properties(_specs(call, specSet)), "ObjectContent")

    @vim_method(RequiredMoRef, RequiredVimXmlList, VimXml)
    def RetrievePropertiesEx(ctx: Any, this: Any, specSet: list[Any], options: Any) -> Any:
        call = call_of(ctx)
        collector = call.target(this, "PropertyCollector", PropertyCollector)
        result = collector.retrieve_properties_ex(_specs(call, specSet), call.read(options, "RetrieveOptions", "options"))
        return call.reply(result, "RetrieveResult")

    @vim_method(RequiredMoRef, RequiredString)
    def ContinueRetrievePropertiesEx(ctx: Any, this: Any, token: str) -> Any:
        call = call_of(ctx)
        collector = call.target(this, "PropertyCollector", PropertyCollector)
        return call.reply(collector.continue_retrieve_properties_ex(token.strip()), "RetrieveResult")

    @vim_method(RequiredMoRef, RequiredString)
    def CancelRetrievePropertiesEx(ctx: Any, this: Any, token: str) -> Any:
        call = call_of(ctx)
        collector = call.target(this, "PropertyCollector", PropertyCollector)
        collector.cancel_retrieve_properties_ex(token.strip())
        return call.reply()
