"""The inventory as pyVmomi programs walk it, written the way users write them.

Against the default fixture (what ``make run`` serves): the container-view idiom to find VMs by
name and read their recentTask, the classic PropertyCollector traversal from the root folder
with pyVmomi's and govmomi's standard TraversalSpecs, WaitForUpdatesEx on a ListView of tasks,
SearchIndex finds, custom fields, roles and permissions, the service message.
"""

from __future__ import annotations

from typing import Iterator

import pytest
from pyVmomi import vim, vmodl

from inventory_fixture import CLUSTER, DATASTORES, DEFAULT_FIXTURE, HOSTS, NETWORKS, RUNNING_ON_WEB_01, VMS
from running_server import RunningServer, smart_connect, start_server


@pytest.fixture(scope="module")
def lab() -> Iterator[RunningServer]:
    running = start_server(DEFAULT_FIXTURE)
    yield running
    running.stop()


@pytest.fixture
def si(lab: RunningServer):
    from pyVim.connect import Disconnect

    connection = smart_connect(lab)
    yield connection
    Disconnect(connection)


def vms_by_name(content) -> dict[str, vim.VirtualMachine]:
    view = content.viewManager.CreateContainerView(content.rootFolder, [vim.VirtualMachine], True)
    try:
        return {vm.name: vm for vm in view.view}
    finally:
        view.Destroy()


# The container-view idiom


def test_container_view_finds_every_vm_by_name(si) -> None:
    content = si.RetrieveContent()
    found = vms_by_name(content)
    assert {name: vm._moId for name, vm in found.items()} == {name: facts[0] for name, facts in VMS.items()}


def test_a_vm_found_by_name_lists_its_running_tasks_in_recent_task(si) -> None:
    web01 = vms_by_name(si.RetrieveContent())["web-01"]
    recent = {task.info.key for task in web01.recentTask}
    assert RUNNING_ON_WEB_01 <= recent
    for task in web01.recentTask:
        assert task.info.entity == web01 and task.info.entityName == "web-01"


def test_a_task_created_on_a_vm_appears_in_its_recent_task(si) -> None:
    content = si.RetrieveContent()
    db01 = vms_by_name(content)["db-01"]
    before = {task._moId for task in db01.recentTask}
    info = content.taskManager.CreateTask(obj=db01, taskTypeId="com.example.check", initiatedBy="me", cancelable=False)
    after = {task._moId for task in db01.recentTask}
    assert after - before == {info.key}
    web01 = vms_by_name(content)["web-01"]
    assert info.key not in {task._moId for task in web01.recentTask}


def test_what_a_vm_says_about_itself(si) -> None:
    vm = vms_by_name(si.RetrieveContent())["web-01"]
    moref, path, power, host, ip, uuid = VMS["web-01"]
    assert vm.runtime.powerState == power == vm.summary.runtime.powerState
    assert vm.runtime.host.name == host == vm.summary.runtime.host.name
    assert vm.config.uuid == uuid == vm.summary.config.uuid
    assert vm.guest.ipAddress == ip == vm.summary.guest.ipAddress
    assert vm.summary.config.name == "web-01"
    assert vm.summary.config.numCpu == vm.config.hardware.numCPU == 2
    assert vm.summary.config.guestFullName == "Ubuntu Linux (64-bit)"
    assert vm.parent.name == "Web" and vm.parent.parent.name == "vm"
    assert vm.resourcePool.owner._moId == CLUSTER[0]
    assert [ds.name for ds in vm.datastore] == ["datastore1"]
    assert [net.name for net in vm.network] == ["VM Network"]
    assert vm.overallStatus == "green" and vm.alarmActionsEnabled is True
    assert list(vm.triggeredAlarmState) == [] and list(vm.disabledMethod) == [] and list(vm.tag) == []
    assert [v.value for v in vm.value] == ["web-team"]


