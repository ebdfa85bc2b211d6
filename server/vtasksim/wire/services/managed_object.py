"""Methods every managed object has: Fetch, the property read pyVmomi ≥ 8 makes for ``task.info``.

Fetch is in no public WSDL; a vCenter answers ``<FetchResponse><returnval xsi:type="TaskInfo">``,
and an empty FetchResponse for a property that is unset.
"""

from __future__ import annotations

from typing import Any

from vtasksim.domain.managed_object import ManagedObject
from vtasksim.domain.property_types import typed_property
from vtasksim.domain.service_instance import ServiceInstance
from vtasksim.wire.models import RequiredMoRef, RequiredString
from vtasksim.wire.services import VimService, call_of, vim_method


class ManagedObjectService(VimService):
    @vim_method(RequiredMoRef, RequiredString)
    def Fetch(ctx: Any, this: Any, prop: str) -> Any:
        call = call_of(ctx)
        path = prop.strip()
        obj = call.target(this, ManagedObject, prop=path)
        if isinstance(obj, ServiceInstance) and path == "content":
            return call.reply(obj.retrieve_content(call.version))
        return call.reply(typed_property(obj.vim_type, path, obj.read_property(path, call.session)))
