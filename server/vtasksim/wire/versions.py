"""Which vim25 API version a request speaks, from its SOAPAction.

Clients put the version, not the operation, in SOAPAction: ``"urn:vim25/8.0.3.0"`` (pyVmomi,
quoted), ``urn:vim25/6.5`` (govc, unquoted), whatever the WSDL says (zeep). Without one, or with
one we do not know, the request is answered in the newest version we serve.
"""

from __future__ import annotations

from vtasksim.domain.typesystem import TypeSystem

_PREFIX = "urn:vim25/"


def version_from_soap_action(soap_action: str | bytes | None, types: TypeSystem) -> str:
    if isinstance(soap_action, bytes):
        soap_action = soap_action.decode("latin-1")
    action = (soap_action or "").strip().strip('"').strip()
    if action.startswith(_PREFIX):
        version = action[len(_PREFIX):]
        if types.is_known_version(version):
            return version
    return types.newest_version


def served_versions(types: TypeSystem) -> list[str]:
    """The vim25 versions we answer in, newest first (vimServiceVersions.xml's order)."""
    return list(reversed(types.versions))
