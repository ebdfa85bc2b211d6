"""vim.CustomFieldsManager and ExtensibleManagedObject.setCustomValue on the wire."""

from __future__ import annotations

from typing import Any

from vtasksim.domain.custom_fields_manager import CustomFieldsManager
from vtasksim.domain.faults import MethodNotFound
from vtasksim.domain.managed_object import ManagedObject
from vtasksim.wire.models import RequiredInt, RequiredMoRef, RequiredString, String, VimXml
from vtasksim.wire.services import VimService, call_of, vim_method


class CustomFieldsManagerService(VimService):

    @vim_method(RequiredMoRef, RequiredString, String, VimXml, VimXml)
    def AddCustomFieldDef(ctx: Any, this: Any, name: str, moType: str | None, fieldDefPolicy: Any, fieldPolicy: Any) -> Any:
        call = call_of(ctx)
        manager = call.target(this, CustomFieldsManager)
        # Privilege policies are read (and checked) but not enforced: privileges here are per user.
        call.read(fieldDefPolicy, "PrivilegePolicyDef", "fieldDefPolicy")
        call.read(fieldPolicy, "PrivilegePolicyDef", "fieldPolicy")
        mo_type = moType.strip() or None if moType is not None else None
        return call.reply(manager.add_field(name, mo_type), "CustomFieldDef")

    @vim_method(RequiredMoRef, RequiredInt)
    def RemoveCustomFieldDef(ctx: Any, this: Any, key: int) -> Any:
        call = call_of(ctx)
        call.target(this, CustomFieldsManager).remove_field(key)
        return call.reply()

    @vim_method(RequiredMoRef, RequiredInt, RequiredString)
    def RenameCustomFieldDef(ctx: Any, this: Any, key: int, name: str) -> Any:
        call = call_of(ctx)
        call.target(this, CustomFieldsManager).rename_field(key, name.strip())
        return call.reply()

    @vim_method(RequiredMoRef, RequiredMoRef, RequiredInt, RequiredString)
    def SetField(ctx: Any, this: Any, entity: Any, key: int, value: str) -> Any:
        call = call_of(ctx)
        ref = call.moref(entity, "entity")
        manager = call.target(this, CustomFieldsManager, privilege_on=ref)
        manager.set_field(ref, ref.type, key, value)
        return call.reply()


class ExtensibleManagedObjectService(VimService):

    @vim_method(RequiredMoRef, RequiredString, RequiredString)
    def setCustomValue(ctx: Any, this: Any, key: str, value: str) -> Any:
        call = call_of(ctx)
        obj = call.target(this, ManagedObject)
        if not call.types.is_managed_subtype(obj.vim_type, "ExtensibleManagedObject"):
            raise MethodNotFound(obj.ref, "setCustomValue", f"{obj.vim_type} {obj.ref.value!r} is not an ExtensibleManagedObject.")
        call.simulator.custom_fields_manager.set_custom_value(obj.ref, obj.vim_type, key.strip(), value)
        return call.reply()
