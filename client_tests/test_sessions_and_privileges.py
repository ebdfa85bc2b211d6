"""Sessions and privileges as a vCenter enforces them on a pyVmomi program.

Every call but RetrieveServiceContent, Login and reading ServiceInstance.content needs a
session (NotAuthenticated otherwise); a wrong name or password is InvalidLogin; each Task method
needs its privilege (Task.Update, Global.CancelTask; CreateTask: Task.Create) and a user without
it gets NoPermission naming the object and the privilege; AuthorizationManager answers the same
as the calls do; idle sessions expire; the ``vmware_soap_session`` cookie is ``Secure`` only under TLS.
"""

from __future__ import annotations

import time
import uuid
import warnings
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
import requests
from pyVmomi import SoapStubAdapter, vim, vmodl

import soap
from running_server import ADMIN, LOGIN_BODY, RunningServer, smart_connect, start_server

VM = "vm-42"
TASK_TYPE = "com.vmware.vtasksim.test"
API_8_0_3 = "vim.version.v8_0_3_0"

# ADMIN (running_server): role Admin in USERS_FIXTURE, and what `connect` logs in as.
VIEWER = ("viewer@vsphere.local", "view-pw")  # only System.View and System.Read
READ_ONLY = ("readonly@vsphere.local", "ro-pw")  # role ReadOnly: System.* only
OPERATOR = ("operator@vsphere.local", "op-pw")  # exactly the privileges the task calls need

USERS_FIXTURE = f"""\
objects:
  - {{type: VirtualMachine, value: {VM}, name: web-01}}
users:
  - {{name: {ADMIN[0]}, password: {ADMIN[1]}, role: Admin}}
  - {{name: {VIEWER[0]}, password: {VIEWER[1]}, privileges: [System.View, System.Read]}}
  - {{name: {READ_ONLY[0]}, password: {READ_ONLY[1]}, role: ReadOnly}}
  - {{name: {OPERATOR[0]}, password: {OPERATOR[1]}, privileges: [Task.Create, Task.Update, Global.CancelTask]}}
"""

TASK_PRIVILEGES = ["Task.Create", "Task.Update", "Global.CancelTask"]


# Servers and connections


@pytest.fixture(scope="module")
def users_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    path: Path = tmp_path_factory.mktemp("users") / "fixture.yaml"
    path.write_text(USERS_FIXTURE)
    running = start_server(path)
    yield running
    running.stop()


def anonymous_stub(url: str) -> SoapStubAdapter:
    """A stub that has read the ServiceContent but never logged in."""
    stub = SoapStubAdapter(url=url, version=API_8_0_3)
    vim.ServiceInstance("ServiceInstance", stub).RetrieveContent()
    return stub


def vm_on(si: vim.ServiceInstance) -> vim.VirtualMachine:
    return vim.VirtualMachine(VM, si._stub)


def running_task(si: vim.ServiceInstance) -> vim.Task:
    """A fresh cancelable task, running: every Task method would succeed on it given the privilege."""
    task = si.content.taskManager.CreateTask(obj=vm_on(si), taskTypeId=TASK_TYPE, cancelable=True).task
    task.SetTaskState(state=vim.TaskInfo.State.running)
    return task


def same_task_on(si: vim.ServiceInstance, task: vim.Task) -> vim.Task:
    return vim.Task(task._moId, si._stub)


def description(text: str) -> vmodl.LocalizableMessage:
    return vmodl.LocalizableMessage(key="com.vmware.vtasksim.test.phase", message=text)


def session_key(si: vim.ServiceInstance) -> str:
    return si.content.sessionManager.currentSession.key


def moref(obj: Any) -> tuple[str, str]:
    return (obj._wsdlName, obj._moId)


# Each privileged call, as a program makes it, and the privilege it needs

TASK_CALLS: dict[str, tuple[str, Callable[[vim.Task], Any]]] = {
    "UpdateProgress": ("Task.Update", lambda task: task.UpdateProgress(percentDone=30)),
    "SetTaskState": ("Task.Update", lambda task: task.SetTaskState(state=vim.TaskInfo.State.success, result="done")),
    "SetTaskDescription": ("Task.Update", lambda task: task.SetTaskDescription(description=description("phase 2"))),
    "CancelTask": ("Global.CancelTask", lambda task: task.CancelTask()),
}


