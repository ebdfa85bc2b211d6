"""HTTPS for ``vtasksim serve --tls``: a certificate given with ``--cert``/``--key``, or a
self-signed one made at start (for 127.0.0.1, ::1 and localhost), as a fresh vCenter has.
pyVmomi connects with ``SmartConnect(..., disableSslCertValidation=True)``."""

from __future__ import annotations

import datetime
import ipaddress
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from twisted.internet import ssl

VALIDITY = datetime.timedelta(days=365)


def self_signed_pem(host: str) -> tuple[bytes, bytes]:
    """A certificate and its private key, PEM-encoded, for ``host`` and the loopback names."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host or "localhost"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "vtasksim")])  # fmt: skip
    now = datetime.datetime.now(datetime.timezone.utc)
    alt_names = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.IPAddress(ipaddress.ip_address("::1"))]
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + VALIDITY)
        .add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return certificate.public_bytes(serialization.Encoding.PEM), key_pem


def context_factory(host: str, cert: Path | None = None, key: Path | None = None) -> ssl.CertificateOptions:
    if cert is not None:
        cert_pem = cert.read_bytes()
        key_pem = key.read_bytes() if key is not None else cert_pem
    else:
        cert_pem, key_pem = self_signed_pem(host)
    pair = ssl.PrivateCertificate.loadPEM(cert_pem + b"\n" + key_pem)
    # TLS 1.2 and newer only, said here rather than left to the library's default of the day.
    return ssl.CertificateOptions(
        privateKey=pair.privateKey.original, certificate=pair.original, raiseMinimumTo=ssl.TLSVersion.TLSv1_2
    )
