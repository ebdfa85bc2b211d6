"""Users, roles and privileges: who may call what.

A fixture's ``users:`` name each user's password and either a role or a list of privileges;
without ``users:`` any name and password log in with every privilege, so quick CI setups stay
quick. Every role holds System.Anonymous, System.View and System.Read, as vCenter's do.
"""

from __future__ import annotations

from dataclasses import dataclass

SYSTEM_PRIVILEGES = frozenset({"System.Anonymous", "System.View", "System.Read"})

#: The privileges the simulator checks somewhere: what an Admin is told it holds.
ALL_PRIVILEGES = SYSTEM_PRIVILEGES | {
    "Global.CancelTask", "Global.Settings", "Task.Create", "Task.Update", "Sessions.ValidateSession", "Sessions.TerminateSession",
}  # fmt: skip

#: vCenter's system roles; ``Admin`` holds every privilege there is.
ROLES: dict[str, frozenset[str] | None] = {
    "Admin": None,
    "ReadOnly": SYSTEM_PRIVILEGES,
    "NoAccess": frozenset(),
    "Anonymous": frozenset({"System.Anonymous"}),
    "View": frozenset({"System.Anonymous", "System.View"}),
}


#: The system roles' ids, as on every vCenter.
ROLE_IDS: dict[str, int] = {"Admin": -1, "ReadOnly": -2, "View": -3, "Anonymous": -4, "NoAccess": -5}


@dataclass(frozen=True, slots=True)
class User:
    name: str
    password: str | None  # None: any password (a fixture without users)
    #: None: every privilege (role Admin, or no ``users:`` in the fixture).
    privileges: frozenset[str] | None

    def has_privilege(self, privilege: str | None) -> bool:
        if privilege is None or self.privileges is None:
            return True
        return privilege in self.privileges

    def granted(self, privileges: list[str]) -> list[str]:
        return [p for p in privileges if self.has_privilege(p)]


def user_with_role(name: str, password: str, role: str) -> User:
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; known: {', '.join(ROLES)}")
    return User(name, password, ROLES[role])


def user_with_privileges(name: str, password: str, privileges: list[str]) -> User:
    return User(name, password, frozenset(privileges) | SYSTEM_PRIVILEGES)


def anyone(name: str) -> User:
    """The user a fixture without ``users:`` lets in under any name."""
    return User(name, None, None)

