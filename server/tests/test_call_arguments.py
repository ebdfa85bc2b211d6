"""What the request log keeps of a call: its arguments, readable and without passwords, and the
task the call started. The arguments are the ones the wire layer read (decoded values, or lxml
elements for the XML ones), handed over as Spyne's method context holds them."""

from __future__ import annotations

from types import SimpleNamespace

from lxml import etree

from vtasksim.app.call_arguments import ELEMENT_LIMIT, HIDDEN, arguments_of, task_started
from vtasksim.domain.vmodl import MoRef

VIM = 'xmlns="urn:vim25" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'


def context(names: list[str], values: list) -> SimpleNamespace:
    return SimpleNamespace(descriptor=SimpleNamespace(in_message=SimpleNamespace(_type_info=dict.fromkeys(names))), in_object=values)


def test_arguments_by_name_without_this_or_unset_ones_and_no_password():
    ctx = context(["_this", "userName", "password", "locale"], [MoRef("SessionManager", "SessionManager"), "bob", "s3cret", None])
    assert arguments_of(ctx) == {"userName": "bob", "password": HIDDEN}


def test_an_xml_argument_takes_the_json_shape_of_vim_data():
    spec = etree.fromstring(
        f'<specSet {VIM}><propSet><type>Task</type><pathSet>info.state</pathSet><pathSet>info.progress</pathSet></propSet>'
        '<objectSet><obj type="Task">task-7</obj><skip>false</skip></objectSet></specSet>'
    )
    fault = etree.fromstring(f'<fault {VIM}><fault xsi:type="FileNotFound"><file>[ds] a.vmdk</file></fault><localizedMessage>gone</localizedMessage></fault>')
    converted = arguments_of(context(["_this", "spec", "fault"], [None, spec, fault]))
    assert converted["spec"] == {
        "propSet": {"type": "Task", "pathSet": ["info.state", "info.progress"]},
        "objectSet": {"obj": {"type": "Task", "value": "task-7"}, "skip": "false"},
    }
    assert converted["fault"] == {"fault": {"_type": "FileNotFound", "file": "[ds] a.vmdk"}, "localizedMessage": "gone"}


def test_a_huge_xml_argument_is_kept_as_the_start_of_its_text():
    huge = etree.fromstring(f"<specSet {VIM}>" + "<pathSet>x</pathSet>" * (ELEMENT_LIMIT + 1) + "</specSet>")
    kept = arguments_of(context(["_this", "specSet"], [None, huge]))["specSet"]
    assert isinstance(kept, str) and kept.endswith("…") and len(kept) == 400


def test_before_its_arguments_were_read_a_call_has_none():
    assert arguments_of(None) is None
    assert arguments_of(SimpleNamespace(descriptor=None, in_object=None)) is None


def test_the_task_a_call_started():
    created = '<CreateTaskResponse xmlns="urn:vim25"><returnval><key>task-9</key><task type="Task">task-9</task>'
    assert task_started("CreateTask", created) == MoRef("Task", "task-9")
    powered = '<PowerOnVM_TaskResponse xmlns="urn:vim25"><returnval type="Task">task-10</returnval></PowerOnVM_TaskResponse>'
    assert task_started("PowerOnVM_Task", powered) == MoRef("Task", "task-10")
    read = '<RetrievePropertiesResponse xmlns="urn:vim25"><returnval><obj type="Task">task-9</obj></returnval>'
    assert task_started("RetrieveProperties", read) is None  # reading a task starts none
    assert task_started("CreateTask", None) is None  # it failed
