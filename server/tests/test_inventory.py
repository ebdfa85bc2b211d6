"""The inventory tree, fixture ``parent``/``properties``/``customValues``, views, search and custom fields.

Unit tests of the domain and the fixture loader; the same behaviour over the wire is in
client_tests/test_inventory_pyvmomi.py and test_govc_inventory.py.
"""

from __future__ import annotations

import textwrap
from datetime import datetime, timezone

import pytest

from vtasksim.app.fixtures import FixtureError, load_fixture_text
from vtasksim.domain.clock import ManualClock
from vtasksim.domain.faults import DuplicateName, InvalidArgument
from vtasksim.domain.inventory.entity import ManagedEntity
from vtasksim.domain.query import ObjectSpec, PropertyFilterSpec, PropertySpec, TraversalSpec
from vtasksim.domain.simulator import Simulator
from vtasksim.domain.task import TaskState
from vtasksim.domain.vmodl import DataObject, MoRef, TypedValue

START = datetime(2026, 1, 1, tzinfo=timezone.utc)

LAB = """\
objects:
  - {type: Datacenter, value: datacenter-2, name: DC0}
  - {type: ClusterComputeResource, value: domain-c7, name: C0, parent: DC0/host}
  - {type: HostSystem, value: host-1, name: esx-1.example.com, parent: domain-c7}
  - {type: HostSystem, value: host-2, name: 192.0.2.12, parent: domain-c7}
  - {type: Datastore, value: datastore-5, name: ds1}
  - {type: Network, value: network-6, name: VM Network}
  - type: VirtualMachine
    value: vm-42
    name: web-01
    parent: DC0/vm/Web/Frontend
    properties:
      config.hardware.numCPU: 4
      config.uuid: 4216e6a1-0c3b-4b1f-9f55-3a1c2a7d0042
      runtime.powerState: poweredOff
      runtime.host: host-2
      guest.ipAddress: 192.0.2.42
      guest.hostName: web-01.example.com
    customValues: {owner: web-team}
  - {type: VirtualMachine, value: vm-43, name: web-02}
  - {type: VirtualMachine, value: vm-44, name: web-03}
"""


def load(text: str) -> Simulator:
    return load_fixture_text(textwrap.dedent(text), "x.yaml", ManualClock(START))


def error_of(text: str) -> str:
    with pytest.raises(FixtureError) as caught:
        load(text)
    return str(caught.value)


def entity(simulator: Simulator, type_: str, value: str) -> ManagedEntity:
    found = simulator.registry.get(MoRef(type_, value))
    assert isinstance(found, ManagedEntity)
    return found


def path_of(simulator: Simulator, type_: str, value: str) -> str:
    return simulator.inventory.path_of(entity(simulator, type_, value))


# Where objects go


def test_objects_go_where_vcenter_puts_their_type_without_parent() -> None:
    """Today's fixtures (no ``parent``) keep working: the first datacenter's folders, the first cluster."""
    simulator = load(LAB)
    assert path_of(simulator, "VirtualMachine", "vm-43") == "DC0/vm/web-02"
    assert path_of(simulator, "Datastore", "datastore-5") == "DC0/datastore/ds1"
    assert path_of(simulator, "Network", "network-6") == "DC0/network/VM Network"
    datacenter = entity(simulator, "Datacenter", "datacenter-2")
    assert [simulator.registry.get(r).name for r in datacenter.children] == ["vm", "host", "datastore", "network"]
    cluster = entity(simulator, "ClusterComputeResource", "domain-c7")
    assert [simulator.registry.get(r).name for r in cluster.host] == ["esx-1.example.com", "192.0.2.12"]
    assert simulator.registry.get(cluster.resourcePool).name == "Resources"


def test_a_parent_path_makes_the_folders_it_names() -> None:
    simulator = load(LAB)
    assert path_of(simulator, "VirtualMachine", "vm-42") == "DC0/vm/Web/Frontend/web-01"
    frontend = simulator.inventory.resolve_path("DC0/vm/Web/Frontend", simulator.root_folder)
    assert frontend is not None and frontend.vim_type == "Folder" and frontend.childType == ["Folder", "VirtualMachine", "VirtualApp"]


def test_a_parent_may_be_declared_after_its_child() -> None:
    simulator = load("""\
        objects:
          - {type: VirtualMachine, value: vm-1, name: a, parent: group-v9}
          - {type: Folder, value: group-v9, name: Apps, parent: DC/vm}
          - {type: Datacenter, value: datacenter-1, name: DC}
        """)
    assert path_of(simulator, "VirtualMachine", "vm-1") == "DC/vm/Apps/a"


