"""vim values as JSON: the one converter the control API, the task view and traces share.

The shapes follow vSphere's own JSON binding of vim25 (VI/JSON), so a reader who knows vim
knows them: a data object is a dict of its vim property names with ``_typeName`` first, a
managed-object reference is ``{"type", "value"}``, an anyType value whose type must survive
(``xsd:long`` 42) is ``{"_typeName": "long", "_value": 42}``, a time is ISO 8601 in UTC with a
``Z``, binary is base64. Unset properties (None) are left out, as the wire leaves them out.
"""

from __future__ import annotations

import base64
import json
from datetime import datetime, timezone
from enum import Enum
from typing import Any

from vtasksim.domain.vmodl import DataObject, MoRef, TypedValue, VimData

JsonValue = None | bool | int | float | str | list["JsonValue"] | dict[str, "JsonValue"]


def to_json(value: Any) -> JsonValue:
    """The JSON form of any value the domain holds (TaskInfo, a fault, a result, a MoRef …)."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, MoRef):
        return {"type": value.type, "value": value.value}
    if isinstance(value, datetime):
        return iso_time(value)
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, TypedValue):
        return {"_typeName": value.type.removeprefix("xsd:"), "_value": to_json(value.value)}
    if isinstance(value, (VimData, DataObject)):
        return _data_object(value)
    if isinstance(value, (list, tuple)):
        return [to_json(item) for item in value]
    if isinstance(value, dict):
        return {str(key): to_json(item) for key, item in value.items()}
    raise TypeError(f"no JSON form for {type(value).__name__}")


def iso_time(moment: datetime) -> str:
    """``2025-12-31T23:58:00Z``; milliseconds only when there are some."""
    utc = moment.astimezone(timezone.utc) if moment.tzinfo else moment
    text = utc.strftime("%Y-%m-%dT%H:%M:%S")
    if utc.microsecond:
        text += f".{utc.microsecond // 1000:03d}"
    return text + "Z"


def dumps(value: Any) -> str:
    """Compact JSON text of a domain value."""
    return json.dumps(to_json(value), separators=(",", ":"), ensure_ascii=False)


def _data_object(value: VimData | DataObject) -> dict[str, JsonValue]:
    converted: dict[str, JsonValue] = {"_typeName": value.vim_type}
    for name, item in value.vim_properties():
        if item is not None:
            converted[name] = to_json(item)
    return converted
