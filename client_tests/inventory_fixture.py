"""The inventory the inventory client tests share: the default fixture's, which README shows too."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_FIXTURE = REPO / "fixtures" / "default.yaml"

#: What fixtures/default.yaml says, as the tests check it against what clients print.
DATACENTER = "DC-Lab"
VMS = {  # name → (MoRef value, inventory path, powerState, host name, IP or None, uuid)
    "web-01": ("vm-42", "/DC-Lab/vm/Web/web-01", "poweredOn", "esx-01.lab.local", "192.0.2.42", "4216e6a1-0c3b-4b1f-9f55-3a1c2a7d0042"),
    "web-02": ("vm-43", "/DC-Lab/vm/Web/web-02", "poweredOff", "esx-02.lab.local", None, "4216e6a1-0c3b-4b1f-9f55-3a1c2a7d0043"),
    "db-01": ("vm-44", "/DC-Lab/vm/Databases/db-01", "poweredOn", "esx-03.lab.local", "192.0.2.44", "4216e6a1-0c3b-4b1f-9f55-3a1c2a7d0044"),
    "web-03": ("vm-45", "/DC-Lab/vm/Web/web-03", "poweredOn", "esx-02.lab.local", "192.0.2.45", "4216e6a1-0c3b-4b1f-9f55-3a1c2a7d0045"),
}
HOSTS = {"esx-01.lab.local": "host-10", "esx-02.lab.local": "host-11", "esx-03.lab.local": "host-13"}
DATASTORES = {"datastore1": "datastore-12", "nfs-backup": "datastore-14"}
NETWORKS = {"VM Network": "network-15", "Backup Network": "network-16"}
CLUSTER = ("domain-c8", "Cluster-01")
#: Tasks of the default fixture on web-01 (vm-42) that are recent at start: queued or running.
RUNNING_ON_WEB_01 = {"task-102"}
