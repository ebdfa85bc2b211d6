"""vim.view.View and vim.view.ListView on the wire: DestroyView, ModifyListView, ResetListView(FromView)."""

from __future__ import annotations

from typing import Any

from vtasksim.domain.views.list_view import ListView
from vtasksim.domain.views.view import ManagedObjectView, View
from vtasksim.wire.models import MoRefList, RequiredMoRef
from vtasksim.wire.services import VimService, call_of, vim_method


class ViewService(VimService):

    @vim_method(RequiredMoRef)
    def DestroyView(ctx: Any, this: Any) -> Any:
        call = call_of(ctx)
        call.target(this, View).destroy()
        return call.reply()


class ListViewService(VimService):

    @vim_method(RequiredMoRef, MoRefList, MoRefList)
    def ModifyListView(ctx: Any, this: Any, add: list[Any] | None, remove: list[Any] | None) -> Any:
        call = call_of(ctx)
        view = call.target(this, ListView)
        unresolved = view.modify([call.moref(r, "add") for r in add or ()], [call.moref(r, "remove") for r in remove or ()])
        return call.reply(unresolved, "ManagedObjectReference")

    @vim_method(RequiredMoRef, MoRefList)
    def ResetListView(ctx: Any, this: Any, obj: list[Any] | None) -> Any:
        call = call_of(ctx)
        view = call.target(this, ListView)
        return call.reply(view.reset([call.moref(r, "obj") for r in obj or ()]), "ManagedObjectReference")

    @vim_method(RequiredMoRef, RequiredMoRef)
    def ResetListViewFromView(ctx: Any, this: Any, view: Any) -> Any:
        call = call_of(ctx)
        target = call.target(this, ListView)
        source = call.visible(call.moref(view, "view"), ManagedObjectView)
        target.reset(source.view)
        return call.reply()
