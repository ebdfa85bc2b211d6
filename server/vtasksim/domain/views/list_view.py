"""vim.view.ListView: the objects a client listed, less those that have since gone."""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from vtasksim.domain.views.view import ManagedObjectView, View
from vtasksim.domain.vmodl import MoRef

if TYPE_CHECKING:
    from vtasksim.domain.registry import Registry
    from vtasksim.domain.session_manager import Session


class ListView(ManagedObjectView):
    vim_type = "ListView"

    def __init__(self, ref: MoRef, owner: "Session", on_destroy: Callable[[View], None], registry: "Registry") -> None:
        super().__init__(ref, owner, on_destroy)
        self._registry = registry
        self._listed: list[MoRef] = []

    @property
    def view(self) -> list[MoRef]:
        return [ref for ref in self._listed if ref in self._registry]

    def contains(self, ref: MoRef) -> bool:
        return ref in self._listed

    def modify(self, add: list[MoRef], remove: list[MoRef]) -> list[MoRef]:
        """ModifyListView: the objects that could not be added (there are no such objects)."""
        unresolved = self._add(add)
        removed = set(remove)
        self._listed = [ref for ref in self._listed if ref not in removed]
        self.view_changed()
        return unresolved

    def reset(self, refs: list[MoRef]) -> list[MoRef]:
        """ResetListView: the list becomes ``refs``; the objects that could not be added come back."""
        self._listed = []
        unresolved = self._add(refs)
        self.view_changed()
        return unresolved

    def _add(self, refs: list[MoRef]) -> list[MoRef]:
        unresolved = []
        for ref in refs:
            if ref not in self._registry:
                unresolved.append(ref)
            elif ref not in self._listed:
                self._listed.append(ref)
        return unresolved
