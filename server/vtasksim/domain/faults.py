"""Vim faults as exceptions: what a domain method raises, the wire layer sends as a SOAP fault.

Each exception carries its vim type name, a message for people (the SOAP ``faultstring``) and the
fault's own properties, in schema order: one class per fault the simulator raises itself. A fault
stored as data (``TaskInfo.error``) is a :class:`~vtasksim.domain.vmodl.DataObject`;
``fault.as_data()`` turns an exception into one.
"""

from __future__ import annotations

from typing import Any, ClassVar

from vtasksim.domain.vmodl import DataObject, MoRef


class MethodFault(Exception):
    """vmodl.MethodFault, the root of every vim fault."""

    vim_type: ClassVar[str] = "MethodFault"

    def __init__(self, message: str, **properties: Any) -> None:
        super().__init__(message)
        self.message = message
        self.properties = {name: value for name, value in properties.items() if value is not None}

    def as_data(self) -> DataObject:
        return DataObject(self.vim_type, dict(self.properties))


# vmodl.RuntimeFault and its subtypes: faults any method may raise.


class RuntimeFault(MethodFault):
    vim_type = "RuntimeFault"


class NotSupported(RuntimeFault):
    vim_type = "NotSupported"


class RequestCanceled(RuntimeFault):
    vim_type = "RequestCanceled"


class InvalidRequest(RuntimeFault):
    vim_type = "InvalidRequest"


class MethodNotFound(InvalidRequest):
    vim_type = "MethodNotFound"

    def __init__(self, receiver: MoRef, method: str, message: str | None = None) -> None:
        super().__init__(
            message or f"The method {method} is not available on {receiver.type} {receiver.value!r}.",
            receiver=receiver,
            method=method,
        )


class InvalidArgument(RuntimeFault):
    vim_type = "InvalidArgument"

    def __init__(self, invalid_property: str, message: str | None = None) -> None:
        super().__init__(
            message or f"A specified parameter was not correct: {invalid_property}",
            invalidProperty=invalid_property,
        )


class ManagedObjectNotFound(RuntimeFault):
    vim_type = "ManagedObjectNotFound"

    def __init__(self, obj: MoRef) -> None:
        super().__init__(
            f"The object 'vim.{obj.type}:{obj.value}' has already been deleted "
            "or has not been completely created",
            obj=obj,
        )


class SecurityError(RuntimeFault):
    vim_type = "SecurityError"


class NoPermission(SecurityError):
    """vim.fault.NoPermission: ``object`` and ``privilegeId`` say what was denied where."""

    vim_type = "NoPermission"

    def __init__(self, message: str, object: MoRef | None = None, privilegeId: str | None = None) -> None:
        super().__init__(message, object=object, privilegeId=privilegeId)


class NotAuthenticated(NoPermission):
    vim_type = "NotAuthenticated"


# vim.fault.VimFault and its subtypes: faults a method declares.


class VimFault(MethodFault):
    vim_type = "VimFault"


class InvalidState(VimFault):
    vim_type = "InvalidState"


class InvalidName(VimFault):
    """vim.fault.InvalidName: a name (an option key …) the server does not know."""

    vim_type = "InvalidName"

    def __init__(self, name: str, message: str | None = None, entity: MoRef | None = None) -> None:
        super().__init__(message or f"The name {name!r} is not valid.", name=name, entity=entity)


class InvalidLogin(VimFault):
    vim_type = "InvalidLogin"


class InvalidCollectorVersion(MethodFault):
    """vmodl.query.InvalidCollectorVersion: a WaitForUpdates version that is not the latest."""

    vim_type = "InvalidCollectorVersion"


class OutOfBounds(VimFault):
    vim_type = "OutOfBounds"

    def __init__(self, argument_name: str, message: str) -> None:
        super().__init__(message, argumentName=argument_name)


class InvalidProperty(MethodFault):
    """vmodl.query.InvalidProperty: a property path the object does not have."""

    vim_type = "InvalidProperty"

    def __init__(self, name: str, message: str | None = None) -> None:
        super().__init__(message or f"Property {name!r} is not valid for this object.", name=name)


class DuplicateName(VimFault):
    """A custom field (or other named object) of that name exists already."""

    vim_type = "DuplicateName"

    def __init__(self, name: str, obj: MoRef, message: str | None = None) -> None:
        super().__init__(message or f"The name '{name}' already exists.", name=name, object=obj)
