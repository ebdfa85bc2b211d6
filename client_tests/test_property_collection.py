"""Property collection over the wire: Fetch, RetrievePropertiesEx paging, filters and the three ways
to wait for changes (WaitForUpdates, WaitForUpdatesEx, CheckForUpdates), as a vCenter answers them.

Raw HTTP (``soap.py``) where the bytes or the timing matter; pyVmomi where what matters is that a
pyVmomi program runs. The sentences quoted in docstrings come from the vSphere API reference pages
of PropertyCollector, UpdateSet, WaitOptions and RetrieveOptions (what a real vCenter does), and
from WIRE.md.

Every blocking call runs in a thread of its own with a deadline; nothing here sleeps longer than
it takes a request to reach the server on the loopback.
"""

from __future__ import annotations

import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Callable, Iterator

import pytest
from lxml import etree

import soap
from conftest import ENTITY, logged_in_stub
from running_server import RunningServer
from soap import Answer, Client, vim, xsi_type

SHARED = "propertyCollector"
#: Long enough for a request to reach the server and be registered as waiting.
SETTLE = 0.3
#: How fast a request that must not wait is answered, whatever another request is doing.
PROMPT = 1.0
#: How long a test waits for an answer that must come.
DEADLINE = 10.0


# --- sessions ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Session:
    client: Client
    user_session: etree._Element  # Login's returnval

    @property
    def key(self) -> str:
        return self.user_session.findtext(vim("key")) or ""


def log_in(url: str, user: str = soap.USER) -> Session:
    """A raw Login, as a client does after RetrieveServiceContent; keeps the UserSession it returns."""
    arguments = f"<userName>{user}</userName><password>{soap.PASSWORD}</password>"
    answer = Client(url).call("Login", "SessionManager", "SessionManager", arguments)
    assert answer.status == 200 and not answer.is_fault, answer.text
    cookie = answer.headers["set-cookie"].split(";", 1)[0]
    (user_session,) = answer.returnvals
    return Session(Client(url, cookie), user_session)


@pytest.fixture
def watcher(server: RunningServer) -> Client:
    return soap.login(server.url)


@pytest.fixture
def other(server: RunningServer) -> Client:
    """A second program, in a session of its own."""
    return soap.login(server.url)


@pytest.fixture
def pool() -> Iterator[ThreadPoolExecutor]:
    with ThreadPoolExecutor(max_workers=4) as executor:
        yield executor


# --- requests -----------------------------------------------------------------------------------------


def spec_xml(objects: list[tuple[str, str]], paths: tuple[str, ...] = ("info",), element: str = "spec") -> str:
    obj_type = objects[0][0]
    prop_set = f"<propSet><type>{obj_type}</type>{''.join(f'<pathSet>{p}</pathSet>' for p in paths)}</propSet>"
    object_set = "".join(f'<objectSet><obj type="{t}">{v}</obj></objectSet>' for t, v in objects)
    return f"<{element}>{prop_set}{object_set}</{element}>"


def tasks_of(keys: list[str]) -> list[tuple[str, str]]:
    return [("Task", key) for key in keys]


def create_filter(
    client: Client, objects: list[tuple[str, str]], partial: bool = True,
    collector: str = SHARED, paths: tuple[str, ...] = ("info",),
) -> str:  # fmt: skip
    arguments = spec_xml(objects, paths) + f"<partialUpdates>{str(partial).lower()}</partialUpdates>"
    answer = client.call("CreateFilter", "PropertyCollector", collector, arguments)
    assert answer.status == 200 and not answer.is_fault, answer.text
    (returnval,) = answer.returnvals
    assert returnval.get("type") == "PropertyFilter", answer.text
    return returnval.text or ""


def version_xml(version: str | None) -> str:
    return "" if version is None else f"<version>{version}</version>"


def wait_ex(
    client: Client, version: str | None, max_wait: int | None = None, max_objects: int | None = None, collector: str = SHARED
) -> Answer:
    options = ""
    if max_wait is not None:
        options += f"<maxWaitSeconds>{max_wait}</maxWaitSeconds>"
    if max_objects is not None:
        options += f"<maxObjectUpdates>{max_objects}</maxObjectUpdates>"
    arguments = version_xml(version) + (f"<options>{options}</options>" if options else "")
    return client.call("WaitForUpdatesEx", "PropertyCollector", collector, arguments)


def wait_legacy(client: Client, version: str | None, collector: str = SHARED) -> Answer:
    return client.call("WaitForUpdates", "PropertyCollector", collector, version_xml(version))


