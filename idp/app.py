"""The provider's FastAPI application, built by ``create_app(settings)``."""

from __future__ import annotations

from fastapi import FastAPI

from datastore import Datastore
from idp.admin import build_admin_router
from idp.faults import FaultInjectionMiddleware
from idp.settings import ProviderSettings

__all__ = ["create_app"]


def create_app(
    settings: ProviderSettings | None = None, *, store: Datastore | None = None
) -> FastAPI:
    """Build the provider: the OIDC endpoints under the issuer, ``/health`` and the admin API.

    Nothing is created at import time; settings, datastore and keys hang off ``app.state``.
    """
    settings = settings or ProviderSettings()
    store = store or Datastore.from_url(
        settings.database_url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
    )
    app = FastAPI(title="LeerID simulator", version=_version())
    app.state.settings = settings
    app.state.store = store
    app.include_router(build_admin_router(), prefix="/admin/api")
    app.add_middleware(FaultInjectionMiddleware)
    return app


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("leerid-sim")
    except PackageNotFoundError:
        return "0.0.0"
