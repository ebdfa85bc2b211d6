"""The documents a vCenter serves beside the SOAP endpoint: the WSDL and vimServiceVersions.xml.

The WSDL files are ours, generated from pyVmomi's type tables by ``python -m
vtasksim.tools.gen_schema`` into ``vtasksim/wire/wsdl/`` (package data, so an installed wheel
serves them from anywhere) and into ``wsdl/`` at the top of the repository, where people look.
``vimService.wsdl``'s ``soap:address`` is rewritten to the URL the client used, so a WSDL-driven
client talks back to this server.
"""

from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable
from xml.sax.saxutils import escape

from vtasksim.domain.typesystem import TypeSystem
from vtasksim.wire.versions import served_versions

DEFAULT_WSDL_DIR = resources.files("vtasksim.wire") / "wsdl"
_ADDRESS_PLACEHOLDER = b"https://localhost/sdk"
WSDL_FILES = ("vimService.wsdl", "vim.wsdl", "vim-messages.xsd", "vim-types.xsd")
VERSIONS_DOCUMENT = "vimServiceVersions.xml"


class ServiceDocuments:
    def __init__(self, types: TypeSystem, wsdl_dir: Traversable = DEFAULT_WSDL_DIR) -> None:
        # Every file or none: a package built without its WSDL must fail at start, not answer 404.
        self._files = {name: (wsdl_dir / name).read_bytes() for name in WSDL_FILES}
        self._types = types
        self._versions: dict[str | None, bytes] = {}

    def names(self) -> tuple[str, ...]:
        return (*self._files, VERSIONS_DOCUMENT)

    def get(self, name: str, sdk_url: str, newest: str | None = None) -> bytes | None:
        """A document; vimServiceVersions.xml lists ``newest`` (the vCenter's version) and the older ones."""
        if name == VERSIONS_DOCUMENT:
            document = self._versions.get(newest)
            if document is None:
                document = self._versions[newest] = _versions_document(served_versions(self._types, newest))
            return document
        content = self._files.get(name)
        if content is not None and name == "vimService.wsdl":
            content = content.replace(_ADDRESS_PLACEHOLDER, escape(sdk_url).encode("utf-8"))
        return content


def _versions_document(versions: list[str]) -> bytes:
    """vCenter's format: the newest version, then every older one under priorVersions."""
    newest, *prior = versions
    prior_xml = "".join(f"<version>{v}</version>" for v in prior)
    return (
        '<?xml version="1.0" encoding="UTF-8" ?>'
        '<namespaces version="1.0"><namespace><name>urn:vim25</name>'
        f"<version>{newest}</version><priorVersions>{prior_xml}</priorVersions>"
        "</namespace></namespaces>"
    ).encode("utf-8")
