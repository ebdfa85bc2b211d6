"""The text writer against lxml, on generated values: the same bytes, whatever the value.

The writer's fast paths (a plan per data type and API version, fields written straight into
their tags, cached replies) must write exactly what the vim25 rules give, built here as an lxml
tree and serialized by lxml: element order, ``xsi:type`` where the declared type is not the
value's, fields newer than the client's version left out, and lxml's escaping (``<``, ``&``,
``]]>``, carriage returns, non-ASCII) and refusal of what XML cannot carry.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from vtasksim.domain.query import DynamicProperty, ObjectContent, ObjectUpdate, PropertyChange, PropertyFilterUpdate, RetrieveResult, UpdateSet
from vtasksim.domain.task import TaskInfo, TaskReasonAlarm, TaskReasonSchedule, TaskReasonSystem, TaskReasonUser, TaskState
from vtasksim.domain.typesystem import TypeSystem, vim_types
from vtasksim.domain.vmodl import DataObject, KeyAnyValue, LocalizableMessage, LocalizedMethodFault, MoRef, TypedValue, VimData, array_type_of, xsd_type_of
from vtasksim.wire.encoding import ANY_TYPE, MOREF, Vim25Writer, array_item_type
from vtasksim.wire.encoding import _primitive_text as primitive_text  # how a single value reads: not what the plans change
from vtasksim.wire.envelope import envelope_bytes, response_body
from vtasksim.wire.namespaces import VIM25, XSI

VERSIONS = ["2.5", "4.0", "5.5", "6.0", "8.0.0.2", "8.0.1.0", "8.0.3.0", "9.1.1.0"]
XSI_TYPE = f"{{{XSI}}}type"


# The rules, as an lxml tree


class LxmlReference:
    """vim25 elements built one lxml element at a time, as the writer did before it wrote text."""

    def __init__(self, types: TypeSystem, version: str) -> None:
        self.types, self.version = types, version

    def write(self, name: str, value: Any, declared: str) -> str:
        """The element(s) as lxml serializes them inside a parent that declares the namespaces (the envelope)."""
        parent = etree.Element(f"{{{VIM25}}}w", nsmap={None: VIM25, "xsi": XSI})
        self.append(parent, name, value, declared)
        document = etree.tostring(parent, encoding="unicode")
        start, end = f'<w xmlns="{VIM25}" xmlns:xsi="{XSI}">', "</w>"
        if document == start[:-1] + "/>":
            return ""
        assert document.startswith(start) and document.endswith(end)
        return document[len(start) : -len(end)]

    def append(self, parent: etree._Element, name: str, value: Any, declared: str) -> None:
        if value is None:
            return
        if isinstance(value, (list, tuple)):
            if declared == ANY_TYPE and value:
                self.append(parent, name, TypedValue(array_type_of(list(value)), list(value)), declared)
            else:
                for item in value:
                    self.append(parent, name, item, declared)
            return
        element = etree.SubElement(parent, f"{{{VIM25}}}{name}")
        if isinstance(value, MoRef):
            if declared == ANY_TYPE:
                element.set(XSI_TYPE, MOREF)
            element.set("type", value.type)
            element.text = value.value
        elif isinstance(value, (VimData, DataObject)):
            if value.vim_type != declared:
                element.set(XSI_TYPE, value.vim_type)
            for field_name, field_value, field_type in self.fields(value):
                self.append(element, field_name, field_value, field_type)
        elif isinstance(value, TypedValue):
            element.set(XSI_TYPE, value.type)
            if value.type.startswith("ArrayOf"):
                item_type = array_item_type(value.type)
                for item in value.value:
                    self.append(element, item_type.removeprefix("xsd:"), item, item_type)
            elif isinstance(value.value, MoRef):
                element.set("type", value.value.type)
                element.text = value.value.value
            else:
                element.text = primitive_text(value.value)
        else:
            if declared == ANY_TYPE:
                element.set(XSI_TYPE, xsd_type_of(value) or "xsd:string")
            element.text = primitive_text(value)

    def fields(self, data: VimData | DataObject) -> list[tuple[str, Any, str]]:
        """(name, value, declared type) of the fields the version has, in schema order."""
        types = self.types
        if not types.has_type(data.vim_type):
            return [(name, value, ANY_TYPE) for name, value in data.vim_properties()]
        schema = [f for f in types.all_fields(data.vim_type) if types.at_least(self.version, f.since)]
        values = dict(data.vim_properties())
        known = [(f.name, values[f.name], f.type) for f in schema if f.name in values]
        modelled_only = [(name, value, ANY_TYPE) for name, value in values.items() if types.field(data.vim_type, name) is None]
        return known + modelled_only


# Values

#: Text XML can carry, with what needs escaping in it (and ``]]>``, which needs none in text).
texts = st.one_of(
    st.sampled_from(["", "task-1", "a & b", "<tag>", "]]>", "cr\r lf\n tab\t", "é € 😀 \x7f\x85", '"quoted" \'x\'']),
    st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00\ufffe\uffff", max_codepoint=0x1F600).filter(
        lambda c: c in "\t\n\r" or ord(c) >= 0x20
    ), max_size=12),
)
morefs = st.builds(MoRef, st.sampled_from(["Task", "Folder", "VirtualMachine", "a&b<c\"d"]), texts)
moments = st.one_of(
    st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2100, 1, 1)),
    st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.sampled_from([timezone.utc, timezone(timedelta(hours=5, minutes=30))])),
)
primitives = st.one_of(
    texts, st.booleans(), st.integers(min_value=-(2**40), max_value=2**40), st.floats(allow_nan=False), moments,
    st.binary(max_size=8), st.sampled_from(list(TaskState)),
)
typed_values = st.one_of(
    st.builds(TypedValue, st.just("xsd:long"), st.integers(-(2**40), 2**40)),
    st.builds(TypedValue, st.just("xsd:short"), st.integers(-100, 100)),
    st.builds(TypedValue, st.just("ArrayOfString"), st.lists(texts, max_size=3)),
    st.builds(TypedValue, st.just("ArrayOfManagedObjectReference"), st.lists(morefs, max_size=3)),
    st.builds(TypedValue, st.just("TaskInfoState"), st.sampled_from(["queued", "running"])),
    st.builds(TypedValue, st.just("ManagedObjectReference"), morefs),
)
any_values = st.one_of(primitives, morefs, typed_values, st.lists(st.one_of(texts, morefs, st.integers(-5, 2**35)), max_size=3))
key_any_values = st.builds(KeyAnyValue, texts, any_values)
messages = st.builds(LocalizableMessage, texts, st.lists(key_any_values, max_size=2), st.none() | texts)
faults = st.one_of(
    st.builds(DataObject, st.just("InvalidState"), st.just({})),
    st.builds(lambda file, message: DataObject("FileNotFound", {"faultMessage": message, "file": file}), texts, st.lists(messages, max_size=2)),
    st.builds(lambda value: DataObject("NotAVimType", {"zeta": value, "alpha": "a"}), any_values),
)
errors = st.builds(LocalizedMethodFault, faults, st.none() | texts)
reasons = st.one_of(
    st.builds(TaskReasonSystem), st.builds(TaskReasonUser, texts),
    st.builds(TaskReasonAlarm, texts, st.none() | morefs, texts, st.none() | morefs), st.builds(TaskReasonSchedule, texts, st.none() | morefs),
)
optional_texts = st.none() | texts
task_infos = st.builds(
    TaskInfo, key=texts, task=morefs, queueTime=moments, description=st.none() | messages, name=optional_texts,
    descriptionId=texts, entity=st.none() | morefs, entityName=optional_texts, locked=st.lists(morefs, max_size=2),
    state=st.sampled_from(list(TaskState)), cancelled=st.booleans(), cancelable=st.booleans(), error=st.none() | errors,
    result=st.none() | any_values, progress=st.none() | st.integers(0, 100), progressDetails=st.lists(key_any_values, max_size=2),
    reason=reasons, startTime=st.none() | moments, completeTime=st.none() | moments, eventChainId=st.integers(0, 2**31 - 1),
    changeTag=optional_texts, parentTaskKey=optional_texts, rootTaskKey=optional_texts, activationId=optional_texts,
)  # fmt: skip
retrieve_results = st.builds(
    RetrieveResult, st.none() | texts,
    st.lists(st.builds(ObjectContent, morefs, st.lists(st.builds(DynamicProperty, texts, st.one_of(task_infos, any_values)), max_size=2)), max_size=2),
)
update_sets = st.builds(
    UpdateSet, texts,
    st.lists(st.builds(PropertyFilterUpdate, morefs, st.lists(st.builds(
        ObjectUpdate, st.sampled_from(["enter", "modify", "leave"]), morefs,
        st.lists(st.builds(PropertyChange, texts, st.sampled_from(["assign", "add"]), st.none() | task_infos | any_values), max_size=2),
    ), max_size=2)), max_size=2),
    st.none() | st.booleans(),
)  # fmt: skip


def _same_bytes(value: Any, declared: str, version: str, name: str = "returnval") -> None:
    expected = LxmlReference(vim_types(), version).write(name, value, declared)
    assert Vim25Writer(vim_types(), version).text(name, value, declared) == expected


_SETTINGS = settings(max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])


@_SETTINGS
@given(info=task_infos, version=st.sampled_from(VERSIONS), declared=st.sampled_from([ANY_TYPE, "TaskInfo"]))
def test_task_info_is_written_as_lxml_writes_it(info: TaskInfo, version: str, declared: str) -> None:
    """Fetch's ``<returnval xsi:type="TaskInfo">`` and CreateTask's ``<returnval>``, for every API version."""
    _same_bytes(info, declared, version)


@_SETTINGS
@given(result=retrieve_results, version=st.sampled_from(VERSIONS))
def test_retrieve_result_is_written_as_lxml_writes_it(result: RetrieveResult, version: str) -> None:
    """RetrievePropertiesEx: ObjectContent, its propSet, a TaskInfo in an anyType ``val``."""
    _same_bytes(result, "RetrieveResult", version)


@_SETTINGS
@given(update=update_sets, version=st.sampled_from(VERSIONS))
def test_update_set_is_written_as_lxml_writes_it(update: UpdateSet, version: str) -> None:
    """WaitForUpdatesEx's partial updates: a changed property's value in ``changeSet/val``."""
    _same_bytes(update, "UpdateSet", version)


@_SETTINGS
@given(value=st.one_of(any_values, faults, errors, messages), version=st.sampled_from(VERSIONS))
def test_any_type_values_are_written_as_lxml_writes_them(value: Any, version: str) -> None:
    _same_bytes(value, ANY_TYPE, version, name="val")


def _info(**fields: Any) -> TaskInfo:
    return TaskInfo(**{"key": "task-1", "task": MoRef("Task", "task-1"), "queueTime": datetime(2026, 1, 1), **fields})


@pytest.mark.parametrize("bad", ["\x00", "nul\x01", "\x0b", "\ufffe"])
@pytest.mark.parametrize("field", ["name", "entityName", "changeTag", "key"])
def test_a_field_xml_cannot_carry_is_refused_as_lxml_refuses_it(bad: str, field: str) -> None:
    """A plan's field takes the same checks as any value: a ValueError, never a broken document."""
    with pytest.raises(ValueError, match="XML compatible"):
        Vim25Writer(vim_types(), "9.1.1.0").text("returnval", _info(**{field: bad}), "TaskInfo")
    with pytest.raises(ValueError, match="XML compatible"):
        LxmlReference(vim_types(), "9.1.1.0").write("returnval", _info(**{field: bad}), "TaskInfo")


