"""The grant registry (``idp.grants.GRANTS``): what the token endpoint, discovery and the dossier
schemas read, and the layout a new grant follows (docs/architecture.md, "How to add a grant").

The product has ACM's grants only; ``ClientCredentials`` below is a test-only grant, registered
the way a real one would be, that proves a grant without an account works end to end.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

import pytest
from fastapi.testclient import TestClient

from datastore import GRANT_TYPES, ClientRecord, Datastore, ProtocolEvent, TokenIssue, sha256_hex
from idp.adapter import OAuthRequest
from idp.discovery import provider_metadata
from idp.grants import GRANTS, GrantType
from idp.provider import Provider
from idp.tokens import access_token_ttl
from tests.idp.flows import admin, basic, tokens_for

MACHINE = "machine-client"
MACHINE_SECRET = "machine-client-test-secret"


def test_the_registry_has_exactly_the_grant_types_of_the_vocabulary() -> None:
    assert tuple(GRANTS) == GRANT_TYPES
    assert all(name == grant.name for name, grant in GRANTS.items())


def test_every_grant_of_the_product_is_for_an_account_as_at_acm() -> None:
    assert [name for name, grant in GRANTS.items() if not grant.needs_account] == []


class ClientCredentials:
    """A test-only ``client_credentials`` grant (RFC 6749 §4.4): an access token for the
    authenticated client itself, with no account, no ID token and no refresh token."""

    name = "client_credentials"
    needs_account = False

    def handle(
        self, provider: Provider, client: ClientRecord, oauth: OAuthRequest
    ) -> dict[str, Any]:
        now = provider.store.clock.now()
        access_token = secrets.token_urlsafe(32)
        ttl = access_token_ttl(provider, client)
        scope = oauth.get("scope") or ""
        issue = TokenIssue(
            client_id=client.client_id,
            account_id=None,
            session_id=None,
            code_id=None,
            family_id=secrets.token_urlsafe(16),
            scope=scope,
            auth_time=now,
            access_hash=sha256_hex(access_token),
            access_expires_at=now + dt.timedelta(seconds=ttl),
            refresh_hash=None,
            refresh_expires_at=None,
            event=ProtocolEvent(
                "token", "success", client_id=client.client_id, detail={"grant_type": self.name}
            ),
        )
        provider.store.oidc.issue_tokens(issue, now)
        return {"access_token": access_token, "token_type": "Bearer", "expires_in": ttl}


@pytest.fixture
def machine(op: TestClient, demo_store: Datastore, monkeypatch: pytest.MonkeyPatch) -> GrantType:
    """The test grant in the registry, and a client registered for it alone."""
    grant = ClientCredentials()
    monkeypatch.setitem(GRANTS, grant.name, grant)
    # The admin API's schema knows the product's grant types only (datastore.GRANT_TYPES).
    refused = admin(
        op,
        "POST",
        "/clients",
        {
            "client_id": MACHINE,
            "application": "ididdit",
            "redirect_uris": ["http://localhost:9000/callback"],
            "grant_types": [grant.name],
            "client_secret": MACHINE_SECRET,
        },
    )
    assert refused.status_code == 422
    demo_store.admin.create_client(
        {
            "client_id": MACHINE,
            "application": "ididdit",
            "redirect_uris": ["http://localhost:9000/callback"],
            "grant_types": [grant.name],
            "client_secret": MACHINE_SECRET,
        }
    )
    return grant


def _machine_token(op: TestClient, **extra: str) -> Any:
    return op.post(
        "/op/v1/token",
        data={"grant_type": "client_credentials", **extra},
        auth=(MACHINE, MACHINE_SECRET),
    )


def _introspect(op: TestClient, token: str) -> dict[str, Any]:
    response = op.post("/op/v1/introspect", data={"token": token}, auth=(MACHINE, MACHINE_SECRET))
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


def test_a_grant_added_to_the_registry_issues_an_access_token_without_account(
    op: TestClient, machine: GrantType
) -> None:
    provider = op.app.state.provider  # type: ignore[attr-defined]
    assert "client_credentials" in provider_metadata(provider.endpoints)["grant_types_supported"]
    response = _machine_token(op, scope="openid")
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_in"}
    token = body["access_token"]

    shown = _introspect(op, token)
    assert shown["active"] is True
    assert shown["client_id"] == MACHINE
    assert shown["token_type"] == "Bearer"
    assert shown["scope"] == "openid"
    assert shown["exp"] - shown["iat"] == body["expires_in"]
    assert not {"sub", "auth_time", "sid", "aud", "account_uuid"} & set(shown)

    userinfo = op.get("/op/v1/userinfo", headers={"Authorization": f"Bearer {token}"})
    assert userinfo.status_code == 401
    assert 'error="invalid_token"' in userinfo.headers["www-authenticate"]

    revoked = op.post("/op/v1/revoke", data={"token": token}, auth=(MACHINE, MACHINE_SECRET))
    assert revoked.status_code == 200
    assert _introspect(op, token) == {"active": False}


def test_a_client_is_held_to_its_registered_grants_with_a_new_grant_too(
    op: TestClient, machine: GrantType
) -> None:
    refused = op.post(
        "/op/v1/token", data={"grant_type": machine.name}, auth=basic("ididdit")
    ).json()
    assert refused["error"] == "unauthorized_client"
    code_grant = _machine_token(op, grant_type="authorization_code", code="x", redirect_uri="x")
    assert code_grant.json()["error"] == "unauthorized_client"


def test_tokens_of_a_login_still_carry_their_account_beside_a_new_grant(
    op: TestClient, machine: GrantType
) -> None:
    body = tokens_for(op, "i-learn", scope="openid account")
    assert "id_token" in body
    shown = op.post(
        "/op/v1/introspect", data={"token": body["access_token"]}, auth=basic("i-learn")
    ).json()
    assert shown["active"] is True
    assert shown["sub"]
    assert shown["account_uuid"] == "a6f98ebd-1280-4294-a90f-a5858c1f6f47"