def test_a_declared_datacenter_folder_keeps_its_moref() -> None:
    simulator = load("""\
        objects:
          - {type: Datacenter, value: datacenter-1, name: DC}
          - {type: Folder, value: group-v4, name: vm, parent: DC}
          - {type: Folder, value: group-h5, name: host}
        """)
    datacenter = entity(simulator, "Datacenter", "datacenter-1")
    assert (datacenter.vmFolder, datacenter.hostFolder) == (MoRef("Folder", "group-v4"), MoRef("Folder", "group-h5"))


def test_vms_spread_over_the_cluster_hosts_and_share_its_pool() -> None:
    simulator = load(LAB)
    hosts = {vm.name: vm.host.value for vm in simulator.inventory.virtual_machines()}
    assert hosts == {"web-01": "host-2", "web-02": "host-1", "web-03": "host-2"}
    assert {vm.resourcePool for vm in simulator.inventory.virtual_machines()} == {entity(simulator, "ClusterComputeResource", "domain-c7").resourcePool}
    assert entity(simulator, "HostSystem", "host-2").vm == [MoRef("VirtualMachine", "vm-42"), MoRef("VirtualMachine", "vm-44")]


@pytest.mark.parametrize(
    ("objects", "expected"),
    [
        ("  - {type: VirtualMachine, value: vm-1, name: a, parent: resgroup-9}\n",
         "x.yaml:5: objects[3].parent: VirtualMachine 'a': a resource pool holds resource pools, not a VirtualMachine; set its pool with properties: {resourcePool: ...}"),
        ("  - {type: VirtualMachine, value: vm-1, name: a, parent: DC/nowhere/x}\n",
         "x.yaml:5: objects[3].parent: 'DC/nowhere/x' is neither an object's MoRef value nor an inventory path"),
        ("  - {type: Datastore, value: ds-1, name: d, parent: DC/vm}\n",
         "x.yaml:5: objects[3].parent: Datastore 'd': a vm folder holds Folder, VirtualMachine, VirtualApp, not a Datastore"),
        ("  - {type: Folder, value: group-1, name: Junk, parent: DC}\n",
         "x.yaml:5: objects[3].parent: Folder 'Junk': a datacenter holds only its vm, host, datastore and network folders; put 'Junk' in one of them"),
    ],
    ids=["vm-in-pool", "no-such-path", "wrong-folder", "datacenter-child"],
)
def test_a_misplaced_object_is_a_fixture_error(objects: str, expected: str) -> None:
    head = "objects:\n  - {type: Datacenter, value: dc-1, name: DC}\n  - {type: ClusterComputeResource, value: c-1, name: C, parent: DC/host}\n  - {type: ResourcePool, value: resgroup-9, name: Resources, parent: c-1}\n"
    assert error_of(head + objects) == expected


# Properties by vim path


def test_properties_are_typed_and_derived_once() -> None:
    simulator = load(LAB)
    vm = entity(simulator, "VirtualMachine", "vm-42")
    assert vm.read_property("config.hardware.numCPU") == 4
    assert vm.read_property("summary.config.numCpu") == 4
    assert vm.read_property("summary.config.name") == "web-01"
    assert vm.read_property("summary.runtime.powerState") == "poweredOff"
    assert vm.read_property("guest.guestState") == "notRunning"
    assert vm.read_property("summary.guest.ipAddress") == "192.0.2.42"
    assert vm.read_property("runtime.host") == MoRef("HostSystem", "host-2")
    assert vm.read_property("config.uuid") == vm.read_property("summary.config.uuid") == "4216e6a1-0c3b-4b1f-9f55-3a1c2a7d0042"
    assert vm.read_property("parentVApp") is None and vm.read_property("snapshot") is None


def test_every_required_field_of_a_summary_is_there() -> None:
    """What goes out is what a vCenter could send: VirtualMachineRuntimeInfo's required fields are set."""
    vm = entity(load(LAB), "VirtualMachine", "vm-43")
    runtime = vm.read_property("runtime")
    assert isinstance(runtime, DataObject)
    for name in ("connectionState", "powerState", "faultToleranceState", "toolsInstallerMounted", "numMksConnections"):
        assert runtime.properties.get(name) is not None, name