def test_the_reference_writes_what_a_vcenter_sends() -> None:
    """The reference itself, on WIRE.md §4's Fetch answer: the checks above compare with the rules, not with a copy of the writer."""
    info = _info(state=TaskState.running, reason=TaskReasonUser("root"), progress=41)
    assert LxmlReference(vim_types(), "9.1.1.0").write("returnval", info, ANY_TYPE) == (
        '<returnval xsi:type="TaskInfo"><key>task-1</key>'
        '<task type="Task">task-1</task><descriptionId></descriptionId><state>running</state><cancelled>false</cancelled>'
        '<cancelable>false</cancelable><progress>41</progress><reason xsi:type="TaskReasonUser"><userName>root</userName></reason>'
        "<queueTime>2026-01-01T00:00:00Z</queueTime><eventChainId>0</eventChainId></returnval>"
    )


@pytest.mark.parametrize("operation", ["UpdateProgress", "SetTaskState", "CancelTask"])
def test_an_empty_reply_is_what_lxml_writes_for_an_empty_element(operation: str) -> None:
    """UpdateProgress's and SetTaskState's reply, kept once made: the same bytes as the lxml element's, every time."""
    element = etree.Element(f"{{{VIM25}}}{operation}Response", nsmap={None: VIM25})
    writer = Vim25Writer(vim_types(), "9.1.1.0")
    for _ in range(2):
        body = response_body(operation, writer)
        assert body == etree.tostring(element, encoding="unicode")
        assert envelope_bytes(body) == envelope_bytes(element)
