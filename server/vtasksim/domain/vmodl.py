"""Vim data objects shared by every managed-object type.

Dataclass field names are the vim property names, declared in schema order: the wire layer
walks them in that order to write vim25 XML. Types the simulator does not model field by field
(a fault a client stores in a task, a result) travel as :class:`DataObject`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any, ClassVar, Iterator


@dataclass(frozen=True, slots=True)
class MoRef:
    """A ManagedObjectReference: the object's type and its value (``Task``, ``task-101``)."""

    type: str
    value: str

    def __str__(self) -> str:
        return f"{self.type}:{self.value}"


@dataclass(slots=True)
class DataObject:
    """A vim data object known only by its type name and its properties, in schema order."""

    vim_type: str
    properties: dict[str, Any] = field(default_factory=dict)

    def vim_properties(self) -> Iterator[tuple[str, Any]]:
        yield from self.properties.items()


@dataclass(frozen=True, slots=True)
class TypedValue:
    """An anyType value whose vim type must survive a round trip.

    ``42`` alone would come back as ``xsd:int``; a client that sent ``xsd:long`` or
    ``ArrayOfString`` gets exactly that back. ``type`` is the wire name (``xsd:long``,
    ``ArrayOfString``); ``value`` the Python value (a list for arrays).
    """

    type: str
    value: Any


class VimData:
    """Base of the modelled vim data objects: dataclasses whose fields are vim properties."""

    vim_type: ClassVar[str]

    @classmethod
    def vim_field_names(cls) -> tuple[str, ...]:
        """The vim properties, in schema order (the dataclass's order, unless a class says otherwise)."""
        names = _FIELD_NAMES.get(cls)
        if names is None:
            names = _FIELD_NAMES[cls] = tuple(f.name for f in fields(cls))  # type: ignore[arg-type]
        return names

    def vim_properties(self) -> Iterator[tuple[str, Any]]:
        for name in self.vim_field_names():
            yield name, getattr(self, name)


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


@dataclass(slots=True)
class KeyAnyValue(VimData):
    vim_type: ClassVar[str] = "KeyAnyValue"
    key: str
    value: Any


@dataclass(slots=True)
class ElementDescription(VimData):
    """vim.ElementDescription: a label and summary for a key (task states, methods, events, options)."""

    vim_type: ClassVar[str] = "ElementDescription"
    label: str
    summary: str
    key: str


@dataclass(slots=True)
class LocalizableMessage(VimData):
    vim_type: ClassVar[str] = "LocalizableMessage"
    key: str
    arg: list[KeyAnyValue] = field(default_factory=list)
    message: str | None = None


@dataclass(slots=True)
class LocalizedMethodFault(VimData):
    """A fault stored as data (``TaskInfo.error``): the fault and its message for people."""

    vim_type: ClassVar[str] = "LocalizedMethodFault"
    fault: DataObject
    localizedMessage: str | None = None


def array_type_of(items: list[Any]) -> str:
    """The vim array type of a list sent as one anyType value: ArrayOfString, ArrayOfManagedObjectReference …"""
    kinds = {_item_type_name(item) for item in items}
    if not kinds:
        return "ArrayOfString"
    if len(kinds) == 1:
        return f"ArrayOf{kinds.pop()}"
    if kinds <= {"Int", "Long"}:
        return "ArrayOfLong"
    if kinds <= {"Int", "Long", "Double"}:
        return "ArrayOfDouble"
    return "ArrayOfAnyType"


#: The vim names of the primitive types, as an ArrayOf… type spells them.
_PRIMITIVE_NAMES = {"xsd:boolean": "Boolean", "xsd:int": "Int", "xsd:long": "Long", "xsd:double": "Double",
                    "xsd:dateTime": "DateTime", "xsd:string": "String", "xsd:base64Binary": "Base64Binary"}  # fmt: skip


def xsd_type_of(value: Any) -> str | None:
    """The xsd type a plain Python value takes as an anyType value; None for anything else."""
    if isinstance(value, bool):
        return "xsd:boolean"
    if isinstance(value, int):
        return "xsd:int" if -(2**31) <= value < 2**31 else "xsd:long"
    if isinstance(value, float):
        return "xsd:double"
    if isinstance(value, datetime):
        return "xsd:dateTime"
    if isinstance(value, str):
        return "xsd:string"
    if isinstance(value, bytes):
        return "xsd:base64Binary"
    return None


def _item_type_name(item: Any) -> str:
    primitive = xsd_type_of(item)
    if primitive is not None:
        return _PRIMITIVE_NAMES[primitive]
    if isinstance(item, MoRef):
        return "ManagedObjectReference"
    if isinstance(item, (VimData, DataObject)):
        return item.vim_type
    if isinstance(item, TypedValue) and item.type in _PRIMITIVE_NAMES:
        return _PRIMITIVE_NAMES[item.type]
    return "AnyType"
