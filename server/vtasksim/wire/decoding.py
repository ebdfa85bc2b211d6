"""vim25 XML arguments to domain values, by the declared type of each element.

Lenient where real clients differ, strict where vCenter is: elements are matched by namespace
and local name, never by prefix; ``xsi:type`` may come under any prefix (govc) and with a
prefixed value (suds's ``ns0:FileNotFound``); an anyType value without ``xsi:type`` is a
string (suds); unknown attributes such as pyVmomi's ``versionId`` are ignored. An element the
type does not have is an InvalidRequest; a value that does not fit its type an InvalidArgument
naming the argument path (``description.arg.value``).
"""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Any, Callable

from lxml import etree

from vtasksim.domain.faults import InvalidArgument, InvalidRequest
from vtasksim.domain.typesystem import FieldInfo, TypeSystem
from vtasksim.domain.vmodl import DataObject, MoRef, TypedValue
from vtasksim.wire.encoding import ANY_TYPE, MOREF, array_item_type
from vtasksim.wire.namespaces import XSD, XSI_TYPE, local_name

#: The names pyVmomi gives an object reference in an anyType value, beside the schema's.
_MOREF_TYPES = {MOREF, "ManagedObject"}

_TRUE, _FALSE = {"true", "1"}, {"false", "0"}
#: A value not read yet (None is a value a reader may give).
_NOT_READ = object()
#: How many elements' values read_shared keeps (each keeps its request's parsed tree: a few KiB).
SHARED_KEPT = 128


def _integer(bits: int) -> Callable[[str], int]:
    low, high = -(2 ** (bits - 1)), 2 ** (bits - 1) - 1

    def parse(text: str) -> int:
        value = int(text.strip())
        if not low <= value <= high:
            raise ValueError(f"{value} does not fit in {bits} bits")
        return value

    return parse


def _parse_bool(text: str) -> bool:
    word = text.strip()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise ValueError(f"{text!r} is not a boolean")


def parse_datetime(text: str) -> datetime:
    text = text.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    return datetime.fromisoformat(text)


_PRIMITIVES: dict[str, Callable[[str], Any]] = {
    "xsd:string": str,
    "xsd:anyURI": str,
    "xsd:int": _integer(32),
    "xsd:long": _integer(64),
    "xsd:short": _integer(16),
    "xsd:byte": _integer(8),
    "xsd:boolean": _parse_bool,
    "xsd:double": float,
    "xsd:float": float,
    "xsd:dateTime": parse_datetime,
    "xsd:base64Binary": lambda text: base64.b64decode(text.strip(), validate=True),
}