def check_for_updates(client: Client, version: str | None, collector: str = SHARED) -> Answer:
    return client.call("CheckForUpdates", "PropertyCollector", collector, version_xml(version))


def destroy_filter(client: Client, filter_value: str) -> Answer:
    return client.call("DestroyPropertyFilter", "PropertyFilter", filter_value)


def create_collector(client: Client) -> str:
    answer = client.call("CreatePropertyCollector", "PropertyCollector", SHARED)
    assert answer.status == 200 and not answer.is_fault, answer.text
    (returnval,) = answer.returnvals
    assert returnval.get("type") == "PropertyCollector"
    assert returnval.text and returnval.text != SHARED, "a private collector is a new object"
    return returnval.text


def update_progress(client: Client, key: str, percent: int) -> Answer:
    answer = client.call("UpdateProgress", "Task", key, f"<percentDone>{percent}</percentDone>")
    assert answer.status == 200 and not answer.is_fault, answer.text
    return answer


def timed(call: Callable[[], Answer]) -> tuple[Answer, float]:
    start = time.monotonic()
    answer = call()
    return answer, time.monotonic() - start


def assert_fault(answer: Answer, vim_type: str) -> soap.Fault:
    assert answer.status == 500, f"expected {vim_type}, got HTTP {answer.status}:\n{answer.text}"
    assert (answer.fault.code, answer.fault.type) == ("ServerFaultCode", vim_type), answer.text
    return answer.fault


def still_pending(future: Future, what: str) -> None:
    assert not future.done(), f"{what} was answered early: {future.result().text if future.done() else ''}"


# --- reading an UpdateSet ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ObjectUpdate:
    filter: str
    kind: str
    obj: tuple[str, str]
    #: PropertyChange name -> (op, val element or None)
    changes: dict[str, tuple[str, etree._Element | None]]

    def val(self, name: str) -> etree._Element | None:
        assert name in self.changes, f"no change of {name} in {self}"
        return self.changes[name][1]


@dataclass(frozen=True)
class Updates:
    version: str
    truncated: bool
    objects: list[ObjectUpdate]

    @property
    def filters(self) -> set[str]:
        return {update.filter for update in self.objects}


def updates(answer: Answer) -> Updates | None:
    """The UpdateSet of a WaitForUpdates(Ex)/CheckForUpdates answer; None for an empty answer."""
    assert answer.status == 200 and not answer.is_fault, answer.text
    returnvals = answer.returnvals
    if not returnvals:
        return None
    (returnval,) = returnvals
    version = returnval.findtext(vim("version"))
    assert version, f"an UpdateSet carries its version:\n{answer.text}"
    objects = []
    for filter_update in returnval.findall(vim("filterSet")):
        filter_value = filter_update.findtext(vim("filter")) or ""
        for object_update in filter_update.findall(vim("objectSet")):
            obj = object_update.find(vim("obj"))
            changes = {
                change.findtext(vim("name")) or "": (change.findtext(vim("op")) or "", change.find(vim("val")))
                for change in object_update.findall(vim("changeSet"))
            }
            objects.append(ObjectUpdate(filter_value, object_update.findtext(vim("kind")) or "", (obj.get("type"), obj.text), changes))
    return Updates(version, returnval.findtext(vim("truncated")) == "true", objects)


def first_updates(client: Client, collector: str = SHARED) -> Updates:
    """The initial UpdateSet (version ""), which reports every filtered object as entering."""
    found = updates(wait_ex(client, "", max_wait=0, collector=collector))
    assert found is not None, "the initial WaitForUpdatesEx of a session with a filter reports its objects"
    return found


# --- legacy WaitForUpdates -----------------------------------------------------------------------


def test_wait_for_updates_without_version_answers_at_once_with_every_object_entering(watcher: Client, tasks) -> None:
    """WIRE.md §4: "WaitForUpdates(version?) (the legacy call: no version means 'answer now with
    everything')"; UpdateSet shape: filterSet[filter, objectSet[kind=enter, obj, changeSet]]."""
    keys = [tasks.take("queued", False), tasks.take("running", False), tasks.take("success", False)]
    filter_value = create_filter(watcher, tasks_of(keys), partial=False)
    answer, elapsed = timed(lambda: wait_legacy(watcher, None))
    assert elapsed < PROMPT
    found = updates(answer)
    assert found is not None and not found.truncated
    assert found.filters == {filter_value}
    assert sorted(update.obj for update in found.objects) == sorted(tasks_of(keys))
    for update, state in zip(sorted(found.objects, key=lambda u: keys.index(u.obj[1])), ("queued", "running", "success")):
        assert update.kind == "enter"
        assert list(update.changes) == ["info"]
        op, info = update.changes["info"]
        assert op == "assign" and xsi_type(info) == "TaskInfo"
        assert (info.findtext(vim("key")), info.findtext(vim("state"))) == (update.obj[1], state)


