"""vim.ServiceInstance: the root of the API, and the ServiceContent that names everything else."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from typing import ClassVar

from vtasksim import __version__
from vtasksim.domain.clock import Clock
from vtasksim.domain.managed_object import ManagedObject
from vtasksim.domain.vmodl import MoRef, VimData

SERVICE_INSTANCE = MoRef("ServiceInstance", "ServiceInstance")


@dataclass(slots=True)
class AboutInfo(VimData):
    vim_type: ClassVar[str] = "AboutInfo"
    name: str = "VMware vCenter Server"
    fullName: str = f"VMware vCenter Server 8.0.3 build-0 (vtasksim {__version__})"
    vendor: str = "VMware, Inc."
    version: str = "8.0.3"
    patchLevel: str | None = "00000"
    build: str = "0"
    localeVersion: str | None = "INTL"
    localeBuild: str | None = "000"
    osType: str = "linux-x64"
    productLineId: str = "vpx"
    apiType: str = "VirtualCenter"
    apiVersion: str = "8.0.3.0"
    instanceUuid: str | None = None
    licenseProductName: str | None = "VMware VirtualCenter Server"
    licenseProductVersion: str | None = "8.0"


@dataclass(slots=True)
class ServiceContent(VimData):
    """vim.ServiceInstanceContent: the managers this simulator serves (written in schema order)."""

    vim_type: ClassVar[str] = "ServiceContent"
    rootFolder: MoRef
    propertyCollector: MoRef
    about: AboutInfo
    setting: MoRef | None = None
    sessionManager: MoRef | None = None
    authorizationManager: MoRef | None = None
    eventManager: MoRef | None = None
    taskManager: MoRef | None = None
    extensionManager: MoRef | None = None
    viewManager: MoRef | None = None
    customFieldsManager: MoRef | None = None
    searchIndex: MoRef | None = None


class ServiceInstance(ManagedObject):
    vim_type = "ServiceInstance"
    vim_properties = ("content", "serverClock")

    def __init__(self, content: ServiceContent, clock: Clock) -> None:
        super().__init__(SERVICE_INSTANCE)
        if content.about.instanceUuid is None:
            content.about.instanceUuid = str(uuid.uuid4())
        self.content = content
        self._clock = clock

    @property
    def serverClock(self) -> datetime:
        return self._clock.now()

    def retrieve_content(self, api_version: str | None = None) -> ServiceContent:
        """RetrieveServiceContent; ``about.apiVersion`` is the version the client speaks."""
        if api_version is None:
            return self.content
        return replace(self.content, about=replace(self.content.about, apiVersion=api_version))

    def current_time(self) -> datetime:
        """CurrentTime."""
        return self._clock.now()
