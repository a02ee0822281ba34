"""Checking and signing CAP messages: the vendored OASIS CAP 1.2 schema (data/CAP-v1.2-schema.xsd) and an
enveloped XML-DSig signature (signxml, RSA-SHA256), so a receiver can verify the issuer.

The key and certificate are configuration (``CITYSAFE_WARNING_SIGNING_KEY_FILE`` / ``_CERT_FILE``, PEM); a laptop
or test install without them gets a self-signed pair made once in ``data_dir/warning-signing/`` (never in the
repository). Each application holds its pair in a ``Slot``.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from lxml import etree
from signxml.algorithms import SignatureConstructionMethod
from signxml.signer import XMLSigner
from signxml.verifier import XMLVerifier

from citysafe.core.config import Settings
from citysafe.core.context import AppContext, Slot

SCHEMA_FILE = "CAP-v1.2-schema.xsd"


@lru_cache(maxsize=1)
def schema() -> etree.XMLSchema:
    """The OASIS CAP 1.2 schema (package data, parsed once; it never changes)."""
    path = resources.files("citysafe.emergency.warnings") / "data" / SCHEMA_FILE
    return etree.XMLSchema(etree.fromstring(path.read_bytes()))


def schema_errors(xml: bytes) -> list[str]:
    """Why ``xml`` is not a valid CAP 1.2 message (empty: it is)."""
    try:
        document = etree.fromstring(xml, parser=etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as exc:
        return [f"not XML: {exc}"]
    checker = schema()
    if checker.validate(document):
        return []
    return [f"line {e.line}: {e.message}" for e in checker.error_log]


@dataclass(frozen=True)
class SigningPair:
    key_pem: bytes
    cert_pem: bytes


def _self_signed(common_name: str) -> SigningPair:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "citysafe (self-signed demo)"),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                         crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .sign(key, hashes.SHA256()))
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return SigningPair(key_pem=key_pem, cert_pem=cert.public_bytes(serialization.Encoding.PEM))


def _kept_pair(folder: Path, common_name: str) -> SigningPair:
    key_path, cert_path = folder / "key.pem", folder / "cert.pem"
    if not (key_path.exists() and cert_path.exists()):
        folder.mkdir(parents=True, exist_ok=True)
        pair = _self_signed(common_name)
        # Written aside then renamed: two processes starting at once each end with a complete pair.
        for path, data in ((key_path, pair.key_pem), (cert_path, pair.cert_pem)):
            draft = path.with_name(f".{path.name}.{os.getpid()}")
            draft.write_bytes(data)
            draft.chmod(0o600)
            os.replace(draft, path)
    return SigningPair(key_pem=key_path.read_bytes(), cert_pem=cert_path.read_bytes())


def load_pair(settings: Settings) -> SigningPair:
    if settings.warning_signing_key_file and settings.warning_signing_cert_file:
        return SigningPair(key_pem=settings.warning_signing_key_file.read_bytes(),
                           cert_pem=settings.warning_signing_cert_file.read_bytes())
    return _kept_pair(settings.data_dir / "warning-signing", settings.warning_sender)


SIGNING: Slot[SigningPair] = Slot("emergency.warnings.signing", lambda ctx: load_pair(ctx.settings))


def pair_of(ctx: AppContext) -> SigningPair:
    return SIGNING.get(ctx)


def sign(root: etree._Element, pair: SigningPair) -> bytes:
    """The enveloped signature appended as the alert's last child (the CAP 1.2 schema's ``xs:any`` from the
    xmldsig namespace), the certificate in ``KeyInfo`` so a receiver can check it against the one we publish."""
    signer = XMLSigner(method=SignatureConstructionMethod.enveloped, signature_algorithm="rsa-sha256",
                       digest_algorithm="sha256")
    signed = signer.sign(root, key=pair.key_pem, cert=pair.cert_pem.decode("ascii"))
    return bytes(etree.tostring(signed, xml_declaration=True, encoding="UTF-8"))


def verify(xml: bytes, cert_pem: bytes) -> etree._Element:
    """The signed ``<alert>`` if its signature holds against ``cert_pem``; raises ``signxml`` errors otherwise."""
    result = XMLVerifier().verify(xml, x509_cert=cert_pem.decode("ascii"))
    first = result[0] if isinstance(result, list) else result
    return first.signed_xml
