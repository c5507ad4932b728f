"""``leerid-sim db upgrade``: migrate the database."""

from __future__ import annotations

import argparse
from typing import Any

from leerid_sim.options import add_database_option, database_url


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("db", help="database schema (Alembic migrations)")
    db_commands = parser.add_subparsers(dest="db_command", metavar="ACTION")
    db_commands.required = True
    upgrade = db_commands.add_parser("upgrade", help="migrate the database to the newest schema")
    add_database_option(upgrade)
    upgrade.set_defaults(handler=_upgrade)


def _upgrade(args: argparse.Namespace) -> int:
    from datastore import upgrade

    url = database_url(args)
    upgrade(url)
    print(f"database is at the newest schema: {_safe(url)}")
    return 0


def _safe(url: str) -> str:
    from leerid_sim.options import redact_url

    return redact_url(url)