def test_wait_for_updates_with_a_version_holds_the_request_without_blocking_the_server(
    watcher: Client, other: Client, tasks, pool: ThreadPoolExecutor
) -> None:
    """WIRE.md §4: "with a version it blocks until something changes" -- and only that request:
    another session's Fetch and UpdateProgress are answered while it waits."""
    key = tasks.take("running", False)
    create_filter(watcher, tasks_of([key]))
    version = updates(wait_legacy(watcher, None)).version

    pending = pool.submit(wait_legacy, watcher, version)
    time.sleep(SETTLE)
    still_pending(pending, "WaitForUpdates with a version, with nothing changed,")

    fetched, fetch_time = timed(lambda: other.fetch("Task", key, "info"))
    assert fetched.status == 200 and fetched.returnvals, fetched.text
    assert fetch_time < PROMPT, f"Fetch took {fetch_time:.2f}s while another session's WaitForUpdates was pending"
    still_pending(pending, "WaitForUpdates")

    _, progress_time = timed(lambda: update_progress(other, key, 37))
    assert progress_time < PROMPT, f"UpdateProgress took {progress_time:.2f}s while a WaitForUpdates was pending"

    found = updates(pending.result(timeout=DEADLINE))
    assert found is not None and found.version != version
    (update,) = found.objects
    assert (update.kind, update.obj) == ("modify", ("Task", key))
    assert list(update.changes) == ["info.progress"]
    assert update.val("info.progress").text == "37"


# --- WaitForUpdatesEx: maxWaitSeconds, maxObjectUpdates --------------------------------------------


def test_wait_for_updates_ex_times_out_with_an_empty_response(watcher: Client, tasks) -> None:
    """WaitOptions.maxWaitSeconds: "A positive value causes WaitForUpdatesEx to return null if no
    updates are available within the specified number of seconds." -- an empty
    WaitForUpdatesExResponse (WIRE.md §4: "an empty response on timeout")."""
    create_filter(watcher, tasks_of([tasks.take("running", False)]))
    version = first_updates(watcher).version
    answer, elapsed = timed(lambda: wait_ex(watcher, version, max_wait=1))
    assert answer.status == 200, answer.text
    assert answer.payload.tag == vim("WaitForUpdatesExResponse")
    assert len(answer.payload) == 0, f"a timeout answers no returnval:\n{answer.text}"
    assert 0.9 <= elapsed < 3.0, f"maxWaitSeconds=1 answered after {elapsed:.2f}s"


def test_wait_for_updates_ex_max_wait_zero_returns_at_once(watcher: Client, other: Client, tasks) -> None:
    """WaitOptions.maxWaitSeconds: "A value of 0 causes WaitForUpdatesEx to do one update
    calculation and return any results." """
    key = tasks.take("running", False)
    create_filter(watcher, tasks_of([key]))
    version = first_updates(watcher).version

    nothing, elapsed = timed(lambda: wait_ex(watcher, version, max_wait=0))
    assert elapsed < PROMPT and updates(nothing) is None

    update_progress(other, key, 12)
    changed, elapsed = timed(lambda: wait_ex(watcher, version, max_wait=0))
    assert elapsed < PROMPT
    found = updates(changed)
    assert found is not None
    assert [(u.kind, u.obj, u.val("info.progress").text) for u in found.objects] == [("modify", ("Task", key), "12")]


def test_max_object_updates_truncates_and_the_rest_comes_next(watcher: Client, tasks) -> None:
    """UpdateSet.truncated: the PropertyCollector suspends a calculation "if the total number of
    ObjectUpdate entries summed across every PropertyFilterUpdate reached the maximum specified in
    maxObjectUpdates. The client can pass the "truncated data version" to WaitForUpdatesEx to
    resume the update calculation" -- the rest is ready, so it comes at once."""
    keys = [tasks.take("running", False) for _ in range(3)]
    filter_value = create_filter(watcher, tasks_of(keys))

    first = updates(wait_ex(watcher, "", max_wait=10, max_objects=1))
    assert first is not None and first.truncated, "1 of 3 entering objects fits: truncated must be true"
    assert len(first.objects) == 1

    rest, elapsed = timed(lambda: wait_ex(watcher, first.version, max_wait=10))
    assert elapsed < PROMPT, "the rest of a truncated calculation is ready: no waiting"
    second = updates(rest)
    assert second is not None and not second.truncated
    seen = first.objects + second.objects
    assert sorted(u.obj for u in seen) == sorted(tasks_of(keys)), "every object once, none lost, none twice"
    assert {(u.kind, u.filter) for u in seen} == {("enter", filter_value)}


