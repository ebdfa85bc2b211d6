"""Spyne 2.14 on today's Twisted and Python: every fix in one place.

Each fix names the breakage it mends; ``server/tests/test_compat.py`` has, for each, a test that
fails the day the fix is no longer needed, so that it can be deleted.
"""

from __future__ import annotations

import importlib.util
import sys
from importlib import resources
from importlib.machinery import ModuleSpec
from pathlib import Path
from types import ModuleType

SPYNE_SIX = "spyne.util.six"


def install() -> None:
    """Apply every fix; idempotent, and harmless before or after Spyne is imported (but fix 3
    only takes effect when it runs first, as importing ``vtasksim.wire`` makes it do)."""
    _spyne_six_importer_speaks_find_spec()
    _require_cgi()
    _provide_twisted_python_constants()
    _no_full_collection_per_request()


def twisted_has_python_constants() -> bool:
    """Twisted moved ``twisted.python.constants`` out to the ``constantly`` package (Twisted 16.5)
    and later removed the module; Spyne's Twisted transport still imports it."""
    return resources.files("twisted.python").joinpath("constants.py").is_file()


def _provide_twisted_python_constants() -> None:
    # Fix 1: ``spyne.server.twisted`` (through ``spyne.util._twisted_ws``) does
    # ``from twisted.python.constants import Flags, FlagConstant``; ``constantly`` is the same
    # code under its new name, and Twisted itself depends on it.
    if "twisted.python.constants" in sys.modules or twisted_has_python_constants():
        return
    import constantly

    sys.modules["twisted.python.constants"] = constantly


def spyne_collects_garbage_per_request() -> bool:
    """Spyne's MethodContext.close() runs gc.collect() at most every MIN_GC_INTERVAL seconds."""
    import inspect

    from spyne import context

    return "gc.collect()" in inspect.getsource(context.MethodContext.close)


def _no_full_collection_per_request() -> None:
    # Fix 2: a full collection at the end of a request stalls every client for as long as it
    # takes (90 ms with 20,000 tasks); Python's own generational collector is enough.
    from spyne import const

    const.MIN_GC_INTERVAL = float("inf")


def spyne_bundled_six() -> ModuleType:
    """Spyne's own copy of six (``spyne/util/six.py``), loaded without running ``spyne/__init__``
    (which already needs ``six.moves``): its module object, as Spyne will import it."""
    loaded = sys.modules.get(SPYNE_SIX)
    if loaded is not None:
        return loaded
    spyne = importlib.util.find_spec("spyne")
    if spyne is None or not spyne.submodule_search_locations:
        raise ImportError("Spyne is not installed")
    path = Path(next(iter(spyne.submodule_search_locations))) / "util" / "six.py"
    spec = importlib.util.spec_from_file_location(SPYNE_SIX, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[SPYNE_SIX] = module
    spec.loader.exec_module(module)  # installs six's meta-path importer for six.moves
    return module


def spyne_six_importer_lacks_find_spec() -> bool:
    """Spyne 2.14 bundles six 1.14, whose meta-path importer for ``six.moves`` has only
    ``find_module``/``load_module``: Python 3.12 stopped calling those (PEP 451's ``find_spec``
    only), so ``import spyne`` fails there with "No module named 'spyne.util.six.moves'"."""
    return "def find_spec(" not in (Path(spyne_bundled_six().__file__ or "")).read_text("utf-8")


def _spyne_six_importer_speaks_find_spec() -> None:
    # Fix 3: give the importer the PEP 451 methods six 1.16 added: find_spec answers for the
    # modules it knows, create_module hands out the module it already resolves, exec_module has
    # nothing left to do.
    importer_type = type(spyne_bundled_six()._importer)
    if "find_spec" in vars(importer_type):
        return

    def find_spec(self, fullname: str, path: object = None, target: object = None) -> ModuleSpec | None:
        return importlib.util.spec_from_loader(fullname, self) if fullname in self.known_modules else None

    def create_module(self, spec: ModuleSpec) -> ModuleType:
        return self.load_module(spec.name)

    def exec_module(self, module: ModuleType) -> None:
        """The module was complete when create_module returned it."""

    importer_type.find_spec = find_spec
    importer_type.create_module = create_module
    importer_type.exec_module = exec_module


def python_has_cgi() -> bool:
    """Python 3.13 removed the ``cgi`` module (PEP 594); Spyne's SOAP 1.1 protocol and its
    Twisted transport import it. The ``legacy-cgi`` package (a dependency on 3.13 and later)
    provides it again; its spec then comes from site-packages, not the standard library."""
    spec = importlib.util.find_spec("cgi")
    return spec is not None and spec.origin is not None and "site-packages" not in spec.origin


def _require_cgi() -> None:
    # Fix 4: without legacy-cgi, Spyne fails deep in an import; say what to install instead.
    if importlib.util.find_spec("cgi") is None:
        raise ImportError(
            f"Spyne needs the 'cgi' module, which Python {sys.version_info.major}.{sys.version_info.minor}"
            " no longer ships: pip install legacy-cgi (vtasksim depends on it for Python 3.13 and later)"
        )
