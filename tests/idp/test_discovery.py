"""Discovery, JWKS and /health (OIDC Discovery 1.0 §3, RFC 7517 §5)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.idp.flows import ISSUER

# Request validation and pages do not depend on the database; the protocol state that does
# (codes, tokens, sessions) is tested on SQLite and PostgreSQL in test_token, test_resource,
# test_logout and test_keys. This keeps the suite within its time budget on 2 cores.
pytestmark = pytest.mark.parametrize("demo_url", ["sqlite"], indirect=True)


def test_metadata_lists_exactly_what_works(op: TestClient) -> None:
    response = op.get("/op/.well-known/openid-configuration")
    assert response.status_code == 200
    meta = response.json()
    assert meta["issuer"] == ISSUER
    assert meta["authorization_endpoint"] == f"{ISSUER}/v1/auth"
    assert meta["token_endpoint"] == f"{ISSUER}/v1/token"
    assert meta["userinfo_endpoint"] == f"{ISSUER}/v1/userinfo"
    assert meta["jwks_uri"] == f"{ISSUER}/v1/keys"
    assert meta["end_session_endpoint"] == f"{ISSUER}/v1/logout"
    assert meta["introspection_endpoint"] == f"{ISSUER}/v1/introspect"
    assert meta["revocation_endpoint"] == f"{ISSUER}/v1/revoke"
    assert meta["response_types_supported"] == ["code"]
    assert meta["response_modes_supported"] == ["query", "fragment", "form_post"]
    assert meta["grant_types_supported"] == ["authorization_code", "refresh_token"]
    assert meta["code_challenge_methods_supported"] == ["S256", "plain"]
    assert meta["subject_types_supported"] == ["pairwise", "public"]
    assert meta["id_token_signing_alg_values_supported"] == ["RS256", "ES256"]
    assert set(meta["token_endpoint_auth_methods_supported"]) == {
        "client_secret_basic",
        "client_secret_post",
        "private_key_jwt",
        "none",
    }
    assert meta["authorization_response_iss_parameter_supported"] is True
    assert meta["request_parameter_supported"] is False
    assert meta["claims_parameter_supported"] is False
    assert meta["backchannel_logout_supported"] is True
    assert meta["backchannel_logout_session_supported"] is True
    assert {"openid", "account", "profile", "inschrijving", "klas", "ov_leerling"} <= set(
        meta["scopes_supported"]
    )
    assert {"vo", "offline_access"} <= set(meta["scopes_supported"])
    assert "rrn" not in meta["scopes_supported"]
    assert {"sub", "leer_id_uuid", "ov_leerid_uuid", "family_name"} <= set(meta["claims_supported"])
    assert {"vo_id", "vo_doelgroepcode", "vo_orgcode", "vo_orgnaam"} <= set(
        meta["claims_supported"]
    )
    assert {"instellingsnaam", "ov_orgnaam"} <= set(meta["claims_supported"])
    assert "insz" not in meta["claims_supported"]


def test_jwks_has_public_rsa_and_ec_keys_with_kid(op: TestClient) -> None:
    keys = op.get("/op/v1/keys").json()["keys"]
    assert {k["kty"] for k in keys} == {"RSA", "EC"}
    for key in keys:
        assert key["kid"]
        assert key["use"] == "sig"
        assert "d" not in key
        assert "p" not in key


def test_health_reports_database(op: TestClient) -> None:
    response = op.get("/health")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"


def test_cors_only_for_public_client_origins(op: TestClient) -> None:
    allowed = op.get(
        "/op/.well-known/openid-configuration", headers={"Origin": "http://localhost:8001"}
    )
    assert allowed.headers["access-control-allow-origin"] == "http://localhost:8001"
    other = op.get("/op/v1/keys", headers={"Origin": "http://evil.example"})
    assert "access-control-allow-origin" not in other.headers
    preflight = op.options(
        "/op/v1/token",
        headers={"Origin": "http://localhost:8001", "Access-Control-Request-Method": "POST"},
    )
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == "http://localhost:8001"
    login_page = op.get("/op/v1/auth", headers={"Origin": "http://localhost:8001"})
    assert "access-control-allow-origin" not in login_page.headers
