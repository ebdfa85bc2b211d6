"""Fuzzing: the captured requests of real clients, mutated by hypothesis, against a real server.

Each example takes a captured request (pyVmomi's and govc's, captures/), aims it at one of the
module's tasks, and mutates it one to four times: drop, duplicate, reorder, rename or retype an
element, change its text, drop or add an attribute, cut the bytes short. After each:

- the answer is a well-formed vim response (``<OpResponse xmlns="urn:vim25">``) or a vim fault of
  a known type in vCenter's envelope, text/xml, never HTML, never a traceback, never SystemError
  (the fault a bug in the simulator turns into);
- the server process is alive and answers;
- the registry invariants hold (:mod:`invariants`): every task coherent, recentTask ⊆ tasks, and
  no completed task ever changed again.

``FUZZ_EXAMPLES`` sets the number of examples (CI: 80, about ten seconds); ``make fuzz`` runs 3000.
"""

from __future__ import annotations

import json
import os
import re
import socket
from copy import deepcopy
from pathlib import Path
from typing import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

import invariants
import soap
from running_server import REPO, RunningServer, served
from soap import Answer, Client

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "80"))
SEED_FOLDERS = ("pyvmomi-to-vcsim", "govc-to-vcsim")
#: Calls that may wait for a change that never comes: a timeout is their answer.
WAITING = {"WaitForUpdates", "WaitForUpdatesEx"}
WAIT_TIMEOUT = 0.5

KINDS = {
    "q": "state: queued, cancelable: true",
    "r": "state: running, cancelable: true, progress: 10",
    "rn": "state: running, cancelable: false",
    "rd": "state: running, cancelable: true, cancelDelay: 0.2",
    "s": "state: success, cancelable: true, result: done",
    "e": 'state: error, error: {fault: {type: InvalidState}, localizedMessage: "failed"}',
}
POOL = [f"task-f{kind}-{n}" for kind in KINDS for n in range(5)]
VIM_TYPES = json.loads((REPO / "server/vtasksim/domain/vim_types.json").read_text())["types"]


def fixture_text() -> str:
    lines = ["objects:", "  - {type: Folder, value: group-d1, name: Datacenters}", "tasks:"]
    for kind, fields in KINDS.items():
        lines += [f"  - {{key: task-f{kind}-{n}, descriptionId: com.example.fuzz, {fields}}}" for n in range(5)]
    return "\n".join(lines) + "\n"


def seed_requests() -> list[tuple[str, bytes, str | None]]:
    """(name, body, SOAPAction) of every captured POST."""
    seeds = []
    for folder in SEED_FOLDERS:
        for path in sorted((soap.CAPTURES / folder).glob("*.txt")):
            exchange = soap.read_exchange(path)
            if exchange.method == "POST" and exchange.body.strip():
                seeds.append((path.name, exchange.body, exchange.header("SOAPAction")))
    return seeds


SEEDS = seed_requests()


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    with served(tmp_path_factory.mktemp("fuzz"), fixture_text()) as server:
        yield server


@pytest.fixture(scope="module")
def client(running: RunningServer) -> Client:
    return soap.login(running.url)


@pytest.fixture(scope="module")
def terminal() -> invariants.Terminal:
    return invariants.Terminal()


# Mutations

TEXTS = ["", " ", "-1", "0", "101", "2147483648", "-2147483649", "abc", "true", "1e3", "task-fq-0", "group-d1",
         "success", "error", "running", "queued", "\u00ff\u2028", "x" * 2000, "<", "&amp;", "2024-01-01T00:00:00Z"]  # fmt: skip
TYPE_NAMES = ["xsd:int", "xsd:string", "xsd:boolean", "xsd:dateTime", "xsd:base64Binary", "ArrayOfString", "ArrayOfInt",
              "ManagedObjectReference", "InvalidState", "LocalizedMethodFault", "TaskInfo", "NoSuchType", "ns9:Foo", ""]  # fmt: skip
MOREF_TYPES = ["Task", "Folder", "PropertyCollector", "SessionManager", "TaskManager", "NoSuchType", ""]
ATTRIBUTES = [("{http://www.w3.org/2001/XMLSchema-instance}nil", "true"), ("versionId", "8.0.3.0"), ("type", "Task"), ("colour", "red")]
NAMES = ["_this", "state", "result", "fault", "percentDone", "description", "key", "message", "obj", "specSet", "foo"]

texts = st.sampled_from(TEXTS) | st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=20)
mutation = st.one_of(
    st.tuples(st.just("drop"), st.integers(0, 119)),
    st.tuples(st.just("duplicate"), st.integers(0, 119)),
    st.tuples(st.just("reorder"), st.integers(0, 119), st.integers(0, 9)),
    st.tuples(st.just("rename"), st.integers(0, 119), st.sampled_from(NAMES)),
    st.tuples(st.just("retype"), st.integers(0, 119), st.sampled_from(TYPE_NAMES)),
    st.tuples(st.just("remoref"), st.integers(0, 119), st.sampled_from(MOREF_TYPES)),
    st.tuples(st.just("text"), st.integers(0, 119), texts),
    st.tuples(st.just("drop-attribute"), st.integers(0, 119), st.integers(0, 9)),
    st.tuples(st.just("add-attribute"), st.integers(0, 119), st.sampled_from(ATTRIBUTES)),
)

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True)
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"


