"""Who changed what: the feed property collectors (and later a live view) listen to."""

from __future__ import annotations

from typing import Callable, Iterable

from vtasksim.domain.vmodl import MoRef

ChangeListener = Callable[[MoRef, tuple[str, ...]], None]


class ChangeFeed:
    def __init__(self) -> None:
        self._listeners: list[ChangeListener] = []

    def subscribe(self, listener: ChangeListener) -> None:
        self._listeners.append(listener)

    def unsubscribe(self, listener: ChangeListener) -> None:
        self._listeners.remove(listener)

    def publish(self, ref: MoRef, paths: Iterable[str]) -> None:
        """Tell every listener that these property paths of ``ref`` changed."""
        changed = tuple(paths)
        for listener in list(self._listeners):
            listener(ref, changed)
