"""A local certificate authority, so the simulator can serve https that strict clients accept.

RFC 5280 profiles, built with ``cryptography`` (no ASN.1 of our own). The authority is made once
per user and kept in one folder (``LEERID_TLS_DIR``, else ``$XDG_DATA_HOME/leerid-sim/tls``,
else ``~/.local/share/leerid-sim/tls``):

- ``ca.pem``: the authority's certificate, the one file a client is told to trust;
- ``ca-key.pem``: its private key, mode 0600 in a 0700 folder: whoever holds it can make
  certificates that this machine's trusting clients accept for any host;
- ``server-<hash>.pem`` and ``server-<hash>-key.pem``: a server certificate per set of host
  names, issued again when it is no longer signed by ``ca.pem`` or nears its end.

Several processes may start at once (uvicorn workers, pytest-xdist): a lock file serializes
the writes, and every file is written whole and then renamed into place.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import getpass
import hashlib
import ipaddress
import os
import socket
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.types import CertificatePublicKeyTypes
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

__all__ = [
    "CA_FILE",
    "LocalCA",
    "ServerCertificate",
    "certificate_hosts",
    "default_tls_dir",
    "spki_sha256",
]

CA_FILE = "ca.pem"
CA_KEY_FILE = "ca-key.pem"
CA_VALIDITY = dt.timedelta(days=3650)
SERVER_VALIDITY = dt.timedelta(days=365)
# A server certificate this close to its end is issued again at the next start.
RENEW_BEFORE = dt.timedelta(days=30)
# Backdated a little: a client whose clock runs slightly behind still accepts a fresh one.
BACKDATE = dt.timedelta(hours=1)
# The names a local client reaches the simulator by, whatever the issuer says.
LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")
_WILDCARD_HOSTS = ("", "0.0.0.0", "::")  # noqa: S104 - compared with, never bound


def default_tls_dir(environ: os._Environ[str] | dict[str, str] | None = None) -> Path:
    """The documented folder of the local CA: ``LEERID_TLS_DIR``, else the XDG data folder."""
    env = os.environ if environ is None else environ
    if env.get("LEERID_TLS_DIR"):
        return Path(env["LEERID_TLS_DIR"]).expanduser()
    data_home = env.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data_home).expanduser() / "leerid-sim" / "tls"


def certificate_hosts(*urls_or_hosts: str | None) -> tuple[str, ...]:
    """The local names plus the host of every URL or host name given, without repeats.

    A wildcard listen address (``0.0.0.0``) names no host of its own and is left out.
    """
    hosts: list[str] = list(LOCAL_HOSTS)
    for value in urls_or_hosts:
        if not value:
            continue
        host = urlsplit(value).hostname if "://" in value else value.strip("[]")
        if host and host not in _WILDCARD_HOSTS:
            hosts.append(host.lower())
    return tuple(dict.fromkeys(_canonical(h) for h in hosts))


def _canonical(host: str) -> str:
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        # RFC 5280 §4.2.1.6: a dNSName is an IA5String, so a non-ASCII name goes in as A-labels.
        return host.encode("idna").decode("ascii")


def _general_name(host: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(host))
    except ValueError:
        return x509.DNSName(host)


def spki_sha256(certificate_pem: bytes) -> str:
    """Base64 SHA-256 of the certificate's SubjectPublicKeyInfo (the form key pins use)."""
    certificate = x509.load_pem_x509_certificate(certificate_pem)
    return base64.b64encode(hashlib.sha256(_spki(certificate.public_key())).digest()).decode()


def _spki(public_key: CertificatePublicKeyTypes) -> bytes:
    return public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


@dataclass(frozen=True)
class ServerCertificate:
    """A server certificate and its key on disk, as ``ssl_certfile`` / ``ssl_keyfile`` take them."""

    certfile: Path
    keyfile: Path
    hosts: tuple[str, ...]
    not_after: dt.datetime


