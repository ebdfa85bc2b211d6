"""The believable values an entity reads as when the fixture does not say: one place to change them.

Numbers are those of a small current lab: ESXi 8.0 Update 3 hosts with two 16-core sockets and
256 GiB, VMs with 2 vCPUs and 4 GiB, 2 TiB VMFS datastores. Identifiers (UUIDs) are derived from
the MoRef, so they are stable from run to run and differ between objects.
"""

from __future__ import annotations

import uuid

ESXI_VERSION = "8.0.3"
ESXI_BUILD = "24022510"

HOST_VENDOR = "VMware, Inc."
HOST_MODEL = "VMware7,1"
HOST_CPU_MODEL = "Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz"
HOST_CPU_MHZ = 2000
HOST_CPU_PACKAGES = 2
HOST_CPU_CORES = 32
HOST_CPU_THREADS = 64
HOST_MEMORY_BYTES = 256 * 1024**3
HOST_NICS = 4
HOST_HBAS = 2

VM_NUM_CPU = 2
VM_MEMORY_MB = 4096
VM_GUEST_ID = "otherLinux64Guest"
VM_HARDWARE_VERSION = "vmx-21"
VM_POWER_STATE = "poweredOn"

DATASTORE_CAPACITY = 2 * 1024**4
DATASTORE_FREE = 1288490188800  # 1.17 TiB: about 40 % used
DATASTORE_TYPE = "VMFS"

#: A few guest ids and the names vCenter shows for them; an id not listed shows as itself.
GUEST_FULL_NAMES = {
    "otherLinux64Guest": "Other Linux (64-bit)",
    "otherGuest64": "Other (64-bit)",
    "ubuntu64Guest": "Ubuntu Linux (64-bit)",
    "rhel9_64Guest": "Red Hat Enterprise Linux 9 (64-bit)",
    "debian12_64Guest": "Debian GNU/Linux 12 (64-bit)",
    "windows2019srv_64Guest": "Microsoft Windows Server 2019 (64-bit)",
    "windows2022srvNext_64Guest": "Microsoft Windows Server 2022 (64-bit)",
    "photon64Guest": "VMware Photon OS (64-bit)",
}

_NAMESPACE = uuid.UUID("9b6f4d5e-2a51-4a7e-8f0b-6d1c0e6a7a10")


def stable_uuid(kind: str, value: str) -> str:
    """A UUID that is the same for the same object on every run (``kind`` keeps bios/instance apart)."""
    return str(uuid.uuid5(_NAMESPACE, f"{kind}:{value}"))
