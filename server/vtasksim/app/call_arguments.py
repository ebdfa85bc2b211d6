"""A vim call's arguments as the request log keeps them: by name, readable, never a password;
and the task a call started, so that a task's story begins with the call that made it.

Most arguments arrive decoded (a MoRef, a string, a number); those the wire hands over as XML
(a PropertyFilterSpec, a stored fault, an anyType result, a LocalizableMessage) become the
JSON-like shape of vim_json: a dict of child names with ``_type`` from ``xsi:type``, a MoRef as
``{"type", "value"}``, a primitive as its text. A huge one is cut to its first characters.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from lxml import etree

from vtasksim.domain.vmodl import MoRef
from vtasksim.wire.arguments import is_secret, read_arguments, takes_secrets, xml_arguments
from vtasksim.wire.protocol import envelope_operation, parse_envelope
from vtasksim.wire.namespaces import XSI_TYPE, local_name

#: What the log keeps of a password argument (Login's) or a session id (SessionIsActive's, another
#: session's cookie): anyone who may read /_vtasksim/ reads the log.
HIDDEN = "(hidden)"
#: An XML argument with more elements than this is kept as the start of its text instead.
ELEMENT_LIMIT = 200
TEXT_LIMIT = 400


def arguments_of(ctx: Any) -> dict[str, Any] | None:
    """The arguments a call read, but ``_this``, by their vim names; None before they were read."""
    if ctx is None or ctx.descriptor is None or not ctx.in_object:
        return None
    return _by_name(ctx.descriptor.in_message._type_info, ctx.in_object)


def logged_arguments(ctx: Any, now: bool = False) -> Mapping[str, Any] | None:
    """What :func:`arguments_of` gives, worked out only if someone reads it (the control API,
    the UI): most records of a busy server are never read. ``now``: every record will be read
    (``--trace``), so convert while the parsed request is at hand."""
    if ctx is None or ctx.descriptor is None or not ctx.in_object:
        return None
    message, values = ctx.descriptor.in_message, ctx.in_object
    secret, xml = _KINDS.get(message) or _kind(message)
    if secret or now:
        return _by_name(message._type_info, values)  # a password is not kept, not even until read
    for index in xml:
        if values[index] is not None:
            # An element keeps its whole parsed request alive (~5 KiB): keep the bytes it came in instead.
            return CallArguments(message, None, ctx.in_string[0] if len(ctx.in_string) == 1 else b"".join(ctx.in_string))
    return CallArguments(message, values, None)


#: Per method: whether it takes a secret (a password, a session id), and the positions of its XML arguments.
_KINDS: dict[Any, tuple[bool, tuple[int, ...]]] = {}


def _kind(message: Any) -> tuple[bool, tuple[int, ...]]:
    kind = _KINDS[message] = (takes_secrets(message), xml_arguments(message))
    return kind


class CallArguments(Mapping[str, Any]):
    """A call's arguments as the log shows them (:func:`arguments_of`), converted when first read.

    It holds the decoded values the call read, or, when some were XML, the request's bytes, from
    which they are read again the same way."""

    __slots__ = ("_message", "_values", "_body", "_converted")

    def __init__(self, message: Any, values: list[Any] | None, body: bytes | None) -> None:
        self._message, self._values, self._body = message, values, body
        self._converted: dict[str, Any] | None = None

    def _arguments(self) -> dict[str, Any]:
        if self._converted is None:
            values = self._values
            if values is None:
                values = read_arguments(envelope_operation(parse_envelope(self._body)), self._message)  # type: ignore[arg-type]
            self._converted = _by_name(self._message._type_info, values)
            self._values = self._body = None  # what they were made of is no longer needed
        return self._converted

    def __getitem__(self, name: str) -> Any:
        return self._arguments()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._arguments())

    def __len__(self) -> int:
        return len(self._arguments())

    def __repr__(self) -> str:
        return repr(self._arguments())


def _by_name(names: Iterable[str], values: list[Any]) -> dict[str, Any]:
    return {
        name: HIDDEN if is_secret(name) else _value(value)
        for name, value in zip(names, values)
        if name != "_this" and value is not None
    }



def _value(value: Any) -> Any:
    if isinstance(value, list):
        return [_value(item) for item in value]
    if isinstance(value, etree._Element):
        if sum(1 for _ in value.iter()) > ELEMENT_LIMIT:
            text = etree.tostring(value, encoding="unicode", with_tail=False)
            return text[: TEXT_LIMIT - 1] + "…"
        return _element(value)
    return value


def _element(element: etree._Element) -> Any:
    children = [child for child in element if isinstance(child.tag, str)]
    declared = element.get(XSI_TYPE)
    if not children:
        text = element.text or ""
        if element.get("type") is not None:
            return {"type": element.get("type"), "value": text}  # a MoRef
        return text
    fields: dict[str, Any] = {"_type": declared.rpartition(":")[2]} if declared else {}
    for child in children:
        name, value = local_name(child.tag), _element(child)
        if name in fields:
            previous = fields[name]
            fields[name] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            fields[name] = value
    return fields


#: The Task a response names: TaskInfo.task (CreateTask), or the returnval of a ``…_Task`` method.
_STARTED_TASK = re.compile(r'<(?:task|returnval) type="Task">([^<]+)</')
#: Where in a response the task is (its first element or two): big answers are not searched.
_STARTED_TASK_SPAN = 400


def task_started(method: str | None, response: Any) -> MoRef | None:
    """The Task a successful CreateTask or ``…_Task`` call returned; None for any other call."""
    if method is None or not (method == "CreateTask" or method.endswith("_Task")) or not isinstance(response, str):
        return None
    found = _STARTED_TASK.search(response, 0, _STARTED_TASK_SPAN)
    return MoRef("Task", found.group(1)) if found else None
