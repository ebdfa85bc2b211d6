"""``vtasksim serve``: load a fixture, listen, and say where.

The one line ``vtasksim listening on http://HOST:PORT/sdk`` is the signal that the server is
ready (tests and scripts wait for it); with ``--port 0`` it carries the port the system chose.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Sequence

from vtasksim import __version__
from vtasksim.domain.simulator import COMPAT_MODES, SimulatorSettings

DEFAULT_FIXTURE = Path(__file__).resolve().parents[3] / "fixtures" / "default.yaml"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="vtasksim", description="A vCenter for everything about vim.Task.")
    parser.add_argument("--version", action="version", version=f"vtasksim {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve the vim25 SOAP endpoint on /sdk")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8989, help="port to listen on; 0 picks a free one (default 8989)")
    serve.add_argument("--fixtures", type=Path, default=DEFAULT_FIXTURE, help="YAML fixture to serve (default fixtures/default.yaml)")
    serve.add_argument("--compat", choices=COMPAT_MODES, default=None, help="behave as an older server: vc2 = VirtualCenter 2.x")
    serve.add_argument("--cancel-delay", type=float, default=None, metavar="SECONDS", help="seconds between CancelTask and the task ending")
    serve.add_argument("--log-level", default="WARNING", help="Python logging level (default WARNING)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    _configure_logging(args.log_level)
    return serve(args)


def serve(args: argparse.Namespace) -> int:
    from twisted.internet import reactor

    from vtasksim.app.fixtures import FixtureError, load_fixture
    from vtasksim.app.reactor_clock import reactor_clock
    from vtasksim.app.site import build_site

    overrides = {"cancel_delay": args.cancel_delay, "compat": args.compat}
    try:
        simulator = load_fixture(args.fixtures, reactor_clock(reactor), overrides)
    except (FixtureError, OSError) as error:
        print(f"vtasksim: {error}", file=sys.stderr)
        return 2
    listening = reactor.listenTCP(args.port, build_site(simulator), interface=args.host)
    address = listening.getHost()
    host = f"[{address.host}]" if ":" in address.host else address.host
    print(f"vtasksim listening on http://{host}:{address.port}/sdk", flush=True)
    reactor.run()  # Twisted stops cleanly on SIGINT and SIGTERM
    return 0


def _configure_logging(level: str) -> None:
    logging.basicConfig(level=level.upper(), stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # Spyne logs every fault it carries with a traceback; a vim fault is an answer, not an error.
    for name in ("spyne", "spyne.application", "spyne.server", "spyne.protocol"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