def create_task_call(si: vim.ServiceInstance) -> Any:
    return si.content.taskManager.CreateTask(obj=vm_on(si), taskTypeId=TASK_TYPE, cancelable=True)


def untouched(info: vim.TaskInfo) -> bool:
    """A running task no denied call has changed: no progress, no description, not canceled."""
    return (info.state, info.progress, info.description, info.cancelled) == (vim.TaskInfo.State.running, None, None, False)


# No session: NotAuthenticated (the shared pool server)


@pytest.mark.parametrize("method", sorted(TASK_CALLS))
def test_task_methods_without_a_session_are_not_authenticated(server: RunningServer, tasks, stub, method: str) -> None:
    """Every method but RetrieveServiceContent and Login needs a session -> NotAuthenticated, and the task is left as it was."""
    key = tasks.take(state="running", cancelable=True)
    _, call = TASK_CALLS[method]
    with pytest.raises(vim.fault.NotAuthenticated):
        call(vim.Task(key, anonymous_stub(server.url)))
    info = vim.Task(key, stub).info
    assert untouched(info)


def test_reading_task_info_without_a_session_is_not_authenticated(server: RunningServer, tasks) -> None:
    """Reading task.info (Fetch) needs a session -> NotAuthenticated."""
    task = vim.Task(tasks.take(state="running"), anonymous_stub(server.url))
    with pytest.raises(vim.fault.NotAuthenticated):
        task.info


def test_create_task_without_a_session_is_not_authenticated(server: RunningServer) -> None:
    """TaskManager.CreateTask needs a session -> NotAuthenticated."""
    stub = anonymous_stub(server.url)
    manager = vim.ServiceInstance("ServiceInstance", stub).RetrieveContent().taskManager
    with pytest.raises(vim.fault.NotAuthenticated):
        manager.CreateTask(obj=vim.VirtualMachine(VM, stub), taskTypeId=TASK_TYPE, cancelable=True)


def test_recent_tasks_without_a_session_are_not_authenticated(server: RunningServer) -> None:
    """Reading TaskManager.recentTask needs a session -> NotAuthenticated."""
    stub = anonymous_stub(server.url)
    manager = vim.ServiceInstance("ServiceInstance", stub).RetrieveContent().taskManager
    with pytest.raises(vim.fault.NotAuthenticated):
        manager.recentTask


def test_service_content_is_readable_without_a_session(server: RunningServer) -> None:
    """RetrieveServiceContent and reading ServiceInstance.content (Fetch) need no session: a client must find the SessionManager to log in."""
    si = vim.ServiceInstance("ServiceInstance", SoapStubAdapter(url=server.url, version=API_8_0_3))
    retrieved = si.RetrieveContent()
    fetched = si.content
    assert moref(retrieved.sessionManager) == moref(fetched.sessionManager) == ("SessionManager", "SessionManager")
    assert fetched.about.apiType == "VirtualCenter"


def test_without_users_any_name_logs_in_with_every_privilege(server: RunningServer, connect) -> None:
    """A fixture without users: any name and password log in, and the session holds every privilege."""
    name = f"someone-{uuid.uuid4().hex[:8]}@example.com"
    si = connect(server, name, uuid.uuid4().hex)
    assert si.content.sessionManager.currentSession.userName == name
    granted = si.content.authorizationManager.HasPrivilegeOnEntity(entity=vm_on(si), sessionId=session_key(si), privId=TASK_PRIVILEGES)
    assert granted == [True, True, True]
    task = running_task(si)
    task.UpdateProgress(percentDone=10)
    assert task.info.progress == 10


# Logging in


@pytest.mark.parametrize("credentials", [(ADMIN[0], "wrong"), ("nobody@vsphere.local", ADMIN[1]), (ADMIN[0], "")])
def test_a_wrong_name_or_password_is_invalid_login(users_server: RunningServer, credentials: tuple[str, str]) -> None:
    """A bad login is InvalidLogin (WIRE.md §4)."""
    with pytest.raises(vim.fault.InvalidLogin):
        smart_connect(users_server, *credentials)


