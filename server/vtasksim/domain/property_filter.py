"""vmodl.query.PropertyFilter: what one client watches, and what it has been told so far.

A filter remembers, per object, the values it last reported; an update is the difference
between that and now: ``enter`` for an object new to the filter, ``modify`` for changed values,
``leave`` for an object gone. With ``partialUpdates`` a change inside a data object is reported
one level down (``info.state``, ``info.progress``), as vCenter does; without, the whole value
(``info``) comes again.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any, Iterable

from vtasksim.domain.managed_object import ManagedObject
from vtasksim.domain.query import ObjectUpdate, PropertyChange, PropertyFilterSpec
from vtasksim.domain.vmodl import MoRef, VimData

if TYPE_CHECKING:
    from vtasksim.domain.property_collector import PropertyCollector
    from vtasksim.domain.session_manager import Session


Snapshot = dict[str, Any]


class PropertyFilter(ManagedObject):
    vim_type = "PropertyFilter"
    vim_properties = ("spec", "partialUpdates")

    def __init__(
        self, ref: MoRef, collector: "PropertyCollector", spec: "PropertyFilterSpec", partial_updates: bool, session: "Session"
    ) -> None:
        super().__init__(ref)
        self.collector = collector
        self.spec = spec
        self.partialUpdates = partial_updates
        self.session = session
        self._reported: dict[MoRef, Snapshot] = {}

    def watches(self, ref: MoRef) -> bool:
        """Whether a change of ``ref`` may change what this filter reports."""
        if ref in self._reported:
            return True
        return any(spec.obj == ref or spec.selectSet for spec in self.spec.objectSet)

    def visible_to(self, session: "Session | None") -> bool:
        return session is self.session

    def reported_state(self) -> dict[MoRef, Snapshot]:
        return dict(self._reported)

    def restore(self, reported: dict[MoRef, Snapshot]) -> None:
        """Go back to what was reported as of an earlier version ({}: report everything again)."""
        self._reported = dict(reported)

    def pending(self, now: dict[MoRef, Snapshot]) -> list[tuple[ObjectUpdate, MoRef, Snapshot | None]]:
        """What changed since the last report: each update with the snapshot it reports."""
        updates = []
        for ref, values in now.items():
            before = self._reported.get(ref)
            if before is None:
                changes = [PropertyChange(path, "assign", value) for path, value in values.items()]
                updates.append((ObjectUpdate("enter", ref, changes), ref, values))
            else:
                changes = list(_changes(before, values, self.partialUpdates))
                if changes:
                    updates.append((ObjectUpdate("modify", ref, changes), ref, values))
        for ref in self._reported.keys() - now.keys():
            updates.append((ObjectUpdate("leave", ref), ref, None))
        return updates

    def mark_reported(self, ref: MoRef, snapshot: Snapshot | None) -> None:
        if snapshot is None:
            self._reported.pop(ref, None)
        else:
            self._reported[ref] = snapshot


def snapshot(values: Iterable[tuple[str, Any]]) -> Snapshot:
    """Values copied, so that later changes of the live objects show up as differences."""
    return {path: copy.deepcopy(value) for path, value in values}


def _changes(before: Snapshot, after: Snapshot, partial: bool) -> Iterable[PropertyChange]:
    for path in after.keys() | before.keys():
        old, new = before.get(path), after.get(path)
        if old == new:
            continue
        if partial and _same_data_type(old, new):
            yield from _field_changes(path, old, new)
        elif new is None:
            yield PropertyChange(path, "remove")
        else:
            yield PropertyChange(path, "assign", new)


def _same_data_type(old: Any, new: Any) -> bool:
    return isinstance(old, VimData) and type(old) is type(new)


def _field_changes(path: str, old: VimData, new: VimData) -> Iterable[PropertyChange]:
    old_fields = dict(old.vim_properties())
    for name, value in new.vim_properties():
        if old_fields.get(name) != value:
            yield PropertyChange(f"{path}.{name}", "assign", None if value == [] else value)
