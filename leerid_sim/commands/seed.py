"""``leerid-sim seed demo|FILE``: load the demo world or a world file (docs/fixtures.md)."""

from __future__ import annotations

import argparse
import os
from typing import Any

from leerid_sim.errors import CommandError
from leerid_sim.options import add_database_option, open_store

DEFAULT_ISSUER = "http://localhost:8000/op"


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "seed",
        help="load the demo world or a world file (seeding twice changes nothing)",
        description=(
            "Load a world of schools, pupils, staff, applications, protocols and clients. "
            "'demo' is the demo world of the contract; any other value is a YAML world file "
            "(format: docs/fixtures.md). Redirect URIs written as {issuer_origin}/... use the "
            "origin of $LEERID_ISSUER (default http://localhost:8000/op); URIs written as "
            "{rp_origin}/... use rp_demo's address ($LEERID_RP_BASE_URL, or "
            "$LEERID_RP_HOST and $LEERID_RP_PORT; default http://localhost:8001)."
        ),
    )
    parser.add_argument("world", metavar="demo|FILE", help="'demo' or the path of a world file")
    add_database_option(parser)
    parser.set_defaults(handler=_seed)


def _seed(args: argparse.Namespace) -> int:
    from pydantic import ValidationError
    from pydantic_settings import SettingsError

    from datastore import DEMO_WORLD, load_world
    from leerid_sim.commands.demo import rp_demo_origin
    from rp_demo import RPSettings

    issuer = os.environ.get("LEERID_ISSUER") or DEFAULT_ISSUER
    if not issuer.startswith(("http://", "https://")):
        raise CommandError(f"LEERID_ISSUER must be an http(s) URL, not {issuer!r}")
    try:
        rp_origin = rp_demo_origin(RPSettings())
    except ValidationError as exc:
        first = exc.errors()[0]
        name = f"LEERID_RP_{str(first['loc'][0]).upper()}"
        raise CommandError(f"invalid setting {name}: {first['msg']}") from None
    except SettingsError as exc:
        raise CommandError(f"invalid LEERID_RP_* setting: {exc}") from None
    path = DEMO_WORLD if args.world == "demo" else args.world
    store = open_store(args)
    try:
        summary = load_world(store, path, issuer=issuer, rp_origin=rp_origin)
    finally:
        store.dispose()
    name = "the demo world" if args.world == "demo" else args.world
    print(
        f"loaded {name}: {summary.schools} schools, {summary.classes} classes, "
        f"{summary.pupils} pupils, {summary.staff} staff, {summary.accounts} accounts, "
        f"{summary.applications} applications, {summary.clients} clients"
    )
    return 0
