"""The admin API answers only to the admin token (RFC 6750 §3)."""

from __future__ import annotations

from starlette.testclient import TestClient

from datastore import Datastore
from idp import create_app
from tests.admin.conftest import admin_settings


def test_missing_token_is_401_with_a_bearer_challenge(admin: TestClient) -> None:
    response = admin.get("/admin/api/schools", headers={"Authorization": ""})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "Bearer" in response.json()["detail"]


def test_wrong_token_is_401_invalid_token(admin: TestClient) -> None:
    response = admin.get("/admin/api/schools", headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]
    assert "nope" not in response.text


def test_right_token_is_accepted(admin: TestClient) -> None:
    assert admin.get("/admin/api/schools").status_code == 200


def test_without_a_configured_token_the_admin_api_is_disabled(
    store: Datastore, db_url: str
) -> None:
    app = create_app(admin_settings(db_url, admin_token=None), store=store)
    with TestClient(app) as client:
        response = client.get("/admin/api/clock", headers={"Authorization": "Bearer x"})
    assert response.status_code == 503
    assert "LEERID_ADMIN_TOKEN" in response.json()["detail"]


def test_demo_mode_uses_the_demo_token(store: Datastore, db_url: str) -> None:
    app = create_app(admin_settings(db_url, admin_token=None, demo_mode=True), store=store)
    with TestClient(app) as client:
        ok = client.get("/admin/api/clock", headers={"Authorization": "Bearer leerid-admin-demo"})
    assert ok.status_code == 200


def test_openapi_describes_the_admin_api_with_examples(admin: TestClient) -> None:
    document = admin.get("/openapi.json").json()
    assert "/admin/api/pupils" in document["paths"]
    assert "/admin/api/faults" in document["paths"]
    schemas = document["components"]["schemas"]
    assert schemas["PupilCreate"]["examples"]
    assert "AdminToken" in document["components"]["securitySchemes"]