def test_every_managed_entity_property_reads_without_invalid_property(si) -> None:
    content = si.RetrieveContent()
    view = content.viewManager.CreateContainerView(content.rootFolder, [vim.ManagedEntity], True)
    entities = list(view.view)
    view.Destroy()
    assert len(entities) >= 20
    for entity in entities:
        for prop in ("name", "parent", "recentTask", "overallStatus", "configStatus", "alarmActionsEnabled",
                     "declaredAlarmState", "triggeredAlarmState", "disabledMethod", "effectiveRole", "permission",
                     "tag", "value", "availableField"):  # fmt: skip
            getattr(entity, prop)
        assert entity.effectiveRole == [-1]  # the default fixture has no users: everyone is an Admin


def test_hosts_clusters_pools_datastores_and_networks_point_at_each_other(si) -> None:
    content = si.RetrieveContent()
    datacenter = content.rootFolder.childEntity[0]
    assert datacenter.name == "DC-Lab"
    assert [f.name for f in (datacenter.vmFolder, datacenter.hostFolder, datacenter.datastoreFolder, datacenter.networkFolder)] == ["vm", "host", "datastore", "network"]
    cluster = datacenter.hostFolder.childEntity[0]
    assert isinstance(cluster, vim.ClusterComputeResource) and (cluster._moId, cluster.name) == CLUSTER
    assert {h.name: h._moId for h in cluster.host} == HOSTS
    assert cluster.summary.numHosts == 3 and cluster.summary.numCpuCores == sum(h.summary.hardware.numCpuCores for h in cluster.host)
    assert cluster.resourcePool.name == "Resources"
    assert {vm.name for vm in cluster.resourcePool.vm} == set(VMS)
    by_host = {host.name: {vm.name for vm in host.vm} for host in cluster.host}
    assert by_host == {h: {n for n, facts in VMS.items() if facts[3] == h} for h in HOSTS}
    assert {ds.name: ds._moId for ds in datacenter.datastore} == DATASTORES
    assert {net.name: net._moId for net in datacenter.network} == NETWORKS
    datastore1 = datacenter.datastoreFolder.childEntity[0]
    assert {vm.name for vm in datastore1.vm} == set(VMS)
    assert {mount.key.name for mount in datastore1.host} == set(HOSTS)
    assert datastore1.summary.capacity == 2199023255552
    assert content.rootFolder.childType == ["Folder", "Datacenter"]
    assert datacenter.vmFolder.childType == ["Folder", "VirtualMachine", "VirtualApp"]


# A classic PropertyCollector traversal from the root folder


def full_traversal() -> list[vmodl.query.PropertyCollector.SelectionSpec]:
    """The TraversalSpecs pyVmomi's community samples and govmomi's ``view`` package build."""
    TraversalSpec, SelectionSpec = vmodl.query.PropertyCollector.TraversalSpec, vmodl.query.PropertyCollector.SelectionSpec

    def select(name: str) -> SelectionSpec:
        return SelectionSpec(name=name)

    return [
        TraversalSpec(name="visitFolders", type=vim.Folder, path="childEntity", skip=False,
                      selectSet=[select("visitFolders"), select("dcToHf"), select("dcToVmf"), select("dcToDs"), select("dcToNf"),
                                 select("crToH"), select("crToRp"), select("HToVm"), select("rpToVm"), select("rpToRp")]),
        TraversalSpec(name="dcToVmf", type=vim.Datacenter, path="vmFolder", skip=False, selectSet=[select("visitFolders")]),
        TraversalSpec(name="dcToHf", type=vim.Datacenter, path="hostFolder", skip=False, selectSet=[select("visitFolders")]),
        TraversalSpec(name="dcToDs", type=vim.Datacenter, path="datastoreFolder", skip=False, selectSet=[select("visitFolders")]),
        TraversalSpec(name="dcToNf", type=vim.Datacenter, path="networkFolder", skip=False, selectSet=[select("visitFolders")]),
        TraversalSpec(name="crToH", type=vim.ComputeResource, path="host", skip=False, selectSet=[]),
        TraversalSpec(name="crToRp", type=vim.ComputeResource, path="resourcePool", skip=False, selectSet=[select("rpToRp"), select("rpToVm")]),
        TraversalSpec(name="rpToRp", type=vim.ResourcePool, path="resourcePool", skip=False, selectSet=[select("rpToRp"), select("rpToVm")]),
        TraversalSpec(name="rpToVm", type=vim.ResourcePool, path="vm", skip=False, selectSet=[]),
        TraversalSpec(name="HToVm", type=vim.HostSystem, path="vm", skip=False, selectSet=[select("visitFolders")]),
    ]  # fmt: skip


