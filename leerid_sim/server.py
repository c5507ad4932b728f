"""The composition root of the provider process: the identity provider plus the Schoolloket.

``leerid-sim serve`` runs ``create_server_app`` with uvicorn (as a factory, so each worker
builds its own app, engine and caches from the environment).
"""

from __future__ import annotations

from fastapi import FastAPI

from idp import ProviderSettings, create_app
from schoolloket.app import create_schoolloket

__all__ = ["create_server_app"]


def create_server_app(settings: ProviderSettings | None = None) -> FastAPI:
    """The provider with the Schoolloket mounted at ``/schoolloket``."""
    settings = settings or ProviderSettings()
    app = create_app(settings)
    app.mount("/schoolloket", create_schoolloket(settings, app.state.store))
    return app
