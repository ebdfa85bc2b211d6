"""Domain values to vim25 XML, as a vCenter writes them for a client's API version.

Elements are unqualified children in the default namespace ``urn:vim25``. ``xsi:type`` is
written where the value's type is not the declared one: a subtype in a polymorphic field
(``<reason xsi:type="TaskReasonUser">``), and every value in an ``anyType`` field
(``<returnval xsi:type="TaskInfo">``, ``<val xsi:type="xsd:string">``). A field newer than the
client's version is never written: pyVmomi raises on elements it does not know.
"""

from __future__ import annotations

import base64
import copy
import re
from datetime import datetime, timezone
from enum import Enum
from operator import attrgetter
from typing import Any, Callable, Iterable, NamedTuple, Protocol

from lxml import etree

from vtasksim.domain.typesystem import TypeSystem
from vtasksim.domain.vmodl import DataObject, MoRef, TypedValue, VimData, array_type_of, xsd_type_of
from vtasksim.wire.namespaces import VIM25, XSI

ANY_TYPE = "xsd:anyType"
MOREF = "ManagedObjectReference"



def format_datetime(value: datetime) -> str:
    """xsd:dateTime in UTC with a ``Z``, as vCenter writes it: ``2014-10-20T15:09:08.789999Z``."""
    if value.tzinfo is not None:
        value = value.astimezone(timezone.utc).replace(tzinfo=None)
    return value.isoformat() + "Z"


def _primitive_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, float):
        return repr(value)
    return str(value)


def array_item_type(array_type: str) -> str:
    item = array_type[len("ArrayOf"):]
    primitive = {
        "String": "xsd:string", "Int": "xsd:int", "Long": "xsd:long", "Short": "xsd:short",
        "Byte": "xsd:byte", "Boolean": "xsd:boolean", "Double": "xsd:double",
        "Float": "xsd:float", "DateTime": "xsd:dateTime", "AnyType": ANY_TYPE,
        "AnyURI": "xsd:anyURI", "Base64Binary": "xsd:base64Binary",
    }  # fmt: skip
    return primitive.get(item, item)


def _array_item_name(item_type: str) -> str:
    """ArrayOfString holds <string>, ArrayOfTaskInfo holds <TaskInfo>."""
    return item_type[4:] if item_type.startswith("xsd:") else item_type


