"""Options shared by several sub-commands."""

from __future__ import annotations

import argparse
import os
import re
from typing import TYPE_CHECKING

from leerid_sim.cli import CommandError

if TYPE_CHECKING:
    from datastore import Datastore

__all__ = ["add_database_option", "close_stores", "database_url", "open_store", "redact_url"]


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


_opened: list[Datastore] = []


def open_store(args: argparse.Namespace) -> Datastore:
    """A ``Datastore`` for the database of ``args``, closed by ``close_stores`` at the end."""
    from datastore import Datastore

    store = Datastore.from_url(database_url(args))
    _opened.append(store)
    return store


def close_stores() -> None:
    """Close the connections of every store a command opened (``cli.main`` calls it last)."""
    while _opened:
        _opened.pop().dispose()


def redact_url(url: str) -> str:
    """The URL without its password, for messages."""
    return re.sub(r"://([^:/@]+):[^@]*@", r"://\1:***@", url)
