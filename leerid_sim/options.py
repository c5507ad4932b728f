"""Options shared by several sub-commands."""

from __future__ import annotations

import argparse
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from leerid_sim.errors import CommandError

if TYPE_CHECKING:
    from datastore import Datastore

__all__ = [
    "DEFAULT_DATABASE_URL",
    "ServerTLS",
    "add_database_option",
    "add_tls_option",
    "close_stores",
    "database_url",
    "open_store",
    "redact_url",
    "require_database",
    "server_tls",
]

# One default for every command, the provider and ``make demo``: after ``make demo`` the
# README's commands find the demo world without any setting.
DEFAULT_DATABASE_URL = "sqlite:///leerid.db"


def add_database_option(parser: argparse.ArgumentParser) -> None:
    """``--database-url`` (default: ``LEERID_DATABASE_URL``, then ``DEFAULT_DATABASE_URL``)."""
    parser.add_argument(
        "--database-url",
        metavar="URL",
        help=f"SQLAlchemy URL (default: $LEERID_DATABASE_URL or {DEFAULT_DATABASE_URL})",
    )


def database_url(args: argparse.Namespace) -> str:
    """The database URL from ``--database-url``, the environment or the default."""
    url: str = args.database_url or os.environ.get("LEERID_DATABASE_URL") or DEFAULT_DATABASE_URL
    if not url.startswith(("sqlite:", "postgresql", "postgres:")):
        raise CommandError(
            f"unsupported database URL {redact_url(url)!r}: use sqlite or postgresql"
        )
    return url


_opened: list[Datastore] = []


def open_store(args: argparse.Namespace) -> Datastore:
    """A ``Datastore`` for the database of ``args``, closed by ``close_stores`` at the end."""
    from datastore import Datastore

    url = database_url(args)
    require_database(url)
    store = Datastore.from_url(url)
    _opened.append(store)
    return store


def close_stores() -> None:
    """Close the connections of every store a command opened (``cli.main`` calls it last)."""
    while _opened:
        _opened.pop().dispose()


def redact_url(url: str) -> str:
    """The URL without its password, for messages."""
    return re.sub(r"://([^:/@]+):[^@]*@", r"://\1:***@", url)


def add_tls_option(parser: argparse.ArgumentParser) -> None:
    """``--tls`` (also ``LEERID_TLS=true``): serve https with a certificate of the local CA."""
    parser.add_argument(
        "--tls",
        action="store_true",
        help="serve https with a certificate of the local CA (see 'leerid-sim tls ca'); "
        "the issuer then defaults to https://localhost:8000/op",
    )


@dataclass(frozen=True)
class ServerTLS:
    """The files uvicorn serves https with, and the CA that issued them."""

    certfile: Path
    keyfile: Path
    ca_file: Path
    ca_folder: Path


def server_tls(settings: Any, *extra_hosts: str) -> ServerTLS | None:
    """The server certificate for the provider's settings (``None`` without TLS).

    It names localhost, 127.0.0.1, ::1, the issuer's host, the listen host and ``extra_hosts``.
    """
    if not settings.tls:
        return None
    from leerid_sim.tls import LocalCA, certificate_hosts, default_tls_dir

    ca = LocalCA(Path(settings.tls_dir) if settings.tls_dir else default_tls_dir())
    certificate = ca.server_certificate(
        certificate_hosts(settings.issuer, settings.host, *extra_hosts)
    )
    settings.tls_dir = str(ca.folder)
    return ServerTLS(certificate.certfile, certificate.keyfile, ca.ca_file, ca.folder)


def require_database(url: str) -> None:
    """Refuse a SQLite file that does not exist, with the commands that create it.

    SQLite would otherwise create an empty file on the first connection: the command then
    fails on a missing table, and the next one finds a file that looks like a database.
    """
    match = re.fullmatch(r"sqlite(\+\w+)?:///([^?]*)(\?.*)?", url)
    if match is None or match.group(2) in ("", ":memory:") or "mode=memory" in url:
        return
    if not os.path.exists(match.group(2)):
        raise CommandError(
            f"no database at {match.group(2)}: create it with 'leerid-sim db upgrade' and "
            "'leerid-sim seed demo' (or 'make demo'), or set LEERID_DATABASE_URL"
        )
