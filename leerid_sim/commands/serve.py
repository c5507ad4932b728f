"""``leerid-sim serve``: run the provider (with the Schoolloket) under uvicorn.

uvicorn runs ``leerid_sim.server:create_server_app`` as a factory, so every worker builds its
own app, engine and caches from the environment (``LEERID_*``). Workers share nothing but the
database, which holds every piece of protocol state.
"""

from __future__ import annotations

import argparse
import os
from typing import Any

from leerid_sim.cli import CommandError
from leerid_sim.options import add_database_option, database_url

__all__ = ["register"]


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="run the identity provider (and the Schoolloket) with uvicorn",
        description=(
            "Run the OpenID Connect provider at $LEERID_ISSUER (default "
            "http://localhost:8000/op). Needs LEERID_ADMIN_TOKEN (the admin API's Bearer "
            "token) unless LEERID_DEMO_MODE=true. Every setting is a LEERID_* variable "
            "(docs/provider.md)."
        ),
    )
    parser.add_argument(
        "--host", help="interface to listen on (default: $LEERID_HOST or localhost)"
    )
    parser.add_argument("--port", type=int, help="port (default: $LEERID_PORT or 8000)")
    parser.add_argument(
        "--workers", type=int, default=1, help="worker processes (default: 1); they share the DB"
    )
    parser.add_argument(
        "--access-log",
        action="store_true",
        help="log every request (uvicorn's access log; off by default: it costs CPU per request)",
    )
    add_database_option(parser)
    parser.set_defaults(handler=_serve)


def _settings_from_environment() -> Any:
    from pydantic import ValidationError

    from idp.settings import ProviderSettings

    try:
        return ProviderSettings()
    except ValidationError as exc:
        error = exc.errors()[0]
        name = "LEERID_" + "_".join(str(part) for part in error["loc"]).upper()
        raise CommandError(f"{name}: {error['msg']}") from None


def _serve(args: argparse.Namespace) -> int:
    if args.workers < 1:
        raise CommandError("--workers must be at least 1")
    if args.port is not None and not 1 <= args.port <= 65535:
        raise CommandError("--port must be between 1 and 65535")
    # Workers read their settings from the environment: pass the options on through it.
    if args.host:
        os.environ["LEERID_HOST"] = args.host
    if args.port:
        os.environ["LEERID_PORT"] = str(args.port)
    if args.database_url or "LEERID_DATABASE_URL" not in os.environ:
        os.environ["LEERID_DATABASE_URL"] = database_url(args)
    settings = _settings_from_environment()
    if settings.effective_admin_token() is None:
        raise CommandError(
            "LEERID_ADMIN_TOKEN is not set: set it (the admin API's Bearer token), "
            "or use 'leerid-sim demo' for demo mode"
        )
    import uvicorn

    uvicorn.run(
        "leerid_sim.server:create_server_app",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=args.workers,
        proxy_headers=True,
        log_level="info",
        access_log=args.access_log,
    )
    return 0
