"""A vim method's arguments, read from its request element by the Spyne message that declares them.

Spyne's services declare each method's arguments (names, order, types, which are required);
reading them here instead of through Spyne's generic deserializer is ten times cheaper, and
lets every error name its argument: an element the method does not have is an InvalidRequest,
a missing required argument too, a value that does not fit its type an InvalidArgument naming
it. Unknown attributes (pyVmomi's ``versionId``) are ignored.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any, Callable

from lxml import etree
from spyne import Boolean, Integer, Unicode

from vtasksim.domain.faults import InvalidArgument, InvalidRequest
from vtasksim.wire.decoding import check_array_items
from vtasksim.domain.vmodl import MoRef
from vtasksim.wire.models import ManagedObjectReference, VimXml
from vtasksim.wire.namespaces import local_name


def read_arguments(operation: etree._Element, message_class: Any, max_array_items: int | None = None) -> list[Any]:
    """The arguments in declaration order; a repeated argument is a list, an absent one None.

    A repeated argument may come at most ``max_array_items`` times."""
    plan = _PLANS.get(message_class) or _plan(message_class)
    values: list[Any] = [None] * len(plan.arguments)
    for child in operation:
        tag = child.tag
        if not isinstance(tag, str):
            continue  # a comment or a processing instruction
        name = tag.rpartition("}")[2]
        argument = plan.arguments.get(name)
        if argument is None:
            raise InvalidRequest(f"Unexpected element {name!r} in {local_name(operation.tag)}.")
        index, member, read, repeated = argument
        value = read(child, name, member)
        if repeated:
            items = values[index]
            if items is None:
                items = values[index] = []
            items.append(value)
            if max_array_items is not None and len(items) > max_array_items:
                check_array_items(len(items), max_array_items, name)
        else:
            values[index] = value
    for index, name in plan.required:
        if values[index] is None:
            raise InvalidRequest(f"Required parameter {name} is missing.")
    return values


_Argument = tuple[int, Any, Callable[[etree._Element, str, Any], Any], bool]  # position, member, reader, repeated


@dataclass(frozen=True, slots=True)
class _Plan:
    """How to read a method's arguments: each by its element name, and which must be there."""

    arguments: dict[str, _Argument]
    required: tuple[tuple[int, str], ...]


_PLANS: dict[Any, _Plan] = {}


def _plan(message_class: Any) -> _Plan:
    """Each argument of a Spyne message, in order, with its reader: worked out once per method."""
    plan = _PLANS.get(message_class)
    if plan is None:
        members = list(message_class._type_info.items())
        plan = _PLANS[message_class] = _Plan(
            {name: (index, member, _reader(member), member.Attributes.max_occurs > 1) for index, (name, member) in enumerate(members)},
            tuple((index, name) for index, (name, member) in enumerate(members) if member.Attributes.min_occurs >= 1),
        )
    return plan


def is_secret(name: str) -> bool:
    """Whether an argument holds a secret (a password; a session id, which is another session's cookie)."""
    return "password" in name.lower() or name.lower() == "sessionid"


@cache
def takes_secrets(message_class: Any) -> bool:
    return any(is_secret(name) for name in message_class._type_info)


@cache
def xml_arguments(message_class: Any) -> tuple[int, ...]:
    """The positions of the arguments the wire hands over as lxml elements (a spec, a fault …)."""
    return tuple(index for index, _, read, _ in _plan(message_class).arguments.values() if read is _element)


def _reader(member: Any) -> Callable[[etree._Element, str, Any], Any]:
    for kind, read in _READERS:
        if issubclass(member, kind):
            return read
    raise TypeError(f"no reader for argument type {member!r}")


def _element(element: etree._Element, name: str, member: Any) -> etree._Element:
    return element


def _moref(element: etree._Element, name: str, member: Any) -> MoRef:
    ref_type, value = element.get("type"), (element.text or "").strip()
    if not ref_type or not value:
        raise InvalidArgument(name, f"A specified parameter was not correct: {name} must name a managed object (type and value).")
    return MoRef(ref_type, value)


def _string(element: etree._Element, name: str, member: Any) -> str:
    if len(element):
        raise InvalidArgument(name, f"A specified parameter was not correct: {name} must be a string, not an element.")
    return element.text or ""


def _integer(element: etree._Element, name: str, member: Any) -> int:
    low, high = member.Attributes.min_bound, member.Attributes.max_bound
    try:
        value = int((element.text or "").strip())
    except ValueError:
        raise InvalidArgument(name, f"A specified parameter was not correct: {name} must be an integer, not {element.text!r}.") from None
    if (low is not None and value < low) or (high is not None and value > high):
        raise InvalidArgument(name, f"A specified parameter was not correct: {name} {value} does not fit its type.")
    return value


def _boolean(element: etree._Element, name: str, member: Any) -> bool:
    word = (element.text or "").strip()
    if word in ("true", "1"):
        return True
    if word in ("false", "0"):
        return False
    raise InvalidArgument(name, f"A specified parameter was not correct: {name} must be true or false, not {element.text!r}.")


_READERS: tuple[tuple[type, Callable[[etree._Element, str, Any], Any]], ...] = (
    (VimXml, _element),
    (ManagedObjectReference, _moref),
    (Boolean, _boolean),
    (Integer, _integer),
    (Unicode, _string),
)
