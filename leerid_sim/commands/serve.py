"""``leerid-sim serve``: run the provider (with the Schoolloket) under uvicorn or granian.

The HTTP server (``--http-server``: uvicorn, or granian, a Rust HTTP server for ASGI apps, from
the ``granian`` extra) runs ``leerid_sim.server:serve_server_app`` as a factory, so every worker
builds its own app, engine and caches from the environment (``LEERID_*``). Workers share
nothing but the database, which holds every piece of protocol state.
"""

from __future__ import annotations

import argparse
import gc
import os
from typing import Any

from leerid_sim.errors import CommandError
from leerid_sim.options import (
    ServerTLS,
    add_database_option,
    add_tls_option,
    database_url,
    require_database,
    server_tls,
)

__all__ = ["DEFAULT_HTTP_SERVER", "HTTP_SERVERS", "register"]

HTTP_SERVERS = ("uvicorn", "granian")
DEFAULT_HTTP_SERVER = "uvicorn"


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="run the identity provider (and the Schoolloket)",
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
        help="log every request (the HTTP server's access log, secrets in query strings "
        "redacted; off by default: it costs CPU per request)",
    )
    parser.add_argument(
        "--http-server",
        choices=HTTP_SERVERS,
        default=DEFAULT_HTTP_SERVER,
        help=f"the HTTP server (default: {DEFAULT_HTTP_SERVER}); granian needs the granian "
        "extra: pip install 'leerid-sim[granian]'",
    )
    add_tls_option(parser)
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
    # Importing the provider makes a great many objects that live as long as the process:
    # collecting them while they are made is a noticeable part of a cold start. The factory
    # turns the collector back on.
    gc.disable()
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
    if args.tls:
        os.environ["LEERID_TLS"] = "true"
    settings = _settings_from_environment()
    tls = server_tls(settings)
    if tls is not None:
        # Workers build their settings again: they must see the same CA folder.
        os.environ["LEERID_TLS_DIR"] = str(tls.ca_folder)
    if settings.effective_admin_token() is None:
        raise CommandError(
            "LEERID_ADMIN_TOKEN is not set: set it (the admin API's Bearer token), "
            "or use 'leerid-sim demo' for demo mode"
        )
    require_database(settings.database_url)
    if args.http_server == "granian":
        _run_granian(args, settings, tls)
    else:
        _run_uvicorn(args, settings, tls)
    return 0


def _run_uvicorn(args: argparse.Namespace, settings: Any, tls: ServerTLS | None) -> None:
    import uvicorn

    if args.workers > 1 and _fork_workers_from_a_loaded_parent():
        from leerid_sim.listeners import listen_per_worker

        listen_per_worker()  # connections spread over the workers (leerid_sim/listeners.py)
    uvicorn.run(
        "leerid_sim.server:serve_server_app",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=args.workers,
        proxy_headers=True,
        log_level="info",
        access_log=args.access_log,
        http="leerid_sim.http_protocol:CoalescingHttpToolsProtocol",
        ws="none",  # the provider has no WebSocket endpoint: an upgrade is plain HTTP
        ssl_certfile=str(tls.certfile) if tls else None,
        ssl_keyfile=str(tls.keyfile) if tls else None,
    )


def _run_granian(args: argparse.Namespace, settings: Any, tls: ServerTLS | None) -> None:
    """granian: a supervisor process and ``--workers`` worker processes forked from it.

    As under uvicorn: HTTP/1.1 only, the ASGI lifespan (each worker makes sure the signing keys
    exist before it serves), uvicorn's own proxy-header middleware (``X-Forwarded-For`` and
    ``-Proto`` from ``$FORWARDED_ALLOW_IPS``, default 127.0.0.1), TLS 1.2 or later, the access
    log only on request, and SIGTERM or SIGINT answered by a graceful stop of every worker.
    """
    try:
        from granian.constants import HTTPModes, Interfaces, SSLProtocols
        from granian.log import LogLevels
        from granian.server import Server
    except ImportError:
        raise CommandError(
            "--http-server granian needs granian: pip install 'leerid-sim[granian]'"
        ) from None
    # granian forks its workers (multiprocessing's default start method on Linux): loaded
    # here once, the modules are shared copy-on-write; each worker still builds its own app,
    # engine and keys from the environment after the fork.
    import uvicorn.middleware.proxy_headers  # noqa: F401  (serve_granian_app's middleware)

    _load_modules_before_forking()
    server = Server(
        "leerid_sim.server:serve_granian_app",
        factory=True,
        address=settings.host,
        port=settings.port,
        interface=Interfaces.ASGI,
        workers=args.workers,
        http=HTTPModes.http1,
        websockets=False,
        log_level=LogLevels.info,
        log_access=args.access_log,
        ssl_cert=tls.certfile if tls else None,
        ssl_key=tls.keyfile if tls else None,
        ssl_protocol_min=SSLProtocols.tls12,
    )
    server.serve()


def _load_modules_before_forking() -> None:
    import leerid_sim.server  # noqa: F401  (the modules only)

    # The modules stay for the process's life: out of the collector's way, and shared
    # copy-on-write by the forked workers.
    gc.freeze()
    gc.enable()


# Signals uvicorn's supervisor catches for itself; a forked worker starts with the defaults again.
_SUPERVISOR_SIGNALS = ("SIGINT", "SIGTERM", "SIGHUP", "SIGTTIN", "SIGTTOU")


def _fork_workers_from_a_loaded_parent() -> bool:
    """Load the server's modules once, in uvicorn's supervisor, and fork the workers from it.

    uvicorn starts workers with ``spawn``: each fresh interpreter imports the whole provider
    again, which is most of a worker's start (cold start). Forked from a parent that
    has imported the modules (and nothing more: no app, engine, key or thread exists yet; each
    worker still builds its own from the environment), a worker only builds its app, as
    gunicorn's ``--preload`` does. Only on Linux (macOS makes spawn the default because system
    libraries there may not survive a fork), and only while uvicorn starts its workers through
    ``uvicorn._subprocess.spawn``; otherwise workers are spawned as uvicorn does by default.
    Whether the workers will be forked.
    """
    import multiprocessing
    import signal
    import sys

    from uvicorn import _subprocess

    if not sys.platform.startswith("linux") or not hasattr(_subprocess, "spawn"):
        return False
    _load_modules_before_forking()

    def default_signals() -> None:
        # The supervisor queues these signals for itself; a worker must react to them as a
        # spawned one does (SIGTERM ends it) until uvicorn installs the worker's own handlers.
        for name in _SUPERVISOR_SIGNALS:
            if hasattr(signal, name):
                handler = signal.default_int_handler if name == "SIGINT" else signal.SIG_DFL
                signal.signal(getattr(signal, name), handler)

    os.register_at_fork(after_in_child=default_signals)
    _subprocess.spawn = multiprocessing.get_context("fork")  # type: ignore[assignment]
    return True