def test_full_traversal_from_the_root_folder_reaches_every_entity(si) -> None:
    content = si.RetrieveContent()
    PC = vmodl.query.PropertyCollector
    spec = PC.FilterSpec(
        objectSet=[PC.ObjectSpec(obj=content.rootFolder, skip=True, selectSet=full_traversal())],
        propSet=[PC.PropertySpec(type=vim.ManagedEntity, pathSet=["name"])],
    )
    found = {(obj.obj._wsdlName, obj.propSet[0].val) for obj in content.propertyCollector.RetrieveContents([spec])}
    assert ("Datacenter", "DC-Lab") in found and ("ClusterComputeResource", "Cluster-01") in found
    assert {name for kind, name in found if kind == "VirtualMachine"} == set(VMS)
    assert {name for kind, name in found if kind == "HostSystem"} == set(HOSTS)
    assert {name for kind, name in found if kind == "Datastore"} == set(DATASTORES)
    assert {name for kind, name in found if kind == "Network"} == set(NETWORKS)
    assert ("Folder", "Datacenters") not in found  # the ObjectSpec said skip


def test_a_property_spec_for_a_base_type_matches_its_subtypes(si) -> None:
    content = si.RetrieveContent()
    PC = vmodl.query.PropertyCollector
    spec = PC.FilterSpec(
        objectSet=[PC.ObjectSpec(obj=content.rootFolder, skip=True, selectSet=full_traversal())],
        propSet=[PC.PropertySpec(type=vim.ComputeResource, pathSet=["name", "host"])],
    )
    [cluster] = content.propertyCollector.RetrieveContents([spec])
    assert isinstance(cluster.obj, vim.ClusterComputeResource)
    assert {p.name for p in cluster.propSet} == {"name", "host"}


def test_traversal_follows_vm_properties_by_subtype_and_named_recursion(si) -> None:
    """govc's Ancestors: a TraversalSpec on ManagedEntity.parent, recursing by name up to the root."""
    content = si.RetrieveContent()
    web01 = vms_by_name(content)["web-01"]
    PC = vmodl.query.PropertyCollector
    up = PC.TraversalSpec(name="traverseParent", type=vim.ManagedEntity, path="parent", skip=False,
                          selectSet=[PC.SelectionSpec(name="traverseParent")])  # fmt: skip
    spec = PC.FilterSpec(objectSet=[PC.ObjectSpec(obj=web01, skip=False, selectSet=[up])],
                         propSet=[PC.PropertySpec(type=vim.ManagedEntity, pathSet=["name"])])  # fmt: skip
    names = [obj.propSet[0].val for obj in content.propertyCollector.RetrieveContents([spec])]
    assert names == ["web-01", "Web", "vm", "DC-Lab", "Datacenters"]


# Views and their updates


