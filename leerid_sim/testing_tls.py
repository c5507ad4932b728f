"""Make a browser trust the local CA, so a browser test checks certificates as users' do.

Chromium (and Chrome) on Linux ignore ``SSL_CERT_FILE``: they read trust anchors from the NSS
database in ``$HOME/.pki/nssdb``. ``browser_home`` makes a HOME folder whose database trusts the
local CA for TLS servers only; a browser launched with that HOME then verifies the simulator's
certificate chain, host name and validity as for any site, so a wrong host or another CA
still fails. ``certutil`` comes with NSS's tools (Debian: ``apt-get install libnss3-tools``).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

__all__ = ["CertutilMissing", "browser_home"]

NICKNAME = "LeerID Simulator local CA"


class CertutilMissing(RuntimeError):
    """NSS's ``certutil`` is not installed."""


def browser_home(ca_file: str | Path, home: str | Path) -> Path:
    """``home`` with an NSS database that trusts ``ca_file`` to identify TLS servers."""
    certutil = shutil.which("certutil")
    if certutil is None:
        raise CertutilMissing("certutil is not installed (Debian: apt-get install libnss3-tools)")
    home = Path(home)
    nssdb = home / ".pki" / "nssdb"
    nssdb.mkdir(parents=True, exist_ok=True, mode=0o700)
    database = f"sql:{nssdb}"
    if not (nssdb / "cert9.db").exists():
        subprocess.run(  # noqa: S603 - a fixed program with our own arguments
            [certutil, "-d", database, "-N", "--empty-password"], check=True, capture_output=True
        )
    # "C,,": a trusted CA for TLS servers; not for e-mail or code signing.
    subprocess.run(  # noqa: S603 - a fixed program with our own arguments
        [certutil, "-d", database, "-A", "-t", "C,,", "-n", NICKNAME, "-i", str(ca_file)],
        check=True,
        capture_output=True,
    )
    return home
