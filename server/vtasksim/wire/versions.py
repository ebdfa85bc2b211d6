"""Which vim25 API version a request speaks, from its SOAPAction.

Clients put the version, not the operation, in SOAPAction: ``"urn:vim25/8.0.3.0"`` (pyVmomi,
quoted), ``urn:vim25/6.5`` (govc, unquoted), whatever the WSDL says (zeep). Without one, or with
one we do not know or newer than the simulated vCenter's, the request is answered in the
vCenter's own version.
"""

from __future__ import annotations

from functools import lru_cache

from vtasksim.domain.typesystem import TypeSystem

_PREFIX = "urn:vim25/"


@lru_cache(maxsize=256)
def version_from_soap_action(soap_action: str | bytes | None, types: TypeSystem, newest: str | None = None) -> str:
    """The version a request speaks: its SOAPAction's, or ``newest`` (the vCenter's own, by
    default the newest known) when it names none, one unknown, or one newer than the vCenter's.

    A client sends the same SOAPAction with every call: each distinct one is worked out once (the
    answer depends on nothing else; a few hundred kept, so that odd values cannot fill memory)."""
    newest = newest or types.newest_version
    if isinstance(soap_action, bytes):
        soap_action = soap_action.decode("latin-1")
    action = (soap_action or "").strip().strip('"').strip()
    if action.startswith(_PREFIX):
        version = action[len(_PREFIX):]
        if types.is_known_version(version) and types.at_least(newest, version):
            return version
    return newest


def served_versions(types: TypeSystem, newest: str | None = None) -> list[str]:
    """The vim25 versions we answer in, newest first (vimServiceVersions.xml's order): the
    vCenter's own (``newest``, by default the newest known) and every older one."""
    newest = newest or types.newest_version
    return [v for v in reversed(types.versions) if types.at_least(newest, v)]
