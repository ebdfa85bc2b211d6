"""vmodl.query.PropertyCollector on the wire: retrieving properties, and waiting for their changes."""

from __future__ import annotations

from typing import Any

from vtasksim.domain.property_collector import PropertyCollector
from vtasksim.wire.models import RequiredBool, RequiredMoRef, RequiredString, RequiredVimXml, RequiredVimXmlList, String, VimXml
from vtasksim.wire.pending import PendingReply
from vtasksim.wire.services import Call, VimService, call_of, vim_method

def _specs(call: Call, elements: list[Any]) -> list[Any]:
    """RetrieveProperties(Ex)'s specs: only read while the call runs, so shared by calls sending the same body."""
    return [call.read_shared(element, "PropertyFilterSpec", "specSet") for element in elements]


class PropertyCollectorService(VimService):

    @vim_method(RequiredMoRef, RequiredVimXmlList)
    def RetrieveProperties(ctx: Any, this: Any, specSet: list[Any]) -> Any:
        call = call_of(ctx)
        collector = call.target(this, PropertyCollector)
        return call.reply(collector.retrieve_properties(_specs(call, specSet), call.session), "ObjectContent")

    @vim_method(RequiredMoRef, RequiredVimXmlList, VimXml)
    def RetrievePropertiesEx(ctx: Any, this: Any, specSet: list[Any], options: Any) -> Any:
        call = call_of(ctx)
        collector = call.target(this, PropertyCollector)
        options_value = call.read_shared(options, "RetrieveOptions", "options")  # only read, as the specs
        result = collector.retrieve_properties_ex(_specs(call, specSet), options_value, call.session)
        return call.reply(result, "RetrieveResult")

    @vim_method(RequiredMoRef, RequiredString)
    def ContinueRetrievePropertiesEx(ctx: Any, this: Any, token: str) -> Any:
        call = call_of(ctx)
        collector = call.target(this, PropertyCollector)
        return call.reply(collector.continue_retrieve_properties_ex(token.strip(), call.session), "RetrieveResult")

    @vim_method(RequiredMoRef, RequiredString)
    def CancelRetrievePropertiesEx(ctx: Any, this: Any, token: str) -> Any:
        call = call_of(ctx)
        collector = call.target(this, PropertyCollector)
        collector.cancel_retrieve_properties_ex(token.strip(), call.session)
        return call.reply()

    # Filters and updates: what pyVim.task.WaitForTask and zeep's WaitForUpdatesEx loops use.

    @vim_method(RequiredMoRef, RequiredVimXml, RequiredBool)
    def CreateFilter(ctx: Any, this: Any, spec: Any, partialUpdates: bool) -> Any:
        call = call_of(ctx)
        collector = call.target(this, PropertyCollector)
        created = collector.create_filter(call.session, call.read(spec, "PropertyFilterSpec", "spec"), partialUpdates)
        return call.reply(created.ref, "ManagedObjectReference")

    @vim_method(RequiredMoRef, String)
    def WaitForUpdates(ctx: Any, this: Any, version: str | None) -> Any:
        """The legacy call: no version answers at once; with one it waits as long as it takes."""
        call = call_of(ctx)
        collector = call.target(this, PropertyCollector)
        return wait_for_updates(call, collector, version, None, legacy=True)

    @vim_method(RequiredMoRef, String, VimXml)
    def WaitForUpdatesEx(ctx: Any, this: Any, version: str | None, options: Any) -> Any:
        call = call_of(ctx)
        collector = call.target(this, PropertyCollector)
        return wait_for_updates(call, collector, version, call.read(options, "WaitOptions", "options"))

    @vim_method(RequiredMoRef, String)
    def CheckForUpdates(ctx: Any, this: Any, version: str | None) -> Any:
        call = call_of(ctx)
        collector = call.target(this, PropertyCollector)
        return call.reply(collector.check_for_updates(call.session, version), "UpdateSet")

    @vim_method(RequiredMoRef)
    def CancelWaitForUpdates(ctx: Any, this: Any) -> Any:
        call = call_of(ctx)
        collector = call.target(this, PropertyCollector)
        collector.cancel_wait_for_updates(call.session)
        return call.reply()

    @vim_method(RequiredMoRef)
    def CreatePropertyCollector(ctx: Any, this: Any) -> Any:
        call = call_of(ctx)
        call.target(this, PropertyCollector)
        return call.reply(call.simulator.create_property_collector(call.session).ref, "ManagedObjectReference")

    @vim_method(RequiredMoRef)
    def DestroyPropertyCollector(ctx: Any, this: Any) -> Any:
        call = call_of(ctx)
        collector = call.target(this, PropertyCollector)
        call.simulator.destroy_property_collector(call.session, collector)
        return call.reply()


def wait_for_updates(call: Call, collector: PropertyCollector, version: str | None, options: Any, legacy: bool = False) -> Any:
    """Answer now, or later without blocking the server: a PendingReply the process waits for."""
    pending = PendingReply(
        render=lambda update: call.reply(update, "UpdateSet"),
        abandon=lambda: collector.forget_wait(call.session),
    )
    collector.wait_for_updates(call.session, version.strip() if version else None, options, pending.settle, legacy)
    return pending.now()
