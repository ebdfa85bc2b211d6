"""vim.AuthorizationManager: what a session may do, asked and answered as vCenter does.

Privileges are checked per user, not per entity: a fixture's user holds the same privileges on
every object, as if granted one role on the root folder with propagation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

from vtasksim.domain.faults import InvalidArgument, NoPermission
from vtasksim.domain.managed_object import ManagedObject
from vtasksim.domain.vmodl import MoRef, VimData

if TYPE_CHECKING:
    from vtasksim.domain.session_manager import Session, SessionManager
    from vtasksim.domain.registry import Registry

AUTHORIZATION_MANAGER = MoRef("AuthorizationManager", "AuthorizationManager")


@dataclass(slots=True)
class PrivilegeAvailability(VimData):
    vim_type: ClassVar[str] = "PrivilegeAvailability"
    privId: str
    isGranted: bool


@dataclass(slots=True)
class EntityPrivilege(VimData):
    vim_type: ClassVar[str] = "EntityPrivilege"
    entity: MoRef
    privAvailability: list[PrivilegeAvailability] = field(default_factory=list)


@dataclass(slots=True)
class UserPrivilegeResult(VimData):
    vim_type: ClassVar[str] = "UserPrivilegeResult"
    entity: MoRef
    privileges: list[str] = field(default_factory=list)


class AuthorizationManager(ManagedObject):
    vim_type = "AuthorizationManager"
    vim_properties = ()

    def __init__(self, registry: "Registry", sessions: "SessionManager") -> None:
        super().__init__(AUTHORIZATION_MANAGER)
        self._registry = registry
        self._sessions = sessions

    def require(self, session: "Session", privilege: str | None, target: MoRef) -> None:
        """NoPermission, naming the object and the privilege, when the session's user lacks it."""
        if not session.user.has_privilege(privilege):
            raise NoPermission(
                f"Permission to perform this operation was denied: {session.user.name} lacks {privilege} on {target.type} {target.value!r}.",
                object=target,
                privilegeId=privilege,
            )

    def has_privilege_on_entity(self, entity: MoRef, session_id: str, privileges: list[str]) -> list[bool]:
        """HasPrivilegeOnEntity."""
        session = self._session(session_id)
        self._registry.get(entity)
        return [session.user.has_privilege(p) for p in privileges]

    def has_privilege_on_entities(self, entities: list[MoRef], session_id: str, privileges: list[str]) -> list[EntityPrivilege]:
        """HasPrivilegeOnEntities."""
        session = self._session(session_id)
        for entity in entities:
            self._registry.get(entity)
        return [
            EntityPrivilege(entity, [PrivilegeAvailability(p, session.user.has_privilege(p)) for p in privileges])
            for entity in entities
        ]

    def fetch_user_privilege_on_entities(self, entities: list[MoRef], user_privileges: list[str]) -> list[UserPrivilegeResult]:
        """FetchUserPrivilegeOnEntities, given the privileges the named user holds."""
        for entity in entities:
            self._registry.get(entity)
        return [UserPrivilegeResult(entity, list(user_privileges)) for entity in entities]

    def _session(self, session_id: str) -> "Session":
        session = self._sessions.find(session_id)
        if session is None:
            raise InvalidArgument("sessionId", f"A specified parameter was not correct: sessionId {session_id!r} names no active session.")
        return session