def test_a_truncated_version_cannot_be_used_twice(watcher: Client, tasks) -> None:
    """UpdateSet.truncated: "A truncated data version cannot be used more than once" ->
    InvalidCollectorVersion ("thrown when a collector version is out of date or invalid")."""
    create_filter(watcher, tasks_of([tasks.take("running", False) for _ in range(3)]))
    first = updates(wait_ex(watcher, "", max_wait=0, max_objects=1))
    assert first is not None and first.truncated
    assert updates(wait_ex(watcher, first.version, max_wait=0, max_objects=1)) is not None
    assert_fault(wait_ex(watcher, first.version, max_wait=0), "InvalidCollectorVersion")


def test_a_truncated_version_may_not_be_passed_to_check_for_updates(watcher: Client, tasks) -> None:
    """UpdateSet.truncated: a truncated data version "may not be passed to CheckForUpdates or
    WaitForUpdates" -> InvalidCollectorVersion."""
    create_filter(watcher, tasks_of([tasks.take("running", False) for _ in range(2)]))
    first = updates(wait_ex(watcher, "", max_wait=0, max_objects=1))
    assert first is not None and first.truncated
    assert_fault(check_for_updates(watcher, first.version), "InvalidCollectorVersion")


# --- versions -----------------------------------------------------------------------------------


def test_a_version_never_issued_is_invalid_collector_version(watcher: Client, tasks) -> None:
    """InvalidCollectorVersion: "thrown when a collector version is out of date or invalid"."""
    create_filter(watcher, tasks_of([tasks.take("running", False)]))
    version = first_updates(watcher).version
    bogus = f"{version}-not-issued"
    assert_fault(wait_ex(watcher, bogus, max_wait=0), "InvalidCollectorVersion")
    assert_fault(wait_legacy(watcher, bogus), "InvalidCollectorVersion")
    assert_fault(check_for_updates(watcher, bogus), "InvalidCollectorVersion")


def test_a_version_may_be_passed_again_to_recover_a_lost_answer(watcher: Client, other: Client, tasks) -> None:
    """UpdateSet.truncated: "If false ... The version may be passed to CheckForUpdates,
    WaitForUpdates, or WaitForUpdatesEx more than once. Re-using a version allows a client to
    recover a change sequence after a transient failure on a previous call." -- the answer to the
    first call is taken as lost; the second call with the same version reports the change again."""
    key = tasks.take("running", False)
    create_filter(watcher, tasks_of([key]))
    version = first_updates(watcher).version
    update_progress(other, key, 55)
    lost = updates(wait_ex(watcher, version, max_wait=0))
    assert lost is not None

    again = wait_ex(watcher, version, max_wait=0)
    assert not again.is_fault, f"re-using a non-truncated version must not fail:\n{again.text}"
    recovered = updates(again)
    assert recovered is not None, "the change since that version is reported again"
    assert [(u.obj, u.val("info.progress").text) for u in recovered.objects] == [(("Task", key), "55")]


# --- CheckForUpdates, CancelWaitForUpdates -----------------------------------------------------------


def test_check_for_updates_never_waits(watcher: Client, other: Client, tasks) -> None:
    """PropertyCollector.CheckForUpdates: "Checks for updates on properties specified by the union
    of all current filters." -- the polling form: the changes since ``version`` now, an empty
    answer when there are none; UpdateSet: "truncated will never be true in an UpdateSet returned
    from CheckForUpdates"."""
    key = tasks.take("running", False)
    create_filter(watcher, tasks_of([key]))
    first, elapsed = timed(lambda: check_for_updates(watcher, None))
    assert elapsed < PROMPT
    initial = updates(first)
    assert initial is not None and [(u.kind, u.obj) for u in initial.objects] == [("enter", ("Task", key))]

    nothing, elapsed = timed(lambda: check_for_updates(watcher, initial.version))
    assert elapsed < PROMPT and updates(nothing) is None

    update_progress(other, key, 81)
    changed = updates(check_for_updates(watcher, initial.version))
    assert changed is not None and not changed.truncated, "CheckForUpdates: truncated will never be true"
    assert [(u.kind, u.val("info.progress").text) for u in changed.objects] == [("modify", "81")]


