"""Domain values to vim25 XML, as a vCenter writes them for a client's API version.

Elements are unqualified children in the default namespace ``urn:vim25``. ``xsi:type`` is
written where the value's type is not the declared one: a subtype in a polymorphic field
(``<reason xsi:type="TaskReasonUser">``), and every value in an ``anyType`` field
(``<returnval xsi:type="TaskInfo">``, ``<val xsi:type="xsd:string">``). A field newer than the
client's version is never written: pyVmomi raises on elements it does not know.
"""

from __future__ import annotations

import base64
from datetime import datetime, timezone
from enum import Enum
from typing import Any

from lxml import etree

from vtasksim.domain.typesystem import FieldInfo, TypeSystem
from vtasksim.domain.vmodl import DataObject, MoRef, TypedValue, VimData, array_type_of, xsd_type_of
from vtasksim.wire.namespaces import VIM25, XSI_TYPE

ANY_TYPE = "xsd:anyType"
MOREF = "ManagedObjectReference"

_SubElement = etree.SubElement
_VIM_PREFIX = f"{{{VIM25}}}"


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
    """Writes domain values as vim25 elements for one API version."""

    def __init__(self, types: TypeSystem, version: str) -> None:
        self.types = types
        self.version = version
        self._plans: dict[Any, tuple] = {}

    def append(self, parent: etree._Element, name: str, value: Any, declared: str = ANY_TYPE) -> None:
        """Append ``value`` to ``parent`` as element(s) ``name``; lists become repeated elements."""
        if value is None:
            return
        if isinstance(value, (list, tuple)):
            if declared == ANY_TYPE and value:
                # One anyType value holding a list: <val xsi:type="ArrayOfManagedObjectReference">.
                self.append(parent, name, TypedValue(array_type_of(list(value)), list(value)), declared)
                return
            for item in value:
                self.append(parent, name, item, declared)
            return
        element = _SubElement(parent, _VIM_PREFIX + name)
        self._fill(element, value, declared)

    def _fill(self, element: etree._Element, value: Any, declared: str) -> None:
        if isinstance(value, MoRef):
            self._fill_moref(element, value, declared)
        elif isinstance(value, (VimData, DataObject)):
            self._fill_data(element, value, declared)
        elif isinstance(value, TypedValue):
            self._fill_typed(element, value)
        else:
            if declared == ANY_TYPE:
                element.set(XSI_TYPE, xsd_type_of(value) or "xsd:string")
            element.text = _primitive_text(value)

    def _fill_moref(self, element: etree._Element, ref: MoRef, declared: str) -> None:
        if declared == ANY_TYPE:
            element.set(XSI_TYPE, MOREF)
        element.set("type", ref.type)
        element.text = ref.value

    def _fill_typed(self, element: etree._Element, typed: TypedValue) -> None:
        element.set(XSI_TYPE, typed.type)
        if typed.type.startswith("ArrayOf"):
            item_type = array_item_type(typed.type)
            item_name = _array_item_name(item_type)
            for item in typed.value:
                self.append(element, item_name, item, item_type)
        elif isinstance(typed.value, MoRef):
            element.set("type", typed.value.type)
            element.text = typed.value.value
        else:
            element.text = _primitive_text(typed.value)

    def _fill_data(self, element: etree._Element, data: VimData | DataObject, declared: str) -> None:
        if data.vim_type != declared:
            element.set(XSI_TYPE, data.vim_type)
        self.write_fields(element, data)

    def write_fields(self, element: etree._Element, data: VimData | DataObject) -> None:
        """Append the data object's fields to ``element``, in schema order."""
        if isinstance(data, DataObject):
            self._write_data_object(element, data)
            return
        for name, field in self._class_plan(type(data)):
            value = getattr(data, name)
            if value is None or value == []:
                continue
            self.append(element, name, value, field.type if field is not None else ANY_TYPE)

    def _write_data_object(self, element: etree._Element, data: DataObject) -> None:
        properties = data.properties
        if not self.types.has_type(data.vim_type):
            for name, value in properties.items():
                self.append(element, name, value)
            return
        # Schema order, whatever order the properties were given in.
        for field in self._type_plan(data.vim_type):
            value = properties.get(field.name)
            if value is not None:
                self.append(element, field.name, value, field.type)

    def _class_plan(self, cls: type) -> tuple[tuple[str, FieldInfo | None], ...]:
        """A modelled class's fields this version has, with their schema info; computed once."""
        plan = self._plans.get(cls)
        if plan is None:
            type_name = cls.vim_type  # type: ignore[attr-defined]
            known = self.types.has_type(type_name)
            fields = [(name, self.types.field(type_name, name) if known else None) for name in cls.vim_field_names()]  # type: ignore[attr-defined]
            if known:  # schema order, whatever order the dataclass declares its fields in
                order = {f.name: i for i, f in enumerate(self.types.all_fields(type_name))}
                fields.sort(key=lambda pair: order.get(pair[0], len(order)))
            plan = self._plans[cls] = tuple((n, f) for n, f in fields if f is None or self.types.at_least(self.version, f.since))
        return plan

    def _type_plan(self, type_name: str) -> tuple[FieldInfo, ...]:
        plan = self._plans.get(type_name)
        if plan is None:
            plan = self._plans[type_name] = tuple(
                f for f in self.types.all_fields(type_name) if self.types.at_least(self.version, f.since)
            )
        return plan


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