def test_a_failed_login_sets_no_session_cookie(users_server: RunningServer) -> None:
    """InvalidLogin opens no session: no vmware_soap_session cookie comes back."""
    answer = soap.post(users_server.url, LOGIN_BODY.format(user=ADMIN[0], password="wrong").encode())
    assert answer.status == 500 and answer.fault.type == "InvalidLogin", answer.text
    assert "set-cookie" not in answer.headers


@pytest.mark.parametrize("credentials", [ADMIN, VIEWER, READ_ONLY, OPERATOR])
def test_the_current_session_names_the_user_who_logged_in(users_server: RunningServer, connect, credentials: tuple[str, str]) -> None:
    """SessionManager.currentSession is the caller's own session: its userName is who logged in."""
    session = connect(users_server, *credentials).content.sessionManager.currentSession
    assert session.userName == credentials[0]
    assert session.key


def test_two_connections_have_two_sessions(users_server: RunningServer, connect) -> None:
    """Each Login opens a session of its own: currentSession differs per connection."""
    first, second = connect(users_server, *ADMIN), connect(users_server, *ADMIN)
    assert session_key(first) != session_key(second)


# Privileges


def test_role_admin_may_do_everything(users_server: RunningServer, connect) -> None:
    """Role Admin holds every privilege: CreateTask and every Task method succeed."""
    si = connect(users_server, *ADMIN)
    task = running_task(si)
    task.SetTaskDescription(description=description("copying"))
    task.UpdateProgress(percentDone=70)
    task.SetTaskState(state=vim.TaskInfo.State.success, result="ok")
    other = running_task(si)
    other.CancelTask()
    assert (task.info.state, task.info.result, task.info.progress) == (vim.TaskInfo.State.success, "ok", 70)
    assert (other.info.state, other.info.cancelled) == (vim.TaskInfo.State.error, True)


@pytest.mark.parametrize("credentials", [VIEWER, READ_ONLY], ids=["System-privileges", "role-ReadOnly"])
@pytest.mark.parametrize("method", sorted(TASK_CALLS))
def test_a_task_method_without_its_privilege_is_no_permission(
    users_server: RunningServer, connect, method: str, credentials: tuple[str, str]
) -> None:
    """Reference: CancelTask "Privilege: Global.CancelTask"; UpdateProgress, SetTaskState,
    SetTaskDescription "Privilege: Task.Update" -> NoPermission naming the task and the privilege."""
    privilege, call = TASK_CALLS[method]
    admin, user = connect(users_server, *ADMIN), connect(users_server, *credentials)
    task = running_task(admin)
    with pytest.raises(vim.fault.NoPermission) as raised:
        call(same_task_on(user, task))
    assert raised.value.privilegeId == privilege
    assert raised.value.object is not None and moref(raised.value.object) == moref(task)
    assert untouched(task.info)


@pytest.mark.parametrize("credentials", [VIEWER, READ_ONLY], ids=["System-privileges", "role-ReadOnly"])
def test_create_task_without_task_create_is_no_permission(users_server: RunningServer, connect, credentials: tuple[str, str]) -> None:
    """CreateTask needs Task.Create -> NoPermission naming the object the task would be on, and no task is made."""
    user = connect(users_server, *credentials)
    before = {t._moId for t in user.content.taskManager.recentTask}
    with pytest.raises(vim.fault.NoPermission) as raised:
        create_task_call(user)
    assert raised.value.privilegeId == "Task.Create"
    assert raised.value.object is not None and moref(raised.value.object) == ("VirtualMachine", VM)
    assert {t._moId for t in user.content.taskManager.recentTask} == before


def test_a_user_with_exactly_the_task_privileges_may_drive_tasks(users_server: RunningServer, connect) -> None:
    """Task.Create, Task.Update and Global.CancelTask are all a task-driving program needs."""
    si = connect(users_server, *OPERATOR)
    info = create_task_call(si)
    assert info.reason.userName == OPERATOR[0]
    task = info.task
    task.SetTaskState(state=vim.TaskInfo.State.running)
    task.SetTaskDescription(description=description("phase 1"))
    task.UpdateProgress(percentDone=55)
    task.SetTaskState(state=vim.TaskInfo.State.error, fault=vim.fault.FileNotFound(file="x.vmdk"))
    other = running_task(si)
    other.CancelTask()
    assert isinstance(task.info.error, vim.fault.FileNotFound) and task.info.progress == 55
    assert isinstance(other.info.error, vmodl.fault.RequestCanceled)


