"""vim.view.ViewManager on the wire: CreateContainerView, CreateListView, CreateListViewFromView."""

from __future__ import annotations

from typing import Any

from vtasksim.domain.views.view import ManagedObjectView
from vtasksim.domain.views.view_manager import ViewManager
from vtasksim.wire.models import MoRefList, RequiredBool, RequiredMoRef, StringList
from vtasksim.wire.services import VimService, call_of, vim_method


class ViewManagerService(VimService):

    @vim_method(RequiredMoRef, RequiredMoRef, StringList, RequiredBool)
    def CreateContainerView(ctx: Any, this: Any, container: Any, type: list[str] | None, recursive: bool) -> Any:
        call = call_of(ctx)
        manager = call.target(this, ViewManager)
        types = [name.strip() for name in type or ()]
        view = manager.create_container_view(call.session, call.moref(container, "container"), types, recursive)
        return call.reply(view.ref, "ManagedObjectReference")

    @vim_method(RequiredMoRef, MoRefList)
    def CreateListView(ctx: Any, this: Any, obj: list[Any] | None) -> Any:
        call = call_of(ctx)
        manager = call.target(this, ViewManager)
        view = manager.create_list_view(call.session, [call.moref(ref, "obj") for ref in obj or ()])
        return call.reply(view.ref, "ManagedObjectReference")

    @vim_method(RequiredMoRef, RequiredMoRef)
    def CreateListViewFromView(ctx: Any, this: Any, view: Any) -> Any:
        call = call_of(ctx)
        manager = call.target(this, ViewManager)
        source = call.visible(call.moref(view, "view"), ManagedObjectView)
        return call.reply(manager.create_list_view_from_view(call.session, source).ref, "ManagedObjectReference")
