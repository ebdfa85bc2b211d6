"""vim.AuthorizationManager: what a session may do, asked and answered as vCenter does.

Privileges are checked per user, not per entity: a fixture's user holds the same privileges on
every object, as if granted one role on the root folder with propagation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, ClassVar

from vtasksim.domain.authorization import ALL_PRIVILEGES, ROLE_IDS, ROLES, User
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


@dataclass(slots=True)
class AuthorizationDescription(VimData):
    vim_type: ClassVar[str] = "Description"
    label: str
    summary: str


@dataclass(slots=True)
class AuthorizationPrivilege(VimData):
    vim_type: ClassVar[str] = "AuthorizationPrivilege"
    privId: str
    onParent: bool
    name: str
    privGroupName: str


@dataclass(slots=True)
class AuthorizationRole(VimData):
    vim_type: ClassVar[str] = "AuthorizationRole"
    roleId: int
    system: bool
    name: str
    info: AuthorizationDescription
    privilege: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Permission(VimData):
    vim_type: ClassVar[str] = "Permission"
    entity: MoRef | None
    principal: str
    group: bool
    roleId: int
    propagate: bool


_ROLE_SUMMARIES = {
    "Admin": "Full access rights", "ReadOnly": "See details of objects, but not make changes",
    "View": "Visibility access (cannot be granted)", "Anonymous": "Not logged-in user (cannot be granted)",
    "NoAccess": "Used for restricting granted access",
}  # fmt: skip
#: The group vCenter grants Admin on the root folder to; who a fixture without users logs in as.
ADMINISTRATORS = "VSPHERE.LOCAL\\Administrators"
#: Roles the simulator makes for fixture users who list privileges rather than name a role.
FIRST_USER_ROLE_ID = 1001


class AuthorizationManager(ManagedObject):
    """Privileges are per user; a user's role is granted on the root folder, propagating down."""

    vim_type = "AuthorizationManager"
    vim_properties = ("privilegeList", "roleList", "description")

    def __init__(self, registry: "Registry", sessions: "SessionManager", root: MoRef | None = None) -> None:
        super().__init__(AUTHORIZATION_MANAGER)
        self._registry = registry
        self._sessions = sessions
        self._root = root
        self._user_roles = {
            user.name: FIRST_USER_ROLE_ID + n
            for n, user in enumerate(u for u in sessions.users or () if _system_role(u) is None)
        }

    # Properties

    @property
    def privilegeList(self) -> list[AuthorizationPrivilege]:
        known = set(ALL_PRIVILEGES).union(*(u.privileges or () for u in self._sessions.users or ()))
        return [AuthorizationPrivilege(p, False, p, p.rsplit(".", 1)[0]) for p in sorted(known)]

    @property
    def roleList(self) -> list[AuthorizationRole]:
        every = [p.privId for p in self.privilegeList]
        roles = [
            AuthorizationRole(ROLE_IDS[name], True, name, AuthorizationDescription(name, _ROLE_SUMMARIES[name]),
                              every if privileges is None else sorted(privileges))
            for name, privileges in ROLES.items()
        ]  # fmt: skip
        for user in self._sessions.users or ():
            if user.name in self._user_roles:
                label = f"{user.name} privileges"
                roles.append(AuthorizationRole(self._user_roles[user.name], False, label,
                                               AuthorizationDescription(label, "The privileges the fixture lists for this user"),
                                               sorted(user.privileges or ())))  # fmt: skip
        return sorted(roles, key=lambda role: role.roleId)

    @property
    def description(self) -> Any:
        return None

    def effective_role(self, session: "Session | None") -> list[int]:
        """ManagedEntity.effectiveRole: the role the session's user holds (on every entity, here)."""
        if session is None:
            return []
        role = _system_role(session.user)
        return [ROLE_IDS[role]] if role is not None else [self._user_roles.get(session.user.name, ROLE_IDS["NoAccess"])]

    # RetrieveAllPermissions, RetrieveEntityPermissions

    def retrieve_all_permissions(self) -> list[Permission]:
        users = self._sessions.users
        if users is None:
            return [Permission(self._root, ADMINISTRATORS, True, ROLE_IDS["Admin"], True)]
        return [Permission(self._root, u.name, False, self._role_id(u), True) for u in users]

    def retrieve_entity_permissions(self, entity: MoRef, inherited: bool) -> list[Permission]:
        """Permissions defined on ``entity``; with ``inherited``, those it gets from above too."""
        self._registry.get(entity)
        if entity != self._root and not inherited:
            return []
        return self.retrieve_all_permissions()

    def _role_id(self, user: User) -> int:
        role = _system_role(user)
        return ROLE_IDS[role] if role is not None else self._user_roles[user.name]

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


def _system_role(user: User) -> str | None:
    return next((name for name, privileges in ROLES.items() if privileges == user.privileges), None)
