"""The local CA: one per folder, its key private to the user, server certificates kept current."""

from __future__ import annotations

import datetime as dt
import os
import stat
import subprocess
import sys
from pathlib import Path

from cryptography import x509

from leerid_sim.tls import LocalCA, certificate_hosts, default_tls_dir

# Certificates are checked against the real clock by clients; these tests pass their own "now".
NOW = dt.datetime(2026, 9, 1, 8, 0, tzinfo=dt.UTC)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_ca_key_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    ca = LocalCA(tmp_path / "tls")
    ca.ensure(now=NOW)
    server = ca.server_certificate(certificate_hosts(), now=NOW)
    assert _mode(tmp_path / "tls") == 0o700
    assert _mode(tmp_path / "tls" / "ca-key.pem") == 0o600
    assert _mode(server.keyfile) == 0o600
    assert _mode(ca.ca_file) == 0o644


def test_the_ca_is_made_once_and_kept(tmp_path: Path) -> None:
    first = LocalCA(tmp_path).ensure(now=NOW).read_bytes()
    assert LocalCA(tmp_path).ensure(now=NOW + dt.timedelta(days=400)).read_bytes() == first


def test_the_server_certificate_names_the_local_hosts_and_the_issuers_host(tmp_path: Path) -> None:
    wildcard = "0.0.0.0"  # noqa: S104 - a listen address that names no host
    hosts = certificate_hosts("https://authenticatie-ti.vlaanderen.be/op", wildcard)
    assert hosts == ("localhost", "127.0.0.1", "::1", "authenticatie-ti.vlaanderen.be")
    server = LocalCA(tmp_path).server_certificate(hosts, now=NOW)
    cert = x509.load_pem_x509_certificate(server.certfile.read_bytes())
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == ["localhost", "authenticatie-ti.vlaanderen.be"]
    assert [str(ip) for ip in san.get_values_for_type(x509.IPAddress)] == ["127.0.0.1", "::1"]
    ca = x509.load_pem_x509_certificate((tmp_path / "ca.pem").read_bytes())
    cert.verify_directly_issued_by(ca)


def test_a_server_certificate_is_reused_until_near_its_end(tmp_path: Path) -> None:
    ca = LocalCA(tmp_path)
    first = ca.server_certificate(certificate_hosts(), now=NOW)
    again = ca.server_certificate(certificate_hosts(), now=NOW + dt.timedelta(days=300))
    assert again.certfile.read_bytes() == first.certfile.read_bytes()
    renewed = ca.server_certificate(certificate_hosts(), now=NOW + dt.timedelta(days=340))
    assert renewed.not_after > first.not_after


def test_other_hosts_get_their_own_certificate(tmp_path: Path) -> None:
    ca = LocalCA(tmp_path)
    local = ca.server_certificate(certificate_hosts(), now=NOW)
    acm = ca.server_certificate(
        certificate_hosts("https://authenticatie-ti.vlaanderen.be"), now=NOW
    )
    assert acm.certfile != local.certfile
    assert "authenticatie-ti.vlaanderen.be" in acm.hosts


def test_a_certificate_of_an_earlier_ca_is_issued_again(tmp_path: Path) -> None:
    ca = LocalCA(tmp_path)
    old = ca.server_certificate(certificate_hosts(), now=NOW).certfile.read_bytes()
    (tmp_path / "ca.pem").unlink()  # the user removed the CA: a new one is made
    new = ca.server_certificate(certificate_hosts(), now=NOW)
    assert new.certfile.read_bytes() != old
    fresh_ca = x509.load_pem_x509_certificate((tmp_path / "ca.pem").read_bytes())
    x509.load_pem_x509_certificate(new.certfile.read_bytes()).verify_directly_issued_by(fresh_ca)


def test_the_folder_is_documented_and_overridable(tmp_path: Path) -> None:
    home = str(Path.home())
    assert default_tls_dir({}) == Path(home) / ".local/share/leerid-sim/tls"
    assert default_tls_dir({"XDG_DATA_HOME": "/x"}) == Path("/x/leerid-sim/tls")
    assert default_tls_dir({"LEERID_TLS_DIR": str(tmp_path), "XDG_DATA_HOME": "/x"}) == tmp_path


def test_tls_ca_prints_the_certificate_path_and_creates_it(tmp_path: Path) -> None:
    env = {**os.environ, "LEERID_TLS_DIR": str(tmp_path / "ca")}
    result = subprocess.run(
        [sys.executable, "-m", "leerid_sim.cli", "tls", "ca"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    path = Path(result.stdout.strip())
    assert path == tmp_path / "ca" / "ca.pem"
    assert (
        x509.load_pem_x509_certificate(path.read_bytes())
        .extensions.get_extension_for_class(x509.BasicConstraints)
        .value.ca
    )
