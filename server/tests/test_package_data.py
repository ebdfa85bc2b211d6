"""What the server reads at run time is package data, and the top-level copies are the same bytes.

``wsdl/`` and ``fixtures/`` at the top of the repository are where people look; the server reads
``vtasksim/wire/wsdl/`` and ``vtasksim/fixtures/`` through importlib.resources, so that an
installed wheel serves everything from any directory (client_tests/test_packaging.py proves that
on a real wheel). A copy that drifts from its twin fails here, saying how to fix it.
"""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path

import pytest

from vtasksim.app.bundled import DEFAULT, bundled_fixtures, summary
from vtasksim.app.fixtures import load_fixture_text
from vtasksim.domain.clock import ManualClock
from vtasksim.domain.typesystem import vim_types
from vtasksim.tools.gen_schema import WSDL_DIRS, WSDL_FILES
from vtasksim.wire.documents import DEFAULT_WSDL_DIR, ServiceDocuments

REPO = Path(__file__).resolve().parents[2]
PACKAGE = REPO / "server" / "vtasksim"
TOP_FIXTURES = REPO / "fixtures"


@pytest.mark.parametrize("name", WSDL_FILES)
def test_top_level_wsdl_is_the_packaged_wsdl(name: str) -> None:
    """`make schema` writes both; neither is edited by hand."""
    packaged, top_level = (REPO / folder / name for folder in WSDL_DIRS)
    assert packaged.read_bytes() == top_level.read_bytes(), f"{top_level} differs from {packaged}: run `make schema`"


def test_the_server_serves_the_packaged_wsdl() -> None:
    assert Path(str(DEFAULT_WSDL_DIR)) == PACKAGE / "wire" / "wsdl"
    served = ServiceDocuments(vim_types()).get("vim-types.xsd", "http://127.0.0.1/sdk")
    assert served == (PACKAGE / "wire" / "wsdl" / "vim-types.xsd").read_bytes()


def test_every_top_level_fixture_is_bundled_as_the_same_bytes() -> None:
    """fixtures/ is canonical; `make fixtures` copies it into the package."""
    top_level = {path.stem: path.read_bytes() for path in sorted(TOP_FIXTURES.glob("*.yaml"))}
    bundled = {name: entry.read_bytes() for name, entry in bundled_fixtures().items()}
    assert sorted(bundled) == sorted(top_level), "fixtures/ and server/vtasksim/fixtures/ hold other files: run `make fixtures`"
    for name, content in top_level.items():
        assert bundled[name] == content, f"fixtures/{name}.yaml differs from its bundled copy: run `make fixtures`"


def test_the_bundled_fixtures_are_found_through_the_package() -> None:
    fixtures = bundled_fixtures()
    assert DEFAULT in fixtures
    assert Path(str(fixtures[DEFAULT])) == PACKAGE / "fixtures" / "default.yaml"
    assert str(resources.files("vtasksim")) == str(PACKAGE)


@pytest.mark.parametrize("name", sorted(bundled_fixtures()))
def test_every_bundled_fixture_loads_and_says_what_it_holds(name: str) -> None:
    """`vtasksim fixtures` lists each with its first comment line; each serves as it is."""
    text = bundled_fixtures()[name].read_text("utf-8")
    assert summary(text), f"fixtures/{name}.yaml starts with no '# …' line saying what it holds"
    load_fixture_text(text, name, ManualClock())


def test_the_package_data_globs_cover_every_run_time_file() -> None:
    """pyproject's package-data names every folder of files the server reads; the packaging test
    (client_tests/test_packaging.py) then proves the wheel carries them."""
    globs = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["vtasksim"]
    data = [path for pattern in globs for path in PACKAGE.glob(pattern)]
    for needed in ("wire/wsdl/vimService.wsdl", "wire/wsdl/vim-types.xsd", "domain/vim_types.json", "fixtures/default.yaml",
                   "app/ui/static/index.html", "app/ui/static/app.js"):
        assert PACKAGE / needed in data, f"{needed} is not package data in pyproject.toml"
