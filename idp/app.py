"""The provider's FastAPI application, built by ``create_app(settings)``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.exceptions import HTTPException as StarletteHTTPException

from datastore import Datastore
from idp.admin import build_admin_router
from idp.apidocs import build_docs_router
from idp.cors import CorsMiddleware
from idp.dispatch import ProtocolDispatch, document_protocol_routes
from idp.errors import OAuthError
from idp.faults import FaultInjectionMiddleware
from idp.health import build_health_router
from idp.home import build_home_router, render_http_error
from idp.lazy import include_router_lazily
from idp.paths import DISCOVERY, JWKS, TOKEN, USERINFO
from idp.provider import Provider
from idp.rendering import render_error, render_unexpected
from idp.settings import ProviderSettings
from idp.version import __version__

__all__ = ["create_app"]


def create_app(
    settings: ProviderSettings | None = None, *, store: Datastore | None = None
) -> FastAPI:
    """Build the provider: the OIDC endpoints under the issuer, ``/health`` and the admin API.

    Nothing is created at import time; settings, datastore and keys hang off ``app.state``.
    The signing keys are made (race-safe) when the app starts serving.
    """
    settings = settings or ProviderSettings()
    owns_store = store is None
    store = store or Datastore.from_url(
        settings.database_url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
    )
    provider = Provider(settings, store)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        provider.keys.ensure()
        yield
        provider.close()
        # A store handed in belongs to the caller; one made here is closed with the app.
        if owns_store:
            store.dispose()

    # /docs is Swagger UI from local files (``idp.apidocs``); there is no /redoc.
    app = FastAPI(
        title="LeerID simulator",
        version=__version__,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        swagger_ui_oauth2_redirect_url=None,
    )
    app.state.settings = settings
    app.state.store = store
    app.state.provider = provider
    # The protocol endpoints have no routes: ``ProtocolDispatch`` answers them and their table
    # describes them in the OpenAPI document.
    document_protocol_routes(app, provider.endpoints)
    app.include_router(build_health_router())
    app.include_router(build_home_router())
    app.include_router(build_docs_router(app.openapi_url or "/openapi.json"))
    include_router_lazily(app, build_admin_router, prefix="/admin/api")
    app.add_exception_handler(OAuthError, render_error)
    app.add_exception_handler(StarletteHTTPException, render_http_error)
    app.add_exception_handler(Exception, render_unexpected)
    prefix = provider.endpoints.prefix
    # Innermost: the protocol endpoints, discovery and the JWKS, without the router; they
    # still get CORS headers and injected faults from the middlewares outside them.
    app.add_middleware(ProtocolDispatch, endpoints=provider.endpoints)
    app.add_middleware(
        CorsMiddleware,
        paths=frozenset(f"{prefix}{path}" for path in (DISCOVERY, JWKS, TOKEN, USERINFO)),
    )
    app.add_middleware(FaultInjectionMiddleware)
    return app
