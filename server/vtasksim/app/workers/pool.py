"""The owner starts the workers, links each to itself, and starts another when one stops.

Each worker listens on the server's address with its own socket (``SO_REUSEPORT``): the kernel
spreads new connections evenly over them, where one shared socket would let whichever worker
woke first take them all. The owner holds the address bound, never listening, so that the port
stays the server's while workers come and go (``--port 0`` included).
"""

from __future__ import annotations

import logging
import socket
import subprocess
import sys
from typing import TYPE_CHECKING, Any, Sequence

from twisted.internet.defer import Deferred
from twisted.internet.protocol import Factory

from vtasksim.app.workers.owner import WorkerLink

if TYPE_CHECKING:
    from vtasksim.app.site import SdkResource

log = logging.getLogger(__name__)

#: Seconds before a worker that stopped is started again (a worker that cannot start must not spin).
RESTART_DELAY = 1.0
#: Seconds a stopping worker has to finish before it is killed.
STOP_GRACE = 5.0


class WorkerPool:
    def __init__(self, reactor: Any, sdk: "SdkResource", count: int, arguments: Sequence[str], reserved: socket.socket) -> None:
        self._reactor = reactor
        #: The server's address, bound and never listening: held so that the port stays the server's.
        self._reserved = reserved
        self._sdk = sdk
        self._count = count
        self._arguments = list(arguments)
        self._workers: dict[WorkerLink, subprocess.Popen] = {}
        self._ready: set[WorkerLink] = set()
        self._stopping = False
        #: Fires once every worker first listens.
        self.all_ready: Deferred[None] = Deferred()

    @property
    def pids(self) -> list[int]:
        return [process.pid for process in self._workers.values()]

    def start(self) -> None:
        for _ in range(self._count):
            self._start_one()
        self._reactor.addSystemEventTrigger("before", "shutdown", self.stop)

    def _start_one(self) -> None:
        if self._stopping:
            return
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        link_fd = theirs.fileno()
        command = [sys.executable, "-m", "vtasksim.app.workers.worker", "--link-fd", str(link_fd), *self._arguments]
        process = subprocess.Popen(command, pass_fds=(link_fd,), stdin=subprocess.DEVNULL)
        theirs.close()
        link = WorkerLink(self._sdk, self._on_ready, self._lost)
        ours.setblocking(False)
        self._reactor.adoptStreamConnection(ours.fileno(), socket.AF_UNIX, Factory.forProtocol(lambda: link))
        ours.close()  # the reactor holds its own copy
        self._workers[link] = process

    def _on_ready(self, link: WorkerLink) -> None:
        self._ready.add(link)
        if len(self._ready) == self._count and not self.all_ready.called:
            self.all_ready.callback(None)

    def _lost(self, link: WorkerLink) -> None:
        self._ready.discard(link)
        process = self._workers.pop(link, None)
        if process is None or self._stopping:
            return
        try:
            code = process.wait(timeout=STOP_GRACE)
        except subprocess.TimeoutExpired:
            process.kill()
            code = process.wait()
        log.warning("worker %d stopped (exit status %s); starting another in %g s", process.pid, code, RESTART_DELAY)
        self._reactor.callLater(RESTART_DELAY, self._start_one)

    def stop(self) -> None:
        """Stop every worker (the owner is stopping)."""
        self._stopping = True
        processes = list(self._workers.values())
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=STOP_GRACE)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def reuse_port_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to ``host:port`` that others of this user may bind too (SO_REUSEPORT)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    bound = socket.socket(family, socket.SOCK_STREAM)
    bound.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    bound.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    bound.bind((host, port))
    return bound


def listen_with_workers(
    reactor: Any, site: Any, host: str, port: int, count: int, max_body_bytes: int, idle_timeout: float,
) -> tuple[str, int, Deferred[None]]:  # fmt: skip
    """Serve ``host:port`` through ``count`` workers: the address, and a Deferred that fires when
    they all listen.

    The owner serves its site on a loopback port of its own, for the connections workers pass on
    whole (documents, the task view, the control API, whatever is not a plain vim call).
    """
    reserved = reuse_port_socket(host, port)
    bound_host, bound_port = reserved.getsockname()[:2]
    owner_site = reactor.listenTCP(0, site, interface="::1" if reserved.family == socket.AF_INET6 else "127.0.0.1")
    owner_address = owner_site.getHost()
    arguments = [
        "--listen-host", bound_host, "--listen-port", str(bound_port),
        "--owner-host", owner_address.host, "--owner-port", str(owner_address.port),
        "--max-body-bytes", str(max_body_bytes), "--idle-timeout", str(idle_timeout),
    ]  # fmt: skip
    pool = WorkerPool(reactor, site.resource.children[b"sdk"], count, arguments, reserved)
    reactor.callWhenRunning(pool.start)
    return bound_host, bound_port, pool.all_ready
