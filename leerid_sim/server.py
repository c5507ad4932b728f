"""The composition root of the provider process: the identity provider plus the Schoolloket.

``leerid-sim serve`` runs ``serve_server_app`` with uvicorn, or ``serve_granian_app`` with
granian (as a factory, so each worker builds its own app, engine and caches from the
environment).
"""

from __future__ import annotations

import gc
import os
from typing import Any

from fastapi import FastAPI

from idp import ProviderSettings, create_app
from idp.home import Landing
from idp.lazy import LazyApp
from leerid_sim.access_log import redact_access_log
from leerid_sim.personas import demo_logins
from schoolloket.settings import SchoolloketSettings

__all__ = ["create_server_app", "serve_granian_app", "serve_server_app"]


def create_server_app(settings: ProviderSettings | None = None) -> FastAPI:
    """The provider with the Schoolloket mounted at ``/schoolloket``.

    The Schoolloket (and the admin API, see ``create_app``) is built on its first request: a
    worker that only serves the protocol starts without loading either (cold start).
    """
    settings = settings or ProviderSettings()
    # Read now: a bad LEERID_SCHOOLLOKET_* value stops the server at start, not at the
    # Schoolloket's first request.
    schoolloket_settings = SchoolloketSettings()
    app = create_app(settings)
    store = app.state.store
    provider_settings = settings

    def build_schoolloket() -> FastAPI:
        from schoolloket.app import create_schoolloket

        return create_schoolloket(provider_settings, store, schoolloket_settings)

    app.mount("/schoolloket", LazyApp(build_schoolloket))
    app.state.landing = Landing(
        schoolloket_path="/schoolloket/",
        demo_logins=demo_logins() if settings.demo_mode else (),
    )
    return app


def serve_server_app() -> FastAPI:
    """``leerid-sim serve``'s factory: the server app, then the garbage collector back on.

    ``serve`` pauses the collector while the provider is imported and built; what exists now
    lives as long as the worker, so it is frozen out of later collections (``gc.freeze``).
    """
    # The access log (``--access-log``) must never show tokens or codes from query strings.
    redact_access_log()
    app = create_server_app()
    gc.freeze()
    gc.enable()
    return app


def serve_granian_app() -> Any:
    """``leerid-sim serve --http-server granian``'s factory: ``serve_server_app`` behind the
    proxy-header handling uvicorn applies itself (``proxy_headers``), its own middleware.

    From a trusted proxy (``$FORWARDED_ALLOW_IPS``, default 127.0.0.1, read as uvicorn reads
    it) the client address is the last untrusted one of ``X-Forwarded-For`` (the login throttle
    counts per client address) and the scheme that of ``X-Forwarded-Proto``.
    """
    from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

    trusted = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
    app: Any = serve_server_app()  # an ASGI app; uvicorn's type names its own scope types
    return ProxyHeadersMiddleware(app, trusted_hosts=trusted)
