"""vmodl.query.PropertyCollector: reading properties of many objects, once or as they change.

``RetrieveProperties`` / ``RetrievePropertiesEx`` walk each ObjectSpec (and its TraversalSpecs)
and report, for every object whose type a PropertySpec names, the requested properties.
``CreateFilter`` + ``WaitForUpdates(Ex)`` report the changes since the version a client last
saw. Filters, versions and waits belong to a session: each session sees the shared collector
as its own, as on a vCenter.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator

from vtasksim.domain.changes import ChangeFeed
from vtasksim.domain.clock import Clock, Scheduled
from vtasksim.domain.faults import InvalidArgument, InvalidCollectorVersion, ManagedObjectNotFound, MethodFault, RequestCanceled
from vtasksim.domain.managed_object import ManagedObject
from vtasksim.domain.property_filter import PropertyFilter, Snapshot, snapshot
from vtasksim.domain.query import (
    DynamicProperty,
    ObjectContent,
    ObjectUpdate,
    PropertyFilterSpec,
    PropertyFilterUpdate,
    PropertySpec,
    RetrieveOptions,
    RetrieveResult,
    SelectionSpec,
    TraversalSpec,
    UpdateSet,
    WaitOptions,
)
from vtasksim.domain.property_types import typed_property
from vtasksim.domain.registry import Registry
from vtasksim.domain.typesystem import vim_types
from vtasksim.domain.vmodl import MoRef

if TYPE_CHECKING:
    from vtasksim.domain.session_manager import Session


#: How a waiting call is answered: an UpdateSet, None (nothing changed in time), or a fault.
Respond = Callable[["UpdateSet | None | MethodFault"], None]


@dataclass
class _Pages:
    """What RetrievePropertiesEx still owes a session, ``max_objects`` at a time."""

    session_key: str | None
    contents: list[ObjectContent]
    max_objects: int | None


def _session_key(session: "Session | None") -> str | None:
    return session.key if session is not None else None


@dataclass
class _Wait:
    respond: Respond
    timeout: Scheduled | None
    max_objects: int | None


#: How many past versions a session may go back to, to recover an answer it lost.
VERSIONS_KEPT = 3

FilterStates = dict[MoRef, dict[MoRef, Snapshot]]


@dataclass
class _SessionView:
    """One session's side of a collector: its filters, the versions it was given, its waiting call.

    ``history`` keeps what each filter had reported as of the last few versions: "a version may
    be passed more than once … to recover a change sequence after a transient failure". A
    truncated version is good only while it is the latest, and only for WaitForUpdatesEx.
    """

    session: "Session"
    filters: dict[MoRef, PropertyFilter] = field(default_factory=dict)
    versions: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    latest: str | None = None
    latest_truncated: bool = False
    history: dict[str, FilterStates] = field(default_factory=dict)
    wait: _Wait | None = None

    def record(self, version: str, truncated: bool) -> None:
        self.latest, self.latest_truncated = version, truncated
        if truncated:
            return
        self.history[version] = {ref: f.reported_state() for ref, f in self.filters.items()}
        for old in list(self.history)[:-VERSIONS_KEPT]:
            del self.history[old]


class PropertyCollector(ManagedObject):
    vim_type = "PropertyCollector"
    vim_properties = ("filter",)

    def __init__(self, ref: MoRef, registry: Registry, clock: Clock, changes: ChangeFeed, owner: "Session | None" = None) -> None:
        super().__init__(ref)
        self.owner = owner  # None: the shared collector of the ServiceContent
        self._registry = registry
        self._clock = clock
        self._changes = changes
        self._continuations: dict[str, _Pages] = {}
        self._tokens = itertools.count(1)
        self._views: dict[str, _SessionView] = {}
        self._filter_numbers = itertools.count(1)
        changes.subscribe(self._on_change)

    @property
    def filter(self) -> list[MoRef]:
        return []  # per session: see read_property

    def read_property(self, path: str, session: "Session | None" = None) -> Any:
        value = super().read_property(path, session)
        if path == "filter" and session is not None:
            return list(self._view(session).filters)
        return value

    # CreateFilter, DestroyPropertyFilter

    def create_filter(self, session: "Session", spec: "PropertyFilterSpec", partial_updates: bool) -> PropertyFilter:
        self._read_now(spec, session, creating=True)  # unknown objects and paths fail here, as on vCenter
        ref = MoRef("PropertyFilter", f"session[{session.key[:8]}]{self.ref.value}-filter-{next(self._filter_numbers)}")
        created = PropertyFilter(ref, self, spec, partial_updates, session)
        self._registry.add(created)
        self._view(session).filters[ref] = created
        return created

    def destroy_filter(self, session: "Session", ref: MoRef) -> None:
        view = self._views.get(session.key)
        if view is None or ref not in view.filters:
            raise ManagedObjectNotFound(ref)
        del view.filters[ref]
        self._remove(ref)

    # WaitForUpdates, WaitForUpdatesEx, CheckForUpdates, CancelWaitForUpdates

    def wait_for_updates(
        self, session: "Session", version: str | None, options: WaitOptions | None, respond: Respond, legacy: bool = False
    ) -> None:
        """Answer with the changes since ``version`` now, or once there are some.

        No version: everything, now. ``maxWaitSeconds`` 0 answers at once; a timeout answers
        None. A version this session was not recently given is InvalidCollectorVersion. A newer
        wait of the same session replaces this one, which then ends in RequestCanceled.
        ``legacy``: WaitForUpdates, which may not be given a truncated version.
        """
        view = self._view(session)
        self._start_from(view, version, accept_truncated=not legacy)
        max_objects = options.maxObjectUpdates if options is not None else None
        if max_objects is not None and max_objects <= 0:
            raise InvalidArgument("options.maxObjectUpdates", "A specified parameter was not correct: options.maxObjectUpdates must be positive.")
        self._end_wait(view, RequestCanceled("The request was canceled by a newer WaitForUpdates of the same session."))
        update = self._collect_updates(session, view, max_objects)
        max_wait = options.maxWaitSeconds if options is not None else None
        if update is not None or max_wait == 0:
            respond(update)
            return
        wait = _Wait(respond, None, max_objects)
        if max_wait is not None:
            wait.timeout = self._clock.call_later(max_wait, lambda: self._time_out(view, wait))
        view.wait = wait

    def check_for_updates(self, session: "Session", version: str | None) -> UpdateSet | None:
        view = self._view(session)
        self._start_from(view, version, accept_truncated=False)
        return self._collect_updates(session, view, None)

    def cancel_wait_for_updates(self, session: "Session") -> None:
        view = self._views.get(session.key)
        if view is not None:
            self._end_wait(view, RequestCanceled("The request was canceled by CancelWaitForUpdates."))

    def forget_wait(self, session: "Session") -> None:
        """The client went away: drop its waiting call without answering it."""
        view = self._views.get(session.key)
        if view is not None and view.wait is not None:
            _cancel_timeout(view.wait)
            view.wait = None

    def session_ended(self, session: "Session") -> None:
        """The session logged out or expired: its filters go, its waiting call is answered."""
        if self.owner is session:
            self.destroy()
            return
        view = self._views.pop(session.key, None)
        if view is not None:
            self._drop(view, "The session ended.")

    def destroy(self) -> None:
        """DestroyPropertyCollector: its filters go with it, and so does the collector."""
        self._changes.unsubscribe(self._on_change)
        for key in list(self._views):
            self._drop(self._views.pop(key), "The property collector was destroyed.")
        self._remove(self.ref)

    def visible_to(self, session: "Session | None") -> bool:
        return self.owner is None or self.owner is session

    def _drop(self, view: _SessionView, why: str) -> None:
        self._end_wait(view, RequestCanceled(f"The request was canceled: {why}"))
        for ref in list(view.filters):
            self._remove(ref)

    def _remove(self, ref: MoRef) -> None:
        # Filters watching what is removed report it as leaving.
        self._registry.remove(ref)
        self._changes.publish(ref, ())

    def _view(self, session: "Session") -> _SessionView:
        view = self._views.get(session.key)
        if view is None:
            view = self._views[session.key] = _SessionView(session)
            session.owned.append(self)
        return view

    @staticmethod
    def _start_from(view: _SessionView, version: str | None, accept_truncated: bool) -> None:
        """Set every filter back to what the client knew as of ``version``."""
        if not version:
            for property_filter in view.filters.values():
                property_filter.restore({})
            return
        if version == view.latest and view.latest_truncated:
            if not accept_truncated:
                raise InvalidCollectorVersion(f"The truncated version {version!r} may be passed only to WaitForUpdatesEx.")
            return
        states = view.history.get(version)
        if states is None:
            raise InvalidCollectorVersion(f"The collector version {version!r} is not one this session was recently given (latest: {view.latest}).")
        for ref, property_filter in view.filters.items():
            property_filter.restore(states.get(ref, {}))

    def _collect_updates(self, session: "Session", view: _SessionView, max_objects: int | None) -> UpdateSet | None:
        budget = max_objects
        filter_updates: list[PropertyFilterUpdate] = []
        truncated = False
        for property_filter in view.filters.values():
            objects: list[ObjectUpdate] = []
            for update, ref, values in property_filter.pending(self._read_now(property_filter.spec, session)):
                if budget is not None and budget <= 0:
                    truncated = True
                    break
                objects.append(update)
                property_filter.mark_reported(ref, values)
                budget = None if budget is None else budget - 1
            if objects:
                filter_updates.append(PropertyFilterUpdate(property_filter.ref, objects))
        if not filter_updates:
            return None
        version = str(next(view.versions))
        view.record(version, truncated)
        return UpdateSet(version, filter_updates, True if truncated else None)

    def _read_now(self, spec: "PropertyFilterSpec", session: "Session", creating: bool = False) -> dict[MoRef, Snapshot]:
        """What a filter sees now; an object that is gone is simply absent (it leaves the filter)."""
        return {
            content.obj: snapshot((p.name, p.val) for p in content.propSet)
            for content in self._collect(spec, session, missing_ok=not creating)
        }

    def _on_change(self, ref: MoRef, paths: tuple[str, ...]) -> None:
        for view in list(self._views.values()):
            if view.wait is None or not any(f.watches(ref) for f in view.filters.values()):
                continue
            update = self._collect_updates(view.session, view, view.wait.max_objects)
            if update is not None:
                self._end_wait(view, update)

    def _time_out(self, view: _SessionView, wait: _Wait) -> None:
        if view.wait is wait:
            view.wait = None
            wait.respond(None)

    @staticmethod
    def _end_wait(view: _SessionView, answer: "UpdateSet | MethodFault") -> None:
        wait, view.wait = view.wait, None
        if wait is not None:
            _cancel_timeout(wait)
            wait.respond(answer)

    # RetrieveProperties, RetrievePropertiesEx, ContinueRetrievePropertiesEx

    def retrieve_properties(self, specs: list[PropertyFilterSpec], session: "Session | None" = None) -> list[ObjectContent]:
        """What the specs select now. The specs are only read, never kept or changed: the wire
        hands every call that sends the same request the same spec objects."""
        return [content for spec in specs for content in self._collect(spec, session)]

    def retrieve_properties_ex(
        self, specs: list[PropertyFilterSpec], options: RetrieveOptions | None, session: "Session | None" = None
    ) -> RetrieveResult | None:
        contents = self.retrieve_properties(specs, session)
        max_objects = options.maxObjects if options is not None else None
        if max_objects is None:
            return RetrieveResult(None, contents) if contents else None  # one page: nothing to keep for later
        if max_objects <= 0:
            raise InvalidArgument("options.maxObjects", "A specified parameter was not correct: options.maxObjects must be positive.")
        return self._page(_Pages(_session_key(session), contents, max_objects)) if contents else None

    def continue_retrieve_properties_ex(self, token: str, session: "Session | None" = None) -> RetrieveResult:
        """The next page; a token is good only in the session it was returned to, and only once."""
        return self._page(self._take_pages(token, session))

    def cancel_retrieve_properties_ex(self, token: str, session: "Session | None" = None) -> None:
        self._take_pages(token, session)

    def _take_pages(self, token: str, session: "Session | None") -> "_Pages":
        pages = self._continuations.get(token)
        if pages is None or pages.session_key != _session_key(session):
            raise InvalidArgument("token", f"A specified parameter was not correct: token {token!r} is unknown or used up.")
        del self._continuations[token]
        return pages

    def _page(self, pages: "_Pages") -> RetrieveResult:
        size = pages.max_objects
        if size is None or len(pages.contents) <= size:
            return RetrieveResult(None, pages.contents)
        token = str(next(self._tokens))
        self._continuations[token] = _Pages(pages.session_key, pages.contents[size:], size)
        return RetrieveResult(token, pages.contents[:size])

    # Walking a filter spec

    def _collect(self, spec: PropertyFilterSpec, session: "Session | None", missing_ok: bool = False) -> Iterator[ObjectContent]:
        seen: set[MoRef] = set()
        for obj in self._objects(spec, session, missing_ok):
            if obj.ref in seen:
                continue
            seen.add(obj.ref)
            paths = self._paths_for(obj, spec.propSet)
            if paths is not None:
                yield ObjectContent(obj.ref, list(_read(obj, paths, session)))

    def _objects(self, spec: PropertyFilterSpec, session: "Session | None", missing_ok: bool) -> Iterator[ManagedObject]:
        for object_spec in spec.objectSet:
            start = self._registry.find(object_spec.obj)
            if start is None or not start.visible_to(session):
                if missing_ok:
                    continue
                raise ManagedObjectNotFound(object_spec.obj)
            if not object_spec.skip:
                yield start
            if object_spec.selectSet:  # most specs name their objects and traverse nothing
                yield from self._traverse(start, object_spec.selectSet, _named_selections(object_spec.selectSet), session, depth=0)

    def _traverse(
        self, obj: ManagedObject, selections: Iterable[SelectionSpec], named: dict[str, TraversalSpec],
        session: "Session | None", depth: int,
    ) -> Iterator[ManagedObject]:  # fmt: skip
        if depth > 32:
            return  # a selection set that points back at itself
        for selection in selections:
            traversal = selection if isinstance(selection, TraversalSpec) else named.get(selection.name or "")
            if traversal is None or not _is_a(obj, traversal.type):
                continue
            for ref in _refs(obj.read_property(traversal.path, session)):
                found = self._registry.find(ref)
                if found is None or not found.visible_to(session):
                    continue
                if not traversal.skip:
                    yield found
                yield from self._traverse(found, traversal.selectSet, named, session, depth + 1)

    @staticmethod
    def _paths_for(obj: ManagedObject, prop_specs: list[PropertySpec]) -> list[str] | None:
        """The paths the specs ask of ``obj``, or None when no spec names its type."""
        matching = [spec for spec in prop_specs if _is_a(obj, spec.type)]
        if not matching:
            return None
        paths: list[str] = []
        for spec in matching:
            for path in _all_properties(obj, spec.type) if spec.all else spec.pathSet:
                if path not in paths:
                    paths.append(path)
        return paths


def _is_a(obj: ManagedObject, vim_type: str) -> bool:
    """A PropertySpec or TraversalSpec type names the type or any of its subtypes, as on vCenter."""
    return obj.vim_type == vim_type or vim_types().is_managed_subtype(obj.vim_type, vim_type)


def _all_properties(obj: ManagedObject, vim_type: str) -> Iterable[str]:
    """``all``: every property of the spec's type (a ManagedEntity spec reads ManagedEntity's)."""
    if vim_type != obj.vim_type and vim_types().has_managed_type(vim_type):
        return [p.name for p in vim_types().managed_properties(vim_type)]
    return obj.vim_properties


def _named_selections(selections: Iterable[SelectionSpec], found: dict[str, TraversalSpec] | None = None) -> dict[str, TraversalSpec]:
    found = {} if found is None else found
    for selection in selections:
        if isinstance(selection, TraversalSpec) and selection.name and selection.name not in found:
            found[selection.name] = selection
            _named_selections(selection.selectSet, found)
    return found


def _refs(value: Any) -> list[MoRef]:
    if isinstance(value, MoRef):
        return [value]
    if isinstance(value, (list, tuple)):
        return [item for item in value if isinstance(item, MoRef)]
    return []


def _read(obj: ManagedObject, paths: list[str], session: "Session | None") -> Iterator[DynamicProperty]:
    for path in paths:
        value = obj.read_property(path, session)
        if value is not None and value != []:
            yield DynamicProperty(path, typed_property(obj.vim_type, path, value))


def _cancel_timeout(wait: _Wait) -> None:
    if wait.timeout is not None:
        wait.timeout.cancel()
        wait.timeout = None