@pytest.mark.parametrize("method", ["WaitForUpdatesEx", "WaitForUpdates"])
def test_cancel_wait_for_updates_from_the_same_session_ends_the_wait_in_request_canceled(
    watcher: Client, tasks, pool: ThreadPoolExecutor, method: str
) -> None:
    """PropertyCollector.CancelWaitForUpdates: "Attempts to cancel outstanding calls to
    WaitForUpdates or WaitForUpdatesEx in the current session." -- the waiting call ends in a
    RequestCanceled fault. Sent from another thread and connection with the same session cookie."""
    create_filter(watcher, tasks_of([tasks.take("running", False)]))
    version = first_updates(watcher).version
    wait = (lambda: wait_ex(watcher, version, max_wait=30)) if method == "WaitForUpdatesEx" else (lambda: wait_legacy(watcher, version))
    pending = pool.submit(wait)
    time.sleep(SETTLE)
    still_pending(pending, method)

    canceled, elapsed = timed(lambda: watcher.call("CancelWaitForUpdates", "PropertyCollector", SHARED))
    assert canceled.status == 200 and not canceled.is_fault and len(canceled.payload) == 0, canceled.text
    assert elapsed < PROMPT
    assert_fault(pending.result(timeout=DEADLINE), "RequestCanceled")


# --- leave --------------------------------------------------------------------------------------


def test_an_object_that_goes_away_leaves_the_filter(watcher: Client, pool: ThreadPoolExecutor) -> None:
    """ObjectUpdate.kind leave: the object left the set the filter reports -- here a private
    PropertyCollector that DestroyPropertyCollector removes (tasks never go away on this server;
    the collector is the one managed object a client can make disappear). The waiting call learns
    it without waiting out its maxWaitSeconds."""
    private = create_collector(watcher)
    watched = ("PropertyCollector", private)
    filter_value = create_filter(watcher, [watched], paths=("filter",))
    initial = first_updates(watcher)
    assert [(u.kind, u.obj) for u in initial.objects] == [("enter", watched)]

    pending = pool.submit(wait_ex, watcher, initial.version, 5)
    time.sleep(SETTLE)
    destroyed = watcher.call("DestroyPropertyCollector", "PropertyCollector", private)
    assert destroyed.status == 200 and not destroyed.is_fault, destroyed.text
    answer, elapsed = timed(lambda: pending.result(timeout=DEADLINE))
    found = updates(answer)
    assert found is not None, (
        "the object went away: the waiting call reports it; instead it timed out, and the next "
        f"WaitForUpdatesEx answers:\n{wait_ex(watcher, initial.version, max_wait=0).text}"
    )
    assert elapsed < PROMPT, "the leave ends the wait; it does not wait out maxWaitSeconds"
    (update,) = found.objects
    assert (update.filter, update.kind, update.obj, update.changes) == (filter_value, "leave", watched, {})
    assert updates(wait_ex(watcher, found.version, max_wait=0)) is None, "the filter goes on, with nothing to report"


# --- filters belong to a session; private collectors ------------------------------------------------


def test_filters_of_one_session_are_invisible_to_another(watcher: Client, other: Client, tasks) -> None:
    """PropertyCollector: "Filters keep per-session state ... A session cannot share its
    PropertyCollector filters with other sessions"."""
    key = tasks.take("running", False)
    mine = create_filter(watcher, tasks_of([key]))

    fault = assert_fault(destroy_filter(other, mine), "ManagedObjectNotFound")
    assert (fault.field("obj").get("type"), fault.field("obj").text) == ("PropertyFilter", mine)
    assert_fault(other.fetch("PropertyFilter", mine, "spec"), "ManagedObjectNotFound")
    assert filters_listed(other, SHARED) == []
    assert updates(wait_ex(other, "", max_wait=0)) is None, "another session's filters report nothing to this one"

    assert filters_listed(watcher, SHARED) == [mine]
    assert [(u.filter, u.obj) for u in first_updates(watcher).objects] == [(mine, ("Task", key))]


def filters_listed(client: Client, collector: str) -> list[str]:
    """PropertyCollector.filter as this session reads it (Fetch). Which filters, not how the array
    is written: that is test_fetch_recent_task_lists_a_created_task's subject."""
    answer = client.fetch("PropertyCollector", collector, "filter")
    assert answer.status == 200 and not answer.is_fault, answer.text
    refs = [ref for returnval in answer.returnvals for ref in (list(returnval) if len(returnval) else [returnval])]
    return [ref.text or "" for ref in refs if ref.get("type") == "PropertyFilter"]


