"""``leerid-sim privacy-log export``: the privacy log as CSV or JSON.

Who received which attributes (names, never values), when, on which legal basis, for what
purpose and through which channel; filtered by time, client or account_uuid.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from typing import Any

from leerid_sim.errors import CommandError
from leerid_sim.options import add_database_option, open_store


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("privacy-log", help="the privacy log: export it")
    actions = parser.add_subparsers(dest="privacy_log_command", metavar="ACTION")
    actions.required = True
    export = actions.add_parser(
        "export",
        help="write the privacy log as CSV or JSON, newest first",
        description=(
            "Write every matching privacy-log entry (time, client, organisation, protocol, "
            "account_uuid, attribute names, legal basis, purpose, channel) as CSV or JSON, "
            "newest first. Times are ISO 8601; a time without zone is UTC, a date is midnight UTC."
        ),
    )
    export.add_argument("--format", choices=("csv", "json"), default="csv", help="default: csv")
    export.add_argument("--since", type=_moment, metavar="ISO", help="entries at or after this")
    export.add_argument("--until", type=_moment, metavar="ISO", help="entries before this")
    export.add_argument("--client", metavar="ID", help="only this client_id")
    export.add_argument("--account-uuid", metavar="UUID", help="only this account_uuid")
    export.add_argument("--output", metavar="FILE", help="write to FILE instead of stdout")
    add_database_option(export)
    export.set_defaults(handler=_export)


def _moment(text: str) -> dt.datetime:
    """An ISO 8601 date or date-time; without zone it is UTC."""
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 date or time: {text!r}") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def _export(args: argparse.Namespace) -> int:
    from idp.privacy_export import iter_privacy_entries, write_privacy_log

    if args.since is not None and args.until is not None and args.since >= args.until:
        raise CommandError("--since must be before --until")
    store = open_store(args)
    try:
        entries = iter_privacy_entries(
            store,
            since=args.since,
            until=args.until,
            client_id=args.client,
            account_uuid=args.account_uuid,
        )
        if args.output is None:
            write_privacy_log(entries, sys.stdout, args.format)
            return 0
        try:
            with open(args.output, "w", encoding="utf-8", newline="") as out:
                count = write_privacy_log(entries, out, args.format)
        except OSError as exc:
            raise CommandError(f"cannot write {args.output}: {exc.strerror}") from None
    finally:
        store.dispose()
    print(f"wrote {count} privacy-log entries to {args.output}", file=sys.stderr)
    return 0
