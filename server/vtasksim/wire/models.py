"""The Spyne models of vim25 request arguments.

Simple arguments (a MoRef, an int, a string) are Spyne models, so Spyne checks them; arguments
of vim data types (a LocalizableMessage, a fault, an anyType result, a PropertyFilterSpec) reach
the service as their XML element (``VimXml``) and are read by
:class:`~vtasksim.wire.decoding.Vim25Reader` from the schema table, which knows every vim type
and how real clients write them.
"""

from __future__ import annotations

from spyne import AnyXml, Boolean, ComplexModel, Integer32, Unicode, XmlAttribute, XmlData

from vtasksim.domain.vmodl import MoRef
from vtasksim.wire.namespaces import VIM25


class VimXml(AnyXml):
    """An argument of a vim data type, handed to the service as its own XML element."""


class ManagedObjectReference(ComplexModel):
    __namespace__ = VIM25
    _type_info = [
        ("type", XmlAttribute(Unicode)),
        ("value", XmlData(Unicode)),
    ]

    def to_domain(self) -> MoRef | None:
        if not self.type or not self.value:
            return None
        return MoRef(self.type, self.value.strip())


#: A required argument: a request without it is an InvalidRequest.
Required = {"min_occurs": 1}

RequiredMoRef = ManagedObjectReference.customize(**Required)
MoRefList = ManagedObjectReference.customize(max_occurs="unbounded")
Int = Integer32
RequiredInt = Integer32(**Required)
Bool = Boolean
RequiredBool = Boolean(**Required)
String = Unicode
RequiredString = Unicode(**Required)
StringList = Unicode(max_occurs="unbounded")
RequiredVimXml = VimXml(**Required)
RequiredVimXmlList = VimXml(min_occurs=1, max_occurs="unbounded")
