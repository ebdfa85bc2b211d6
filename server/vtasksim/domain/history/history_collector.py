"""vim.HistoryCollector: a filtered, append-mostly view of history, read page by page.

The items a collector holds are those of its history that match its filter, ordered by creation
time. Two views of them:

- the "viewable latest page": the newest ``pageSize`` items (10 unless SetCollectorPageSize
  says otherwise), the ``latestPage`` property a PropertyCollector can watch; it changes as
  matching items are created or change;
- the "scrollable view": a position between two items. A new collector is rewound (before the
  oldest item); ReadNext reads towards the newest and moves past what it read, ReadPrevious
  reads towards the oldest (newest first) and moves before what it read; each returns nothing at
  its end. RewindCollector goes back before the oldest item, ResetCollector to just before the
  latest page, so that ReadPrevious then reads what the page does not show.

A collector belongs to the session that created it: other sessions cannot see it, and it is
destroyed when that session ends.
"""

from __future__ import annotations

import bisect
import itertools
from typing import TYPE_CHECKING, Any, Callable, ClassVar, Generic, Iterable, TypeVar

from vtasksim.domain.faults import InvalidArgument, InvalidState
from vtasksim.domain.managed_object import ManagedObject
from vtasksim.domain.vmodl import MoRef

if TYPE_CHECKING:
    from vtasksim.domain.changes import ChangeFeed
    from vtasksim.domain.registry import Registry
    from vtasksim.domain.session_manager import Session

Item = TypeVar("Item")
#: Orders items by creation: (creation time, creation number).
SortKey = tuple[Any, int]

DEFAULT_PAGE_SIZE = 10
#: The largest latest page a collector keeps (vCenter's limit).
MAX_PAGE_SIZE = 1000


def check_page_size(count: int, argument: str = "maxCount") -> int:
    if not 0 <= count <= MAX_PAGE_SIZE:
        raise InvalidArgument(argument, f"A specified parameter was not correct: {argument} {count} is out of range 0 to {MAX_PAGE_SIZE}.")
    return count


def _check_read_count(count: int) -> int:
    if count <= 0:
        raise InvalidArgument("maxCount", f"A specified parameter was not correct: maxCount {count} must be positive.")
    return count


