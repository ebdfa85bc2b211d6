"""vim.CustomFieldsManager, and the custom values every ExtensibleManagedObject carries.

A field is defined once (for one managed type, or for all when ``managedObjectType`` is unset)
and then holds one string per object. ``value`` and ``availableField`` of an entity or a task
read from here; ``setCustomValue`` on an object defines the field by name if there is none yet.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Callable, ClassVar

from vtasksim.domain.faults import DuplicateName, InvalidArgument
from vtasksim.domain.managed_object import ManagedObject
from vtasksim.domain.typesystem import vim_types
from vtasksim.domain.vmodl import DataObject, MoRef, VimData

CUSTOM_FIELDS_MANAGER = MoRef("CustomFieldsManager", "CustomFieldsManager")


@dataclass(slots=True)
class CustomFieldDef(VimData):
    vim_type: ClassVar[str] = "CustomFieldDef"
    key: int
    name: str
    type: str = "string"
    managedObjectType: str | None = None
    fieldDefPrivileges: DataObject | None = None
    fieldInstancePrivileges: DataObject | None = None


@dataclass(slots=True)
class CustomFieldStringValue(VimData):
    vim_type: ClassVar[str] = "CustomFieldStringValue"
    key: int
    value: str


class CustomFieldsManager(ManagedObject):
    vim_type = "CustomFieldsManager"
    vim_properties = ("field",)

    def __init__(self, exists: Callable[[MoRef], None]) -> None:
        super().__init__(CUSTOM_FIELDS_MANAGER)
        self.field: list[CustomFieldDef] = []
        self._values: dict[MoRef, dict[int, str]] = {}
        self._keys = itertools.count(100)
        self._exists = exists  # raises ManagedObjectNotFound for an object there is not

    # Reading, for ExtensibleManagedObject.value and availableField

    def values_of(self, ref: MoRef) -> list[CustomFieldStringValue]:
        return [CustomFieldStringValue(key, value) for key, value in self._values.get(ref, {}).items()]

    def fields_for(self, vim_type: str) -> list[CustomFieldDef]:
        types = vim_types()
        return [f for f in self.field if f.managedObjectType is None or types.is_managed_subtype(vim_type, f.managedObjectType)]

    # The vim methods

    def add_field(self, name: str, mo_type: str | None) -> CustomFieldDef:
        """AddCustomFieldDef."""
        name = name.strip()
        if not name:
            raise InvalidArgument("name", "A specified parameter was not correct: name must not be empty.")
        if mo_type is not None and not vim_types().has_managed_type(mo_type):
            raise InvalidArgument("moType", f"A specified parameter was not correct: moType {mo_type!r} is not a managed type.")
        if any(f.name == name and f.managedObjectType == mo_type for f in self.field):
            raise DuplicateName(name, self.ref)
        definition = CustomFieldDef(next(self._keys), name, managedObjectType=mo_type)
        self.field.append(definition)
        self._changed("field")
        return definition

    def rename_field(self, key: int, name: str) -> None:
        """RenameCustomFieldDef."""
        definition = self._field(key)
        if any(f.name == name and f.managedObjectType == definition.managedObjectType and f is not definition for f in self.field):
            raise DuplicateName(name, self.ref)
        definition.name = name
        self._changed("field")

    def remove_field(self, key: int) -> None:
        """RemoveCustomFieldDef: the field goes, and every value it held."""
        self.field.remove(self._field(key))
        for ref, values in self._values.items():
            if values.pop(key, None) is not None:
                self._publish(ref)
        self._changed("field")

    def set_field(self, entity: MoRef, vim_type: str, key: int, value: str) -> None:
        """SetField."""
        self._exists(entity)
        definition = self._field(key)
        if definition not in self.fields_for(vim_type):
            raise InvalidArgument("key", f"A specified parameter was not correct: field {key} applies to {definition.managedObjectType}, not {vim_type}.")
        self._values.setdefault(entity, {})[key] = value
        self._publish(entity)

    def set_custom_value(self, entity: MoRef, vim_type: str, name: str, value: str) -> None:
        """ExtensibleManagedObject.setCustomValue: by the field's name, defining it when it is new."""
        definition = next((f for f in self.fields_for(vim_type) if f.name == name), None)
        if definition is None:
            definition = self.add_field(name, vim_type)
        self.set_field(entity, vim_type, definition.key, value)

    def _field(self, key: int) -> CustomFieldDef:
        found = next((f for f in self.field if f.key == key), None)
        if found is None:
            raise InvalidArgument("key", f"A specified parameter was not correct: no custom field has key {key}.")
        return found

    def _publish(self, ref: MoRef) -> None:
        if self._changes is not None:
            self._changes.publish(ref, ("value", "customValue"))
