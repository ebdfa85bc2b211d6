"""vim.ServiceInstance on the wire: RetrieveServiceContent and CurrentTime."""

from __future__ import annotations

from typing import Any

from vtasksim.domain.service_instance import ServiceInstance
from vtasksim.wire.models import RequiredMoRef
from vtasksim.wire.services import VimService, call_of, vim_method


class ServiceInstanceService(VimService):

    @vim_method(RequiredMoRef)
    def RetrieveServiceContent(ctx: Any, this: Any) -> Any:
        call = call_of(ctx)
        service_instance = call.target(this, ServiceInstance)
        return call.reply(service_instance.retrieve_content(call.version), "ServiceContent")

    @vim_method(RequiredMoRef)
    def CurrentTime(ctx: Any, this: Any) -> Any:
        call = call_of(ctx)
        service_instance = call.target(this, ServiceInstance)
        return call.reply(service_instance.current_time(), "xsd:dateTime")