class Vim25Reader:
    """Reads vim25 elements as domain values.

    ``modelled`` maps the vim types the domain models as dataclasses to their constructors;
    every other data object is read as a :class:`DataObject`. No array may hold more than
    ``max_array_items`` items: a request is not a way to store megabytes on a task.
    """

    def __init__(self, types: TypeSystem, modelled: dict[str, Callable[..., Any]], max_array_items: int | None = None) -> None:
        self.types = types
        self.modelled = modelled
        self.max_array_items = max_array_items
        #: How an element of each declared type is read when it names no other (no xsi:type), worked out once a type.
        self._plain: dict[str, Callable[[etree._Element, str, str], Any]] = {}
        #: Each data type's fields by name, with the parser of a primitive one (worked out once a type).
        self._fields: dict[str, dict[str, tuple[FieldInfo, Callable[[str], Any] | None]]] = {}
        #: Values read for :meth:`read_shared`, by element (which the key keeps alive: an id is never reused).
        self._shared: dict[tuple[etree._Element, str, str], Any] = {}

    def read_shared(self, element: etree._Element, declared: str, path: str) -> Any:
        """:meth:`read`, for a caller that never changes the value: the same element gives the same
        value. The dispatcher hands a body sent again its elements of last time (a spec polled
        with RetrievePropertiesEx), so they are decoded once. A value that fails is not kept."""
        key = (element, declared, path)
        value = self._shared.get(key, _NOT_READ)
        if value is _NOT_READ:
            value = self.read(element, declared, path)
            if len(self._shared) >= SHARED_KEPT:
                del self._shared[next(iter(self._shared))]  # the oldest
            self._shared[key] = value
        return value

    def read(self, element: etree._Element, declared: str, path: str) -> Any:
        # Most elements have no attribute at all, and listing none costs a third of looking one up by its namespace.
        names = element.keys()
        if not names or XSI_TYPE not in names:  # most elements: their type is the declared one
            plain = self._plain.get(declared)
            if plain is None:
                plain = self._plain_reader(declared)
                if declared == ANY_TYPE or declared in _PRIMITIVES or declared in _MOREF_TYPES or self.types.has_type(declared):
                    self._plain[declared] = plain  # not an item type a client made up (ArrayOfWhatever)
            return plain(element, declared, path)
        return self._read_as(element, declared, self._xsi_type(element, path) or declared, path)

    def _plain_reader(self, declared: str) -> Callable[[etree._Element, str, str], Any]:
        """What :meth:`_read_as` does for an element of the declared type, without deciding it each time."""
        if declared == ANY_TYPE:
            return lambda element, declared, path: self._read_as(element, declared, declared, path)
        if declared in _MOREF_TYPES:
            return lambda element, declared, path: self._read_moref(element, path)
        if declared.startswith("xsd:"):
            return self._read_primitive
        if declared.startswith("ArrayOf"):
            return self._read_array
        if self.types.has_type(declared) and self.types.type(declared).kind != "enum":
            return self._read_data
        return lambda element, declared, path: self._read_as(element, declared, declared, path)  # an enum, or an unknown type's fault

    def _read_as(self, element: etree._Element, declared: str, actual: str, path: str) -> Any:
        if actual == ANY_TYPE:
            actual = "xsd:string"  # suds sends anyType values with no xsi:type at all
        if actual != declared and not self._may_stand_for(actual, declared):
            raise InvalidArgument(path, f"A specified parameter was not correct: {path} must be a {declared}, not a {actual}.")
        if actual in _MOREF_TYPES:
            return self._read_moref(element, path)
        if actual.startswith("xsd:"):
            value = self._read_primitive(element, actual, path)
            return TypedValue(actual, value) if declared == ANY_TYPE else value
        if actual.startswith("ArrayOf"):
            return self._read_array(element, actual, path)
        if not self.types.has_type(actual):
            raise InvalidArgument(path, f"A specified parameter was not correct: {path} has unknown type {actual!r}.")
        info = self.types.type(actual)
        if info.kind == "enum":
            return self._read_enum(element, actual, info.values, path)
        if declared not in (ANY_TYPE, actual) and not self.types.is_subtype(actual, declared):
            raise InvalidArgument(path, f"A specified parameter was not correct: {path} must be a {declared}, not a {actual}.")
        return self._read_data(element, actual, path)

    def _may_stand_for(self, actual: str, declared: str) -> bool:
        """Whether an ``xsi:type`` may replace the declared type: anything in an anyType; a
        subtype for a data type; for a primitive or a reference, only a primitive or a reference
        (clients differ in which integer or reference name they write). A primitive, an array or
        a reference where a data object is declared is never one."""
        if declared == ANY_TYPE:
            return True
        plain = actual.startswith(("xsd:", "ArrayOf")) or actual in _MOREF_TYPES
        if declared.startswith("xsd:") or declared in _MOREF_TYPES:
            return plain
        return not plain

    def _xsi_type(self, element: etree._Element, path: str) -> str | None:
        raw = element.get(XSI_TYPE)
        if raw is None:
            return None
        prefix, _, name = raw.strip().rpartition(":")
        namespace = element.nsmap.get(prefix or None)
        if namespace == XSD or (namespace is None and prefix in ("xsd", "xs")):
            return "xsd:" + name
        return name

    def _read_moref(self, element: etree._Element, path: str) -> MoRef:
        ref_type = element.get("type")
        value = (element.text or "").strip()
        if not ref_type or not value:
            raise InvalidArgument(path, f"A specified parameter was not correct: {path} must be a managed object reference with a type and a value.")
        return MoRef(ref_type, value)

    def _read_primitive(self, element: etree._Element, xsd_type: str, path: str) -> Any:
        parse = _PRIMITIVES.get(xsd_type)
        if parse is None:
            raise InvalidArgument(path, f"A specified parameter was not correct: {path} has unsupported type {xsd_type}.")
        if len(element):
            raise InvalidArgument(path, f"A specified parameter was not correct: {path} must be a {xsd_type}, not an element.")
        try:
            return parse(element.text or "")
        except (ValueError, binascii.Error):
            raise InvalidArgument(
                path, f"A specified parameter was not correct: {path} must be a {xsd_type}, not {element.text!r}."
            ) from None

    def _read_enum(self, element: etree._Element, type_name: str, values: tuple[str, ...], path: str) -> str:
        text = (element.text or "").strip()
        if text not in values:
            raise InvalidArgument(
                path, f"A specified parameter was not correct: {path} must be one of {', '.join(values)}, not {text!r}."
            )
        return text

    def _read_array(self, element: etree._Element, array_type: str, path: str) -> TypedValue:
        item_type = array_item_type(array_type)
        if self.max_array_items is not None and len(element) > self.max_array_items:
            check_array_items(sum(1 for _ in _children(element)), self.max_array_items, path)
        return TypedValue(array_type, [self.read(child, item_type, path) for child in _children(element)])

    def _read_data(self, element: etree._Element, type_name: str, path: str) -> Any:
        fields = self._fields.get(type_name)
        if fields is None:
            fields = self._fields[type_name] = {f.name: (f, _PRIMITIVES.get(f.type)) for f in self.types.all_fields(type_name)}
        values: dict[str, Any] = {}
        for child in element:  # plain iteration: cheaper than iterchildren's tag filter
            tag = child.tag
            if not isinstance(tag, str):
                continue  # a comment or a processing instruction
            name = local_name(tag)
            found = fields.get(name)
            if found is None:
                raise InvalidRequest(f"Unexpected element {name!r} in {path} (a {type_name}).")
            field, parse = found
            value = _NOT_READ
            if parse is not None and not child.keys() and not len(child):
                # A primitive field as most are sent (no attribute, no child): its text, parsed here.
                try:
                    value = parse(child.text or "")
                except (ValueError, binascii.Error):
                    pass  # read below, where the fault names the argument path
            if value is _NOT_READ:
                value = self.read(child, field.type, f"{path}.{name}")
            if field.array:
                items = values.setdefault(name, [])
                items.append(value)
                if self.max_array_items is not None and len(items) > self.max_array_items:
                    check_array_items(len(items), self.max_array_items, f"{path}.{name}")
            else:
                values[name] = value
        return self._construct(type_name, values, path)

    def _construct(self, type_name: str, values: dict[str, Any], path: str) -> Any:
        constructor = self.modelled.get(type_name)
        if constructor is None:
            return DataObject(type_name, values)
        values.pop("dynamicType", None)
        values.pop("dynamicProperty", None)
        try:
            return constructor(**values)
        except TypeError:
            missing = [f.name for f in self.types.all_fields(type_name) if not f.optional and f.name not in values]
            raise InvalidArgument(
                path, f"A specified parameter was not correct: {path} lacks {', '.join(missing) or 'a required field'}."
            ) from None


def check_array_items(count: int, limit: int, path: str) -> None:
    """InvalidArgument when an array holds more items than the server takes, saying how to raise the limit."""
    if count > limit:
        raise InvalidArgument(
            path,
            f"A specified parameter was not correct: {path} holds more than {limit} items, the most this "
            "server takes in one array (raise it with --max-array-items or the fixture's settings.maxArrayItems).",
        )


def _children(element: etree._Element):
    """Child elements, skipping comments and processing instructions."""
    return (child for child in element if isinstance(child.tag, str))