def test_wait_for_updates_ex_on_a_list_view_of_tasks_sees_them_enter_change_and_leave(si) -> None:
    content = si.RetrieveContent()
    web01 = vms_by_name(content)["web-01"]
    first = content.taskManager.CreateTask(obj=web01, taskTypeId="com.example.a", initiatedBy="me", cancelable=True)
    view = content.viewManager.CreateListView([vim.Task(first.key, si._stub)])
    PC = vmodl.query.PropertyCollector
    pc = content.propertyCollector.CreatePropertyCollector()
    try:
        pc.CreateFilter(PC.FilterSpec(
            objectSet=[PC.ObjectSpec(obj=view, skip=True, selectSet=[PC.TraversalSpec(type=vim.view.ListView, path="view")])],
            propSet=[PC.PropertySpec(type=vim.Task, pathSet=["info.state", "info.progress"])],
        ), partialUpdates=False)  # fmt: skip
        options = PC.WaitOptions(maxWaitSeconds=5)
        update = pc.WaitForUpdatesEx("", options)
        assert [(o.kind, o.obj._moId) for f in update.filterSet for o in f.objectSet] == [("enter", first.key)]

        second = content.taskManager.CreateTask(obj=web01, taskTypeId="com.example.b", initiatedBy="me", cancelable=True)
        view.ModifyListView(add=[vim.Task(second.key, si._stub)])
        update = pc.WaitForUpdatesEx(update.version, options)
        assert [(o.kind, o.obj._moId) for f in update.filterSet for o in f.objectSet] == [("enter", second.key)]

        vim.Task(second.key, si._stub).SetTaskState("running")
        update = pc.WaitForUpdatesEx(update.version, options)
        [change] = [o for f in update.filterSet for o in f.objectSet]
        assert change.kind == "modify" and {c.name: c.val for c in change.changeSet}["info.state"] == "running"

        view.ModifyListView(remove=[vim.Task(first.key, si._stub)])
        update = pc.WaitForUpdatesEx(update.version, options)
        assert [(o.kind, o.obj._moId) for f in update.filterSet for o in f.objectSet] == [("leave", first.key)]
    finally:
        pc.DestroyPropertyCollector()
        view.DestroyView()


def test_views_are_their_sessions_own(si, lab: RunningServer) -> None:
    from pyVim.connect import Disconnect

    content = si.RetrieveContent()
    view = content.viewManager.CreateContainerView(content.rootFolder, [vim.HostSystem], True)
    assert view in content.viewManager.viewList
    other = smart_connect(lab)
    try:
        stranger = vim.view.ContainerView(view._moId, other._stub)
        with pytest.raises(vmodl.fault.ManagedObjectNotFound):
            stranger.DestroyView()
        assert view not in other.RetrieveContent().viewManager.viewList
    finally:
        Disconnect(other)
    assert {h.name for h in view.view} == set(HOSTS)
    view.DestroyView()
    assert view not in content.viewManager.viewList


def test_container_view_of_one_folder_not_recursive(si) -> None:
    content = si.RetrieveContent()
    datacenter = content.rootFolder.childEntity[0]
    shallow = content.viewManager.CreateContainerView(datacenter.vmFolder, [], False)
    deep = content.viewManager.CreateContainerView(datacenter.vmFolder, [vim.VirtualMachine], True)
    assert sorted(e.name for e in shallow.view) == ["Databases", "Web"]
    assert sorted(e.name for e in deep.view) == sorted(VMS)
    listed = content.viewManager.CreateListViewFromView(deep)
    assert sorted(e.name for e in listed.view) == sorted(VMS)
    for view in (shallow, deep, listed):
        view.DestroyView()


# SearchIndex


