"""``leerid-sim demo``: the provider (in demo mode) and rp_demo together, in one process.

The provider (``leerid_sim.server:create_server_app``, with the Schoolloket) listens on
``LEERID_HOST:LEERID_PORT`` (default localhost:8000) and rp_demo on ``LEERID_RP_HOST:
LEERID_RP_PORT`` (default localhost:8001). Demo mode makes the admin token default to
``leerid-admin-demo`` (DECISIONS 24), and rp_demo gets that token too, so its DOV demo page
shows withheld reasons and the privacy log. The URLs and the demo personas are printed first.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import socket
from collections.abc import Iterator
from typing import Any

from leerid_sim.cli import CommandError
from leerid_sim.options import (
    add_database_option,
    add_tls_option,
    database_url,
    redact_url,
    require_database,
    server_tls,
)
from leerid_sim.personas import PERSONAS, PUPIL_PASSWORD, STAFF, STAFF_PASSWORD

__all__ = ["PERSONAS", "STAFF", "banner", "register"]

# The demo world registers rp_demo's redirect URIs on this port (CONTRACT.md "Relying parties").
DEMO_RP_PORT = 8001


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="run the provider (demo mode) and rp_demo together",
        description="Run the provider on :8000 (demo mode) and rp_demo on :8001. "
        "Environment: LEERID_HOST/PORT/ISSUER, LEERID_RP_* (see docs/rp-demo.md).",
    )
    add_database_option(parser)
    parser.add_argument("--host", help="provider host (default: $LEERID_HOST or localhost)")
    parser.add_argument("--port", type=int, help="provider port (default: $LEERID_PORT or 8000)")
    parser.add_argument(
        "--rp-port", type=int, help="rp_demo port (default: $LEERID_RP_PORT or 8001)"
    )
    add_tls_option(parser)
    parser.set_defaults(handler=_demo)


def banner(provider_url: str, issuer: str, rp_url: str, admin_token: str | None) -> str:
    """What ``leerid-sim demo`` prints when it starts: where to go and who to be."""
    lines = [
        "LeerID simulator demo",
        "",
        f"  rp_demo (demo applications):   {rp_url}/",
        f"  DOV demo page:                 {rp_url}/dov",
        f"  identity provider (ACM role):  {provider_url}",
        f"  issuer / discovery:            {issuer}/.well-known/openid-configuration",
        f"  Schoolloket (school staff):    {provider_url}/schoolloket/",
        f"  admin API (OpenAPI at /docs):  {provider_url}/admin/api  Bearer {admin_token or '-'}",
        "",
        f"Pupils (password {PUPIL_PASSWORD}):",
        *(f"  {name:<16} {who}" for name, who, _ in PERSONAS),
        "",
        f"Staff, in the Schoolloket (password {STAFF_PASSWORD}):",
        *(f"  {name:<16} {who}" for name, who, _ in STAFF),
        "",
        "Press Ctrl+C to stop.",
    ]
    return "\n".join(lines)


def _browser_host(host: str) -> str:
    """The host a browser uses: a wildcard listen address means this machine."""
    return "localhost" if host in ("0.0.0.0", "::", "") else host  # noqa: S104 - a comparison


def _bind(host: str, port: int, what: str) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise CommandError(f"{what} cannot listen on {host}:{port}: {exc.strerror}") from exc
    return sock


def _demo(args: argparse.Namespace) -> int:
    import uvicorn
    from pydantic import SecretStr, ValidationError

    from idp.settings import ProviderSettings
    from leerid_sim.server import create_server_app
    from rp_demo import RPSettings, create_app

    overrides: dict[str, Any] = {"demo_mode": True, "database_url": database_url(args)}
    require_database(overrides["database_url"])
    if args.host:
        overrides["host"] = args.host
    if args.port:
        overrides["port"] = args.port
    if args.tls:
        overrides["tls"] = True
    try:
        provider_settings = ProviderSettings(**overrides)
        rp_settings = RPSettings()
    except ValidationError as exc:
        first = exc.errors()[0]
        raise CommandError(f"invalid setting {first['loc'][0]}: {first['msg']}") from exc
    rp_updates: dict[str, Any] = {}
    if args.rp_port:
        rp_updates["port"] = args.rp_port
    scheme = "https" if provider_settings.tls else "http"
    if "base_url" not in rp_settings.model_fields_set:
        rp_host = _browser_host(rp_settings.host)
        rp_port = rp_updates.get("port", rp_settings.port)
        rp_updates["base_url"] = f"{scheme}://{rp_host}:{rp_port}"
    # rp_demo follows the provider unless LEERID_RP_* says otherwise.
    if "issuer" not in rp_settings.model_fields_set:
        rp_updates["issuer"] = provider_settings.issuer
    admin_token = provider_settings.effective_admin_token()
    if rp_settings.admin_token is None and admin_token:
        rp_updates["admin_token"] = SecretStr(admin_token)
    tls = server_tls(provider_settings, rp_settings.host, rp_updates.get("base_url", ""))
    if tls is not None and rp_settings.ca_file is None:
        # rp_demo verifies the provider's certificate against the local CA, never not at all.
        rp_updates["ca_file"] = str(tls.ca_file)
    rp_settings = rp_settings.model_copy(update=rp_updates)

    provider_sock = _bind(provider_settings.host, provider_settings.port, "the provider")
    rp_sock = _bind(rp_settings.host, rp_settings.port, "rp_demo")
    provider_app = create_server_app(provider_settings)
    rp_app = create_app(rp_settings)
    _align_backchannel_scheme(provider_app, rp_settings.base_url)
    provider_url = f"{scheme}://{_browser_host(provider_settings.host)}:{provider_settings.port}"
    print(banner(provider_url, provider_settings.issuer, rp_settings.base_url, admin_token))
    if rp_settings.port != DEMO_RP_PORT:
        print(
            f"\nnote: the demo world registers rp_demo's redirect URIs on port {DEMO_RP_PORT}; "
            f"on port {rp_settings.port}, add them to the clients first "
            "(PATCH /admin/api/clients/{client_id})."
        )
    if tls is not None:
        print(f"\nhttps: certificates of the local CA {tls.ca_file} (trust it: README, HTTPS)")
    print(f"\ndatabase: {redact_url(provider_settings.database_url)}", flush=True)

    ssl_files: dict[str, Any] = {}
    if tls is not None:
        ssl_files = {"ssl_certfile": str(tls.certfile), "ssl_keyfile": str(tls.keyfile)}
    servers = [
        _Server(uvicorn.Config(provider_app, log_level="warning", **ssl_files)),
        _Server(uvicorn.Config(rp_app, log_level="warning", **ssl_files)),
    ]
    asyncio.run(_serve_all(servers, [provider_sock, rp_sock]))
    return 0


def _align_backchannel_scheme(provider_app: Any, rp_base_url: str) -> None:
    """Point the demo clients' back-channel logout at rp_demo's scheme of this run.

    A client registers one back-channel URI; the demo world's is rp_demo's on http. Under
    ``--tls`` rp_demo answers only https on that port (and the other way round), so a client
    whose URI is rp_demo's with the other scheme is moved to this run's. Other URIs stay.
    """
    wanted = f"{rp_base_url}/backchannel-logout"
    scheme, rest = wanted.split("://", 1)
    other = f"{'http' if scheme == 'https' else 'https'}://{rest}"
    admin = provider_app.state.store.admin
    for client in admin.admin_clients():
        if client.backchannel_logout_uri == other:
            admin.update_client(client.client_id, {"backchannel_logout_uri": wanted})


class _Server:
    """A uvicorn server that leaves signal handling to ``_serve_all`` (one Ctrl+C stops both)."""

    def __init__(self, config: Any) -> None:
        import uvicorn

        class _Quiet(uvicorn.Server):
            @contextlib.contextmanager
            def capture_signals(self) -> Iterator[None]:
                yield

        self.server = _Quiet(config)

    async def serve(self, sock: socket.socket) -> None:
        await self.server.serve(sockets=[sock])

    def stop(self) -> None:
        self.server.should_exit = True


async def _serve_all(servers: list[_Server], sockets: list[socket.socket]) -> None:
    loop = asyncio.get_running_loop()

    def stop_all() -> None:
        for server in servers:
            server.stop()

    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop_all)
    await asyncio.gather(*(s.serve(sock) for s, sock in zip(servers, sockets, strict=True)))
