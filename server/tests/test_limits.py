"""The request limits: where they are set (fixture settings, overrides) and how the reader applies them."""

from __future__ import annotations

import pytest
from lxml import etree

from vtasksim.app.fixtures import FixtureError, load_fixture_text
from vtasksim.domain.clock import ManualClock
from vtasksim.domain.faults import InvalidArgument
from vtasksim.domain.simulator import SimulatorSettings
from vtasksim.domain.typesystem import vim_types
from vtasksim.wire.decoding import Vim25Reader
from vtasksim.wire.modelled import MODELLED_TYPES

XSI = "http://www.w3.org/2001/XMLSchema-instance"


def test_defaults_refuse_what_the_issue_saw_accepted() -> None:
    """A 50 MB body and a 200,000-item array are both over the default limits."""
    settings = SimulatorSettings()
    assert settings.max_body_bytes < 50 * 1024 * 1024
    assert settings.max_array_items < 200_000


def test_fixture_settings_set_the_limits_and_overrides_win() -> None:
    text = "settings: {maxBodyBytes: 1000, maxArrayItems: 7}\n"
    assert load_fixture_text(text, "t.yaml", ManualClock()).settings.max_body_bytes == 1000
    overridden = load_fixture_text(text, "t.yaml", ManualClock(), {"max_array_items": 9})
    assert (overridden.settings.max_body_bytes, overridden.settings.max_array_items) == (1000, 9)


@pytest.mark.parametrize("value", ["0", "-1", "lots", "1.5"])
def test_a_limit_must_be_a_positive_integer(value: str) -> None:
    with pytest.raises(FixtureError, match="maxArrayItems"):
        load_fixture_text(f"settings: {{maxArrayItems: {value}}}\n", "t.yaml", ManualClock())


def _array(count: int) -> etree._Element:
    element = etree.fromstring(f'<result xmlns:xsi="{XSI}" xsi:type="ArrayOfString">' + "<s>x</s>" * count + "</result>")
    return element


def test_reader_takes_an_array_up_to_the_limit_and_names_the_limit_beyond() -> None:
    reader = Vim25Reader(vim_types(), MODELLED_TYPES, max_array_items=5)
    assert len(reader.read(_array(5), "xsd:anyType", "result").value) == 5
    with pytest.raises(InvalidArgument) as raised:
        reader.read(_array(6), "xsd:anyType", "result")
    assert raised.value.properties["invalidProperty"] == "result"
    assert "more than 5 items" in raised.value.message and "--max-array-items" in raised.value.message


def test_reader_limits_repeated_fields_of_data_objects() -> None:
    reader = Vim25Reader(vim_types(), MODELLED_TYPES, max_array_items=2)
    spec = etree.fromstring(
        "<spec><propSet><type>Task</type><pathSet>a</pathSet><pathSet>b</pathSet><pathSet>c</pathSet></propSet></spec>"
    )
    with pytest.raises(InvalidArgument, match="spec.propSet.pathSet holds more than 2 items"):
        reader.read(spec, "PropertyFilterSpec", "spec")
