"""govc walks the inventory of the default fixture: ``ls``, ``find``, ``object.collect``.

The real govc (env ``GOVC``, else ``govc`` on PATH; skipped, naming it, when absent) against
the server ``make run`` starts; every value it prints is checked against what the fixture says.
"""

from __future__ import annotations

import os
import subprocess
from typing import Callable, Iterator

import pytest

from inventory_fixture import DATASTORES, DEFAULT_FIXTURE, HOSTS, NETWORKS, VMS
from running_server import start_server
from tools import find_tool


@pytest.fixture(scope="module")
def govc() -> Iterator[Callable[..., list[str]]]:
    path = find_tool("govc")
    server = start_server(DEFAULT_FIXTURE)
    env = dict(os.environ, GOVC_URL=f"http://user:pass@{server.host}:{server.port}/sdk", GOVC_INSECURE="1",
               GOVC_PERSIST_SESSION="false")  # fmt: skip
    env.pop("GOVC_DATACENTER", None)

    def run(*args: str) -> list[str]:
        result = subprocess.run([path, *args], capture_output=True, text=True, env=env, timeout=60)
        assert result.returncode == 0, f"govc {' '.join(args)} failed:\n{result.stderr}"
        return result.stdout.splitlines()

    yield run
    server.stop()


def test_govc_ls_lists_the_root_then_a_datacenters_folders(govc) -> None:
    folders = ["/DC-Lab/vm", "/DC-Lab/host", "/DC-Lab/datastore", "/DC-Lab/network"]
    assert govc("ls", "/") == ["/DC-Lab"]
    assert govc("ls", "/DC-Lab") == folders
    assert govc("ls") == folders  # the only datacenter is govc's default one


def test_govc_ls_lists_each_folder(govc) -> None:
    assert govc("ls", "/DC-Lab/vm") == ["/DC-Lab/vm/Web", "/DC-Lab/vm/Databases"]
    assert sorted(govc("ls", "/DC-Lab/vm/Web")) == sorted(path for _, path, *_ in VMS.values() if "/Web/" in path)
    assert govc("ls", "/DC-Lab/host") == ["/DC-Lab/host/Cluster-01"]
    # A cluster lists its hosts, the networks they share and its root pool (govc's ListComputeResource).
    assert govc("ls", "/DC-Lab/host/Cluster-01") == [
        *(f"/DC-Lab/host/Cluster-01/{name}" for name in HOSTS),
        *(f"/DC-Lab/host/Cluster-01/{name}" for name in NETWORKS),
        "/DC-Lab/host/Cluster-01/Resources",
    ]
    assert govc("ls", "/DC-Lab/datastore") == [f"/DC-Lab/datastore/{name}" for name in DATASTORES]
    assert govc("ls", "/DC-Lab/network") == [f"/DC-Lab/network/{name}" for name in NETWORKS]


def test_govc_ls_long_names_each_type(govc) -> None:
    lines = govc("ls", "-l", "/DC-Lab/host/Cluster-01")
    assert "/DC-Lab/host/Cluster-01/esx-01.lab.local (HostSystem)" in lines
    assert "/DC-Lab/host/Cluster-01/Resources (ResourcePool)" in lines


def test_govc_find_type_m_prints_every_vm_path(govc) -> None:
    assert sorted(govc("find", "/", "-type", "m")) == sorted(path for _, path, *_ in VMS.values())


def test_govc_find_by_type_and_name(govc) -> None:
    assert sorted(govc("find", "/", "-type", "h")) == sorted(f"/DC-Lab/host/Cluster-01/{name}" for name in HOSTS)
    assert govc("find", "/DC-Lab", "-type", "m", "-name", "db-*") == [VMS["db-01"][1]]
    assert sorted(govc("find", "/", "-type", "s")) == sorted(f"/DC-Lab/datastore/{name}" for name in DATASTORES)
    assert govc("find", "/", "-type", "c") == ["/DC-Lab/host/Cluster-01"]


def test_govc_find_by_property(govc) -> None:
    off = [path for _, path, power, *_ in VMS.values() if power == "poweredOff"]
    assert govc("find", "/", "-type", "m", "-runtime.powerState", "poweredOff") == off


def test_govc_object_collect_prints_what_the_fixture_says(govc) -> None:
    for name, (moref, path, power, host, ip, uuid) in VMS.items():
        lines = govc("object.collect", "-s", path, "name", "runtime.powerState", "config.uuid", "summary.config.name")
        assert lines == [name, power, uuid, name], path
        host_ref = govc("object.collect", "-s", path, "runtime.host")
        assert host_ref == [f"HostSystem:{HOSTS[host]}"]


def test_govc_object_collect_types_and_values(govc) -> None:
    rows = [line.split(None, 2) for line in govc("object.collect", VMS["web-01"][1], "runtime.powerState", "guest.ipAddress", "recentTask")]
    by_name = {row[0]: (row[1], row[2]) for row in rows}
    assert by_name["runtime.powerState"] == ("types.VirtualMachinePowerState", "poweredOn")
    assert by_name["guest.ipAddress"] == ("string", VMS["web-01"][4])
    assert by_name["recentTask"][0] == "[]types.ManagedObjectReference" and "Task:task-102" in by_name["recentTask"][1]


def test_govc_vm_and_host_info_read_the_summaries(govc) -> None:
    info = "\n".join(govc("vm.info", VMS["db-01"][1]))
    assert "CPU:          8 vCPU(s)" in info and "Memory:       32768MB" in info
    assert "Power state:  poweredOn" in info and "IP address:   192.0.2.44" in info and "Host:         esx-03.lab.local" in info
    host = "\n".join(govc("host.info", "/DC-Lab/host/Cluster-01/esx-01.lab.local"))
    assert "State:           connected" in host and "Manufacturer:    VMware, Inc." in host


def test_govc_finds_vms_and_hosts_through_the_search_index(govc) -> None:
    """-vm.ipath, -vm.ip, -vm.uuid, -vm.dns and -host.dns: FindByInventoryPath, FindByIp, FindByUuid, FindByDnsName."""
    for flag, value, name in (("-vm.ipath", "DC-Lab/vm/Web/web-01", "web-01"), ("-vm.ip", "192.0.2.44", "db-01"),
                              ("-vm.uuid", VMS["web-03"][5], "web-03"), ("-vm.dns", "web-02.lab.local", "web-02")):  # fmt: skip
        lines = govc("vm.info", flag, value)
        assert lines[:2] == [f"Name:           {name}", f"  Path:         {VMS[name][1]}"], flag
    assert govc("host.info", "-host.dns", "esx-02.lab.local")[1].endswith("/DC-Lab/host/Cluster-01/esx-02.lab.local")


def test_govc_reads_roles_permissions_and_custom_fields(govc) -> None:
    roles = [line.split()[0] for line in govc("role.ls")]
    assert roles[:5] == ["NoAccess", "Anonymous", "View", "ReadOnly", "Admin"]
    assert govc("permissions.ls", "/")[1].split() == ["Admin", "/", "VSPHERE.LOCAL\\Administrators", "Yes"]
    assert [line.split()[1] for line in govc("fields.ls")] == ["owner"]
    govc("fields.set", "owner", "ops-team", VMS["web-03"][1])
    assert govc("fields.info", VMS["web-03"][1])[0].split() == [VMS["web-03"][1], "owner", "ops-team"]
