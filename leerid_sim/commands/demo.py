"""``leerid-sim demo``: the provider (in demo mode) and rp_demo together, in one process.

The provider (``leerid_sim.server:create_server_app``, with the Schoolloket) listens on
``LEERID_HOST:LEERID_PORT`` (default localhost:8000) and rp_demo on ``LEERID_RP_HOST:
LEERID_RP_PORT`` (default localhost:8001). Demo mode makes the admin token default to
``leerid-admin-demo`` (nowhere else), and rp_demo gets that token too, so its DOV demo page
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

from leerid_sim.errors import CommandError
from leerid_sim.options import (
    add_database_option,
    add_tls_option,
    database_url,
    redact_url,
    require_database,
    server_tls,
)
from leerid_sim.personas import PERSONAS, PUPIL_PASSWORD, STAFF, STAFF_PASSWORD

__all__ = ["PERSONAS", "STAFF", "banner", "register", "rp_demo_origin"]


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


def rp_demo_origin(rp_settings: Any, *, tls: bool = False) -> str:
    """Where browsers and the provider reach rp_demo: ``LEERID_RP_BASE_URL``, or its host and
    port (``LEERID_RP_HOST``/``LEERID_RP_PORT``) under https with TLS, else http."""
    if "base_url" in rp_settings.model_fields_set:
        return str(rp_settings.base_url)
    scheme = "https" if tls else "http"
    return f"{scheme}://{_browser_host(rp_settings.host)}:{rp_settings.port}"


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
    rp_updates["base_url"] = rp_demo_origin(
        rp_settings.model_copy(update=rp_updates), tls=provider_settings.tls
    )
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
    # The admin API's reset reloads the demo world with rp_demo where it runs now.
    provider_app.state.world_rp_origin = rp_settings.base_url
    moved = _register_rp_demo(provider_app, rp_settings)
    provider_url = f"{scheme}://{_browser_host(provider_settings.host)}:{provider_settings.port}"
    print(banner(provider_url, provider_settings.issuer, rp_settings.base_url, admin_token))
    if moved:
        print(f"\nrp_demo's address {rp_settings.base_url} registered with: {', '.join(moved)}")
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


def _register_rp_demo(provider_app: Any, rp_settings: Any) -> list[str]:
    """Register rp_demo's address of this run with the clients it logs in as.

    The database may have been seeded for rp_demo at another address (another port, or http
    where this run serves https). Each of rp_demo's clients gets rp_demo's redirect and
    post-logout URIs added (RFC 6749 §3.1.2: they match exactly), and a back-channel logout
    URI of a local rp_demo (``/backchannel-logout`` on localhost or 127.0.0.1) is moved to
    this run's, so the provider posts logout tokens to this rp_demo and to no other program.
    Other URIs stay. Returns the client_ids that changed.
    """
    from urllib.parse import urlsplit

    from datastore import NotFound, expand_rp_origin

    base = rp_settings.base_url
    redirects = expand_rp_origin(["{rp_origin}/callback"], base)
    logouts = expand_rp_origin(["{rp_origin}/"], base)
    backchannel = f"{base}/backchannel-logout"
    admin = provider_app.state.store.admin
    changed: list[str] = []
    for credentials in rp_settings.clients:
        try:
            client = admin.admin_client(credentials.client_id)
        except NotFound:
            continue
        values: dict[str, Any] = {}
        missing = [u for u in redirects if u not in client.redirect_uris]
        if missing:
            values["redirect_uris"] = [*client.redirect_uris, *missing]
        missing = [u for u in logouts if u not in client.post_logout_redirect_uris]
        if missing:
            values["post_logout_redirect_uris"] = [*client.post_logout_redirect_uris, *missing]
        current = client.backchannel_logout_uri
        if current and current != backchannel:
            parts = urlsplit(current)
            if parts.hostname in ("localhost", "127.0.0.1") and parts.path == "/backchannel-logout":
                values["backchannel_logout_uri"] = backchannel
        if values:
            admin.update_client(credentials.client_id, values)
            changed.append(credentials.client_id)
    return changed


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
