"""The generated vim25 WSDL, schemas and vim_types.json: up to date, loadable by real SOAP
clients, and right about the facts WIRE.md §3 and the vim.Task reference page state."""

from __future__ import annotations

import json
import re
from importlib import metadata
from pathlib import Path

import pytest
from lxml import etree

from vtasksim.tools import gen_schema
from vtasksim.tools.gen_schema import OUTPUT_FILES, REPO_ROOT, SERVED_OPERATIONS

WSDL_DIR = REPO_ROOT / "wsdl"
TABLE_PATH = REPO_ROOT / "server/vtasksim/domain/vim_types.json"
SERVED = sorted(op for ops in SERVED_OPERATIONS.values() for op in ops)
WSDL = "{http://schemas.xmlsoap.org/wsdl/}"


# --- 1. The checked-in files are what the generator produces -----------------------------------


def _checked_in_pyvmomi_version() -> str | None:
    banner = (WSDL_DIR / "vim-types.xsd").read_text("utf-8").splitlines()[1]
    match = re.search(r"pyVmomi (\S+) type tables", banner)
    return match.group(1) if match else None


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("pyVmomi")
    # Another pyVmomi has other tables: comparing would only report the version difference.
    installed = metadata.version("pyvmomi")
    if installed != _checked_in_pyvmomi_version():
        pytest.skip(f"files were generated with pyVmomi {_checked_in_pyvmomi_version()},"
                    f" {installed} is installed")
    out = tmp_path_factory.mktemp("schema")
    gen_schema.write_outputs(out)
    return out


@pytest.mark.parametrize("rel", OUTPUT_FILES)
def test_generated_file_is_up_to_date(regenerated: Path, rel: str) -> None:
    checked_in = REPO_ROOT / rel
    assert checked_in.is_file(), f"{rel} is missing: run `make schema`"
    assert (regenerated / rel).read_bytes() == checked_in.read_bytes(), (
        f"{rel} differs from what gen_schema produces: run `make schema`")


def test_generation_is_deterministic(regenerated: Path, tmp_path: Path) -> None:
    gen_schema.write_outputs(tmp_path)
    for rel in OUTPUT_FILES:
        assert (tmp_path / rel).read_bytes() == (regenerated / rel).read_bytes(), rel


# --- 2. Real SOAP tooling loads the files ------------------------------------------------------


@pytest.mark.parametrize("name", ["vim-types.xsd", "vim-messages.xsd"])
def test_xsd_loads_with_xmlschema(name: str) -> None:
    xmlschema = pytest.importorskip("xmlschema")
    schema = xmlschema.XMLSchema(str(WSDL_DIR / name))
    assert "TaskInfo" in schema.types  # local names: the views are per namespace


def test_messages_xsd_declares_requests_responses_and_fault_elements() -> None:
    xmlschema = pytest.importorskip("xmlschema")
    schema = xmlschema.XMLSchema(str(WSDL_DIR / "vim-messages.xsd"))
    for op in SERVED:
        assert op in schema.elements
        assert f"{op}Response" in schema.elements
        assert f"{op}RequestType" in schema.types
    for fault in ("RuntimeFault", "InvalidState", "OutOfBounds", "NotSupported", "RequestCanceled",
                  "ManagedObjectNotFound", "NotAuthenticated", "InvalidLogin", "SecurityError"):
        assert f"{fault}Fault" in schema.elements
    assert "Fetch" not in schema.elements


def test_messages_xsd_accepts_a_real_task_call() -> None:
    """pyVmomi's SetTaskState as recorded (minus its undeclared versionId attributes)."""
    xmlschema = pytest.importorskip("xmlschema")
    schema = xmlschema.XMLSchema(str(WSDL_DIR / "vim-messages.xsd"))
    request = (
        '<SetTaskState xmlns="urn:vim25" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        '<_this type="Task">task-1</_this><state>error</state>'
        '<fault><fault xsi:type="InvalidState"/><localizedMessage>m</localizedMessage></fault>'
        "</SetTaskState>")
    schema.validate(request)


@pytest.fixture(scope="module")
def zeep_client():
    zeep = pytest.importorskip("zeep")
    return zeep.Client(str(WSDL_DIR / "vimService.wsdl"))


