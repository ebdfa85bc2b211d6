"""vim.option.OptionManager: the vCenter settings at ``ServiceContent.setting`` (VpxSettings).

The simulator's settings that vCenter also has are here under vCenter's keys: how long tasks
and events are kept (``task.maxAge`` / ``event.maxAge`` in days, with ``…maxAgeEnabled``),
``VirtualCenter.InstanceName`` and ``instance.id``. Changing one with UpdateOptions takes
effect at once (a shorter ``task.maxAge`` lets older tasks go).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, ClassVar

from vtasksim.domain.faults import InvalidArgument, InvalidName
from vtasksim.domain.managed_object import ManagedObject
from vtasksim.domain.vmodl import ElementDescription
from vtasksim.domain.vmodl import MoRef, TypedValue, VimData

SETTING = MoRef("OptionManager", "VpxSettings")

_INTEGER_TYPES = ("xsd:int", "xsd:long", "xsd:short", "xsd:byte")


@dataclass(slots=True)
class OptionValue(VimData):
    vim_type: ClassVar[str] = "OptionValue"
    key: str
    value: Any = None


@dataclass(slots=True)
class OptionType(VimData):
    vim_type: ClassVar[str] = "OptionType"
    valueIsReadonly: bool | None = None

    def accepts(self, value: Any) -> Any:
        """The value as this type holds it; ValueError (saying why) when it does not fit."""
        raise NotImplementedError


@dataclass(slots=True)
class IntOption(OptionType):
    vim_type: ClassVar[str] = "IntOption"
    min: int = 0
    max: int = 2**31 - 1
    defaultValue: int = 0

    def accepts(self, value: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError("must be an integer")
        if not self.min <= value <= self.max:
            raise ValueError(f"must be {self.min} to {self.max}")
        return value


@dataclass(slots=True)
class BoolOption(OptionType):
    vim_type: ClassVar[str] = "BoolOption"
    supported: bool = True
    defaultValue: bool = False

    def accepts(self, value: Any) -> Any:
        if not isinstance(value, bool):
            raise ValueError("must be true or false")
        return value


@dataclass(slots=True)
class StringOption(OptionType):
    vim_type: ClassVar[str] = "StringOption"
    defaultValue: str = ""
    validCharacters: str | None = None

    def accepts(self, value: Any) -> Any:
        if not isinstance(value, str):
            raise ValueError("must be a string")
        return value


@dataclass(slots=True)
class OptionDef(ElementDescription):
    vim_type: ClassVar[str] = "OptionDef"
    optionType: OptionType = field(default_factory=OptionType)


@dataclass(slots=True)
class Option:
    """One setting: what supportedOption says of it, its value, and what changing it does."""

    definition: OptionDef
    value: Any
    apply: Callable[[Any], None] | None = None


class OptionManager(ManagedObject):
    vim_type = "OptionManager"
    vim_properties = ("supportedOption", "setting")

    def __init__(self, ref: MoRef, options: list[Option]) -> None:
        super().__init__(ref)
        self._options = {option.definition.key: option for option in options}

    @property
    def supportedOption(self) -> list[OptionDef]:
        return [option.definition for option in self._options.values()]

    @property
    def setting(self) -> list[OptionValue]:
        return [OptionValue(key, option.value) for key, option in self._options.items()]

    def value(self, key: str) -> Any:
        return self._options[key].value

    # QueryOptions, UpdateOptions

    def query_options(self, name: str | None) -> list[OptionValue]:
        """Every setting; the one named; or, for a name ending in a dot, those under it. InvalidName otherwise."""
        if not name:
            return self.setting
        if name.endswith("."):
            found = [value for value in self.setting if value.key.startswith(name)]
        else:
            found = [value for value in self.setting if value.key == name]
        if not found:
            raise InvalidName(name, f"The name {name!r} is not a setting of this server.")
        return found

    def update_options(self, changed: list[OptionValue]) -> None:
        """Every value is checked before any is applied: one bad value changes nothing."""
        accepted = [(self._option(value.key), self._accepted(index, value)) for index, value in enumerate(changed)]
        for option, value in accepted:
            option.value = value
            if option.apply is not None:
                option.apply(value)
        if accepted:
            self._changed("setting")

    def _option(self, key: str) -> Option:
        option = self._options.get(key)
        if option is None:
            raise InvalidName(key, f"The name {key!r} is not a setting of this server.")
        return option

    def _accepted(self, index: int, changed: OptionValue) -> Any:
        option = self._option(changed.key)
        option_type = option.definition.optionType
        path = f"changedValue[{index}].value"
        if option_type.valueIsReadonly:
            raise InvalidArgument(path, f"A specified parameter was not correct: {changed.key} is read-only.")
        try:
            return option_type.accepts(_plain(changed.value))
        except ValueError as why:
            raise InvalidArgument(path, f"A specified parameter was not correct: {changed.key} {why}.") from None


def _plain(value: Any) -> Any:
    """A value as sent: pyVmomi sends a Python int as xsd:long, govc as xsd:int; both are integers."""
    if isinstance(value, TypedValue):
        if value.type in _INTEGER_TYPES or value.type in ("xsd:boolean", "xsd:string"):
            return value.value
        return object()  # a value of another type fits no option
    return value


def int_option(key: str, label: str, summary: str, value: int, low: int, high: int, apply: Callable[[Any], None] | None = None) -> Option:
    return Option(OptionDef(label, summary, key, IntOption(valueIsReadonly=False, min=low, max=high, defaultValue=value)), value, apply)


def bool_option(key: str, label: str, summary: str, value: bool, apply: Callable[[Any], None] | None = None) -> Option:
    return Option(OptionDef(label, summary, key, BoolOption(valueIsReadonly=False, supported=True, defaultValue=value)), value, apply)


def string_option(key: str, label: str, summary: str, value: str, apply: Callable[[Any], None] | None = None) -> Option:
    return Option(OptionDef(label, summary, key, StringOption(valueIsReadonly=False, defaultValue=value)), value, apply)
