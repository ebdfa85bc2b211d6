"""One copy of the equal, never-changed values that every task would otherwise hold its own of.

A server making 100,000 tasks of one type for one user holds the same task type string, the same
"Task: …" message and the same TaskReasonUser 100,000 times unless they are shared. A
:class:`SharedValues` hands out one value per key; it stops remembering new keys at its limit
(a client making a task type per call must not grow it without bound), so past that a value is
made afresh, as it would have been without sharing.
"""

from __future__ import annotations

from typing import Callable, Generic, Hashable, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

DEFAULT_LIMIT = 4096


class SharedValues(Generic[K, V]):
    """``make(key)`` once per key: the values handed out must never be changed in place."""

    __slots__ = ("_make", "_values", "_limit")

    def __init__(self, make: Callable[[K], V], limit: int = DEFAULT_LIMIT) -> None:
        self._make = make
        self._values: dict[K, V] = {}
        self._limit = limit

    def __call__(self, key: K) -> V:
        value = self._values.get(key)
        if value is None:
            value = self._make(key)
            if len(self._values) < self._limit:
                self._values[key] = value
        return value

    def __len__(self) -> int:
        return len(self._values)


def same_text(text: str) -> str:
    return text


#: Task type ids (``descriptionId``) and user names: the strings every task of a kind repeats.
shared_text: SharedValues[str, str] = SharedValues(same_text)