def _outcome_of_each_privilege(admin: vim.ServiceInstance, user: vim.ServiceInstance) -> dict[str, bool]:
    """Whether ``user``'s call needing each privilege went through (False: NoPermission)."""
    calls: dict[str, Callable[[], Any]] = {
        "Task.Create": lambda: create_task_call(user),
        "Task.Update": lambda: same_task_on(user, running_task(admin)).UpdateProgress(percentDone=5),
        "Global.CancelTask": lambda: same_task_on(user, running_task(admin)).CancelTask(),
    }
    outcome = {}
    for privilege, call in calls.items():
        try:
            call()
            outcome[privilege] = True
        except vim.fault.NoPermission as denied:
            assert denied.privilegeId == privilege
            outcome[privilege] = False
    return outcome


@pytest.mark.parametrize("credentials", [ADMIN, VIEWER, READ_ONLY, OPERATOR], ids=lambda c: c[0].split("@")[0])
def test_has_privilege_on_entities_agrees_with_what_the_calls_do(users_server: RunningServer, connect, credentials: tuple[str, str]) -> None:
    """AuthorizationManager.HasPrivilegeOnEntities / HasPrivilegeOnEntity answer, for the caller's
    session, exactly what CreateTask, UpdateProgress and CancelTask then allow."""
    admin, user = connect(users_server, *ADMIN), connect(users_server, *credentials)
    manager, key = user.content.authorizationManager, session_key(user)
    (entity_privileges,) = manager.HasPrivilegeOnEntities(entity=[vm_on(user)], sessionId=key, privId=TASK_PRIVILEGES)
    assert moref(entity_privileges.entity) == ("VirtualMachine", VM)
    by_entities = {a.privId: a.isGranted for a in entity_privileges.privAvailability}
    by_entity = dict(zip(TASK_PRIVILEGES, manager.HasPrivilegeOnEntity(entity=vm_on(user), sessionId=key, privId=TASK_PRIVILEGES)))
    outcome = _outcome_of_each_privilege(admin, user)
    assert by_entities == by_entity == outcome


# Session lifetime


def test_session_is_active_tells_live_sessions_from_ended_ones(users_server: RunningServer, connect) -> None:
    """SessionIsActive(sessionID, userName): true for a live session of that user; false for another
    user's name, an unknown id, and once the session logged out."""
    admin, operator = connect(users_server, *ADMIN), connect(users_server, *OPERATOR)
    sessions, key = admin.content.sessionManager, session_key(operator)
    assert sessions.SessionIsActive(sessionID=key, userName=OPERATOR[0]) is True
    assert sessions.SessionIsActive(sessionID=key, userName=VIEWER[0]) is False
    assert sessions.SessionIsActive(sessionID=uuid.uuid4().hex, userName=OPERATOR[0]) is False
    operator.content.sessionManager.Logout()
    assert sessions.SessionIsActive(sessionID=key, userName=OPERATOR[0]) is False


def test_after_logout_every_call_is_not_authenticated(users_server: RunningServer, connect) -> None:
    """Logout ends the session: the next calls on that connection -> NotAuthenticated."""
    admin, leaving = connect(users_server, *ADMIN), connect(users_server, *OPERATOR)
    task = running_task(admin)
    content = leaving.content
    content.sessionManager.Logout()
    with pytest.raises(vim.fault.NotAuthenticated):
        same_task_on(leaving, task).info
    with pytest.raises(vim.fault.NotAuthenticated):
        same_task_on(leaving, task).UpdateProgress(percentDone=10)
    with pytest.raises(vim.fault.NotAuthenticated):
        content.taskManager.CreateTask(obj=vm_on(leaving), taskTypeId=TASK_TYPE, cancelable=True)
    assert untouched(task.info)


