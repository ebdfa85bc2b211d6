"""vim.option.OptionManager on the wire: QueryOptions, UpdateOptions."""

from __future__ import annotations

from typing import Any

from vtasksim.domain.options.option_manager import OptionManager
from vtasksim.wire.models import RequiredMoRef, String, VimXml
from vtasksim.wire.services import VimService, call_of, vim_method


class OptionManagerService(VimService):

    @vim_method(RequiredMoRef, String)
    def QueryOptions(ctx: Any, this: Any, name: str | None) -> Any:
        call = call_of(ctx)
        manager = call.target(this, OptionManager)
        return call.reply(manager.query_options(name.strip() if name else None), "OptionValue")

    @vim_method(RequiredMoRef, VimXml(max_occurs="unbounded"))
    def UpdateOptions(ctx: Any, this: Any, changedValue: list[Any] | None) -> Any:
        call = call_of(ctx)
        manager = call.target(this, OptionManager)
        # vCenter's VpxSettings want Global.Settings, held at the root folder, to change a setting.
        call.simulator.authorization_manager.require(call.session, "Global.Settings", call.simulator.root_folder.ref)
        manager.update_options([call.read(element, "OptionValue", "changedValue") for element in changedValue or ()])
        return call.reply()
