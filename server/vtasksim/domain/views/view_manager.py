"""vim.view.ViewManager: CreateContainerView, CreateListView, CreateListViewFromView, and ``viewList``.

Views are the creating session's, listed in ``viewList`` for it alone and destroyed with it.
The manager listens to the change feed: when an inventory object comes, goes or moves, or an
object a list view holds goes, the views that may show it announce that their ``view`` changed,
so that property collectors report objects entering and leaving them.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any, Callable

from vtasksim.domain.changes import ChangeFeed
from vtasksim.domain.faults import InvalidArgument, ManagedObjectNotFound
from vtasksim.domain.inventory.entity import ManagedEntity
from vtasksim.domain.managed_object import ManagedObject
from vtasksim.domain.views.container_view import ContainerView
from vtasksim.domain.views.list_view import ListView
from vtasksim.domain.views.view import ManagedObjectView, View
from vtasksim.domain.vmodl import MoRef

if TYPE_CHECKING:
    from vtasksim.domain.inventory.tree import Inventory
    from vtasksim.domain.registry import Registry
    from vtasksim.domain.session_manager import Session

VIEW_MANAGER = MoRef("ViewManager", "ViewManager")
#: Changes of an entity that may move it into or out of a container view.
_TREE_PATHS = frozenset({"parent", "childEntity", "runtime.host", "resourcePool", "runtime"})


class ViewManager(ManagedObject):
    vim_type = "ViewManager"
    vim_properties = ("viewList",)

    def __init__(self, registry: "Registry", inventory: "Inventory", add: Callable[[Any], Any], changes: ChangeFeed) -> None:
        super().__init__(VIEW_MANAGER)
        self._registry = registry
        self._inventory = inventory
        self._add = add
        self._views: dict[MoRef, ManagedObjectView] = {}
        self._numbers = itertools.count(1)
        changes.subscribe(self._on_change)

    @property
    def viewList(self) -> list[MoRef]:
        return []  # per session: see read_property

    def read_property(self, path: str, session: Any = None) -> Any:
        value = super().read_property(path, session)
        if path == "viewList" and session is not None:
            return [ref for ref, view in self._views.items() if view.owner is session]
        return value

    def create_container_view(self, session: "Session", container: MoRef, types: list[str], recursive: bool) -> ContainerView:
        found = self._registry.find(container)
        if found is None:
            raise ManagedObjectNotFound(container)
        if not isinstance(found, ManagedEntity):
            raise InvalidArgument("container", f"A specified parameter was not correct: container {container.type} {container.value!r} is not a managed entity.")
        return self._keep(session, ContainerView.vim_type, lambda ref: ContainerView(ref, session, self._forget, self._inventory, found, types, recursive))

    def create_list_view(self, session: "Session", refs: list[MoRef]) -> ListView:
        view = self._keep(session, ListView.vim_type, lambda ref: ListView(ref, session, self._forget, self._registry))
        view.reset(refs)
        return view

    def create_list_view_from_view(self, session: "Session", source: ManagedObjectView) -> ListView:
        return self.create_list_view(session, source.view)

    def _keep(self, session: "Session", vim_type: str, make: Callable[[MoRef], Any]) -> Any:
        view = make(MoRef(vim_type, f"session[{session.key[:8]}]{vim_type.lower()}-{next(self._numbers)}"))
        self._add(view)
        self._views[view.ref] = view
        session.owned.append(view)
        self._changed("viewList")
        return view

    def _forget(self, view: View) -> None:
        if self._views.pop(view.ref, None) is None:
            return
        if view in view.owner.owned:
            view.owner.owned.remove(view)
        self._registry.remove(view.ref)
        self._changed("viewList")
        if self._changes is not None:
            self._changes.publish(view.ref, ())  # filters on the view see it leave

    def _on_change(self, ref: MoRef, paths: tuple[str, ...]) -> None:
        if ref in self._views:
            return
        gone = not paths
        moved = bool(_TREE_PATHS.intersection(paths)) or gone
        if not moved:
            return
        for view in list(self._views.values()):
            if isinstance(view, ContainerView) or (gone and view.contains(ref)):
                view.view_changed()
