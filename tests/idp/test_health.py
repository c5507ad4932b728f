"""``/health`` when the database does not answer."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from datastore import Datastore
from idp import create_app
from tests.idp.conftest import provider_settings


def test_health_is_503_when_the_database_is_unreachable(tmp_path: Path) -> None:
    store = Datastore.from_url(f"sqlite:///{tmp_path}/missing/dir/leerid.db")
    app = create_app(provider_settings(f"sqlite:///{tmp_path}/x.db"), store=store)
    client = TestClient(app)  # no lifespan: the keys cannot be made without a database
    response = client.get("/health")
    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"
    store.dispose()
