"""The LeerID Schoolloket: the school portal of seed 002, an OIDC client of the provider."""

from __future__ import annotations

from fastapi import FastAPI

from datastore import Datastore
from idp.settings import ProviderSettings

__all__ = ["create_schoolloket"]


def create_schoolloket(settings: ProviderSettings, store: Datastore) -> FastAPI:
    """The Schoolloket app, mounted at ``/schoolloket`` by the server composition."""
    app = FastAPI(title="LeerID Schoolloket")
    app.state.settings = settings
    app.state.store = store
    return app
