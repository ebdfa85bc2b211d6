"""vim.view.View and ManagedObjectView: what every view has, its session and its ``view`` list."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

from vtasksim.domain.managed_object import ManagedObject
from vtasksim.domain.vmodl import MoRef

if TYPE_CHECKING:
    from vtasksim.domain.session_manager import Session


class View(ManagedObject):
    vim_type = "View"
    vim_properties = ()

    def __init__(self, ref: MoRef, owner: "Session", on_destroy: Callable[["View"], None]) -> None:
        super().__init__(ref)
        self.owner = owner
        self._on_destroy = on_destroy

    def visible_to(self, session: Any) -> bool:
        """Views belong to the session that made them; to any other they do not exist."""
        return session is self.owner

    def destroy(self) -> None:
        """DestroyView."""
        self._on_destroy(self)

    def session_ended(self, session: "Session") -> None:
        self.destroy()


class ManagedObjectView(View):
    vim_type = "ManagedObjectView"
    vim_properties = ("view",)

    @property
    def view(self) -> list[MoRef]:
        raise NotImplementedError

    def contains(self, ref: MoRef) -> bool:
        return ref in self.view

    def view_changed(self) -> None:
        self._changed("view")