class HistoryCollector(ManagedObject, Generic[Item]):
    """The machinery shared by task and event history collectors.

    Subclasses say which items match the filter (:meth:`matches`) and what an item looks like
    to a client (:meth:`value_of`). The history that owns the collector tells it about items
    created or changed (:meth:`offer`) and removed (:meth:`forget`).
    """

    vim_type: ClassVar[str] = "HistoryCollector"
    vim_properties: ClassVar[tuple[str, ...]] = ("filter", "latestPage")

    def __init__(
        self, ref: MoRef, filter: Any, owner: "Session", page_size: int, release: Callable[["HistoryCollector"], None]
    ) -> None:
        super().__init__(ref)
        self.filter = filter
        self.owner = owner
        self._page_size = page_size
        self._release = release
        self._keys: list[SortKey] = []
        self._items: dict[SortKey, Item] = {}
        self._position = 0  # rewound: before the oldest item
        self._destroyed = False

    # What subclasses say

    def matches(self, item: Item) -> bool:
        raise NotImplementedError

    def value_of(self, item: Item) -> Any:
        raise NotImplementedError

    # latestPage

    @property
    def latestPage(self) -> list[Any]:
        """The newest items, newest first (vim leaves the page's order open; vCenter's is this)."""
        return [self.value_of(self._items[key]) for key in reversed(self._keys[self._page_start():])]

    @property
    def page_size(self) -> int:
        return self._page_size

    def _page_start(self) -> int:
        return max(len(self._keys) - self._page_size, 0)

    # The history's side

    def fill(self, entries: Iterable[tuple[SortKey, Item]]) -> None:
        """Take the matching items of the history there is when the collector is created."""
        matching = [(key, item) for key, item in entries if self.matches(item)]
        matching.sort(key=lambda entry: entry[0])
        self._keys = [key for key, _ in matching]
        self._items = dict(matching)

    def offer(self, key: SortKey, item: Item) -> None:
        """An item was created or changed: it joins, stays or leaves as the filter now says."""
        held = key in self._items
        if self.matches(item):
            if not held:
                self._insert(key, item)
            elif bisect.bisect_left(self._keys, key) >= self._page_start():
                self._changed("latestPage")
        elif held:
            self.forget(key)

    def forget(self, key: SortKey) -> None:
        """An item left the history (or no longer matches)."""
        if self._items.pop(key, None) is None:
            return
        index = bisect.bisect_left(self._keys, key)
        in_page = index >= self._page_start()
        del self._keys[index]
        if index < self._position:
            self._position -= 1
        if in_page:
            self._changed("latestPage")

    def _insert(self, key: SortKey, item: Item) -> None:
        index = bisect.bisect_right(self._keys, key)
        self._keys.insert(index, key)
        self._items[key] = item
        if index < self._position:
            self._position += 1  # an older item: the scrollable view stays where it was
        if index >= self._page_start():
            self._changed("latestPage")

    # SetCollectorPageSize, RewindCollector, ResetCollector, DestroyCollector

    def set_page_size(self, max_count: int) -> None:
        self._page_size = check_page_size(max_count)
        self._changed("latestPage")

    def rewind(self) -> None:
        """Moves the scrollable view to the oldest item."""
        self._position = 0

    def reset(self) -> None:
        """Moves the scrollable view to just before the latest page."""
        self._position = self._page_start()

    def destroy(self) -> None:
        if self._destroyed:
            return
        self._destroyed = True
        self._release(self)

    def session_ended(self, session: "Session") -> None:
        self.destroy()

    def visible_to(self, session: Any) -> bool:
        return session is self.owner

    # ReadNext…, ReadPrevious…

    def read_next(self, max_count: int) -> list[Any]:
        """Up to ``max_count`` items after the position, oldest first; the position moves past them."""
        start = self._position
        end = min(start + _check_read_count(max_count), len(self._keys))
        self._position = end
        return [self.value_of(self._items[key]) for key in self._keys[start:end]]

    def read_previous(self, max_count: int) -> list[Any]:
        """Up to ``max_count`` items before the position, newest first; the position moves before them."""
        end = self._position
        start = max(end - _check_read_count(max_count), 0)
        self._position = start
        return [self.value_of(self._items[key]) for key in reversed(self._keys[start:end])]


class Collectors(Generic[Item]):
    """The live collectors of one kind: each session within its limit, each told about every item."""

    def __init__(self, type_name: str, registry: "Registry", changes: "ChangeFeed", max_per_session: Callable[[], int]) -> None:
        self._type_name = type_name
        self._registry = registry
        self._changes = changes
        self._max_per_session = max_per_session
        self._live: list[HistoryCollector[Item]] = []
        self._numbers = itertools.count(1)

    def new_ref(self, session: "Session") -> MoRef:
        """A MoRef for the session's next collector; InvalidState when it already has its maximum."""
        limit = self._max_per_session()
        if sum(1 for collector in self._live if collector.owner is session) >= limit:
            raise InvalidState(
                f"The operation is not allowed in the current state: this session already has {limit} "
                f"{self._type_name}s, the most it may have at once (maxCollector); destroy one first."
            )
        return MoRef(self._type_name, f"session[{session.key[:8]}]{self._type_name[0].lower()}{self._type_name[1:]}-{next(self._numbers)}")

    def add(self, collector: HistoryCollector[Item]) -> None:
        collector.attach(self._changes)
        self._registry.add(collector)
        collector.owner.owned.append(collector)
        self._live.append(collector)

    def release(self, collector: HistoryCollector[Item]) -> None:
        """DestroyCollector, or the session ended: the collector goes, and watching filters see it leave."""
        if collector in self._live:
            self._live.remove(collector)
        if collector in collector.owner.owned:
            collector.owner.owned.remove(collector)
        self._registry.remove(collector.ref)
        self._changes.publish(collector.ref, ())

    def offer(self, key: SortKey, item: Item) -> None:
        for collector in self._live:
            collector.offer(key, item)

    def forget(self, key: SortKey) -> None:
        for collector in self._live:
            collector.forget(key)

    def __len__(self) -> int:
        return len(self._live)