def morefs_in_array(element: etree._Element) -> list[tuple[str, str]]:
    """An anyType value holding MoRefs: ONE element of xsi:type ArrayOfManagedObjectReference with a
    ``<ManagedObjectReference type=…>`` child each (Fetch's returnval and DynamicProperty.val are
    single anyType elements in the schema; repeating them is no array)."""
    assert xsi_type(element) == "ArrayOfManagedObjectReference", etree.tostring(element).decode()
    assert all(soap.local(child) == "ManagedObjectReference" for child in element)
    return [(child.get("type"), child.text or "") for child in element]


def test_a_private_collector_has_filters_and_versions_of_its_own(watcher: Client, other: Client, tasks) -> None:
    """PropertyCollector.CreatePropertyCollector makes a collector of the session's own, whose
    filters and versions are independent of any other collector's; PropertyCollector.filter: "The
    filters that this PropertyCollector uses to determine the list of properties for which it
    detects incremental changes." """
    key = tasks.take("running", False)
    private = create_collector(watcher)
    shared_filter = create_filter(watcher, tasks_of([key]))
    private_filter = create_filter(watcher, tasks_of([key]), collector=private)
    assert filters_listed(watcher, SHARED) == [shared_filter]
    assert filters_listed(watcher, private) == [private_filter]

    shared0, private0 = first_updates(watcher), first_updates(watcher, private)
    assert (shared0.filters, private0.filters) == ({shared_filter}, {private_filter})

    update_progress(other, key, 64)
    shared1 = updates(wait_ex(watcher, shared0.version, max_wait=5))
    private1 = updates(wait_ex(watcher, private0.version, max_wait=5, collector=private))
    for found, filter_value in ((shared1, shared_filter), (private1, private_filter)):
        assert found is not None, "each collector reports the change, whatever the other reported"
        assert [(u.filter, u.val("info.progress").text) for u in found.objects] == [(filter_value, "64")]

    # Starting over on the private collector leaves the shared one's version valid.
    assert updates(check_for_updates(watcher, None, private)) is not None
    assert updates(check_for_updates(watcher, shared1.version)) is None


def test_a_private_collector_is_invisible_to_other_sessions(watcher: Client, other: Client, tasks) -> None:
    """PropertyCollector: "Filters keep per-session state ... A session cannot share its
    PropertyCollector filters with other sessions" -- nor a collector CreatePropertyCollector made
    for it: another session can neither add a filter to it nor destroy it."""
    private = create_collector(watcher)
    arguments = spec_xml(tasks_of([tasks.take("running", False)])) + "<partialUpdates>true</partialUpdates>"
    assert_fault(other.call("CreateFilter", "PropertyCollector", private, arguments), "ManagedObjectNotFound")
    assert_fault(other.call("DestroyPropertyCollector", "PropertyCollector", private), "ManagedObjectNotFound")
    assert filters_listed(watcher, private) == []


def test_destroy_property_collector_takes_its_filters_with_it(watcher: Client, tasks) -> None:
    """PropertyFilter: "A Filter is automatically destroyed when the session on which it was
    created is closed or the PropertyCollector on which it was created is destroyed." """
    key = tasks.take("running", False)
    private = create_collector(watcher)
    private_filter = create_filter(watcher, tasks_of([key]), collector=private)
    shared_filter = create_filter(watcher, tasks_of([key]))

    destroyed = watcher.call("DestroyPropertyCollector", "PropertyCollector", private)
    assert destroyed.status == 200 and not destroyed.is_fault and len(destroyed.payload) == 0, destroyed.text
    assert_fault(wait_ex(watcher, "", max_wait=0, collector=private), "ManagedObjectNotFound")
    assert_fault(destroy_filter(watcher, private_filter), "ManagedObjectNotFound")
    assert [u.filter for u in first_updates(watcher).objects] == [shared_filter], "the shared collector is untouched"


def test_logout_removes_the_sessions_filters_and_ends_its_wait(server: RunningServer, tasks, pool: ThreadPoolExecutor) -> None:
    """PropertyCollector: "When a session terminates, the associated PropertyCollector filters are
    automatically destroyed." A call still waiting for that session is answered, not left hanging."""
    session = log_in(server.url)
    mine = create_filter(session.client, tasks_of([tasks.take("running", False)]))
    version = first_updates(session.client).version
    pending = pool.submit(wait_ex, session.client, version, 30)
    time.sleep(SETTLE)

    logout = session.client.call("Logout", "SessionManager", "SessionManager")
    assert logout.status == 200 and not logout.is_fault, logout.text

    after = log_in(server.url)
    assert_fault(destroy_filter(after.client, mine), "ManagedObjectNotFound")
    assert_fault(after.client.fetch("PropertyFilter", mine, "spec"), "ManagedObjectNotFound")
    assert_fault(wait_ex(session.client, version, max_wait=0), "NotAuthenticated")
    ended = pending.result(timeout=DEADLINE)
    assert ended.status == 500 and ended.fault.type in {"RequestCanceled", "NotAuthenticated"}, ended.text


