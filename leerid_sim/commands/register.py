"""``leerid-sim register export``: the register of processing activities (GDPR art. 30).

Built from the protocols (purpose, categories of data, recipients, retention, legal basis),
as ``GET /admin/api/register`` serves it.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from leerid_sim.errors import CommandError
from leerid_sim.options import add_database_option, open_store


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "register", help="the register of processing activities (GDPR art. 30): export it"
    )
    actions = parser.add_subparsers(dest="register_command", metavar="ACTION")
    actions.required = True
    export = actions.add_parser(
        "export",
        help="write the register as Markdown, CSV or JSON",
        description=(
            "Write one processing activity per protocol: controller, recipient, purpose, data "
            "subjects, categories of data, attributes, legal bases, retention and status."
        ),
    )
    export.add_argument("--format", choices=("md", "csv", "json"), default="md", help="default: md")
    export.add_argument("--output", metavar="FILE", help="write to FILE instead of stdout")
    add_database_option(export)
    export.set_defaults(handler=_export)


def _export(args: argparse.Namespace) -> int:
    from datastore import build_register, render_register

    store = open_store(args)
    try:
        text = render_register(build_register(store), args.format)
    finally:
        store.dispose()
    if args.output is None:
        sys.stdout.write(text)
        return 0
    try:
        with open(args.output, "w", encoding="utf-8", newline="") as out:
            out.write(text)
    except OSError as exc:
        raise CommandError(f"cannot write {args.output}: {exc.strerror}") from None
    print(f"wrote the register to {args.output}", file=sys.stderr)
    return 0
