"""The vim type a property's value goes out as.

A property travels as anyType (``DynamicProperty.val``, ``FetchResponse``), so its value carries
its own ``xsi:type``; a plain Python value would lose what vCenter says: ``poweredOn`` is a
VirtualMachinePowerState, a count may be an xsd:long, a list of custom values an
ArrayOfCustomFieldValue of CustomFieldStringValue items. The managed type tables say which.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from vtasksim.domain.typesystem import FieldInfo, vim_types
from vtasksim.domain.vmodl import DataObject, MoRef, TypedValue, VimData, xsd_type_of

#: ArrayOf… names of the primitive types.
_ARRAY_NAMES = {"xsd:string": "String", "xsd:int": "Int", "xsd:long": "Long", "xsd:short": "Short", "xsd:byte": "Byte",
                "xsd:boolean": "Boolean", "xsd:double": "Double", "xsd:float": "Float", "xsd:dateTime": "DateTime",
                "xsd:anyURI": "AnyURI", "xsd:base64Binary": "Base64Binary", "ManagedObjectReference": "ManagedObjectReference"}  # fmt: skip


@lru_cache(maxsize=4096)
def field_at(managed_type: str, path: str) -> FieldInfo | None:
    """The declared type of a property path (``runtime.powerState``), or None when it is not known."""
    types = vim_types()
    head, *rest = path.split(".")
    field = types.managed_property(managed_type, head)
    for name in rest:
        if field is None or not types.has_type(field.type):
            return None
        field = types.field(field.type, name)
    return field


def typed_property(managed_type: str, path: str, value: Any) -> Any:
    """``value`` as it goes out for ``managed_type``'s property ``path``."""
    if value is None or isinstance(value, TypedValue):
        return value
    field = field_at(managed_type, path)
    return value if field is None else typed(field, value)


def typed(field: FieldInfo, value: Any) -> Any:
    types = vim_types()
    if field.array:
        if not isinstance(value, list) or not value:
            return value
        name = _ARRAY_NAMES.get(field.type) or (field.type if types.has_type(field.type) else None)
        return TypedValue(f"ArrayOf{name}", value) if name else value
    if isinstance(value, (DataObject, VimData, MoRef)):
        return value
    if types.has_type(field.type) and types.type(field.type).kind == "enum":
        return TypedValue(field.type, value.value if hasattr(value, "value") else value)
    if field.type.startswith("xsd:") and field.type not in ("xsd:anyType", xsd_type_of(value)) and xsd_type_of(value):
        return TypedValue(field.type, value)
    return value