def test_idle_sessions_expire_while_busy_ones_live_on(start, connect) -> None:
    """Idle sessions expire after the configured timeout (--session-timeout); every call keeps a session alive."""
    timeout = 1.0
    server = start(f"objects:\n  - {{type: VirtualMachine, value: {VM}, name: web-01}}\n", "--session-timeout", str(timeout))
    idle, busy = connect(server), connect(server)
    idle_manager = idle.content.taskManager  # read now: the ServiceContent stays readable, the session does not
    deadline = time.monotonic() + timeout * 1.8
    while time.monotonic() < deadline:
        assert busy.content.sessionManager.currentSession.userName == ADMIN[0]
        time.sleep(timeout / 5)
    with pytest.raises(vim.fault.NotAuthenticated):
        idle_manager.recentTask
    assert busy.content.sessionManager.currentSession.userName == ADMIN[0]
    assert create_task_call(busy).state == vim.TaskInfo.State.queued


# The session cookie


def _login_over(url: str, verify: bool = True) -> requests.Response:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # urllib3 warns about the unverified self-signed certificate
        return requests.post(
            url, data=LOGIN_BODY.format(user=ADMIN[0], password=ADMIN[1]).encode(), verify=verify, timeout=10,
            headers={"Content-Type": "text/xml; charset=utf-8", "SOAPAction": soap.DEFAULT_SOAP_ACTION},
        )  # fmt: skip


def _cookie_attributes(set_cookie: str) -> set[str]:
    return {part.strip().split("=", 1)[0].lower() for part in set_cookie.split(";")[1:] if part.strip()}


def test_the_session_cookie_is_not_secure_over_http(users_server: RunningServer) -> None:
    """WIRE.md §1: "zeep drops a Secure cookie over plain HTTP, so set Secure only under TLS"."""
    answer = _login_over(users_server.url)
    assert answer.status_code == 200, answer.text
    set_cookie = answer.headers["Set-Cookie"]
    assert set_cookie.startswith("vmware_soap_session=")
    assert "secure" not in _cookie_attributes(set_cookie)


def test_the_session_cookie_is_secure_under_tls(start) -> None:
    """WIRE.md §1: the vmware_soap_session cookie carries Secure under TLS, as a vCenter's does."""
    server = start(USERS_FIXTURE, "--tls")
    answer = _login_over(server.url, verify=False)
    assert answer.status_code == 200, answer.text
    set_cookie = answer.headers["Set-Cookie"]
    assert set_cookie.startswith("vmware_soap_session=")
    assert "secure" in _cookie_attributes(set_cookie)


def test_smartconnect_over_tls_keeps_its_session(start, connect) -> None:
    """SmartConnect(..., disableSslCertValidation=True) to `vtasksim serve --tls`: pyVmomi sends the
    Secure cookie back, and the session's calls go through."""
    server = start(USERS_FIXTURE, "--tls")
    si = connect(server, *OPERATOR)
    assert si.content.sessionManager.currentSession.userName == OPERATOR[0]
    assert create_task_call(si).reason.userName == OPERATOR[0]


@pytest.mark.parametrize(
    "cookie_form",
    [
        'vmware_soap_session="{key}"; Path=/; HttpOnly; Secure;',  # what pyVmomi sends back: the whole Set-Cookie
        "vmware_soap_session={key}",
        'other=1; vmware_soap_session="{key}"',
    ],
    ids=["whole-set-cookie", "unquoted", "after-another-cookie"],
)
def test_the_session_cookie_is_read_leniently(users_server: RunningServer, cookie_form: str) -> None:
    """WIRE.md §1: pyVmomi sends the whole Set-Cookie value back verbatim: parse leniently."""
    answer = _login_over(users_server.url)
    key = answer.headers["Set-Cookie"].split(";", 1)[0].split("=", 1)[1].strip('"')
    client = soap.Client(users_server.url, cookie_form.format(key=key))
    reply = client.fetch("SessionManager", "SessionManager", "currentSession")
    assert reply.status == 200 and not reply.is_fault, reply.text
    assert reply.returnvals[0].findtext(soap.vim("userName")) == ADMIN[0]


def test_an_unknown_session_cookie_is_not_authenticated(users_server: RunningServer) -> None:
    """A cookie naming no session is no session -> NotAuthenticated (on anything but the few
    sessionless reads: currentSession is one, pyVim reads it to learn whether to log in)."""
    client = soap.Client(users_server.url, f'vmware_soap_session="{uuid.uuid4().hex}"')
    reply = client.fetch("TaskManager", "TaskManager", "recentTask")
    assert reply.status == 500 and reply.fault.type == "NotAuthenticated", reply.text
