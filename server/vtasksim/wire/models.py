"""The Spyne models of vim25 request arguments.

They declare each method's arguments for Spyne's interface and dispatch; ``arguments.py`` reads
them (a MoRef as a domain MoRef, an int, a string, a boolean). Arguments of vim data types (a
LocalizableMessage, a fault, an anyType result, a PropertyFilterSpec) reach the service as their
XML element (``VimXml``) and are read by :class:`~vtasksim.wire.decoding.Vim25Reader` from the
schema table, which knows every vim type and how real clients write them.
"""

from __future__ import annotations

from spyne import AnyXml, Boolean, ComplexModel, Integer32, Unicode, XmlAttribute, XmlData

from vtasksim.wire.namespaces import VIM25


class VimXml(AnyXml):
    """An argument of a vim data type, handed to the service as its own XML element."""


class ManagedObjectReference(ComplexModel):
    __namespace__ = VIM25
    _type_info = [
        ("type", XmlAttribute(Unicode)),
        ("value", XmlData(Unicode)),
    ]


#: A required argument: a request without it is an InvalidRequest.
Required = {"min_occurs": 1}

RequiredMoRef = ManagedObjectReference.customize(**Required)
OptionalMoRef = ManagedObjectReference
OptionalBool = Boolean
MoRefList = ManagedObjectReference.customize(max_occurs="unbounded")
RequiredInt = Integer32(**Required)
RequiredBool = Boolean(**Required)
String = Unicode
RequiredString = Unicode(**Required)
StringList = Unicode(max_occurs="unbounded")
RequiredVimXml = VimXml(**Required)
RequiredVimXmlList = VimXml(min_occurs=1, max_occurs="unbounded")