def test_search_index_finds(si) -> None:
    content = si.RetrieveContent()
    index = content.searchIndex
    web01 = index.FindByInventoryPath("DC-Lab/vm/Web/web-01")
    assert web01._moId == "vm-42"
    assert index.FindByInventoryPath("DC-Lab/vm/Web/nope") is None
    datacenter = index.FindByInventoryPath("DC-Lab")
    assert index.FindChild(datacenter, "vm")._moId == "group-v4"
    assert index.FindByIp(ip="192.0.2.44", vmSearch=True)._moId == "vm-44"
    assert index.FindByDnsName(dnsName="web-03.lab.local", vmSearch=True)._moId == "vm-45"
    assert index.FindByDnsName(dnsName="esx-02.lab.local", vmSearch=False)._moId == "host-11"
    assert index.FindByUuid(uuid=VMS["db-01"][5], vmSearch=True)._moId == "vm-44"
    instance = web01.config.instanceUuid
    assert index.FindByUuid(uuid=instance, vmSearch=True, instanceUuid=True)._moId == "vm-42"
    assert index.FindByUuid(uuid=instance, vmSearch=True) is None
    assert {vm._moId for vm in index.FindAllByDnsName(dnsName="web-01.lab.local", vmSearch=True)} == {"vm-42"}
    assert [vm._moId for vm in index.FindAllByIp(datacenter=datacenter, ip="192.0.2.42", vmSearch=True)] == ["vm-42"]
    assert [vm._moId for vm in index.FindAllByUuid(uuid=VMS["web-02"][5], vmSearch=True)] == ["vm-43"]


# Custom fields, roles, permissions, the service message


def test_custom_fields_on_entities_and_tasks(si) -> None:
    content = si.RetrieveContent()
    manager = content.customFieldsManager
    owner = next(f for f in manager.field if f.name == "owner")
    db01 = vms_by_name(content)["db-01"]
    assert [(v.key, v.value) for v in db01.value] == [(owner.key, "dba-team")]
    ticket = manager.AddCustomFieldDef(name="ticket", moType=vim.VirtualMachine)
    with pytest.raises(vim.fault.DuplicateName):
        manager.AddCustomFieldDef(name="ticket", moType=vim.VirtualMachine)
    manager.SetField(entity=db01, key=ticket.key, value="CHG-1234")
    assert {v.key: v.value for v in db01.value}[ticket.key] == "CHG-1234"
    manager.RenameCustomFieldDef(key=ticket.key, name="change")
    assert "change" in {f.name for f in db01.availableField}
    info = content.taskManager.CreateTask(obj=db01, taskTypeId="com.example.custom", initiatedBy="me", cancelable=False)
    task = vim.Task(info.key, si._stub)
    task.setCustomValue(key="requestedBy", value="alice")
    assert [(f.name, v.value) for v in task.value for f in task.availableField if f.key == v.key] == [("requestedBy", "alice")]
    manager.RemoveCustomFieldDef(key=ticket.key)
    assert ticket.key not in {v.key for v in db01.value}


def test_roles_privileges_and_permissions(si) -> None:
    content = si.RetrieveContent()
    manager = content.authorizationManager
    system = {role.name: role.roleId for role in manager.roleList if role.system}
    assert system == {"Admin": -1, "ReadOnly": -2, "View": -3, "Anonymous": -4, "NoAccess": -5}
    admin = next(role for role in manager.roleList if role.roleId == -1)
    assert set(admin.privilege) == {p.privId for p in manager.privilegeList}
    assert "Global.CancelTask" in admin.privilege
    [permission] = manager.RetrieveAllPermissions()
    assert permission.entity == content.rootFolder and permission.roleId == -1 and permission.propagate
    vm = vms_by_name(content)["web-01"]
    [inherited] = manager.RetrieveEntityPermissions(entity=vm, inherited=True)
    assert (inherited.entity, inherited.principal, inherited.roleId) == (permission.entity, permission.principal, -1)
    assert list(manager.RetrieveEntityPermissions(entity=vm, inherited=False)) == []


def test_update_service_message(si, lab: RunningServer) -> None:
    from pyVim.connect import Disconnect

    manager = si.RetrieveContent().sessionManager
    manager.UpdateServiceMessage(message="Maintenance at 18:00 UTC")
    other = smart_connect(lab)
    try:
        assert other.RetrieveContent().sessionManager.message == "Maintenance at 18:00 UTC"
    finally:
        Disconnect(other)
    manager.UpdateServiceMessage(message="")
    assert manager.message is None
