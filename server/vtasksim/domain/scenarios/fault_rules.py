"""Fault rules: answer a matching vim call with a fault, late, or not at all.

A rule matches a call by method, the type and value of ``_this``, and the session's user (each
left out matches anything). A matching call first counts against ``skip`` (the first N matches
go through), then fires with ``probability``, at most ``max_count`` times. A rule that fires
raises its fault instead of running the method, and/or holds the answer back ``delay`` seconds,
or drops the connection. Rules are tried in order and the first that fires wins; rules are plain data, listed with how
often each matched and fired.

Matching happens where a call knows its method, ``_this`` and user: the wire's ``Call.target``,
after the session is known and before the method runs. With no rules the check is one
attribute read per call.

Randomness is seeded per rule (its ``seed``, else its id), so a run with ``probability: 0.3``
fails the same calls every time.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass, field
from typing import Any

from vtasksim.domain.faults import MethodFault
from vtasksim.domain.vmodl import MoRef


class InjectedFault(MethodFault):
    """A fault a rule raises: any vim fault type, with the fields the rule gives it."""

    def __init__(self, vim_type: str, message: str, properties: dict[str, Any]) -> None:
        super().__init__(message, **properties)
        self.vim_type = vim_type  # type: ignore[misc]  # the instance's own, not the class's


class DroppedCall(MethodFault):
    """Stops the method of a call whose connection a rule drops; no client ever sees it."""

    vim_type = "SystemError"


@dataclass
class FaultRule:
    method: str | None = None
    object_type: str | None = None
    moref: MoRef | None = None
    user: str | None = None
    probability: float = 1.0
    skip: int = 0
    max_count: int | None = None
    #: The vim fault's type, message and fields; None: the call runs (delayed) or is dropped.
    fault: tuple[str, str, dict[str, Any]] | None = None
    delay: float = 0.0
    drop: bool = False
    seed: int | None = None
    #: Where the rule came from: ``fixture`` or ``control API``.
    origin: str = "fixture"
    id: int = 0
    matched: int = 0
    fired: int = 0
    _random: random.Random = field(default_factory=random.Random, repr=False)

    def __post_init__(self) -> None:
        if not 0.0 <= self.probability <= 1.0:
            raise ValueError("probability must be 0 to 1")
        if self.skip < 0 or (self.max_count is not None and self.max_count < 0) or self.delay < 0:
            raise ValueError("skip, maxCount and delay must not be negative")
        if self.fault is not None and self.drop:
            raise ValueError("a rule answers with a fault or drops the connection, not both")
        if self.fault is None and not self.drop and self.delay == 0:
            raise ValueError("a rule needs a fault, a delay or drop: true")

    def matches(self, method: str, ref: MoRef, user: str | None) -> bool:
        return (
            (self.method is None or self.method == method)
            and (self.object_type is None or self.object_type == ref.type)
            and (self.moref is None or self.moref == ref)
            and (self.user is None or self.user == user)
        )

    def fires(self) -> bool:
        """Count a matching call; whether the rule answers it."""
        self.matched += 1
        if self.matched <= self.skip:
            return False
        if self.max_count is not None and self.fired >= self.max_count:
            return False
        if self.probability < 1.0 and self._random.random() >= self.probability:
            return False
        self.fired += 1
        return True

    def raise_for(self, method: str, ref: MoRef) -> None:
        """Raise what the rule answers instead of running the method (nothing for a delay alone)."""
        if self.fault is not None:
            vim_type, message, properties = self.fault
            raise InjectedFault(vim_type, message or f"{vim_type} (vtasksim fault rule {self.id} on {method} {ref})", properties)
        if self.drop:
            raise DroppedCall(f"connection dropped by vtasksim fault rule {self.id}")


class FaultRules:
    def __init__(self) -> None:
        self.rules: list[FaultRule] = []
        self._ids = itertools.count(1)

    def add(self, rule: FaultRule) -> FaultRule:
        rule.id = next(self._ids)
        rule._random.seed(rule.seed if rule.seed is not None else rule.id)
        self.rules.append(rule)
        return rule

    def remove(self, rule_id: int) -> bool:
        before = len(self.rules)
        self.rules = [rule for rule in self.rules if rule.id != rule_id]
        return len(self.rules) != before

    def clear(self) -> None:
        self.rules = []

    def check(self, method: str, ref: MoRef, user: str | None) -> FaultRule | None:
        """Rules are tried in order; the first that fires answers (those after it never see the call)."""
        for rule in self.rules:
            if rule.matches(method, ref, user) and rule.fires():
                return rule
        return None
