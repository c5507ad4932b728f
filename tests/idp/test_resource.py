"""UserInfo (OIDC Core §5.3), introspection (RFC 7662) and revocation (RFC 7009)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from jose import jwt as jose_jwt

from datastore import DEFAULT_ACR, Datastore
from tests.idp.flows import OFFLINE, SECRETS, admin, basic, tokens_for


def _userinfo(op: TestClient, access_token: str):  # type: ignore[no-untyped-def]
    return op.get("/op/v1/userinfo", headers={"Authorization": f"Bearer {access_token}"})


def _introspect(op: TestClient, token: str, client_id: str = "ididdit"):  # type: ignore[no-untyped-def]
    return op.post("/op/v1/introspect", data={"token": token}, auth=basic(client_id))


def test_userinfo_gives_sub_and_released_claims(op: TestClient, demo_store: Datastore) -> None:
    body = tokens_for(op, "i-learn", scope="openid account profile inschrijving")
    response = _userinfo(op, body["access_token"])
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    info = response.json()
    assert info["sub"] == jose_jwt.get_unverified_claims(body["id_token"])["sub"]
    assert info["naam"] == "Peeters"
    assert info["voornaam"] == "Jan"
    assert info["instellingsnummer"] == "123456"
    assert sorted(info["historiek_account_uuid"]) == sorted(
        ["59a78937-fb37-4754-bd0a-f96d4e42927e", "ce23570e-79dc-48e2-b1ab-a28973e4ae57"]
    )
    assert "klas" not in info
    assert info["acr"] == DEFAULT_ACR  # as ACM's UserInfo tells it
    channels = [e.channel for e in demo_store.logs.privacy_entries(client_id="i-learn").items]
    assert sorted(channels) == ["id_token", "userinfo"]


def test_userinfo_post_with_form_token(op: TestClient) -> None:
    body = tokens_for(op)
    response = op.post("/op/v1/userinfo", data={"access_token": body["access_token"]})
    assert response.status_code == 200
    assert "account_uuid" in response.json()


def test_userinfo_acm_dialect(op: TestClient) -> None:
    body = tokens_for(op, "i-learn-acm", username="noah.tijdelijk", scope="openid ov_leerling")
    info = _userinfo(op, body["access_token"]).json()
    assert info["ov_leerid_uuid"] == []
    assert info["ov_account_uuid"] == "4532ebe1-1814-422a-b28e-ce05ede78b10"
    assert info["family_name"] == "Tijdelijk"


def test_userinfo_without_or_with_a_bad_token_is_401(op: TestClient) -> None:
    missing = op.get("/op/v1/userinfo")
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"].startswith("Bearer")
    bad = _userinfo(op, "not-a-token")
    assert bad.status_code == 401
    assert 'error="invalid_token"' in bad.headers["www-authenticate"]


def test_userinfo_stops_when_the_protocol_is_suspended(op: TestClient) -> None:
    body = tokens_for(op)
    assert admin(op, "PATCH", "/protocols/ididdit", {"status": "suspended"}).status_code == 200
    assert _userinfo(op, body["access_token"]).status_code == 401
    assert _introspect(op, body["access_token"]).json() == {"active": False}


def test_access_token_expires_on_the_simulated_clock(op: TestClient) -> None:
    body = tokens_for(op)
    clock = op.app.state.store.clock  # type: ignore[attr-defined]
    clock.advance(3599)
    assert _userinfo(op, body["access_token"]).status_code == 200
    clock.advance(2)  # one hour, as ACM's access tokens
    assert _userinfo(op, body["access_token"]).status_code == 401


def test_introspection_of_own_tokens(op: TestClient) -> None:
    body = tokens_for(op, scope=OFFLINE)
    access = _introspect(op, body["access_token"]).json()
    assert access["active"] is True
    assert access["client_id"] == "ididdit"
    assert access["token_type"] == "Bearer"
    assert access["account_uuid"] == "a6f98ebd-1280-4294-a90f-a5858c1f6f47"
    assert "naam" not in access
    refresh = _introspect(op, body["refresh_token"]).json()
    assert refresh["active"] is True
    assert "account_uuid" not in refresh


def test_introspection_needs_client_authentication(op: TestClient) -> None:
    body = tokens_for(op)
    anonymous = op.post("/op/v1/introspect", data={"token": body["access_token"]})
    assert anonymous.status_code == 401
    assert anonymous.json()["error"] == "invalid_client"
    wrong = op.post(
        "/op/v1/introspect", data={"token": body["access_token"]}, auth=("ididdit", "fout")
    )
    assert wrong.status_code == 401


def test_introspection_of_another_clients_token_is_inactive(op: TestClient) -> None:
    body = tokens_for(op)
    assert _introspect(op, body["access_token"], "i-learn").json() == {"active": False}


def test_revoking_a_refresh_token_revokes_its_grant(op: TestClient) -> None:
    body = tokens_for(op, scope=OFFLINE)
    response = op.post(
        "/op/v1/revoke",
        data={"token": body["refresh_token"], "token_type_hint": "refresh_token"},
        auth=basic("ididdit"),
    )
    assert response.status_code == 200
    assert _introspect(op, body["refresh_token"]).json() == {"active": False}
    assert _userinfo(op, body["access_token"]).status_code == 401


def test_revoking_an_access_token(op: TestClient) -> None:
    body = tokens_for(op, scope=OFFLINE)
    response = op.post(
        "/op/v1/revoke",
        data={
            "token": body["access_token"],
            "client_id": "ididdit",
            "client_secret": SECRETS["ididdit"],
        },
    )
    assert response.status_code == 200
    assert _userinfo(op, body["access_token"]).status_code == 401
    assert _introspect(op, body["refresh_token"]).json()["active"] is True


def test_revoking_another_clients_token_does_nothing(op: TestClient) -> None:
    body = tokens_for(op)
    response = op.post("/op/v1/revoke", data={"token": body["access_token"]}, auth=basic("i-learn"))
    assert response.status_code == 200
    assert _userinfo(op, body["access_token"]).status_code == 200


def test_revocation_needs_a_token_and_a_client(op: TestClient) -> None:
    missing = op.post("/op/v1/revoke", data={}, auth=basic("ididdit"))
    assert missing.json()["error"] == "invalid_request"
    anonymous = op.post("/op/v1/revoke", data={"token": "x"})
    assert anonymous.status_code == 401