def test_zeep_sees_exactly_the_served_operations(zeep_client) -> None:
    binding = zeep_client.wsdl.services["VimService"].ports["VimPort"].binding
    assert sorted(binding.all()) == SERVED
    for op in SERVED:
        assert getattr(zeep_client.service, op) is not None
        assert binding.get(op).soapaction == f"urn:vim25/{gen_schema.WSDL_API_VERSION}"
    assert gen_schema.WSDL_API_VERSION == "8.0.3.0"


def test_zeep_builds_the_wire_form_of_a_task_call(zeep_client) -> None:
    moref = zeep_client.get_type("{urn:vim25}ManagedObjectReference")
    envelope = zeep_client.create_message(
        zeep_client.service, "UpdateProgress", _this=moref("task-1", type="Task"), percentDone=50)
    call = envelope.find(".//{urn:vim25}UpdateProgress")
    assert call is not None
    this, percent = list(call)
    assert (this.tag, this.get("type"), this.text) == ("{urn:vim25}_this", "Task", "task-1")
    assert (percent.tag, percent.text) == ("{urn:vim25}percentDone", "50")


def test_suds_loads_the_service_wsdl() -> None:
    suds_client = pytest.importorskip("suds.client")
    client = suds_client.Client((WSDL_DIR / "vimService.wsdl").resolve().as_uri(), cache=None)
    port = client.wsdl.services[0].ports[0]
    assert sorted(port.methods) == SERVED


def test_service_wsdl_names_per_wire_md() -> None:
    service = etree.parse(str(WSDL_DIR / "vimService.wsdl")).getroot()
    assert service.get("targetNamespace") == "urn:vim25Service"
    port = service.find(f"{WSDL}service[@name='VimService']/{WSDL}port")
    assert (port.get("name"), port.get("binding")) == ("VimPort", "interface:VimBinding")


def test_declared_faults_per_wire_md() -> None:
    vim = etree.parse(str(WSDL_DIR / "vim.wsdl")).getroot()
    faults = {
        op.get("name"): [f.get("name") for f in op.findall(f"{WSDL}fault")]
        for op in vim.find(f"{WSDL}portType[@name='VimPortType']").findall(f"{WSDL}operation")
    }
    assert faults["CancelTask"] == ["InvalidStateFault", "RuntimeFaultFault"]
    assert faults["UpdateProgress"] == [
        "InvalidStateFault", "OutOfBoundsFault", "RuntimeFaultFault"]
    assert faults["SetTaskState"] == ["InvalidStateFault", "RuntimeFaultFault"]
    assert faults["SetTaskDescription"] == ["RuntimeFaultFault"]
    assert all("RuntimeFaultFault" in names for names in faults.values())


# --- 3. Facts in vim_types.json ----------------------------------------------------------------


@pytest.fixture(scope="module")
def table() -> dict:
    return json.loads(TABLE_PATH.read_text("utf-8"))


def _ancestors(table: dict, name: str) -> list[str]:
    chain = []
    while name:
        chain.append(name)
        name = table["types"][name].get("base")
    return chain


def _field(table: dict, type_name: str, field_name: str) -> list[str]:
    return next(f for f in table["types"][type_name]["fields"] if f[0] == field_name)


def test_taskinfo_fields_in_wire_order(table: dict) -> None:
    fields = table["types"]["TaskInfo"]["fields"]
    assert [f"{name}{card}" for name, _, card, _ in fields] == [
        "key", "task", "description?", "name?", "descriptionId", "entity?", "entityName?",
        "locked*", "state", "cancelled", "cancelable", "error?", "result?", "progress?",
        "progressDetails*", "reason", "queueTime", "startTime?", "completeTime?", "eventChainId",
        "changeTag?", "parentTaskKey?", "rootTaskKey?", "activationId?",
    ]
    types = {name: type_name for name, type_name, _, _ in fields}
    assert types["error"] == "LocalizedMethodFault"
    assert types["result"] == "xsd:anyType"
    assert types["task"] == types["entity"] == "ManagedObjectReference"
    assert types["queueTime"] == "xsd:dateTime"
    assert types["state"] == "TaskInfoState"


def test_fields_introduced_later_carry_their_version(table: dict) -> None:
    assert _field(table, "TaskInfo", "progressDetails")[3] == "8.0.1.0"
    assert _field(table, "TaskInfo", "activationId")[3] == "6.0"
    assert _field(table, "TaskInfo", "key")[3] == "2.0"