# --- RetrievePropertiesEx paging ------------------------------------------------------------------


def test_continue_retrieve_properties_ex_pages_by_max_objects(watcher: Client, tasks) -> None:
    """RetrieveOptions.maxObjects: "A positive value causes RetrievePropertiesEx to suspend the
    retrieval when the count of objects reaches the specified maximum. ... Any remaining objects may
    be retrieved with ContinueRetrievePropertiesEx." -- page by page, as vCenter (and vcsim) keep the
    page size; RetrieveResult.token: "Each token may be passed to continueRetrievePropertiesEx only
    once" (ContinueRetrievePropertiesEx raises InvalidArgument "if the token does not match")."""
    keys = [tasks.take("queued", False) for _ in range(3)]
    pages = [retrieve_page(watcher, keys, max_objects=1)]
    while (token := page_token(pages[-1])) is not None and len(pages) <= len(keys):
        pages.append(continue_retrieve(watcher, token))
    objects = [page_objects(page) for page in pages]
    assert [len(page) for page in objects] == [1, 1, 1], "maxObjects=1 over 3 objects: three pages of one"
    assert sorted(obj for page in objects for obj in page) == sorted(tasks_of(keys))
    assert_fault(continue_retrieve(watcher, page_token(pages[0])), "InvalidArgument")


def test_a_continuation_token_is_good_only_in_its_session(watcher: Client, other: Client, tasks) -> None:
    """RetrieveResult.token: "Each token may be passed to continueRetrievePropertiesEx only once,
    and only in the same session in which it was returned" -> InvalidArgument elsewhere; the
    session that owns it can still use it."""
    keys = [tasks.take("queued", False) for _ in range(2)]
    token = page_token(retrieve_page(watcher, keys, max_objects=1))
    assert token is not None
    assert_fault(continue_retrieve(other, token), "InvalidArgument")
    assert len(page_objects(continue_retrieve(watcher, token))) == 1


def retrieve_page(client: Client, keys: list[str], max_objects: int) -> Answer:
    arguments = spec_xml(tasks_of(keys), element="specSet") + f"<options><maxObjects>{max_objects}</maxObjects></options>"
    return client.call("RetrievePropertiesEx", "PropertyCollector", SHARED, arguments)


def continue_retrieve(client: Client, token: str | None) -> Answer:
    return client.call("ContinueRetrievePropertiesEx", "PropertyCollector", SHARED, f"<token>{token}</token>")


def page_token(answer: Answer) -> str | None:
    assert answer.status == 200 and not answer.is_fault, answer.text
    (returnval,) = answer.returnvals
    return returnval.findtext(vim("token"))


def page_objects(answer: Answer) -> list[tuple[str, str]]:
    assert answer.status == 200 and not answer.is_fault, answer.text
    (returnval,) = answer.returnvals
    return [(obj.get("type"), obj.text) for obj in returnval.findall(f"{vim('objects')}/{vim('obj')}")]


# --- Fetch --------------------------------------------------------------------------------------


def test_fetch_service_instance_content_needs_no_login(server: RunningServer) -> None:
    """WIRE.md §4: pyVim.task.WaitForTask starts with Fetch(ServiceInstance.content); a vCenter
    answers it before Login, as RetrieveServiceContent."""
    answer = Client(server.url).fetch("ServiceInstance", "ServiceInstance", "content")
    assert answer.status == 200, answer.text
    (returnval,) = answer.returnvals
    assert xsi_type(returnval) == "ServiceContent"
    assert returnval.findtext(vim("propertyCollector")) == SHARED
    assert returnval.find(vim("sessionManager")).get("type") == "SessionManager"


def test_fetch_current_session_is_the_callers(server: RunningServer) -> None:
    """SessionManager.currentSession is the calling client's own session: each caller reads its
    own, as a UserSession (captures/real-vcenter/real_vcenter8.0.3_Fetch_SessionManager_currentSession.txt)."""
    sessions = [log_in(server.url, "alice@vsphere.local"), log_in(server.url, "bob@vsphere.local")]
    for session in sessions:
        answer = session.client.fetch("SessionManager", "SessionManager", "currentSession")
        assert answer.status == 200, answer.text
        (returnval,) = answer.returnvals
        assert xsi_type(returnval) == "UserSession"
        assert returnval.findtext(vim("key")) == session.key
        assert returnval.findtext(vim("userName")) == session.user_session.findtext(vim("userName"))
    assert sessions[0].key != sessions[1].key


