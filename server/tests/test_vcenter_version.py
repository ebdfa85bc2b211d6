"""The emulated vCenter version: a setting resolved against the type tables, and the about it gives."""

from __future__ import annotations

import pytest

from vtasksim.domain.clock import ManualClock
from vtasksim.domain.simulator import Simulator, SimulatorSettings
from vtasksim.domain.typesystem import vim_types
from vtasksim.domain.vcenter_version import about_fields, product_version, resolve_api_version


@pytest.mark.parametrize(("setting", "api"), [("8.0.3.0", "8.0.3.0"), ("8.0.3", "8.0.3.1"), ("7.0", "7.0.3.2"), ("6.7", "6.7"), ("6.5", "6.5")])
def test_a_setting_names_an_api_version_or_the_newest_of_a_release(setting: str, api: str) -> None:
    assert resolve_api_version(setting, vim_types()) == api


def test_an_unknown_version_lists_the_releases() -> None:
    with pytest.raises(ValueError, match=r"unknown vCenter version '8\.9'; .* a release: 6\.7, .*7\.0, 8\.0"):
        resolve_api_version("8.9", vim_types())


def test_about_follows_the_version() -> None:
    assert product_version("7.0.3.2") == "7.0.3" and product_version("6.7") == "6.7.0"
    assert about_fields("8.0.3.0")["build"] == "24022515"
    simulator = Simulator(ManualClock(), SimulatorSettings(version="7.0"))
    about = simulator.service_instance.content.about
    assert (simulator.version, about.apiVersion, about.version) == ("7.0.3.2", "7.0.3.2", "7.0.3")
    assert Simulator(ManualClock()).version == vim_types().newest_version