class Vim25Writer:
    """Writes domain values as vim25 elements for one API version.

    It writes text, not an lxml tree: a TaskInfo is a dozen small elements, and building them one
    ``SubElement`` at a time cost more than the rest of a Fetch. The text is what lxml would
    serialize, byte for byte: the same escaping, ``<e/>`` for an element with no content and
    ``<e></e>`` for an empty string, and a ValueError for a character XML cannot carry.

    What a data type's fields need is worked out once per writer, so once per API version: the
    fields this version has, in schema order, with their declared types and tags (a
    :class:`_PlannedField` each). A data object's fields are then written from that plan: text,
    numbers, booleans, times and references straight into their tags, anything else by the
    general rules of :meth:`_write`.
    """

    def __init__(self, types: TypeSystem, version: str) -> None:
        self.types = types
        self.version = version
        self._class_plans: dict[type, _ClassPlan] = {}
        self._type_plans: dict[str, tuple[_PlannedField, ...]] = {}
        #: `` xsi:type="T"`` of each data type written where another type was declared.
        self._xsi_types: dict[str, str] = {}
        #: Where data objects already written are kept (``reusing``); None: everything is written.
        self.reuse: WrittenData | None = None
        self._reusable: frozenset[type] = frozenset()

    def reusing(self, reuse: WrittenData) -> Vim25Writer:
        """This writer (its plans shared) taking the text of ``reuse.kinds`` data from ``reuse``,
        and giving it what it writes of them."""
        writer = copy.copy(self)
        writer.reuse, writer._reusable = reuse, reuse.kinds
        return writer

    def text(self, name: str, value: Any, declared: str = ANY_TYPE) -> str:
        """``value`` as element(s) ``name`` (lists become repeated elements; None, nothing)."""
        out: list[str] = []
        self._write(out, name, value, declared)
        return "".join(out)

    def fields_text(self, data: VimData | DataObject) -> str:
        """The data object's fields as elements, in schema order."""
        out: list[str] = []
        self._write_fields(out, data)
        return "".join(out)

    # The lxml interface, for callers that hold a tree.

    def append(self, parent: etree._Element, name: str, value: Any, declared: str = ANY_TYPE) -> None:
        """Append ``value`` to ``parent`` as element(s) ``name``; lists become repeated elements."""
        parent.extend(_parse_elements(self.text(name, value, declared)))

    def write_fields(self, element: etree._Element, data: VimData | DataObject) -> None:
        """Append the data object's fields to ``element``, in schema order."""
        element.extend(_parse_elements(self.fields_text(data)))

    # Writing: the general rules

    def _write(self, out: list[str], name: str, value: Any, declared: str) -> None:
        if value is None:
            return
        if type(value) is str:  # most fields: no type to work out
            xsi = _XSI_STRING if declared == ANY_TYPE else ""
            out.append(f"<{name}{xsi}>{escape_text(value)}</{name}>")
            return
        if isinstance(value, (list, tuple)):
            if declared == ANY_TYPE and value:
                # One anyType value holding a list: <val xsi:type="ArrayOfManagedObjectReference">.
                self._write(out, name, TypedValue(array_type_of(list(value)), list(value)), declared)
                return
            for item in value:
                self._write(out, name, item, declared)
            return
        if isinstance(value, MoRef):
            xsi = _XSI_MOREF if declared == ANY_TYPE else ""
            out.append(f'<{name}{xsi} type="{escape_attribute(value.type)}">{_element_end(name, value.value)}')
        elif isinstance(value, (VimData, DataObject)):
            self._write_data(out, name, value, declared)
        elif isinstance(value, TypedValue):
            self._write_typed(out, name, value)
        else:
            xsi = f' xsi:type="{xsd_type_of(value) or "xsd:string"}"' if declared == ANY_TYPE else ""
            out.append(f"<{name}{xsi}>{_element_end(name, _primitive_text(value))}")

    def _write_typed(self, out: list[str], name: str, typed: TypedValue) -> None:
        head = f'<{name} xsi:type="{escape_attribute(typed.type)}"'
        if typed.type.startswith("ArrayOf"):
            item_type = array_item_type(typed.type)
            item_name = _array_item_name(item_type)
            at = len(out)
            out.append(head + ">")
            for item in typed.value:
                self._write(out, item_name, item, item_type)
            _close(out, at, head, name)
        elif isinstance(typed.value, MoRef):
            out.append(f'{head} type="{escape_attribute(typed.value.type)}">{_element_end(name, typed.value.value)}')
        else:
            out.append(f"{head}>{_element_end(name, _primitive_text(typed.value))}")

    def _write_data(self, out: list[str], name: str, data: VimData | DataObject, declared: str) -> None:
        vim_type = data.vim_type
        if vim_type == declared:
            head = "<" + name
        else:
            xsi = self._xsi_types.get(vim_type)
            if xsi is None:
                xsi = self._xsi_types[vim_type] = f' xsi:type="{escape_attribute(vim_type)}"'
            head = f"<{name}{xsi}"
        kind = type(data)
        if kind in self._reusable:
            self._write_reused(out, name, data, head)
            return
        at = len(out)
        out.append(head + ">")
        plan = self._class_plans.get(kind)
        if plan is not None:  # the fields' loop without a call in between: a reply has many small objects
            self._write_planned(out, plan.fields, plan.values_of(data))
        else:
            self._write_fields(out, data)
        if len(out) == at + 1:
            out[at] = head + "/>"
        else:
            out.append(f"</{name}>")

    def _write_reused(self, out: list[str], name: str, data: VimData | DataObject, head: str) -> None:
        reuse = self.reuse
        assert reuse is not None
        fields = reuse.written(data, self)
        if fields is None:
            written: list[str] = []
            self._write_fields(written, data)
            fields = "".join(written)
            reuse.keep(data, self, fields)
        out.append(f"{head}>{fields}</{name}>" if fields else head + "/>")

    def _write_fields(self, out: list[str], data: VimData | DataObject) -> None:
        if isinstance(data, DataObject):
            self._write_data_object(out, data)
            return
        plan = self._class_plans.get(type(data))
        if plan is None:
            plan = self._class_plan(type(data))
        self._write_planned(out, plan.fields, plan.values_of(data))

    def _write_data_object(self, out: list[str], data: DataObject) -> None:
        properties = data.properties
        if not self.types.has_type(data.vim_type):
            for name, value in properties.items():
                self._write(out, name, value, ANY_TYPE)
            return
        # Schema order, whatever order the properties were given in.
        fields = self._type_plans.get(data.vim_type)
        if fields is None:
            fields = self._type_plan(data.vim_type)
        self._write_planned(out, fields, [properties.get(field.name) for field in fields])

    def _write_planned(self, out: list[str], fields: tuple[_PlannedField, ...], values: Iterable[Any]) -> None:
        """Fields and their values, in order; the common kinds of value straight into the field's tags."""
        modelled = self._class_plans  # the data classes met before: written without asking what they are
        for (name, declared, start, moref_start, end), value in zip(fields, values):
            if value is None:
                continue
            kind = type(value)
            if kind in modelled:
                self._write_data(out, name, value, declared)
            elif start is None:  # anyType: the value says its type
                self._write(out, name, value, ANY_TYPE)
            elif kind is str:
                out.append(start + (value if _TEXT_SPECIAL_SEARCH(value) is None else escape_text(value)) + end)
            elif kind is MoRef:
                out.append(f'{moref_start}{escape_attribute(value.type)}">{escape_text(value.value)}{end}')
            elif kind is list:
                for item in value:
                    if type(item) in modelled:
                        self._write_data(out, name, item, declared)
                    else:
                        self._write(out, name, item, declared)
            else:
                text = _PRIMITIVE_TEXT[kind]
                if text is not None:
                    out.append(start + text(value) + end)
                else:
                    self._write(out, name, value, declared)

    def _class_plan(self, cls: type) -> _ClassPlan:
        """A modelled class's fields this version has, in schema order, with their declared types."""
        type_name = cls.vim_type  # type: ignore[attr-defined]
        known = self.types.has_type(type_name)
        fields = [(name, self.types.field(type_name, name) if known else None) for name in cls.vim_field_names()]  # type: ignore[attr-defined]
        if known:  # schema order, whatever order the dataclass declares its fields in
            order = {f.name: i for i, f in enumerate(self.types.all_fields(type_name))}
            fields.sort(key=lambda pair: order.get(pair[0], len(order)))
        plan = self._class_plans[cls] = _ClassPlan.of(tuple(
            _PlannedField.of(name, field.type if field is not None else ANY_TYPE)
            for name, field in fields
            if field is None or self.types.at_least(self.version, field.since)
        ))  # fmt: skip
        return plan

    def _type_plan(self, type_name: str) -> tuple[_PlannedField, ...]:
        plan = self._type_plans[type_name] = tuple(
            _PlannedField.of(f.name, f.type) for f in self.types.all_fields(type_name) if self.types.at_least(self.version, f.since)
        )
        return plan


