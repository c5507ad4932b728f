"""``leerid-sim purge``: delete what is past its retention period.

Expired sessions, codes, tokens and used client assertions; privacy-log entries older than
their protocol's retention; class placements kept more than a year after the enrolment ended.
The same as ``POST /admin/api/purge``; it uses the simulated clock.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from leerid_sim.options import add_database_option, open_store


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "purge",
        help="delete expired sessions, codes, tokens and old privacy-log entries (retention)",
        description=(
            "Delete what is past its retention on the (simulated) clock and print how many of "
            "each were removed: expired or ended sessions, authorization codes, tokens, used "
            "client assertions, privacy-log entries older than their protocol's retention, "
            "class placements of enrolments that ended more than a year ago, and wrong-password "
            "counters whose window and lock have ended."
        ),
    )
    parser.add_argument("--json", action="store_true", help="print the counts as JSON")
    add_database_option(parser)
    parser.set_defaults(handler=_purge)


def _purge(args: argparse.Namespace) -> int:
    store = open_store(args)
    try:
        report = store.control.purge()
    finally:
        store.dispose()
    counts = report.as_dict()
    if args.json:
        print(json.dumps(counts, indent=2))
        return 0
    print(f"purged at {counts.pop('now')}:")
    for name, count in counts.items():
        print(f"  {name.replace('_', ' ')}: {count}")
    return 0
