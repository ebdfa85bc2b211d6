"""Property values by vim path, typed by the vim type tables.

A fixture says ``config.hardware.numCPU: 4``; this module turns that into the data objects
vCenter would hold (a VirtualMachineConfigInfo whose hardware is a VirtualHardware whose numCPU
is the int 4), refusing what the type tables do not allow, and fills the fields vim requires
with plain defaults so that every value the server sends is one a vCenter could send.
"""

from __future__ import annotations

import copy
from datetime import datetime, timezone
from typing import Any, Callable, Mapping

from vtasksim.domain.typesystem import FieldInfo, TypeSystem
from vtasksim.domain.vmodl import DataObject, MoRef

#: Turns what a fixture wrote for a managed-object reference (a MoRef value, an inventory path,
#: or ``{type, value}``) into a MoRef; raises PropertyError when it names nothing.
ResolveRef = Callable[[Any], MoRef]

_INTEGERS = {"xsd:int": 32, "xsd:long": 64, "xsd:short": 16, "xsd:byte": 8}


class PropertyError(ValueError):
    """A property path or value the vim type tables refuse; ``path`` is where, below the property."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path, self.message = path, message


def set_path(types: TypeSystem, managed_type: str, data: dict[str, Any], path: str, raw: Any, resolve: ResolveRef) -> None:
    """Store ``raw`` at ``path`` (``runtime.powerState``) in ``data``, the managed object's own values."""
    head, *rest = path.split(".")
    prop = types.managed_property(managed_type, head)
    if prop is None:
        raise PropertyError(path, f"{managed_type} has no property {head!r}")
    if not rest:
        data[head] = convert(types, prop, raw, path, resolve)
        return
    container = data.get(head)
    if container is None:
        container = data[head] = DataObject(_data_type(types, prop, path))
    for depth, name in enumerate(rest):
        here = ".".join([head, *rest[: depth + 1]])
        field = types.field(container.vim_type, name)
        if field is None:
            raise PropertyError(here, f"{container.vim_type} has no field {name!r}")
        if depth == len(rest) - 1:
            container.properties[name] = convert(types, field, raw, here, resolve)
            return
        inner = container.properties.get(name)
        if not isinstance(inner, DataObject):
            inner = container.properties[name] = DataObject(_data_type(types, field, here))
        container = inner


def _data_type(types: TypeSystem, field: FieldInfo, path: str) -> str:
    if field.array or not types.has_type(field.type) or types.type(field.type).kind != "data":
        raise PropertyError(path, f"is a {field.type}{'[]' if field.array else ''}, not a data object with fields")
    return field.type


def convert(types: TypeSystem, field: FieldInfo, raw: Any, path: str, resolve: ResolveRef) -> Any:
    """``raw`` as a value of ``field``'s type: a list for an array field, each item converted."""
    if field.array:
        items = raw if isinstance(raw, list) else [raw]
        return [value_of(types, field.type, item, f"{path}[{i}]", resolve) for i, item in enumerate(items)]
    if isinstance(raw, list):
        raise PropertyError(path, f"is one {field.type}, not a list")
    return value_of(types, field.type, raw, path, resolve)


def value_of(types: TypeSystem, type_name: str, raw: Any, path: str, resolve: ResolveRef) -> Any:
    if type_name == "ManagedObjectReference":
        try:
            return resolve(raw)
        except PropertyError as error:
            raise PropertyError(path, error.message) from None
    if type_name in _INTEGERS:
        bits = _INTEGERS[type_name]
        if isinstance(raw, bool) or not isinstance(raw, int) or not -(2 ** (bits - 1)) <= raw < 2 ** (bits - 1):
            raise PropertyError(path, f"expected an integer ({type_name}), got {raw!r}")
        return raw
    if type_name == "xsd:boolean":
        if not isinstance(raw, bool):
            raise PropertyError(path, f"expected true or false, got {raw!r}")
        return raw
    if type_name in ("xsd:double", "xsd:float"):
        if isinstance(raw, bool) or not isinstance(raw, (int, float)):
            raise PropertyError(path, f"expected a number, got {raw!r}")
        return float(raw)
    if type_name == "xsd:dateTime":
        return _timestamp(raw, path)
    if type_name in ("xsd:string", "xsd:anyURI"):
        if not isinstance(raw, (str, int, float)) or isinstance(raw, bool):
            raise PropertyError(path, f"expected a string, got {raw!r}")
        return str(raw)
    if type_name == "xsd:anyType":
        return raw
    if not types.has_type(type_name):
        raise PropertyError(path, f"has type {type_name}, which vtasksim does not serve")
    info = types.type(type_name)
    if info.kind == "enum":
        if raw not in info.values:
            raise PropertyError(path, f"{raw!r} is not a {type_name}; one of {', '.join(info.values)}")
        return raw
    return _data_object(types, type_name, raw, path, resolve)