@pytest.mark.parametrize(
    ("properties", "expected"),
    [
        ("{config.hardware.numCPUs: 2}", "objects[1].properties.config.hardware.numCPUs: VirtualHardware has no field 'numCPUs'"),
        ("{config.hardware.numCPU: four}", "objects[1].properties.config.hardware.numCPU: expected an integer (xsd:int), got 'four'"),
        ("{runtime.powerState: running}", "objects[1].properties.runtime.powerState: 'running' is not a VirtualMachinePowerState; one of poweredOff, poweredOn, suspended"),
        ("{runtime.host: host-99}", "objects[1].properties.runtime.host: no object has the MoRef value 'host-99'"),
        ("{recentTask: []}", "objects[1].properties.recentTask: VirtualMachine.recentTask is worked out from the inventory; it cannot be set"),
        ("{summary.config.name: other}", "objects[1].properties.summary.config.name: summary.config.name is the object's name ('a'); set name instead"),
        ("{flavour: x}", "objects[1].properties.flavour: VirtualMachine has no property 'flavour'"),
    ],
    ids=["field", "type", "enum", "moref", "derived", "alias", "property"],
)
def test_a_bad_property_names_file_line_and_path(properties: str, expected: str) -> None:
    text = f"objects:\n  - {{type: Datacenter, value: dc-1, name: DC}}\n  - {{type: VirtualMachine, value: vm-1, name: a, properties: {properties}}}\n"
    assert error_of(text) == f"x.yaml:3: {expected}"


def test_a_summary_alias_sets_the_fact_it_repeats() -> None:
    simulator = load("objects:\n  - {type: VirtualMachine, value: vm-1, name: a, properties: {summary.config.numCpu: 6}}\n")
    assert entity(simulator, "VirtualMachine", "vm-1").read_property("config.hardware.numCPU") == 6


def test_custom_values_on_entities_and_tasks() -> None:
    simulator = load(LAB + "tasks:\n  - {key: task-1, descriptionId: d, entity: {type: VirtualMachine, value: vm-42}, customValues: {ticket: CHG-7}}\n")
    vm = entity(simulator, "VirtualMachine", "vm-42")
    fields = {f.key: f.name for f in vm.availableField}
    assert [(fields[v.key], v.value) for v in vm.value] == [("owner", "web-team")]
    task = simulator.registry.get(MoRef("Task", "task-1"))
    assert [(f.name, v.value) for v in task.value for f in task.availableField if f.key == v.key] == [("ticket", "CHG-7")]


def test_custom_fields_manager_faults() -> None:
    simulator = load(LAB)
    manager = simulator.custom_fields_manager
    field = manager.add_field("cost", "VirtualMachine")
    with pytest.raises(DuplicateName):
        manager.add_field("cost", "VirtualMachine")
    with pytest.raises(InvalidArgument):
        manager.set_field(MoRef("HostSystem", "host-1"), "HostSystem", field.key, "1")  # a VM field
    with pytest.raises(InvalidArgument):
        manager.remove_field(9999)


# Property collection: subtypes, views


def collect(simulator: Simulator, spec: PropertyFilterSpec, session) -> dict[MoRef, dict]:
    return {c.obj: {p.name: p.val for p in c.propSet} for c in simulator.property_collector.retrieve_properties([spec], session)}


def test_a_property_spec_type_matches_subtypes() -> None:
    simulator = load(LAB)
    session = simulator.session_manager.login("u", "p")
    view = simulator.view_manager.create_container_view(session, simulator.root_folder.ref, [], True)
    spec = PropertyFilterSpec(
        propSet=[PropertySpec("ManagedEntity", pathSet=["name"]), PropertySpec("VirtualMachine", pathSet=["runtime.powerState"])],
        objectSet=[ObjectSpec(view.ref, skip=True, selectSet=[TraversalSpec(type="View", path="view")])],
    )
    found = collect(simulator, spec, session)
    assert found[MoRef("HostSystem", "host-1")] == {"name": "esx-1.example.com"}
    assert found[MoRef("VirtualMachine", "vm-42")] == {"name": "web-01", "runtime.powerState": TypedValue("VirtualMachinePowerState", "poweredOff")}
    assert found[MoRef("ClusterComputeResource", "domain-c7")] == {"name": "C0"}


def test_a_container_view_changes_as_objects_come_and_go() -> None:
    simulator = load(LAB)
    session = simulator.session_manager.login("u", "p")
    view = simulator.view_manager.create_container_view(session, simulator.root_folder.ref, ["VirtualMachine"], True)
    spec = PropertyFilterSpec(
        propSet=[PropertySpec("VirtualMachine", pathSet=["name"])],
        objectSet=[ObjectSpec(view.ref, skip=True, selectSet=[TraversalSpec(type="ContainerView", path="view")])],
    )
    simulator.property_collector.create_filter(session, spec, False)
    answers: list = []
    collector = simulator.property_collector
    collector.wait_for_updates(session, None, None, answers.append)
    version = answers[-1].version
    collector.wait_for_updates(session, version, None, answers.append)
    new = simulator.add_inventory_object(MoRef("VirtualMachine", "vm-50"), "new-vm")
    simulator.place(new)
    [entered] = answers[-1].filterSet[0].objectSet
    assert (entered.kind, entered.obj) == ("enter", new.ref) and view.view[-1] == new.ref
    collector.wait_for_updates(session, answers[-1].version, None, answers.append)
    simulator.inventory.remove(entity(simulator, "VirtualMachine", "vm-43"))
    [left] = answers[-1].filterSet[0].objectSet
    assert (left.kind, left.obj) == ("leave", MoRef("VirtualMachine", "vm-43"))
    assert MoRef("VirtualMachine", "vm-43") not in view.view