def mutate(body: bytes, mutations: list[tuple], cut: int | None) -> bytes:
    """``body`` mutated; an index below 100 picks an element of the operation (where the
    arguments are), one above anywhere in the envelope."""
    root = etree.fromstring(body, _PARSER)
    for kind, index, *rest in mutations:
        operation = root.find(f"{soap.soapenv('Body')}/*")
        scope = operation if index < 100 and operation is not None else root
        elements = [element for element in scope.iter() if isinstance(element.tag, str)]
        element = elements[index % len(elements)]
        parent = element.getparent()
        if kind == "drop" and parent is not None:
            parent.remove(element)
        elif kind == "duplicate" and parent is not None:
            element.addnext(deepcopy(element))
        elif kind == "reorder" and parent is not None:
            parent.remove(element)
            parent.insert(rest[0] % (len(parent) + 1), element)
        elif kind == "rename":
            element.tag = etree.QName(etree.QName(element).namespace, rest[0]).text if etree.QName(element).namespace else rest[0]
        elif kind == "retype":
            element.set(XSI_TYPE, rest[0])
        elif kind == "remoref":
            element.set("type", rest[0])
        elif kind == "text":
            try:
                element.text = rest[0]
            except ValueError:
                pass  # a character XML cannot hold: lxml refuses it, and so would any client library
        elif kind == "drop-attribute" and element.attrib:
            del element.attrib[list(element.attrib)[rest[0] % len(element.attrib)]]
        elif kind == "add-attribute":
            element.set(*rest[0])
    mutated = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    return mutated[: cut % (len(mutated) + 1)] if cut is not None else mutated


def aim(body: bytes, key: str) -> bytes:
    """The captured request, aimed at one of this module's tasks."""
    return re.sub(rb"task-\d+", key.encode(), body)


# What an answer must be


def operation_of(body: bytes) -> str | None:
    match = re.search(rb"<(?:\w+:)?Body[^>]*>\s*<(?:\w+:)?(\w+)", body)
    return match.group(1).decode() if match else None


def assert_vim_answer(answer: Answer, request: bytes) -> None:
    assert "html" not in answer.content_type.lower() and b"Traceback" not in answer.body, answer.text
    assert answer.content_type.replace(" ", "").lower() == "text/xml;charset=utf-8", answer.content_type
    payload = answer.payload  # parses the envelope: one element in Body
    if answer.status == 200:
        name = etree.QName(payload)
        assert name.namespace == soap.VIM and name.localname.endswith("Response"), answer.text
        return
    assert answer.status == 500, f"HTTP {answer.status}:\n{answer.text}"
    fault = answer.fault
    assert fault.code == "ServerFaultCode" and (fault.string or "").strip(), answer.text
    assert fault.type in VIM_TYPES, f"fault type {fault.type!r} is no vim type:\n{answer.text}"
    assert fault.type != "SystemError", f"a bug in the simulator, for this request:\n{request!r}\n{answer.text}"


def send(running: RunningServer, client: Client, body: bytes, soap_action: str | None, cookie: bool) -> Answer | None:
    """The answer; None when a call that waits for changes timed out, as it may."""
    waiting = operation_of(body) in WAITING
    headers = {"Content-Type": "text/xml; charset=utf-8"}
    if soap_action is not None:
        headers["SOAPAction"] = soap_action
    if cookie and client.cookie:
        headers["Cookie"] = client.cookie
    try:
        return soap.request(running.url, "POST", body, headers, timeout=WAIT_TIMEOUT if waiting else soap.TIMEOUT)
    except (socket.timeout, TimeoutError):
        if waiting:
            return None
        raise


@settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(
    seed=st.sampled_from(SEEDS),
    key=st.sampled_from(POOL),
    mutations=st.lists(mutation, min_size=1, max_size=4),
    cut=st.none() | st.none() | st.none() | st.integers(0, 10_000),
    cookie=st.booleans() | st.just(True),
)
def test_mutated_captures_get_vim_answers_and_keep_the_registry_coherent(
    running: RunningServer, client: Client, terminal: invariants.Terminal,
    seed: tuple[str, bytes, str | None], key: str, mutations: list[tuple], cut: int | None, cookie: bool,
) -> None:  # fmt: skip
    """Bad input gets a vim fault and the server keeps serving with its state coherent."""
    name, body, soap_action = seed
    request = mutate(aim(body, key), mutations, cut)
    answer = send(running, client, request, soap_action, cookie)
    if answer is not None:
        assert_vim_answer(answer, request)
    assert running.process.poll() is None, f"the server died on {name} mutated by {mutations}"
    invariants.check_registry(client, POOL, terminal)


def test_the_seeds_are_the_captures() -> None:
    """Every captured request of both clients seeds the fuzzer, the four Task methods among them."""
    assert len(SEEDS) >= 40
    operations = {operation_of(body) for _, body, _ in SEEDS}
    assert {"CancelTask", "UpdateProgress", "SetTaskState", "SetTaskDescription", "CreateTask"} <= operations


def test_invariants_catch_an_incoherent_task_info() -> None:
    """The invariant checker itself can fail: a success with an error, and timestamps out of order."""
    info = etree.fromstring(
        f'<returnval xmlns="{soap.VIM}"><key>task-1</key><state>success</state><error/>'
        "<queueTime>2024-01-02T00:00:00Z</queueTime><startTime>2024-01-01T00:00:00Z</startTime></returnval>"
    )
    problems = invariants.task_info_problems(info)
    assert any("an error on a success task" in problem for problem in problems)
    assert any("out of order" in problem for problem in problems)
    assert any("completeTime" in problem for problem in problems)
