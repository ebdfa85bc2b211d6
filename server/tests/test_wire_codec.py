"""The vim25 codec without a server: Vim25Writer (wire/encoding.py) and Vim25Reader (wire/decoding.py)
on lxml elements.

The inputs are what real clients send (pyVmomi, suds, govc: captures/ and WIRE.md §1, §3); the
outputs are checked against what a vCenter writes and what pyVmomi can read.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from lxml import etree

from vtasksim.domain.faults import InvalidArgument, InvalidRequest
from vtasksim.domain.task import TaskInfo, TaskReasonSystem, TaskReasonUser, TaskState
from vtasksim.domain.typesystem import TypeSystem, vim_types
from vtasksim.domain.vmodl import DataObject, KeyAnyValue, LocalizableMessage, LocalizedMethodFault, MoRef, TypedValue
from vtasksim.wire.decoding import Vim25Reader
from vtasksim.wire.encoding import ANY_TYPE, Vim25Writer, new_vim_element
from vtasksim.wire.envelope import envelope_bytes, response_body
from vtasksim.wire.modelled import MODELLED_TYPES
from vtasksim.wire.namespaces import VIM25, XSD, XSI, XSI_TYPE, vim

NEWEST = "8.0.3.0"
#: Namespace declarations a client's envelope puts in scope of every argument.
NAMESPACES = f'xmlns="{VIM25}" xmlns:xsi="{XSI}" xmlns:xsd="{XSD}"'
QUEUE_TIME = datetime(2014, 10, 20, 15, 9, 8, 789999, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def types() -> TypeSystem:
    return vim_types()


@pytest.fixture(scope="module")
def reader(types: TypeSystem) -> Vim25Reader:
    return Vim25Reader(types, MODELLED_TYPES)


def write(value: Any, declared: str = ANY_TYPE, version: str = NEWEST, name: str = "returnval") -> etree._Element:
    """``value`` as the ``name`` element a response would carry."""
    parent = new_vim_element("FetchResponse")
    Vim25Writer(vim_types(), version).append(parent, name, value, declared)
    (element,) = parent
    return element


def element(xml: str) -> etree._Element:
    return etree.fromstring(xml)


def children(parent: etree._Element) -> list[str]:
    return [etree.QName(child).localname for child in parent]


def task_info(**fields: Any) -> TaskInfo:
    defaults: dict[str, Any] = dict(key="task-7", task=MoRef("Task", "task-7"), queueTime=QUEUE_TIME, descriptionId="com.example.run")
    return TaskInfo(**{**defaults, **fields})


def shape(node: etree._Element) -> tuple:
    """What a client reads of an element: its name, its type, its attributes, text and children.

    Namespace declarations and prefixes are left out: they differ between equivalent documents
    (the written fragment relies on the envelope to declare ``xsd``).
    """
    attributes = {name: value for name, value in node.attrib.items() if name != XSI_TYPE}
    text = (node.text or "").strip() if len(node) else (node.text or "")
    return (node.tag, _xsi_type_of(node), attributes, text, [shape(child) for child in node])


def _xsi_type_of(node: etree._Element) -> str | None:
    raw = node.get(XSI_TYPE)
    if raw is None:
        return None
    prefix, _, local = raw.rpartition(":")
    namespace = node.nsmap.get(prefix or None)
    return f"xsd:{local}" if namespace == XSD or (namespace is None and prefix == "xsd") else local


# Writing: xsi:type


@pytest.mark.parametrize(
    ("value", "xsi_type"),
    [
        ("text", "xsd:string"),
        (42, "xsd:int"),
        (2**40, "xsd:long"),
        (True, "xsd:boolean"),
        (2.5, "xsd:double"),
        (QUEUE_TIME, "xsd:dateTime"),
        (TypedValue("xsd:long", 5), "xsd:long"),
        (TypedValue("xsd:short", 5), "xsd:short"),
        (MoRef("VirtualMachine", "vm-42"), "ManagedObjectReference"),
        (task_info(), "TaskInfo"),
        (DataObject("FileNotFound", {"file": "/vmfs/a.vmdk"}), "FileNotFound"),
    ],
    ids=lambda value: type(value).__name__,
)
def test_any_type_values_carry_xsi_type(value: Any, xsi_type: str) -> None:
    """WIRE.md §1: operations put their result in returnval "with xsi:type where the declared type
    is polymorphic or anyType (a real vCenter always puts it on Fetch's returnval)"."""
    assert write(value).get(XSI_TYPE) == xsi_type


def test_moref_in_any_type_is_a_managed_object_reference() -> None:
    """WIRE.md §3: "for an object reference ManagedObjectReference (real servers, zeep) or
    ManagedObject (pyVmomi). Accept both; emit ManagedObjectReference"."""
    written = write(MoRef("Folder", "group-d1"))
    assert (written.get(XSI_TYPE), written.get("type"), written.text) == ("ManagedObjectReference", "Folder", "group-d1")


@pytest.mark.parametrize(
    ("value", "declared"),
    [
        (task_info(), "TaskInfo"),
        (MoRef("Task", "task-7"), "ManagedObjectReference"),
        (LocalizableMessage("k", message="m"), "LocalizableMessage"),
        ("text", "xsd:string"),
        (7, "xsd:int"),
    ],
    ids=lambda value: type(value).__name__,
)
def test_no_xsi_type_when_the_declared_type_is_the_actual_one(value: Any, declared: str) -> None:
    """WIRE.md §1: xsi:type goes "where the declared type is polymorphic or anyType": not on a
    value of exactly its declared type."""
    assert write(value, declared).get(XSI_TYPE) is None


def test_task_info_fields_of_their_declared_type_have_no_xsi_type() -> None:
    """WIRE.md §3: TaskInfo's task (ManagedObjectReference), description (LocalizableMessage),
    error (LocalizedMethodFault) are written as their declared types: no xsi:type."""
    info = task_info(description=LocalizableMessage("k", message="m"), error=LocalizedMethodFault(DataObject("InvalidState"), "bad"))
    written = write(info, "TaskInfo")
    for name in ("key", "task", "description", "error", "state", "queueTime"):
        assert written.find(vim(name)).get(XSI_TYPE) is None, name


@pytest.mark.parametrize(("reason", "xsi_type"), [(TaskReasonUser("administrator@vsphere.local"), "TaskReasonUser"), (TaskReasonSystem(), "TaskReasonSystem")])
def test_subtype_in_a_polymorphic_field_carries_xsi_type(reason: Any, xsi_type: str) -> None:
    """WIRE.md §3: TaskInfo.reason "(xsi:type TaskReasonUser/System/Alarm/Schedule)": the declared
    type is the abstract TaskReason."""
    written = write(task_info(reason=reason), "TaskInfo")
    assert written.find(vim("reason")).get(XSI_TYPE) == xsi_type


def test_fault_in_data_carries_its_type() -> None:
    """WIRE.md §2: "A fault inside data (TaskInfo.error ...) is a LocalizedMethodFault:
    <error><fault xsi:type="RequestCanceled"/><localizedMessage>…"."""
    error = write(LocalizedMethodFault(DataObject("RequestCanceled"), "The task was canceled by a user."), "LocalizedMethodFault", name="error")
    fault, message = error
    assert (etree.QName(fault).localname, fault.get(XSI_TYPE), len(fault)) == ("fault", "RequestCanceled", 0)
    assert (etree.QName(message).localname, message.text) == ("localizedMessage", "The task was canceled by a user.")


def test_xsd_prefix_of_xsi_type_values_is_declared_in_the_envelope() -> None:
    """WIRE.md §3: anyType values arrive and leave with xsi:type "xsd:string", "xsd:int": the
    xsd prefix must resolve to XML Schema where the value stands, or a client cannot read it."""
    document = etree.fromstring(envelope_bytes(response_body("Fetch", Vim25Writer(vim_types(), NEWEST), 42)))
    returnval = document.find(f".//{vim('returnval')}")
    prefix, _, local = returnval.get(XSI_TYPE).partition(":")
    assert (returnval.nsmap.get(prefix), local) == (XSD, "int")


# Writing: what a field looks like


def test_task_info_children_follow_schema_order() -> None:
    """WIRE.md §3: "TaskInfo, in this order"."""
    info = task_info(
        state=TaskState.error, cancelled=True, cancelable=True, progress=100, entity=MoRef("VirtualMachine", "vm-1"),
        entityName="web-01", error=LocalizedMethodFault(DataObject("InvalidState"), "m"), startTime=QUEUE_TIME,
        completeTime=QUEUE_TIME, changeTag="t", parentTaskKey="task-1", rootTaskKey="task-1", activationId="a",
        description=LocalizableMessage("k"), name="CreateVM_Task", locked=[MoRef("Datastore", "ds-1")],
    )  # fmt: skip
    written = children(write(info, "TaskInfo"))
    assert written == [name for name in TaskInfo.WIRE_ORDER if name in written]
    assert written[:3] == ["key", "task", "description"] and written[-1] == "activationId"


def test_data_object_fields_follow_schema_order_whatever_order_they_came_in() -> None:
    """WIRE.md §2: a fault's "fields are urn:vim25 children in schema order"."""
    fault = DataObject("FileNotFound", {"file": "/a", "faultMessage": [LocalizableMessage("k")], "faultCause": LocalizedMethodFault(DataObject("InvalidState"), "c")})
    assert children(write(fault, "MethodFault", name="fault")) == ["faultCause", "faultMessage", "file"]


def test_unset_fields_are_left_out_and_booleans_are_words() -> None:
    """An unset optional field has no element (pyVmomi reads an empty element as a value);
    xsd:boolean is written true/false."""
    written = write(task_info(cancelled=False, cancelable=True), "TaskInfo")
    assert written.find(vim("progress")) is None and written.find(vim("error")) is None and written.find(vim("locked")) is None
    assert (written.find(vim("cancelled")).text, written.find(vim("cancelable")).text) == ("false", "true")


@pytest.mark.parametrize(
    ("moment", "text"),
    [
        (QUEUE_TIME, "2014-10-20T15:09:08.789999Z"),
        (datetime(2014, 10, 20, 17, 9, 8, tzinfo=timezone(timedelta(hours=2))), "2014-10-20T15:09:08Z"),
    ],
)
def test_timestamps_are_utc_with_z(moment: datetime, text: str) -> None:
    """WIRE.md §3: "Timestamps are xsd:dateTime in UTC (2014-10-20T15:09:08.789999Z)"."""
    assert write(task_info(queueTime=moment), "TaskInfo").find(vim("queueTime")).text == text


def test_array_of_string_is_written_as_string_items() -> None:
    """WIRE.md §3: anyType values arrive with xsi:type "ArrayOfString"; it holds <string> items."""
    written = write(TypedValue("ArrayOfString", ["a", "b"]))
    assert written.get(XSI_TYPE) == "ArrayOfString"
    assert [(etree.QName(item).localname, item.text, item.get(XSI_TYPE)) for item in written] == [("string", "a", None), ("string", "b", None)]


# Writing: version gating


def _info_with_every_newer_field() -> TaskInfo:
    return task_info(activationId="activation-1", progressDetails=[KeyAnyValue("phase", "copy")])


@pytest.mark.parametrize(
    ("version", "activation_id", "progress_details"),
    [("5.5", False, False), ("6.0", True, False), ("8.0.0.2", True, False), ("8.0.1.0", True, True), (NEWEST, True, True)],
)
def test_fields_newer_than_the_client_are_not_written(version: str, activation_id: bool, progress_details: bool) -> None:
    """WIRE.md §4: "never send a field newer than the version in the request's SOAPAction
    (progressDetails, activationId)"; WIRE.md §3: progressDetails "(since 8.0.1.0)", activationId
    "(since 6.0)"."""
    written = children(write(_info_with_every_newer_field(), "TaskInfo", version))
    assert ("activationId" in written, "progressDetails" in written) == (activation_id, progress_details)


@pytest.mark.parametrize(("version", "present"), [("2.5", False), ("4.0", True)])
def test_fault_fields_newer_than_the_client_are_not_written(version: str, present: bool) -> None:
    """WIRE.md §3: MethodFault's faultCause and faultMessage exist since 4.0 (pyVmomi's tables)."""
    fault = DataObject("InvalidState", {"faultCause": LocalizedMethodFault(DataObject("InvalidState"), "c"), "faultMessage": [LocalizableMessage("k")]})
    written = children(write(fault, "MethodFault", version, name="fault"))
    assert (written == ["faultCause", "faultMessage"]) is present and (written == []) is not present


# Reading what real clients send


def test_pyvmomi_moref_in_any_type_reads_as_a_moref(reader: Vim25Reader) -> None:
    """WIRE.md §3: anyType values arrive with "ManagedObject (pyVmomi)"; captures/pyvmomi-to-vcsim/
    0175: <result versionId="6.5" xsi:type="ManagedObject" type="Folder">group-d1</result>."""
    result = element(f'<result {NAMESPACES} versionId="6.5" xsi:type="ManagedObject" type="Folder">group-d1</result>')
    assert reader.read(result, ANY_TYPE, "result") == MoRef("Folder", "group-d1")


def test_managed_object_reference_in_any_type_reads_as_a_moref(reader: Vim25Reader) -> None:
    """WIRE.md §3: anyType values arrive with "ManagedObjectReference (real servers, zeep)"."""
    result = element(f'<result {NAMESPACES} xsi:type="ManagedObjectReference" type="VirtualMachine">vm-42</result>')
    assert reader.read(result, ANY_TYPE, "result") == MoRef("VirtualMachine", "vm-42")


def test_pyvmomi_version_id_attributes_are_ignored(reader: Vim25Reader) -> None:
    """WIRE.md §1: "pyVmomi puts versionId="…" on _this and on every top-level parameter. The
    schema does not declare it: ignore unknown attributes." (captures/pyvmomi-to-vcsim/0187)."""
    fault = element(f'<fault {NAMESPACES} versionId="6.5"><fault xsi:type="InvalidState"></fault><localizedMessage>bad state</localizedMessage></fault>')
    assert reader.read(fault, "LocalizedMethodFault", "fault") == LocalizedMethodFault(DataObject("InvalidState"), "bad state")


def test_suds_prefixed_xsi_type_value(reader: Vim25Reader) -> None:
    """WIRE.md §1: suds sends "xsi:type values with a prefix (ns0:FileNotFound)"."""
    fault = element(
        f'<fault xmlns="{VIM25}"><fault xmlns:ns0="{VIM25}" xmlns:xsi="{XSI}" xsi:type="ns0:FileNotFound">'
        "<file>/vmfs/volumes/ds1/a.vmdk</file></fault><localizedMessage>File not found</localizedMessage></fault>"
    )
    read = reader.read(fault, "LocalizedMethodFault", "fault")
    assert read == LocalizedMethodFault(DataObject("FileNotFound", {"file": "/vmfs/volumes/ds1/a.vmdk"}), "File not found")


def test_suds_any_type_without_xsi_type_is_a_string(reader: Vim25Reader) -> None:
    """WIRE.md §1: suds sends "anyType values ... with no xsi:type at all"; such a value is a
    string, and stays one (xsd:string) when written back."""
    value = reader.read(element(f'<result xmlns="{VIM25}">finished</result>'), ANY_TYPE, "result")
    assert value in ("finished", TypedValue("xsd:string", "finished"))
    assert (write(value).get(XSI_TYPE), write(value).text) == ("xsd:string", "finished")


def test_xsd_types_are_matched_by_namespace_not_prefix(reader: Vim25Reader) -> None:
    """Decoder rule (decoding.py): "elements are matched by namespace and local name, never by
    prefix": a client may bind XML Schema to any prefix."""
    value = element(f'<value xmlns="{VIM25}" xmlns:s="{XSD}" xmlns:i="{XSI}" i:type="s:int">42</value>')
    assert reader.read(value, ANY_TYPE, "value") == TypedValue("xsd:int", 42)


def test_govc_xml_schema_instance_prefix(reader: Vim25Reader) -> None:
    """WIRE.md §1: govc sends "xsi:type under a non-standard prefix"; captures/govc-to-vcsim/0104:
    <fault xmlns:XMLSchema-instance="…" XMLSchema-instance:type="SystemError">."""
    fault = element(
        f'<fault xmlns="{VIM25}"><fault xmlns:XMLSchema-instance="{XSI}" XMLSchema-instance:type="SystemError">'
        "<reason>simulated failure</reason></fault><localizedMessage>simulated failure</localizedMessage></fault>"
    )
    read = reader.read(fault, "LocalizedMethodFault", "fault")
    assert read == LocalizedMethodFault(DataObject("SystemError", {"reason": "simulated failure"}), "simulated failure")


def test_message_arguments_keep_their_types(reader: Vim25Reader) -> None:
    """WIRE.md §3: "LocalizableMessage: key, arg* (KeyAnyValue: key, value anyType), message?"."""
    message = element(
        f'<description {NAMESPACES}><key>com.example.copy</key>'
        '<arg><key>disk</key><value xsi:type="xsd:int">2</value></arg>'
        '<arg><key>name</key><value xsi:type="xsd:string">web-01</value></arg>'
        "<message>Copying disk 2 of web-01</message></description>"
    )
    read = reader.read(message, "LocalizableMessage", "description")
    assert isinstance(read, LocalizableMessage)
    assert (read.key, read.message) == ("com.example.copy", "Copying disk 2 of web-01")
    assert [(arg.key, arg.value) for arg in read.arg] in (
        [("disk", TypedValue("xsd:int", 2)), ("name", TypedValue("xsd:string", "web-01"))],
        [("disk", 2), ("name", "web-01")],
    )


# Arrays and round trips


@pytest.mark.parametrize(
    "xml",
    [
        f'<result {NAMESPACES} xsi:type="ArrayOfString"><string>a</string><string>b c</string></result>',
        f'<result {NAMESPACES} xsi:type="ArrayOfInt"><int>1</int><int>-2</int></result>',
        f'<result {NAMESPACES} xsi:type="ArrayOfManagedObjectReference"><ManagedObjectReference type="Folder">group-d1</ManagedObjectReference>'
        '<ManagedObjectReference type="VirtualMachine">vm-1</ManagedObjectReference></result>',
        f'<result {NAMESPACES} xsi:type="xsd:long">9000000000</result>',
        f'<result {NAMESPACES} xsi:type="xsd:boolean">true</result>',
        f'<result {NAMESPACES} xsi:type="ManagedObjectReference" type="Datastore">ds-1</result>',
    ],
    ids=["ArrayOfString", "ArrayOfInt", "ArrayOfManagedObjectReference", "long", "boolean", "MoRef"],
)
def test_any_type_values_round_trip(reader: Vim25Reader, xml: str) -> None:
    """Reference, SetTaskState: result (`object`) is stored and read back; a value keeps its
    vim type (ArrayOfString stays ArrayOfString, xsd:long stays xsd:long)."""
    sent = element(xml)
    assert shape(write(reader.read(sent, ANY_TYPE, "result"), name="result")) == shape(sent)


def test_pyvmomi_array_of_managed_objects_reads_as_morefs(reader: Vim25Reader) -> None:
    """WIRE.md §3: accept pyVmomi's forms of object references, emit ManagedObjectReference."""
    sent = element(f'<result {NAMESPACES} xsi:type="ArrayOfManagedObjectReference"><ManagedObjectReference type="Folder">group-d1</ManagedObjectReference></result>')
    assert reader.read(sent, ANY_TYPE, "result") == TypedValue("ArrayOfManagedObjectReference", [MoRef("Folder", "group-d1")])


def test_fault_with_cause_and_messages_round_trips(reader: Vim25Reader) -> None:
    """WIRE.md §3: "MethodFault: faultCause? (LocalizedMethodFault), faultMessage*
    (LocalizableMessage)"; SetTaskState's fault comes back exactly as it was set."""
    sent = element(
        f'<fault {NAMESPACES}><fault xsi:type="FileNotFound">'
        '<faultCause><fault xsi:type="InvalidState"/><localizedMessage>inner</localizedMessage></faultCause>'
        '<faultMessage><key>com.example.m1</key><arg><key>n</key><value xsi:type="xsd:int">3</value></arg><message>first</message></faultMessage>'
        "<faultMessage><key>com.example.m2</key></faultMessage>"
        "<file>/a.vmdk</file></fault><localizedMessage>outer</localizedMessage></fault>"
    )
    read = reader.read(sent, "LocalizedMethodFault", "fault")
    assert isinstance(read, LocalizedMethodFault) and read.fault.vim_type == "FileNotFound"
    cause = read.fault.properties["faultCause"]
    assert isinstance(cause, LocalizedMethodFault) and (cause.fault.vim_type, cause.localizedMessage) == ("InvalidState", "inner")
    assert [message.key for message in read.fault.properties["faultMessage"]] == ["com.example.m1", "com.example.m2"]
    assert shape(write(read, "LocalizedMethodFault", name="fault")) == shape(sent)


def test_pyvmomi_reads_the_written_task_info() -> None:
    """WIRE.md §4: "reply <FetchResponse xmlns="urn:vim25"><returnval xsi:type="TaskInfo">…";
    pyVmomi decodes every field to its vim type."""
    soap_adapter = pytest.importorskip("pyVmomi.SoapAdapter")
    from pyVmomi import vim

    info = task_info(
        state=TaskState.error, cancelled=True, cancelable=True, reason=TaskReasonUser("root"), progress=40,
        error=LocalizedMethodFault(DataObject("RequestCanceled"), "The task was canceled by a user."),
        result=TypedValue("ArrayOfString", ["a", "b"]), description=LocalizableMessage("k", [KeyAnyValue("n", 2)], "m"),
        completeTime=QUEUE_TIME,
    )  # fmt: skip
    body = envelope_bytes(response_body("Fetch", Vim25Writer(vim_types(), NEWEST), info))
    stub = soap_adapter.SoapStubAdapter(host="localhost", version="vim.version.v8_0_3_0")
    read = soap_adapter.SoapResponseDeserializer(stub).Deserialize(body, object)
    assert isinstance(read, vim.TaskInfo) and isinstance(read.reason, vim.TaskReasonUser)
    assert (read.key, read.task._moId, read.state, read.cancelled, read.progress) == ("task-7", "task-7", "error", True, 40)
    assert isinstance(read.error, vim.RequestCanceled) and read.error.msg == "The task was canceled by a user."
    assert list(read.result) == ["a", "b"] and read.description.arg[0].value == 2
    assert read.queueTime == QUEUE_TIME and read.completeTime == QUEUE_TIME


# Reading what does not fit


@pytest.mark.parametrize(
    ("xsd_type", "text"),
    [
        ("xsd:int", "abc"),
        ("xsd:int", ""),
        ("xsd:int", "2147483648"),
        ("xsd:short", "40000"),
        ("xsd:long", "1.5"),
        ("xsd:boolean", "yes"),
        ("xsd:double", "many"),
        ("xsd:dateTime", "yesterday"),
    ],
)
def test_primitive_with_wrong_text_is_invalid_argument_naming_the_path(reader: Vim25Reader, xsd_type: str, text: str) -> None:
    """Decoder rule (decoding.py): "a value that does not fit its type an InvalidArgument naming
    the argument path (description.arg.value)"."""
    message = element(f'<description {NAMESPACES}><key>k</key><arg><key>n</key><value xsi:type="{xsd_type}">{text}</value></arg></description>')
    with pytest.raises(InvalidArgument) as raised:
        reader.read(message, "LocalizableMessage", "description")
    assert raised.value.properties["invalidProperty"] == "description.arg.value"


def test_declared_primitive_with_wrong_text_names_the_argument(reader: Vim25Reader) -> None:
    """Decoder rule: InvalidArgument names the argument (percentDone)."""
    with pytest.raises(InvalidArgument) as raised:
        reader.read(element(f'<percentDone xmlns="{VIM25}">fifty</percentDone>'), "xsd:int", "percentDone")
    assert raised.value.properties["invalidProperty"] == "percentDone"


def test_unknown_child_is_invalid_request(reader: Vim25Reader) -> None:
    """Decoder rule (decoding.py): "An element the type does not have is an InvalidRequest"."""
    with pytest.raises(InvalidRequest):
        reader.read(element(f'<description xmlns="{VIM25}"><key>k</key><colour>red</colour></description>'), "LocalizableMessage", "description")


def test_enum_value_outside_the_enum_is_invalid_argument(reader: Vim25Reader) -> None:
    """vim.TaskInfo.State is queued, running, success or error; another word is no state."""
    with pytest.raises(InvalidArgument) as raised:
        reader.read(element(f'<state xmlns="{VIM25}">finished</state>'), "TaskInfoState", "state")
    assert raised.value.properties["invalidProperty"] == "state"


def test_unknown_xsi_type_is_invalid_argument(reader: Vim25Reader) -> None:
    """WIRE.md §3: "Only vim25 fault types exist on the wire"; a type the schema does not have
    is refused, naming where it was."""
    fault = element(f'<fault {NAMESPACES}><fault xsi:type="NoSuchFault"/></fault>')
    with pytest.raises(InvalidArgument) as raised:
        reader.read(fault, "LocalizedMethodFault", "fault")
    assert raised.value.properties["invalidProperty"] == "fault.fault"


def test_value_not_of_the_declared_type_is_invalid_argument(reader: Vim25Reader) -> None:
    """Reference, SetTaskState: fault (`vmodl.MethodFault`): a data object that is no fault is
    not one."""
    fault = element(f'<fault {NAMESPACES}><fault xsi:type="TaskInfo"/></fault>')
    with pytest.raises(InvalidArgument):
        reader.read(fault, "LocalizedMethodFault", "fault")


def test_missing_required_field_is_invalid_argument(reader: Vim25Reader) -> None:
    """WIRE.md §3: LocalizableMessage's key is required (no `?`)."""
    with pytest.raises(InvalidArgument) as raised:
        reader.read(element(f'<description xmlns="{VIM25}"><message>no key</message></description>'), "LocalizableMessage", "description")
    assert raised.value.properties["invalidProperty"] == "description"


def test_moref_without_a_type_is_invalid_argument(reader: Vim25Reader) -> None:
    """WIRE.md §3: "ManagedObjectReference: string content with attribute type"."""
    with pytest.raises(InvalidArgument):
        reader.read(element(f'<result {NAMESPACES} xsi:type="ManagedObjectReference">vm-1</result>'), ANY_TYPE, "result")


@pytest.mark.parametrize("xsi_type", ["xsd:string", "ArrayOfString", "ManagedObjectReference"])
def test_a_primitive_array_or_reference_where_a_data_object_is_declared_is_invalid_argument(reader: Vim25Reader, xsi_type: str) -> None:
    """A fuzzed ObjectSpec written as another kind of value: a fault naming the argument, never a crash later."""
    element = etree.fromstring(
        f'<objectSet xmlns="urn:vim25" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="{xsi_type}">x</objectSet>'
    )
    with pytest.raises(InvalidArgument) as raised:
        reader.read(element, "ObjectSpec", "specSet.objectSet")
    assert raised.value.properties["invalidProperty"] == "specSet.objectSet"