def _data_object(types: TypeSystem, declared: str, raw: Any, path: str, resolve: ResolveRef) -> DataObject:
    if not isinstance(raw, Mapping):
        raise PropertyError(path, f"expected a mapping of {declared}'s fields, got {raw!r}")
    values = dict(raw)
    actual = values.pop("type", declared) if types.field(declared, "type") is None else declared
    if not types.has_type(actual) or not types.is_subtype(actual, declared):
        raise PropertyError(f"{path}.type", f"{actual!r} is not a {declared}")
    properties: dict[str, Any] = {}
    for name, item in values.items():
        field = types.field(actual, name)
        if field is None:
            raise PropertyError(f"{path}.{name}", f"{actual} has no field {name!r}")
        properties[name] = convert(types, field, item, f"{path}.{name}", resolve)
    return DataObject(actual, properties)


def _timestamp(raw: Any, path: str) -> datetime:
    if isinstance(raw, str):
        try:
            raw = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError:
            raise PropertyError(path, f"not an ISO 8601 timestamp: {raw!r}") from None
    if not isinstance(raw, datetime):
        raise PropertyError(path, f"expected a timestamp such as 2026-01-01T10:00:00Z, got {raw!r}")
    return raw.replace(tzinfo=timezone.utc) if raw.tzinfo is None else raw.astimezone(timezone.utc)


# Building the values a vCenter sends: defaults under the fixture's own values, required fields filled


def merged(types: TypeSystem, default: DataObject, own: Any) -> DataObject:
    """``default`` with the fixture's values (``own``, a DataObject of the same type or None) over it."""
    if not isinstance(own, DataObject):
        return complete(types, default)
    values = dict(default.properties)
    for name, value in own.properties.items():
        below = values.get(name)
        if isinstance(below, DataObject) and isinstance(value, DataObject) and types.is_subtype(value.vim_type, below.vim_type):
            value = merged(types, DataObject(value.vim_type, dict(below.properties)), value)
        elif isinstance(value, (DataObject, list)):
            value = copy.deepcopy(value)  # completing it must not touch what the fixture said
        values[name] = value
    vim_type = own.vim_type if types.is_subtype(own.vim_type, default.vim_type) else default.vim_type
    return complete(types, DataObject(vim_type, values))


def complete(types: TypeSystem, value: DataObject) -> DataObject:
    """Every field vim requires, filled: the fixture's value, else a plain default (0, false, "")."""
    for field in types.all_fields(value.vim_type):
        current = value.properties.get(field.name)
        if isinstance(current, DataObject):
            complete(types, current)
        elif current is None and not field.optional and not field.array:
            default = _plain_default(types, field.type)
            if default is not None:
                value.properties[field.name] = default
    return value


def _plain_default(types: TypeSystem, type_name: str) -> Any:
    if type_name in _INTEGERS:
        return 0
    if type_name == "xsd:boolean":
        return False
    if type_name in ("xsd:double", "xsd:float"):
        return 0.0
    if type_name in ("xsd:string", "xsd:anyURI"):
        return ""
    if type_name == "xsd:dateTime":
        return datetime(1970, 1, 1, tzinfo=timezone.utc)
    if not types.has_type(type_name):
        return None  # a MoRef or anyType: nothing sensible to invent
    info = types.type(type_name)
    if info.kind == "enum":
        return info.values[0]
    if info.kind == "data":
        return complete(types, DataObject(type_name))
    return None


def data(vim_type: str, **values: Any) -> DataObject:
    """A data object from keyword fields, None ones left out (the defaults below read well)."""
    return DataObject(vim_type, {name: value for name, value in values.items() if value is not None})


def get(value: Any, path: str) -> Any:
    """The value at a dotted path inside nested data objects, or None."""
    for name in path.split("."):
        if not isinstance(value, DataObject):
            return None
        value = value.properties.get(name)
    return value

