"""``leerid-sim keys rotate|list``: the provider's signing keys in the datastore."""

from __future__ import annotations

import argparse
from typing import Any

from leerid_sim.options import add_database_option, open_store

__all__ = ["register"]


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("keys", help="signing keys: rotate or list")
    actions = parser.add_subparsers(dest="keys_command", metavar="ACTION")
    actions.required = True
    rotate = actions.add_parser(
        "rotate",
        help="make new signing keys; the old ones stay in the JWKS until their tokens expire",
    )
    rotate.add_argument(
        "--keep-seconds",
        type=int,
        help="how long retired keys stay in the JWKS "
        "(default: $LEERID_KEY_RETENTION_SECONDS or 86400)",
    )
    add_database_option(rotate)
    rotate.set_defaults(handler=_rotate)
    listing = actions.add_parser("list", help="the keys in the JWKS, newest last")
    add_database_option(listing)
    listing.set_defaults(handler=_list)


def _rotate(args: argparse.Namespace) -> int:
    from idp.keys import KeyRing
    from idp.settings import ProviderSettings
    from leerid_sim.errors import CommandError

    keep = args.keep_seconds
    if keep is None:
        keep = ProviderSettings().key_retention_seconds
    if keep < 0:
        raise CommandError("--keep-seconds must not be negative")
    store = open_store(args)
    try:
        kids = KeyRing(store).rotate(keep)
    finally:
        store.dispose()
    print(f"new signing keys: {', '.join(kids)}; retired keys stay in the JWKS for {keep} s")
    return 0


def _list(args: argparse.Namespace) -> int:
    store = open_store(args)
    try:
        now = store.clock.now()
        for key in store.oidc.signing_keys(now):
            state = "active" if key.retired_at is None else f"retired, until {key.expires_at}"
            print(f"{key.alg}  {key.kid}  created {key.created_at:%Y-%m-%d %H:%M}  {state}")
    finally:
        store.dispose()
    return 0