class WrittenData(Protocol):
    """What a writer already wrote of some data objects (their fields, as text), to use again."""

    #: The types of data object it keeps.
    kinds: frozenset[type]

    def written(self, data: Any, writer: Vim25Writer) -> str | None:
        """The fields of ``data`` as ``writer`` wrote them, if that is still what they are."""

    def keep(self, data: Any, writer: Vim25Writer, fields: str) -> None:
        """``fields``: what ``writer`` just wrote of ``data``."""


class _PlannedField(NamedTuple):
    """A field as a plan writes it: its name, declared type and tags (no start tag for anyType:
    the value picks its own ``xsi:type``)."""

    name: str
    type: str
    start: str | None
    moref_start: str
    end: str

    @classmethod
    def of(cls, name: str, declared: str) -> _PlannedField:
        start = None if declared == ANY_TYPE else f"<{name}>"
        return cls(name, declared, start, f'<{name} type="', f"</{name}>")


class _ClassPlan(NamedTuple):
    """A modelled class's planned fields, and one call that reads all their values from an object."""

    fields: tuple[_PlannedField, ...]
    values_of: Callable[[Any], tuple[Any, ...]]

    @classmethod
    def of(cls, fields: tuple[_PlannedField, ...]) -> _ClassPlan:
        names = [field.name for field in fields]
        if len(names) > 1:
            return cls(fields, attrgetter(*names))
        read_one = attrgetter(*names) if names else None
        return cls(fields, lambda data: (read_one(data),) if read_one is not None else ())


