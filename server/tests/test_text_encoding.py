"""The writer writes text, not an lxml tree: the bytes must be what lxml would have written."""

from __future__ import annotations

import pytest
from lxml import etree

from vtasksim.domain.typesystem import vim_types
from vtasksim.domain.vmodl import LocalizableMessage, MoRef
from vtasksim.wire.encoding import escape_attribute, escape_text, writer_for

TRICKY = ["plain", "", "a & b < c > d", 'quote " and \' apostrophe', "cr\r lf\n tab\t", "é € 😀", "]]>", "\x7f\x85"]


@pytest.mark.parametrize("text", TRICKY)
def test_text_and_attributes_are_escaped_as_lxml_escapes_them(text: str) -> None:
    element = etree.Element("e")
    element.text = text
    element.set("a", text)
    expected = etree.tostring(element, encoding="unicode")
    assert f'<e a="{escape_attribute(text)}">{escape_text(text)}</e>' == expected


@pytest.mark.parametrize("text", ["\x00", "nul\x01", "\x0b", "\ufffe"])
def test_a_character_xml_cannot_carry_is_refused_as_lxml_refuses_it(text: str) -> None:
    with pytest.raises(ValueError, match="XML compatible"):
        escape_text(text)
    with pytest.raises(ValueError, match="XML compatible"):
        etree.Element("e").text = text


def test_empty_string_and_no_content_are_written_as_lxml_writes_them() -> None:
    writer = writer_for(vim_types(), "8.0.3.0")
    assert writer.text("name", "", "xsd:string") == "<name></name>"
    assert writer.text("ref", MoRef("Folder", "group-d1"), "ManagedObjectReference") == '<ref type="Folder">group-d1</ref>'
    assert writer.text("any", MoRef("Folder", "a&b")) == '<any xsi:type="ManagedObjectReference" type="Folder">a&amp;b</any>'
    assert writer.text("list", [], "xsd:string") == ""
    message = writer.text("description", LocalizableMessage(key="k", message="1 < 2"), "LocalizableMessage")
    assert message == "<description><key>k</key><message>1 &lt; 2</message></description>"