def test_fetch_current_session_before_login_is_unset(server: RunningServer) -> None:
    """WIRE.md §4: "An unset property gives an empty FetchResponse." Before Login there is no
    current session: pyVim's VimSessionOrientedStub reads ``sm.currentSession`` BEFORE it logs in
    (``if not sm.currentSession: Login(...)``), so a vCenter answers it unset, not NotAuthenticated."""
    answer = Client(server.url).fetch("SessionManager", "SessionManager", "currentSession")
    assert answer.status == 200, answer.text
    assert answer.payload.tag == vim("FetchResponse") and answer.returnvals == [], answer.text


def test_pyvim_session_oriented_stub_logs_in_and_reads_a_task(server: RunningServer, tasks) -> None:
    """A pyVmomi program using pyVim.connect.VimSessionOrientedStub (it logs in on first use and
    again when the session expires) runs unchanged."""
    from pyVim.connect import VimSessionOrientedStub
    from pyVmomi import SoapStubAdapter, vim as pyvim

    key = tasks.take("running", False)
    soap_stub = SoapStubAdapter(url=server.url, version="vim.version.v8_0_3_0")
    stub = VimSessionOrientedStub(soap_stub, VimSessionOrientedStub.makeUserLoginMethod(soap.USER, soap.PASSWORD), retryDelay=0.01)
    assert pyvim.Task(key, stub).info.state == "running"


def test_fetch_recent_task_lists_a_created_task(server: RunningServer, watcher: Client) -> None:
    """TaskManager.recentTask lists the tasks that are queued, running or recently completed -- a
    task CreateTask just made is among them,
    for raw Fetch, RetrievePropertiesEx and a pyVmomi program; on the wire an array property is one
    anyType value of xsi:type ArrayOfManagedObjectReference."""
    from pyVmomi import vim as pyvim

    arguments = f'<obj type="{ENTITY["type"]}">{ENTITY["value"]}</obj><taskTypeId>com.example.recent</taskTypeId><cancelable>false</cancelable>'
    created = watcher.call("CreateTask", "TaskManager", "TaskManager", arguments)
    assert created.status == 200, created.text
    key = created.returnvals[0].findtext(vim("key"))

    fetched = watcher.fetch("TaskManager", "TaskManager", "recentTask")
    assert fetched.status == 200, fetched.text
    assert len(fetched.returnvals) == 1, f"Fetch returns one value, an array:\n{fetched.text}"
    listed = morefs_in_array(fetched.returnvals[0])
    assert ("Task", key) in listed
    assert {kind for kind, _ in listed} == {"Task"}

    retrieved = watcher.call(
        "RetrievePropertiesEx", "PropertyCollector", SHARED,
        spec_xml([("TaskManager", "TaskManager")], ("recentTask",), element="specSet") + "<options/>",
    )  # fmt: skip
    assert retrieved.status == 200, retrieved.text
    vals = retrieved.returnvals[0].findall(f"{vim('objects')}/{vim('propSet')}/{vim('val')}")
    assert len(vals) == 1, f"DynamicProperty has one val, an array:\n{retrieved.text}"
    assert morefs_in_array(vals[0]) == listed

    recent = pyvim.TaskManager("TaskManager", logged_in_stub(server.url)).recentTask
    assert key in [task._moId for task in recent]


@pytest.mark.parametrize(("state", "path"), [("queued", "info.startTime"), ("queued", "info.progress"), ("running", "info.result"), ("running", "info.error"), ("running", "info.description")])
def test_fetch_of_an_unset_property_is_an_empty_response(watcher: Client, tasks, state: str, path: str) -> None:
    """WIRE.md §4: "An unset property gives an empty FetchResponse." """
    answer = watcher.fetch("Task", tasks.take(state, False), path)
    assert answer.status == 200, answer.text
    assert answer.payload.tag == vim("FetchResponse")
    assert len(answer.payload) == 0, f"{path} of a {state} task is unset:\n{answer.text}"


@pytest.mark.parametrize("path", ["nosuch", "info.nosuch", "info.state.nosuch"])
def test_fetch_of_an_unknown_property_is_invalid_property(watcher: Client, tasks, path: str) -> None:
    """vmodl.query.InvalidProperty: a property path the object does not have; ``name`` names it."""
    fault = assert_fault(watcher.fetch("Task", tasks.take("running", False), path), "InvalidProperty")
    assert fault.field("name") is not None and fault.field("name").text == path
    assert (fault.string or "").strip()
