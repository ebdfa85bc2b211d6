"""vtasksim in your tests: a server of your own, its control API, and a pytest plugin.

    import vtasksim.testing

    with vtasksim.testing.server(fixture="tests/backup.yaml", clock="manual") as vc:
        si = vc.connect()
        vc.control.advance("5s")

With pytest the ``vtasksim`` fixture does the same once per session (per xdist worker) and
resets the server between tests: see :mod:`vtasksim.testing.pytest_plugin`. Nothing here
imports the server itself: a test process only ever talks to it over HTTP.
"""

from vtasksim.testing.control import Control, ControlAPIError
from vtasksim.testing.process import RunningVtasksim, ServerFailed, server, start

__all__ = ["Control", "ControlAPIError", "RunningVtasksim", "ServerFailed", "server", "start"]
