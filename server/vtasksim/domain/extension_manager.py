"""vim.ExtensionManager: the extensions a fixture registers, and the task types they declare.

When a fixture registers extensions, TaskManager.CreateTask accepts only their task types.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from vtasksim.domain.managed_object import ManagedObject
from vtasksim.domain.vmodl import MoRef, VimData

EXTENSION_MANAGER = MoRef("ExtensionManager", "ExtensionManager")


@dataclass(slots=True)
class Description(VimData):
    vim_type: ClassVar[str] = "Description"
    label: str
    summary: str


@dataclass(slots=True)
class ExtensionTaskTypeInfo(VimData):
    vim_type: ClassVar[str] = "ExtensionTaskTypeInfo"
    taskID: str


@dataclass(slots=True)
class Extension(VimData):
    vim_type: ClassVar[str] = "Extension"
    description: Description
    key: str
    company: str | None = None
    type: str | None = None
    version: str = "1.0.0"
    subjectName: str | None = None
    server: list = field(default_factory=list)
    client: list = field(default_factory=list)
    taskList: list[ExtensionTaskTypeInfo] = field(default_factory=list)


class ExtensionManager(ManagedObject):
    vim_type = "ExtensionManager"
    vim_properties = ("extensionList",)

    def __init__(self, extensions: list[Extension] | None) -> None:
        super().__init__(EXTENSION_MANAGER)
        #: None: the fixture registers no extensions, and any task type goes.
        self._extensions = extensions

    @property
    def extensionList(self) -> list[Extension]:
        return list(self._extensions or ())

    def find_extension(self, key: str) -> Extension | None:
        """FindExtension."""
        return next((e for e in self._extensions or () if e.key == key), None)

    def knows_task_type(self, task_type_id: str) -> bool:
        if self._extensions is None:
            return True
        return any(info.taskID == task_type_id for e in self._extensions for info in e.taskList)
