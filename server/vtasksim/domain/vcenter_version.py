"""Which vCenter the simulator is: one vSphere API version, and the ``about`` that goes with it.

A real vCenter advertises its own API version and every older one (``vimServiceVersions.xml``),
answers a client in the version it negotiated, and names its product version and build in
``about``. The setting takes a full API version (``8.0.3.0``) or a release (``8.0``, ``7.0``,
``6.7``: its newest API version); the default is the newest the type tables describe.
"""

from __future__ import annotations

from vtasksim import __version__
from vtasksim.domain.typesystem import TypeSystem

#: GA builds of vCenter releases, by product version; another version shows build 0.
KNOWN_BUILDS = {
    "6.7.0": "8217866", "6.7.3": "14367737", "7.0.0": "15952498", "7.0.3": "18700403",
    "8.0.0": "20519528", "8.0.3": "24022515",
}  # fmt: skip


def resolve_api_version(text: str, types: TypeSystem) -> str:
    """The API version a setting names; ValueError, listing the releases, when it names none."""
    text = str(text).strip()
    if types.is_known_version(text):
        return text
    matching = [v for v in types.versions if v.startswith(text + ".")]
    if matching and "." in text:
        return matching[-1]
    releases = sorted({".".join(v.split(".")[:2]) for v in types.versions if _key(v) >= (6, 7)}, key=_key)
    raise ValueError(f"unknown vCenter version {text!r}; an API version such as {types.newest_version} or a release: {', '.join(releases)}")


def product_version(api_version: str) -> str:
    """The release an API version belongs to, as ``about.version`` says it: 8.0.3.0 → 8.0.3, 6.7 → 6.7.0."""
    parts = api_version.split(".")[:3]
    return ".".join(parts + ["0"] * (3 - len(parts)))


def about_fields(api_version: str) -> dict[str, str]:
    """``about``'s version-dependent fields for a vCenter of this API version."""
    version = product_version(api_version)
    build = KNOWN_BUILDS.get(version, "0")
    return {
        "fullName": f"VMware vCenter Server {version} build-{build} (vtasksim {__version__})",
        "version": version,
        "build": build,
        "apiVersion": api_version,
        "licenseProductVersion": f"{version.split('.')[0]}.0",
    }


def _key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split(".") if part.isdigit())
