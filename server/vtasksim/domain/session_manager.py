"""vim.SessionManager: Login, Logout, SessionIsActive, and the sessions behind the cookies.

A session is known by its key (the ``vmware_soap_session`` cookie). It expires when idle longer
than the server's session timeout, as vCenter's do; every authenticated call keeps it alive.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from vtasksim.domain.authorization import ALL_PRIVILEGES, User, anyone
from vtasksim.domain.changes import ChangeFeed
from vtasksim.domain.clock import Clock, Scheduled
from vtasksim.domain.faults import InvalidArgument, InvalidLogin, NotAuthenticated
from vtasksim.domain.managed_object import ManagedObject
from vtasksim.domain.vmodl import MoRef, VimData

SESSION_MANAGER = MoRef("SessionManager", "SessionManager")
#: What an unknown user's password is compared with (no password equals it: it is not text one can send).
_NO_PASSWORD = "\x00no user\x00"
DEFAULT_LOCALE = "en"


@dataclass(slots=True)
class UserSession(VimData):
    vim_type: ClassVar[str] = "UserSession"
    key: str
    userName: str
    fullName: str
    loginTime: datetime
    lastActiveTime: datetime
    locale: str
    messageLocale: str
    extensionSession: bool | None = False
    ipAddress: str | None = None
    userAgent: str | None = None
    callCount: int | None = 0


@dataclass(slots=True)
class Session:
    """A logged-in client: its UserSession as vim shows it, and the user behind it."""

    info: UserSession
    user: User
    #: What the session owns and loses when it ends (property filters, collectors …).
    owned: list[Any] = field(default_factory=list)

    @property
    def key(self) -> str:
        return self.info.key


class SessionManager(ManagedObject):
    vim_type = "SessionManager"
    vim_properties = ("sessionList", "currentSession", "message", "messageLocaleList", "supportedLocaleList", "defaultLocale")

    def __init__(self, clock: Clock, users: list[User] | None, idle_timeout: float, changes: ChangeFeed | None = None) -> None:
        super().__init__(SESSION_MANAGER, changes)
        self._clock = clock
        self._users = None if users is None else {user.name: user for user in users}
        self.idle_timeout = idle_timeout
        self._sessions: dict[str, Session] = {}
        self._sweep: Scheduled | None = None
        self.message: str | None = None
        self.defaultLocale = DEFAULT_LOCALE
        self.messageLocaleList = [DEFAULT_LOCALE]
        self.supportedLocaleList = [DEFAULT_LOCALE]

    # Properties that depend on who asks

    @property
    def sessionList(self) -> list[UserSession]:
        return [session.info for session in self._live_sessions()]

    @property
    def currentSession(self) -> None:
        return None  # only a caller has one: see read_property

    def read_property(self, path: str, session: Session | None = None) -> Any:
        if path.split(".", 1)[0] == "currentSession":
            value = super().read_property(path)  # validates the path
            return _descend(session.info, path) if session is not None else value
        return super().read_property(path, session)

    # Login, Logout, SessionIsActive

    def login(self, user_name: str, password: str, locale: str | None = None, ip_address: str | None = None, user_agent: str | None = None) -> Session:
        user = self._authenticate_user(user_name, password)
        now = self._clock.now()
        info = UserSession(
            key=secrets.token_hex(20), userName=user.name, fullName=user.name, loginTime=now,
            lastActiveTime=now, locale=locale or DEFAULT_LOCALE, messageLocale=locale or DEFAULT_LOCALE,
            ipAddress=ip_address, userAgent=user_agent,
        )  # fmt: skip
        session = Session(info, user)
        self._sessions[info.key] = session
        self._changed("sessionList")
        self._schedule_sweep()
        return session

    def logout(self, session: Session) -> None:
        self._end(session)

    def session_is_active(self, session_id: str, user_name: str) -> bool:
        other = self._sessions.get(session_id)
        return other is not None and not self._expired(other) and other.info.userName == user_name

    # Sessions behind cookies

    def authenticate(self, key: str | None, target: MoRef, privilege: str | None) -> Session:
        """The live session with this key, marked active; NotAuthenticated when there is none."""
        session = self._sessions.get(key) if key else None
        if session is not None:
            now = self._clock.now()
            info = session.info
            if (now - info.lastActiveTime).total_seconds() <= self.idle_timeout:
                info.lastActiveTime = now
                info.callCount = (info.callCount or 0) + 1
                return session
            self._end(session)  # expired
        raise NotAuthenticated("The session is not authenticated.", object=target, privilegeId=privilege)

    @property
    def users(self) -> list[User] | None:
        """The fixture's users; None when anyone may log in (as an Admin)."""
        return None if self._users is None else list(self._users.values())

    def update_service_message(self, message: str) -> None:
        """UpdateServiceMessage: the message every client may show its user; empty clears it."""
        self.message = message or None
        self._changed("message")

    def privileges_of(self, user_name: str) -> list[str]:
        """FetchUserPrivilegeOnEntities: the privileges a user holds (every one the simulator knows, for an Admin)."""
        if self._users is None:
            return sorted(ALL_PRIVILEGES)
        user = self._users.get(user_name)
        if user is None:
            raise InvalidArgument("userName", f"A specified parameter was not correct: userName {user_name!r} is no user of this server.")
        return sorted(ALL_PRIVILEGES if user.privileges is None else user.privileges)

    def find(self, key: str | None) -> Session | None:
        session = self._sessions.get(key) if key else None
        return None if session is None or self._expired(session) else session

    def use(self, key: str | None) -> Session | None:
        """The live session with this key, if any, kept alive: any call with its cookie counts."""
        session = self.find(key)
        if session is not None:
            session.info.lastActiveTime = self._clock.now()
        return session

    def _authenticate_user(self, user_name: str, password: str) -> User:
        if self._users is None:
            return anyone(user_name)
        user = self._users.get(user_name)
        # Compared in constant time, and compared even for an unknown user: how long a refusal
        # takes tells nothing of the password, nor of which user names exist.
        known = user is not None and user.password is not None
        expected = (user.password if known else _NO_PASSWORD).encode("utf-8")  # type: ignore[union-attr]
        if not hmac.compare_digest(expected, password.encode("utf-8")) or not known:
            raise InvalidLogin("Cannot complete login due to an incorrect user name or password.")
        return user

    def _expired(self, session: Session) -> bool:
        idle = (self._clock.now() - session.info.lastActiveTime).total_seconds()
        return idle > self.idle_timeout

    def _schedule_sweep(self) -> None:
        """End idle sessions when they expire, not when next looked at: what a session owns (a
        WaitForUpdates held open, filters, collectors) goes with it on time."""
        if self._sweep is not None or not self._sessions:
            return
        now = self._clock.now()
        due = min((session.info.lastActiveTime - now).total_seconds() for session in self._sessions.values())
        self._sweep = self._clock.call_later(max(due + self.idle_timeout, 0.0) + 0.001, self._run_sweep)

    def _run_sweep(self) -> None:
        self._sweep = None
        self._live_sessions()
        self._schedule_sweep()

    def _live_sessions(self) -> list[Session]:
        for session in [s for s in self._sessions.values() if self._expired(s)]:
            self._end(session)
        return list(self._sessions.values())

    def _end(self, session: Session) -> None:
        if self._sessions.pop(session.key, None) is None:
            return
        for owned in reversed(session.owned):
            owned.session_ended(session)
        session.owned.clear()
        self._changed("sessionList")


def _descend(value: Any, path: str) -> Any:
    for part in path.split(".")[1:]:
        if value is None:
            return None
        value = getattr(value, part)
    return value


#: What a client may do before it logs in (vCenter: connect, read the ServiceContent, log in).
SESSIONLESS_METHODS = frozenset({("ServiceInstance", "RetrieveServiceContent"), ("SessionManager", "Login")})
#: pyVim's session-oriented stub reads currentSession to learn whether it must log in.
SESSIONLESS_PROPERTIES = frozenset({("ServiceInstance", "content"), ("SessionManager", "currentSession")})


def needs_session(managed_type: str, method: str, prop: str | None = None) -> bool:
    if (managed_type, method) in SESSIONLESS_METHODS:
        return False
    return prop is None or (managed_type, prop.split(".", 1)[0]) not in SESSIONLESS_PROPERTIES
