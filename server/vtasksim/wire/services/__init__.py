"""One Spyne service per managed-object type, as govmomi's simulator has one file per type.

A vim method here only turns wire arguments into domain values, calls the domain method of the
same name, and writes the reply; the rules live in ``vtasksim.domain``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, cached_property, lru_cache
from typing import Any, Callable, TypeVar

from spyne import ServiceBase, rpc

from vtasksim.domain.faults import InvalidArgument, ManagedObjectNotFound, MethodNotFound
from vtasksim.domain.managed_object import ManagedObject
from vtasksim.domain.scenarios.fault_rules import FaultRule
from vtasksim.domain.session_manager import Session, needs_session
from vtasksim.domain.simulator import Simulator
from vtasksim.domain.typesystem import MethodInfo, TypeSystem, vim_types
from vtasksim.domain.vmodl import MoRef
from vtasksim.wire.cookies import session_key, set_cookie_value
from vtasksim.wire.decoding import Vim25Reader
from vtasksim.wire.encoding import ANY_TYPE, Vim25Writer
from vtasksim.wire.envelope import response_body
from vtasksim.wire.modelled import MODELLED_TYPES
from vtasksim.wire.models import VimXml
from vtasksim.wire.protocol import api_version
from vtasksim.wire.written_infos import written_task_infos

T = TypeVar("T", bound=ManagedObject)


def vim_method(*arguments: Any) -> Callable:
    """Declare a vim method: its arguments in order, ``_this`` first.

    The function is named as the vim method; it takes ``this`` where the wire says ``_this``, and
    every other argument under its vim name.
    """

    def declare(function: Callable) -> Callable:
        return rpc(
            *arguments,
            _in_arg_names={"this": "_this"},
            _returns=VimXml,
            _in_message_name=function.__name__,
            _out_message_name=f"{function.__name__}Response",
        )(function)

    return declare


@dataclass
class Call:
    """One vim method call: the simulator, the client's API version, the method's name, the
    HTTP request it came in (its session cookie, its peer)."""

    simulator: Simulator
    version: str
    method: str
    request: Any = None
    session: Session | None = None
    #: The fault rule that answered this call, if one did.
    injected: FaultRule | None = None

    @cached_property
    def types(self) -> TypeSystem:
        return vim_types()

    @cached_property
    def writer(self) -> Vim25Writer:
        """The version's writer, reusing the TaskInfos it wrote of the simulator's tasks that have not changed since."""
        return written_task_infos(self.simulator).writer(self.types, self.version)

    @property
    def reader(self) -> Vim25Reader:
        return reader_for(self.types, self.simulator.settings.max_array_items)

    def target(self, this: MoRef | None, kind: type[T], prop: str | None = None, privilege_on: MoRef | None = None) -> T:
        """The managed object of type ``kind`` that ``_this`` names, once the caller may call the
        method on it.

        In vCenter's order: MethodNotFound when ``_this`` is of another type than the method's,
        or the client's API version predates the method; NotAuthenticated without a live
        session; ManagedObjectNotFound when no such object exists; NoPermission when the
        session's user lacks the method's privilege (on ``privilege_on``, by default ``_this``).
        ``prop``: the property a Fetch reads (a few need no session).
        """
        ref = self.moref(this, "_this")
        info = self.check_method(ref, kind.vim_type)
        sessions = self.simulator.session_manager
        if needs_session(ref.type, self.method, prop):
            self.session = sessions.authenticate(self.cookie_session_key(), ref, "System.View")
        else:
            self.session = sessions.use(self.cookie_session_key())
        if self.simulator.fault_rules.rules:
            self._inject(ref)
        obj = self.simulator.registry.get(ref, kind)
        if not obj.visible_to(self.session):
            raise ManagedObjectNotFound(ref)  # another session's filter or collector
        if self.session is not None and info is not None:
            self.simulator.authorization_manager.require(self.session, info.privilege, privilege_on or ref)
        return obj

    def visible(self, ref: MoRef, kind: type[T]) -> T:
        """An object an argument names (not ``_this``): ManagedObjectNotFound when there is none
        of that type, or when it is another session's (a view, a filter)."""
        obj = self.simulator.registry.get(ref, kind)
        if not obj.visible_to(self.session):
            raise ManagedObjectNotFound(ref)
        return obj

    def _inject(self, ref: MoRef) -> None:
        """A fault rule that fires answers instead of the method; the site honours its delay or drop."""
        user = self.session.info.userName if self.session is not None else None
        rule = self.simulator.fault_rules.check(self.method, ref, user)
        if rule is not None:
            self.injected = rule
            rule.raise_for(self.method, ref)

    @staticmethod
    def moref(value: MoRef | None, path: str) -> MoRef:
        if value is None:
            raise InvalidArgument(path, f"A specified parameter was not correct: {path} must name a managed object.")
        return value

    def cookie_session_key(self) -> str | None:
        return session_key(self.request.getHeader(b"Cookie")) if self.request is not None else None

    def set_session_cookie(self, key: str) -> None:
        if self.request is not None:
            self.request.setHeader(b"Set-Cookie", set_cookie_value(key, self.request.isSecure()).encode("latin-1"))

    def check_method(self, ref: MoRef, managed_type: str) -> MethodInfo | None:
        info, problem = method_check(self.types, ref.type, managed_type, self.method, self.version)
        if problem is _OTHER_TYPE:
            raise MethodNotFound(ref, self.method, f"{ref.type} {ref.value!r} has no method {self.method}; it is a method of {managed_type}.")
        if problem is _TOO_NEW:
            raise MethodNotFound(
                ref, self.method, f"{self.method} exists since vSphere API {info.since}; this request speaks {self.version}."  # type: ignore[union-attr]
            )
        return info

    def peer(self) -> tuple[str | None, str | None]:
        """The client's address and User-Agent, for its UserSession."""
        if self.request is None:
            return None, None
        agent = self.request.getHeader(b"User-Agent")
        return getattr(self.request.getClientAddress(), "host", None), agent.decode("latin-1") if agent else None

    def read(self, element: Any, declared: str, path: str) -> Any:
        return None if element is None else self.reader.read(element, declared, path)

    def read_shared(self, element: Any, declared: str, path: str) -> Any:
        """:meth:`read` for a value the method only reads, never keeps or changes: decoded once
        for every call that sends the same body (Vim25Reader.read_shared)."""
        return None if element is None else self.reader.read_shared(element, declared, path)

    def reply(self, returnval: Any = None, declared: str = ANY_TYPE) -> Any:
        return response_body(self.method, self.writer, returnval, declared)


