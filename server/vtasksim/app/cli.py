"""``vtasksim serve``: load a fixture, listen, and say where.

The one line ``vtasksim listening on http://HOST:PORT/sdk`` is the signal that the server is
ready (tests and scripts wait for it); with ``--port 0`` it carries the port the system chose.
"""

from __future__ import annotations

import argparse
import gc
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

from vtasksim import __version__
from vtasksim.app.check_command import add_schema_commands
from vtasksim.app.bundled import DEFAULT, add_fixtures_command, bundled_fixture, source_name
from vtasksim.app.runtime import CLOCK_MODES, FixtureSource
from vtasksim.domain.simulator import COMPAT_MODES

if TYPE_CHECKING:
    from twisted.internet.defer import Deferred

    from vtasksim.app.runtime import Runtime
    from vtasksim.app.state import StateStore


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="vtasksim", description="A vCenter for everything about vim.Task.")
    parser.add_argument("--version", action="version", version=f"vtasksim {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve the vim25 SOAP endpoint on /sdk")
    serve.set_defaults(run=serve_command)
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8989, help="port to listen on; 0 picks a free one (default 8989)")
    serve.add_argument("--fixtures", type=Path, default=None, help="YAML fixture to serve (default: the bundled 'default', see 'vtasksim fixtures')")
    serve.add_argument("--compat", choices=COMPAT_MODES, default=None, help="behave as an older server: vc2 = VirtualCenter 2.x")
    serve.add_argument("--cancel-delay", type=float, default=None, metavar="SECONDS", help="seconds between CancelTask and the task ending")
    serve.add_argument("--session-timeout", type=float, default=None, metavar="SECONDS", help="idle seconds before a session expires (default 1800)")
    serve.add_argument("--task-max-age", type=int, default=None, metavar="DAYS", help="days completed tasks are kept (vCenter's task.maxAge, default 30)")
    serve.add_argument("--history-limit", type=int, default=None, metavar="N", help="completed tasks, and events, kept at most (default 100000)")
    serve.add_argument("--vcenter-version", default=None, metavar="VERSION", help="the vSphere API version to be, e.g. 8.0.3.0 or 7.0 (default: the newest known)")
    serve.add_argument("--tls", action="store_true", help="serve HTTPS, with a self-signed certificate unless --cert is given")
    serve.add_argument("--cert", type=Path, default=None, help="PEM certificate (with --tls)")
    serve.add_argument("--key", type=Path, default=None, help="PEM private key of --cert (with --tls)")
    serve.add_argument("--max-body-bytes", type=int, default=None, metavar="BYTES", help="refuse request bodies larger than this with HTTP 413 (default 16 MiB)")
    serve.add_argument("--max-array-items", type=int, default=None, metavar="N", help="refuse requests with an array of more items (default 10000)")
    serve.add_argument("--state", type=Path, default=None, metavar="PATH", help="keep the tasks in this SQLite file: a restart, even a kill -9, loses no acknowledged change")
    serve.add_argument("--workers", type=int, default=0, metavar="N", help="read HTTP in N worker processes beside the one that keeps the state (default 0: one process)")
    serve.add_argument("--idle-timeout", type=float, default=60.0, metavar="SECONDS", help="close connections idle this long outside a call (default 60)")
    serve.add_argument("--access-log", action="store_true", help="log every HTTP request (combined log format) to stderr")
    serve.add_argument("--log-level", default="WARNING", help="Python logging level (default WARNING; INFO logs one line per vim call)")
    serve.add_argument("--clock", choices=CLOCK_MODES, default="system", help="system: wall time; manual: time moves only by POST /_vtasksim/clock/advance (default system)")
    serve.add_argument("--control-token", default=None, metavar="TOKEN", help="require Authorization: Bearer TOKEN on the control API under /_vtasksim/")
    serve.add_argument("--trace", type=Path, default=None, metavar="FILE", help="append every vim call to FILE as a JSON line (time, user, method, MoRef, fault, latency)")
    serve.add_argument("--trace-bodies", action="store_true", help="with --trace: the request and response bodies too")
    add_fixtures_command(commands)
    add_schema_commands(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    return args.run(args)


def serve_command(args: argparse.Namespace) -> int:
    _configure_logging(args.log_level)
    return serve(args)


def serve(args: argparse.Namespace) -> int:
    from twisted.internet import reactor

    from vtasksim.app.fixtures import FixtureError
    from vtasksim.app.reactor_clock import reactor_clock
    from vtasksim.app.request_log import RequestLog
    from vtasksim.app.runtime import Runtime
    from vtasksim.app.site import build_site

    overrides = {
        "cancel_delay": args.cancel_delay, "compat": args.compat, "session_timeout": args.session_timeout,
        "task_max_age": args.task_max_age, "history_limit": args.history_limit,
        "max_body_bytes": args.max_body_bytes, "max_array_items": args.max_array_items,
        "version": args.vcenter_version,
    }  # fmt: skip
    try:
        trace = args.trace.open("a", encoding="utf-8") if args.trace is not None else None
    except OSError as error:
        print(f"vtasksim: cannot write the trace: {error}", file=sys.stderr)
        return 2
    runtime = Runtime(
        _fixture_source(args.fixtures), lambda: reactor_clock(reactor), args.clock, overrides,
        RequestLog(trace=trace, bodies=args.trace_bodies),
    )  # fmt: skip
    try:
        runtime.load()
    except (FixtureError, ValueError) as error:
        print(f"vtasksim: {error}", file=sys.stderr)
        return 2
    state = _open_state(args.state, runtime, reactor) if args.state is not None else None
    if args.state is not None and state is None:
        return 2
    gc.freeze()  # the fixture's objects live as long as the server: keep them out of every collection
    site = build_site(
        access_log=args.access_log, runtime=runtime, control_token=args.control_token, idle_timeout=args.idle_timeout,
        before_reply=state.flush if state is not None else None,
    )  # fmt: skip
    listened = _listen(args, site, runtime.simulator.settings.max_body_bytes, reactor)
    if listened is None:
        return 2
    listening_host, port, workers_ready = listened
    host = f"[{listening_host}]" if ":" in listening_host else listening_host
    scheme = "https" if args.tls or args.cert else "http"
    ready = f"vtasksim listening on {scheme}://{host}:{port}/sdk"
    # Said once the reactor runs: its SIGINT and SIGTERM handlers are in place by then, so a
    # signal sent the moment the line appears still stops the server cleanly.
    if workers_ready is not None:
        workers_ready.addCallback(lambda _: print(ready, flush=True))  # connections are refused until a worker listens
    else:
        reactor.callWhenRunning(print, ready, flush=True)
    reactor.run()
    runtime.requests.close()
    if state is not None:
        state.close()
    return 0


def _listen(args: argparse.Namespace, site: Any, max_body_bytes: int, reactor: Any) -> "tuple[str, int, Deferred[None] | None] | None":
    """Listen as asked: the address, and with ``--workers`` a Deferred that fires once they listen
    (None, said, when the options do not go together)."""
    if args.workers > 0:
        if args.tls or args.cert:
            print("vtasksim: --workers serves plain HTTP; TLS is served by one process (leave out --workers)", file=sys.stderr)
            return None
        from vtasksim.app.workers.pool import listen_with_workers

        return listen_with_workers(reactor, site, args.host, args.port, args.workers, max_body_bytes, args.idle_timeout)
    if args.tls or args.cert:
        from vtasksim.app.tls import context_factory

        listening = reactor.listenSSL(args.port, site, context_factory(args.host, args.cert, args.key), interface=args.host)
    else:
        listening = reactor.listenTCP(args.port, site, interface=args.host)
    return listening.getHost().host, listening.getHost().port, None


def _open_state(path: Path, runtime: "Runtime", reactor: Any) -> "StateStore | None":
    """The store at ``path``, its tasks restored into the runtime's simulator; None (said) when it cannot be read."""
    import sqlite3

    from vtasksim.app.state import StateStore

    try:
        state = StateStore(path, lambda action: reactor.callLater(0, action))
        state.restore(runtime.simulator)
    except (sqlite3.Error, OSError) as error:
        print(f"vtasksim: cannot use the state file {path}: {error}", file=sys.stderr)
        return None
    state.attach(runtime.simulator)
    runtime.listeners.append(state.start_over)
    return state


def _fixture_source(path: Path | None) -> FixtureSource:
    """The file given, else the bundled default fixture (package data: served from anywhere)."""
    if path is not None:
        return FixtureSource(path=path)
    return FixtureSource(text=bundled_fixture(DEFAULT).read_text("utf-8"), name=source_name(DEFAULT))


def _configure_logging(level: str) -> None:
    logging.basicConfig(level=level.upper(), stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # Spyne logs every fault it carries with a traceback; a vim fault is an answer, not an error.
    for name in ("spyne", "spyne.application", "spyne.server", "spyne.protocol"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