def test_views_end_with_their_session() -> None:
    simulator = load(LAB)
    session = simulator.session_manager.login("u", "p")
    view = simulator.view_manager.create_list_view(session, [MoRef("VirtualMachine", "vm-42"), MoRef("VirtualMachine", "nope")])
    assert view.view == [MoRef("VirtualMachine", "vm-42")]
    assert simulator.view_manager.read_property("viewList", session) == [view.ref]
    simulator.session_manager.logout(session)
    assert view.ref not in simulator.registry


# SearchIndex, permissions


def test_search_index() -> None:
    simulator = load(LAB)
    index = simulator.search_index
    assert index.find_by_inventory_path("/DC0/vm/Web/Frontend/web-01") == MoRef("VirtualMachine", "vm-42")
    assert index.find_by_inventory_path("DC0/vm/missing") is None
    assert index.find_all_by_ip(None, "192.0.2.12", vm_search=False) == [MoRef("HostSystem", "host-2")]
    assert index.find_all_by_dns_name(None, "WEB-01.example.com", vm_search=True) == [MoRef("VirtualMachine", "vm-42")]
    assert index.find_all_by_uuid(None, "4216E6A1-0C3B-4B1F-9F55-3A1C2A7D0042", vm_search=True, instance_uuid=False) == [MoRef("VirtualMachine", "vm-42")]
    with pytest.raises(InvalidArgument):
        index.find_all_by_ip(entity(simulator, "VirtualMachine", "vm-42"), "192.0.2.42", vm_search=True)
    with pytest.raises(InvalidArgument):
        index.find_all_by_uuid(None, "x", vm_search=False, instance_uuid=True)


def test_permissions_and_effective_roles_of_fixture_users() -> None:
    simulator = load(LAB + """\
users:
  - {name: admin@vsphere.local, password: a, role: Admin}
  - {name: reader@vsphere.local, password: r, role: ReadOnly}
  - {name: ops@vsphere.local, password: o, privileges: [Task.Create, Task.Update]}
""")
    manager = simulator.authorization_manager
    permissions = {(p.principal, p.roleId) for p in manager.retrieve_all_permissions()}
    assert permissions == {("admin@vsphere.local", -1), ("reader@vsphere.local", -2), ("ops@vsphere.local", 1001)}
    ops_role = next(r for r in manager.roleList if r.roleId == 1001)
    assert not ops_role.system and ops_role.privilege == ["System.Anonymous", "System.Read", "System.View", "Task.Create", "Task.Update"]
    vm = entity(simulator, "VirtualMachine", "vm-42")
    reader = simulator.session_manager.login("reader@vsphere.local", "r")
    assert vm.read_property("effectiveRole", reader) == [-2]
    assert manager.retrieve_entity_permissions(vm.ref, inherited=False) == []
    assert len(manager.retrieve_entity_permissions(vm.ref, inherited=True)) == 3


def test_a_completed_task_leaves_its_entitys_recent_task_ten_minutes_later() -> None:
    """Tasks created on an entity appear in its recentTask, and leave it as vCenter's do (ten
    minutes after they complete); a WaitForUpdates on the entity sees both."""
    clock = ManualClock(START)
    simulator = load_fixture_text(LAB, "x.yaml", clock)
    session = simulator.session_manager.login("u", "p")
    vm = MoRef("VirtualMachine", "vm-43")
    spec = PropertyFilterSpec(propSet=[PropertySpec("VirtualMachine", pathSet=["recentTask"])], objectSet=[ObjectSpec(vm)])
    collector = simulator.property_collector
    collector.create_filter(session, spec, False)
    answers: list = []
    collector.wait_for_updates(session, None, None, answers.append)
    collector.wait_for_updates(session, answers[-1].version, None, answers.append)
    info = simulator.task_manager.create_task(vm, "com.example.t", "u", cancelable=False)
    [change] = answers[-1].filterSet[0].objectSet[0].changeSet
    assert change.val.value == [info.task]
    task = simulator.registry.get(info.task)
    task.set_state(TaskState.running)
    task.set_state(TaskState.success)
    clock.advance(9 * 60)
    assert entity(simulator, "VirtualMachine", "vm-43").recentTask == [info.task]
    collector.wait_for_updates(session, answers[-1].version, None, answers.append)
    clock.advance(61)
    assert entity(simulator, "VirtualMachine", "vm-43").recentTask == []
    [change] = answers[-1].filterSet[0].objectSet[0].changeSet
    assert (change.name, change.op, change.val) == ("recentTask", "remove", None), change
