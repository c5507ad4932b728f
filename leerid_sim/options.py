"""Options shared by several sub-commands."""

from __future__ import annotations

import argparse
import os
import re

from leerid_sim.cli import CommandError

__all__ = ["add_database_option", "database_url", "open_store", "redact_url"]


def add_database_option(parser: argparse.ArgumentParser) -> None:
    """``--database-url`` (default: ``LEERID_DATABASE_URL``, then ``sqlite:///leerid.db``)."""
    parser.add_argument(
        "--database-url",
        metavar="URL",
        help="SQLAlchemy URL (default: $LEERID_DATABASE_URL or sqlite:///leerid.db)",
    )


def database_url(args: argparse.Namespace) -> str:
    """The database URL from ``--database-url``, the environment or the default."""
    url: str = args.database_url or os.environ.get("LEERID_DATABASE_URL") or "sqlite:///leerid.db"
    if not url.startswith(("sqlite:", "postgresql", "postgres:")):
        raise CommandError(
            f"unsupported database URL {redact_url(url)!r}: use sqlite or postgresql"
        )
    return url


def open_store(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    """A ``Datastore`` for the database of ``args``."""
    from datastore import Datastore

    return Datastore.from_url(database_url(args))


def redact_url(url: str) -> str:
    """The URL without its password, for messages."""
    return re.sub(r"://([^:/@]+):[^@]*@", r"://\1:***@", url)