#: Why a method may not be called on a type in a version (check_method's outcome).
_OTHER_TYPE, _TOO_NEW = "another type's method", "newer than the request"


@lru_cache(maxsize=1024)
def method_check(types: TypeSystem, ref_type: str, managed_type: str, method: str, version: str) -> tuple[MethodInfo | None, str | None]:
    """Whether ``method`` of ``managed_type`` may be called on a ``ref_type`` in API ``version``:
    its MethodInfo, and None or the reason it may not. It depends on the type table alone, so
    each combination is worked out once (the ``_this`` type comes from the client: the cache is bounded)."""
    if not types.is_managed_subtype(ref_type, managed_type):
        return None, _OTHER_TYPE
    info = types.method_of(ref_type, method) or types.method(managed_type, method)
    if info is not None and not types.at_least(version, info.since):
        return info, _TOO_NEW
    return info, None


@cache
def reader_for(types: TypeSystem, max_array_items: int | None = None) -> Vim25Reader:
    return Vim25Reader(types, MODELLED_TYPES, max_array_items)


def call_of(ctx: Any) -> Call:
    call = ctx.udc
    if call is None:
        request = getattr(ctx.transport, "req", None)
        call = ctx.udc = Call(ctx.app.simulator, api_version(ctx), ctx.descriptor.name, request)
    return call


class VimService(ServiceBase):
    """Base of the per-type services."""