def _close(out: list[str], at: int, head: str, name: str) -> None:
    """End the element whose start tag is ``out[at]``: ``<name/>`` when nothing was written inside."""
    if len(out) == at + 1:
        out[at] = head + "/>"
    else:
        out.append(f"</{name}>")


_XSI_MOREF = f' xsi:type="{MOREF}"'
_XSI_STRING = ' xsi:type="xsd:string"'
#: What lxml escapes in text (and refuses: characters XML 1.0 cannot carry).
_TEXT_SPECIAL = re.compile("[&<>\r\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_ATTRIBUTE_SPECIAL = re.compile('[&<>"\r\n\t\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]')
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_TEXT_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})
_ATTRIBUTE_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\r": "&#13;", "\n": "&#10;", "\t": "&#9;"})


def escape_text(text: str) -> str:
    """Element text as lxml writes it."""
    if _TEXT_SPECIAL.search(text) is None:
        return text
    _refuse_non_xml(text)
    return text.translate(_TEXT_ESCAPES)


def escape_attribute(text: str) -> str:
    """An attribute value (in double quotes) as lxml writes it."""
    if _ATTRIBUTE_SPECIAL.search(text) is None:
        return text
    _refuse_non_xml(text)
    return text.translate(_ATTRIBUTE_ESCAPES)


def _refuse_non_xml(text: str) -> None:
    if _NOT_XML.search(text) is not None:
        raise ValueError("All strings must be XML compatible: Unicode or ASCII, no NULL bytes or control characters")


_TEXT_SPECIAL_SEARCH = _TEXT_SPECIAL.search


def _boolean_text(value: bool) -> str:
    return "true" if value else "false"


def _escaped_primitive_text(value: Any) -> str:
    return escape_text(_primitive_text(value))


def _text_function(kind: type) -> Callable[[Any], str] | None:
    """How :meth:`Vim25Writer._write` writes a value of this Python type as element text
    (escaped); None for the kinds it writes otherwise (lists, references, data objects)."""
    if issubclass(kind, (list, tuple, MoRef, VimData, DataObject, TypedValue)):
        return None
    exact = {bool: _boolean_text, int: str, float: repr, datetime: format_datetime}  # their text needs no escaping
    return exact.get(kind, _escaped_primitive_text)


class _Memo(dict):
    def __missing__(self, kind: type) -> Callable[[Any], str] | None:
        text = self[kind] = _text_function(kind)
        return text


#: The text function of each Python type met so far (a few dozen at most).
_PRIMITIVE_TEXT: dict[type, Callable[[Any], str] | None] = _Memo()


def _element_end(name: str, text: str) -> str:
    """An element's text and end tag; an empty string still makes a start and an end tag, as lxml's does."""
    return f"{escape_text(text)}</{name}>"


def _parse_elements(text: str) -> list[etree._Element]:
    if not text:
        return []
    return list(etree.fromstring(f'<w xmlns="{VIM25}" xmlns:xsi="{XSI}">{text}</w>'))


_WRITERS: dict[tuple[int, str], Vim25Writer] = {}


def writer_for(types: TypeSystem, version: str) -> Vim25Writer:
    """The writer of one API version, shared: it keeps what it worked out about each type."""
    writer = _WRITERS.get((id(types), version))
    if writer is None:
        writer = _WRITERS[(id(types), version)] = Vim25Writer(types, version)
    return writer


def new_vim_element(name: str) -> etree._Element:
    """A top-level element in the default namespace urn:vim25 (``<FetchResponse xmlns="urn:vim25">``)."""
    return etree.Element(f"{{{VIM25}}}{name}", nsmap={None: VIM25})