class LocalCA:
    """The local certificate authority in ``folder``, created on first use."""

    def __init__(self, folder: Path | str | None = None) -> None:
        self.folder = Path(folder) if folder is not None else default_tls_dir()

    @property
    def ca_file(self) -> Path:
        return self.folder / CA_FILE

    def ensure(self, *, now: dt.datetime | None = None) -> Path:
        """The CA certificate's path, after creating the authority if there is none yet."""
        with self._locked():
            self._load_or_create(now or _utcnow())
        return self.ca_file

    def server_certificate(
        self, hosts: Iterable[str], *, now: dt.datetime | None = None
    ) -> ServerCertificate:
        """A server certificate for exactly ``hosts``, issued (again) when needed.

        RFC 6125 §6: clients match the host they connect to against the subjectAltNames, so
        each host is one entry there (IP addresses as iPAddress, names as dNSName).
        """
        now = now or _utcnow()
        names = tuple(dict.fromkeys(_canonical(h) for h in hosts))
        if not names:
            raise ValueError("a server certificate needs at least one host name")
        digest = hashlib.sha256("\n".join(sorted(names)).encode()).hexdigest()[:12]
        certfile = self.folder / f"server-{digest}.pem"
        keyfile = self.folder / f"server-{digest}-key.pem"
        with self._locked():
            ca_cert, ca_key = self._load_or_create(now)
            current = _usable_server_certificate(certfile, keyfile, ca_cert, names, now)
            if current is None:
                current = _issue_server_certificate(ca_cert, ca_key, names, now)
                key_pem = current[1].private_bytes(
                    serialization.Encoding.PEM,
                    serialization.PrivateFormat.PKCS8,
                    serialization.NoEncryption(),
                )
                _write(keyfile, key_pem, 0o600)
                _write(certfile, current[0].public_bytes(serialization.Encoding.PEM), 0o644)
            return ServerCertificate(certfile, keyfile, names, current[0].not_valid_after_utc)

    def _load_or_create(
        self, now: dt.datetime
    ) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
        key_path = self.folder / CA_KEY_FILE
        if self.ca_file.exists() and key_path.exists():
            ca_cert = x509.load_pem_x509_certificate(self.ca_file.read_bytes())
            key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
            if not isinstance(key, ec.EllipticCurvePrivateKey):
                raise ValueError(f"{key_path} is not the key this simulator made")
            if ca_cert.not_valid_after_utc <= now:
                raise ValueError(
                    f"the local CA in {self.folder} has expired: delete the folder to make a "
                    "new one (and trust the new ca.pem again)"
                )
            return ca_cert, key
        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name(
            [
                x509.NameAttribute(
                    NameOID.ORGANIZATION_NAME, "LeerID Simulator (development only)"
                ),
                x509.NameAttribute(NameOID.COMMON_NAME, f"LeerID Simulator local CA {_owner()}"),
            ]
        )
        ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
        ca_cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - BACKDATE)
            .not_valid_after(now + CA_VALIDITY)
            # RFC 5280 §4.2.1.9: a CA for end-entity certificates only, no intermediates.
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(_key_usage(cert_sign=True), critical=True)
            .add_extension(ski, critical=False)
            .sign(key, hashes.SHA256())
        )
        # The key first: a ca.pem without its key next to it would make us start over.
        key_pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        _write(key_path, key_pem, 0o600)
        _write(self.ca_file, ca_cert.public_bytes(serialization.Encoding.PEM), 0o644)
        return ca_cert, key

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        # The folder holds the CA key: only its owner may list or enter it.
        os.chmod(self.folder, 0o700)
        fd = os.open(self.folder / ".lock", os.O_CREAT | os.O_RDWR, 0o600)
        try:
            try:
                import fcntl
            except ImportError:  # Windows: no advisory locks; starts there are rarely concurrent
                yield
                return
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)


def _usable_server_certificate(
    certfile: Path,
    keyfile: Path,
    ca_cert: x509.Certificate,
    names: tuple[str, ...],
    now: dt.datetime,
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey] | None:
    """The certificate on disk, if it is ours, for these names, and not near its end."""
    if not certfile.exists() or not keyfile.exists():
        return None
    try:
        cert = x509.load_pem_x509_certificate(certfile.read_bytes())
        key = serialization.load_pem_private_key(keyfile.read_bytes(), password=None)
        cert.verify_directly_issued_by(ca_cert)
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except (ValueError, TypeError, x509.ExtensionNotFound, InvalidSignature):
        return None
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        return None
    if _spki(key.public_key()) != _spki(cert.public_key()):
        return None
    if set(san) != {_general_name(n) for n in names}:
        return None
    if cert.not_valid_after_utc - RENEW_BEFORE <= now or cert.not_valid_before_utc > now:
        return None
    return cert, key


def _issue_server_certificate(
    ca_cert: x509.Certificate,
    ca_key: ec.EllipticCurvePrivateKey,
    names: tuple[str, ...],
    now: dt.datetime,
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    ca_ski = ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - BACKDATE)
        .not_valid_after(min(now + SERVER_VALIDITY, ca_cert.not_valid_after_utc))
        .add_extension(x509.SubjectAlternativeName([_general_name(n) for n in names]), False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(cert_sign=False), critical=True)
        # RFC 5280 §4.2.1.12: for TLS servers only, not for signing code or mail.
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    return cert, key


def _key_usage(*, cert_sign: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=not cert_sign,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )


def _write(path: Path, data: bytes, mode: int) -> None:
    """Write ``data`` to a temporary file with ``mode`` from the start, then rename it."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, mode)
    try:
        os.write(fd, data)
        if hasattr(os, "fchmod"):  # O_CREAT's mode is masked by the umask; this is not
            os.fchmod(fd, mode)
    finally:
        os.close(fd)
    os.replace(tmp, path)


def _owner() -> str:
    """``user@host``: tells two developers' authorities apart in a trust store listing."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "user"
    return f"{user}@{socket.gethostname()}"


def _utcnow() -> dt.datetime:
    # Certificates are checked by clients against the real clock, not the simulated one.
    return dt.datetime.now(dt.UTC)
