"""Vim data as JSON: the one converter of the control API, the request log and the UI.

A MoRef is ``{"type", "value"}``; a datetime ISO 8601 in UTC (``2026-01-01T10:00:00Z``); a data
object (LocalizableMessage, LocalizedMethodFault, a fault stored as data …) a dict of its vim
field names, with its vim type under ``_type`` where the type is not fixed by the field (a
TaskReason subtype, a fault stored as data); unset fields
are left out, as the vim25 XML leaves them out.
"""

from __future__ import annotations

from datetime import datetime, timezone
from enum import Enum
from functools import cache
from typing import Any

from vtasksim.domain.faults import MethodFault
from vtasksim.domain.vmodl import DataObject, MoRef, TypedValue, VimData


def iso(value: datetime) -> str:
    return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def moref_json(ref: MoRef | None) -> dict[str, str] | None:
    return None if ref is None else {"type": ref.type, "value": ref.value}


def fault_json(fault: MethodFault) -> dict[str, Any]:
    """A raised fault: its vim type, its message, and its fields."""
    return {"type": fault.vim_type, "message": fault.message, **to_json(fault.properties)}


def to_json(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, MoRef):
        return moref_json(value)
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, TypedValue):
        return to_json(value.value)
    if isinstance(value, DataObject):
        return {"_type": value.vim_type, **_fields(value.vim_properties())}
    if isinstance(value, VimData):
        named = {"_type": value.vim_type} if _polymorphic(type(value)) else {}
        return {**named, **_fields(value.vim_properties())}
    if isinstance(value, dict):
        return {str(key): to_json(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json(item) for item in value]
    if isinstance(value, bytes):
        return value.decode("latin-1")
    return str(value)


@cache
def _polymorphic(cls: type) -> bool:
    """A TaskReason says which one it is; a LocalizableMessage need not."""
    return bool(cls.__subclasses__()) or any(
        issubclass(base, VimData) and base is not VimData for base in cls.__mro__[1:]
    )


def _fields(pairs: Any) -> dict[str, Any]:
    return {name: to_json(item) for name, item in pairs if item is not None and item != []}