@pytest.mark.parametrize("fault", ["InvalidState", "OutOfBounds", "FileNotFound"])
def test_vim_faults(table: dict, fault: str) -> None:
    """SetTaskState accepts these: faults that extend VimFault."""
    assert table["types"][fault]["kind"] == "fault"
    assert "VimFault" in _ancestors(table, fault)


# SystemError (vmodl.fault.SystemError) looks like a vim fault but extends RuntimeFault, so
# SetTaskState must refuse it like NotSupported.
@pytest.mark.parametrize("fault", ["NotSupported", "RequestCanceled", "ManagedObjectNotFound",
                                   "NotAuthenticated", "InvalidArgument", "SystemError"])
def test_runtime_faults(table: dict, fault: str) -> None:
    chain = _ancestors(table, fault)
    assert "VimFault" not in chain
    assert chain[-3:] == ["RuntimeFault", "MethodFault", "DynamicData"]


def test_method_fault_and_its_wrapper(table: dict) -> None:
    method_fault = table["types"]["MethodFault"]
    assert method_fault["fields"] == [["faultCause", "LocalizedMethodFault", "?", "4.0"],
                                      ["faultMessage", "LocalizableMessage", "*", "4.0"]]
    wrapper = table["types"]["LocalizedMethodFault"]
    assert (wrapper["kind"], wrapper["base"]) == ("data", "DynamicData")
    assert [f[:3] for f in wrapper["fields"]] == [["fault", "MethodFault", ""],
                                                   ["localizedMessage", "xsd:string", "?"]]


def test_localizable_message(table: dict) -> None:
    assert [f[:3] for f in table["types"]["LocalizableMessage"]["fields"]] == [
        ["key", "xsd:string", ""], ["arg", "KeyAnyValue", "*"], ["message", "xsd:string", "?"]]


def test_enums(table: dict) -> None:
    assert table["types"]["TaskInfoState"] == {
        "kind": "enum", "since": "2.0", "values": ["queued", "running", "success", "error"]}


def test_task_methods(table: dict) -> None:
    task = table["methods"]["Task"]
    assert sorted(task) == sorted(SERVED_OPERATIONS["Task"])
    assert task["UpdateProgress"]["since"] == "2.5"
    assert task["SetTaskDescription"]["since"] == "4.0"
    assert task["CancelTask"]["privilege"] == "Global.CancelTask"  # the reference page wins
    assert task["UpdateProgress"]["privilege"] == "Task.Update"
    assert task["UpdateProgress"]["params"] == [["percentDone", "xsd:int", "", "2.5"]]
    assert [p[:3] for p in task["SetTaskState"]["params"]] == [
        ["state", "TaskInfoState", ""], ["result", "xsd:anyType", "?"],
        ["fault", "LocalizedMethodFault", "?"]]
    assert task["CancelTask"]["faults"] == ["InvalidState"]
    assert task["CancelTask"]["returns"] is None


def test_versions_oldest_first_and_numeric(table: dict) -> None:
    versions = table["versions"]
    assert versions[:3] == ["2.0", "2.5", "4.0"]
    assert "8.0.3.0" in versions and "6.7.3" in versions
    assert all(re.fullmatch(r"\d+(\.\d+)+", v) for v in versions)
    assert versions.index("6.7.3") < versions.index("6.8.7") < versions.index("7.0.0.0")


def test_every_referenced_type_is_defined(table: dict) -> None:
    types = table["types"]
    fields = [f for spec in types.values() for f in spec.get("fields", ())]
    fields += [p for mo in table["methods"].values() for m in mo.values() for p in m["params"]]
    fields += [p for mt in table["managedTypes"].values() for p in mt["properties"]]
    referenced = {f[1] for f in fields}
    referenced |= {spec["base"] for spec in types.values() if "base" in spec}
    builtin = {name for name in referenced if name.startswith("xsd:")} | {"ManagedObjectReference"}
    assert referenced - builtin <= set(types)
    for spec in types.values():
        assert {f[3] for f in spec.get("fields", ())} | {spec["since"]} <= set(table["versions"])


def test_served_managed_types(table: dict) -> None:
    assert set(SERVED_OPERATIONS) <= set(table["managedTypes"])
    assert table["managedTypes"]["Task"]["base"] == "ExtensibleManagedObject"
    assert table["managedTypes"]["Task"]["properties"] == [["info", "TaskInfo", "", "2.0"]]
