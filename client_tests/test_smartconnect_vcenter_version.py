"""One vCenter version at a time: ``settings: {version: ...}`` or ``--vcenter-version``.

A real vCenter advertises its own API version and the older ones in vimServiceVersions.xml,
SmartConnect negotiates the newest both sides know, ``about`` names the product version and
build of that vCenter, and a request claiming a newer version is answered in the vCenter's own.
"""

from __future__ import annotations

import os
import subprocess
import urllib.request
from pathlib import Path

import pytest
from lxml import etree
from pyVim.connect import Disconnect

from running_server import REPO, RunningServer, smart_connect, start_server, vtasksim_command
from vtasksim.domain.typesystem import vim_types

EMPTY = "objects:\n  - {type: Folder, value: group-d1, name: Datacenters}\n"


def advertised(server: RunningServer) -> list[str]:
    with urllib.request.urlopen(f"{server.url}/vimServiceVersions.xml", timeout=10) as response:
        document = etree.fromstring(response.read())
    namespace = document[0]
    return [namespace.findtext("version"), *(v.text for v in namespace.find("priorVersions"))]


def negotiated(server: RunningServer):
    si = smart_connect(server)
    try:
        return si._stub.versionId.strip('"').removeprefix("urn:vim25/"), si.RetrieveContent().about
    finally:
        Disconnect(si)


def test_by_default_the_newest_version_the_tables_describe(start) -> None:
    newest = vim_types().newest_version
    server = start(EMPTY)
    assert advertised(server)[0] == newest
    version, about = negotiated(server)
    assert version == about.apiVersion == newest
    assert newest.startswith(about.version)


@pytest.mark.parametrize(
    ("setting", "api", "product", "build"),
    [("8.0.3.0", "8.0.3.0", "8.0.3", "24022515"), ("7.0", "7.0.3.2", "7.0.3", "18700403"), ("6.7", "6.7", "6.7.0", "8217866")],
)
def test_a_fixture_version_is_what_smartconnect_negotiates(start, setting: str, api: str, product: str, build: str) -> None:
    server = start(f'settings: {{version: "{setting}"}}\n' + EMPTY)
    listed = advertised(server)
    assert listed[0] == api and api in listed and "6.5" in listed
    assert all(vim_types().at_least(api, v) for v in listed), "nothing newer than the vCenter"
    version, about = negotiated(server)
    assert (version, about.apiVersion, about.version, about.build) == (api, api, product, build)
    assert about.fullName.startswith(f"VMware vCenter Server {product} build-{build}")
    assert about.licenseProductVersion == f"{product.split('.')[0]}.0"


def test_the_command_line_version_wins_and_a_newer_request_is_answered_in_it(start) -> None:
    import soap

    server = start('settings: {version: "8.0.3.0"}\n' + EMPTY, "--vcenter-version", "7.0.2.0")
    assert advertised(server)[0] == "7.0.2.0"
    body = '<RetrieveServiceContent xmlns="urn:vim25"><_this type="ServiceInstance">ServiceInstance</_this></RetrieveServiceContent>'
    answer = soap.request(server.url, "POST", soap.envelope(body), {"SOAPAction": '"urn:vim25/9.1.1.0"', "Content-Type": "text/xml"})
    assert answer.status == 200
    assert answer.document.findtext(".//{urn:vim25}apiVersion") == "7.0.2.0"


def test_an_unknown_version_is_a_fixture_error_or_a_cli_error(tmp_path: Path) -> None:
    fixture = tmp_path / "v.yaml"
    fixture.write_text("settings:\n  version: 5.9.9\n")
    env = dict(os.environ, PYTHONPATH=str(REPO / "server"))
    result = subprocess.run(vtasksim_command("serve", "--port", "0", "--fixtures", str(fixture)),
                            capture_output=True, text=True, timeout=60, env=env, cwd=REPO)  # fmt: skip
    assert result.returncode == 2 and f"{fixture}:2: settings.version: unknown vCenter version '5.9.9'" in result.stderr
    fixture.write_text(EMPTY)
    result = subprocess.run(vtasksim_command("serve", "--port", "0", "--fixtures", str(fixture), "--vcenter-version", "12"),
                            capture_output=True, text=True, timeout=60, env=env, cwd=REPO)  # fmt: skip
    assert result.returncode == 2 and "unknown vCenter version '12'" in result.stderr
