"""vim.AuthorizationManager on the wire: privilege checks, and the permissions that grant them."""

from __future__ import annotations

from typing import Any

from vtasksim.domain.authorization_manager import AuthorizationManager
from vtasksim.wire.models import MoRefList, RequiredBool, RequiredMoRef, RequiredString, StringList
from vtasksim.wire.services import VimService, call_of, vim_method


class AuthorizationManagerService(VimService):

    @vim_method(RequiredMoRef, RequiredMoRef, RequiredString, StringList)
    def HasPrivilegeOnEntity(ctx: Any, this: Any, entity: Any, sessionId: str, privId: list[str] | None) -> Any:
        call = call_of(ctx)
        manager = call.target(this, AuthorizationManager)
        granted = manager.has_privilege_on_entity(call.moref(entity, "entity"), sessionId.strip(), _strings(privId))
        return call.reply(granted, "xsd:boolean")

    @vim_method(RequiredMoRef, MoRefList, RequiredString, StringList)
    def HasPrivilegeOnEntities(ctx: Any, this: Any, entity: list[Any] | None, sessionId: str, privId: list[str] | None) -> Any:
        call = call_of(ctx)
        manager = call.target(this, AuthorizationManager)
        entities = [call.moref(e, "entity") for e in entity or ()]
        return call.reply(manager.has_privilege_on_entities(entities, sessionId.strip(), _strings(privId)), "EntityPrivilege")

    @vim_method(RequiredMoRef, MoRefList, RequiredString)
    def FetchUserPrivilegeOnEntities(ctx: Any, this: Any, entities: list[Any] | None, userName: str) -> Any:
        call = call_of(ctx)
        manager = call.target(this, AuthorizationManager)
        refs = [call.moref(e, "entities") for e in entities or ()]
        privileges = call.simulator.session_manager.privileges_of(userName.strip())
        return call.reply(manager.fetch_user_privilege_on_entities(refs, privileges), "UserPrivilegeResult")

    @vim_method(RequiredMoRef, RequiredMoRef, RequiredBool)
    def RetrieveEntityPermissions(ctx: Any, this: Any, entity: Any, inherited: bool) -> Any:
        call = call_of(ctx)
        ref = call.moref(entity, "entity")
        manager = call.target(this, AuthorizationManager, privilege_on=ref)
        return call.reply(manager.retrieve_entity_permissions(ref, inherited), "Permission")

    @vim_method(RequiredMoRef)
    def RetrieveAllPermissions(ctx: Any, this: Any) -> Any:
        call = call_of(ctx)
        manager = call.target(this, AuthorizationManager)
        return call.reply(manager.retrieve_all_permissions(), "Permission")


def _strings(values: list[str] | None) -> list[str]:
    return [value.strip() for value in values or ()]
