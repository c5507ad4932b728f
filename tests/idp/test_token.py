"""The token endpoint: code redemption, PKCE, client authentication, refresh rotation, and
tokens as ACM issues them (opaque access tokens, one-hour lifetimes, refresh tokens only with
offline_access, a refresh period counted from the login, ``azp`` and ``acr``)."""

from __future__ import annotations

import time
import uuid

import httpx
import pytest
from fastapi.testclient import TestClient
from jose import jwt as jose_jwt
from joserfc import jwt as joserfc_jwt
from joserfc.jwk import RSAKey

from datastore import DEFAULT_ACR
from tests.idp.flows import (
    ACM_REFRESH_ANSWER,
    ISSUER,
    OFFLINE,
    REDIRECT_URI,
    SECRETS,
    admin,
    basic,
    granted_scope,
    login,
    pkce_pair,
    redeem,
    tokens_for,
    verify_id_token,
)


def _refresh(op: TestClient, token: str, client_id: str = "ididdit", **extra: str):  # type: ignore[no-untyped-def]
    return op.post(
        "/op/v1/token",
        data={"grant_type": "refresh_token", "refresh_token": token, **extra},
        auth=basic(client_id),
    )


def test_code_flow_gives_verifiable_tokens(op: TestClient) -> None:
    sent, answer = login(op, scope=OFFLINE)
    response = redeem(op, answer["code"])
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["pragma"] == "no-cache"
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    assert body["refresh_token"]
    claims = verify_id_token(
        op, body["id_token"], "ididdit", access_token=body["access_token"], nonce=sent["nonce"]
    )
    assert claims["exp"] - claims["iat"] == 3600
    assert claims["azp"] == "ididdit"
    assert claims["acr"] == DEFAULT_ACR
    assert claims["account_uuid"] == "a6f98ebd-1280-4294-a90f-a5858c1f6f47"
    assert claims["leer_id_uuid"] == "814f2e42-3f55-43e0-bc62-bba3ef1d008a"
    assert "naam" not in claims
    assert "historiek_account_uuid" not in claims
    assert claims["sub"] not in (claims["account_uuid"], claims["leer_id_uuid"])
    assert jose_jwt.get_unverified_header(body["id_token"])["alg"] == "RS256"


def test_access_token_is_opaque_by_default_and_works_everywhere(op: TestClient) -> None:
    body = tokens_for(op, "i-learn", scope="openid account profile inschrijving")
    token = body["access_token"]
    assert "." not in token  # not a JWT: nothing for a client to decode
    assert len(token) >= 43  # 256 random bits
    bearer = {"Authorization": f"Bearer {token}"}
    assert op.get("/op/v1/userinfo", headers=bearer).status_code == 200
    assert op.post("/op/v1/userinfo", headers=bearer).status_code == 200
    shown = op.post("/op/v1/introspect", data={"token": token}, auth=basic("i-learn")).json()
    assert shown["active"] is True
    assert shown["scope"] == "openid account profile inschrijving"
    revoked = op.post("/op/v1/revoke", data={"token": token}, auth=basic("i-learn"))
    assert revoked.status_code == 200
    assert op.get("/op/v1/userinfo", headers=bearer).status_code == 401


def test_a_jwt_dossier_gets_rfc9068_access_tokens_without_personal_attributes(
    op: TestClient,
) -> None:
    changed = admin(op, "PATCH", "/clients/i-learn", {"access_token_format": "jwt"})
    assert changed.status_code == 200, changed.text
    body = tokens_for(op, "i-learn", scope="openid account profile inschrijving")
    header = jose_jwt.get_unverified_header(body["access_token"])
    assert header["typ"] == "at+jwt"
    assert header["kid"]
    claims = jose_jwt.get_unverified_claims(body["access_token"])
    assert {"iss", "sub", "aud", "exp", "iat", "jti", "client_id", "scope"} <= set(claims)
    assert claims["iss"] == ISSUER
    for attribute in ("naam", "voornaam", "account_uuid", "leer_id_uuid", "instellingsnummer"):
        assert attribute not in claims
    assert claims["exp"] - claims["iat"] == body["expires_in"] == 3600
    info = op.get("/op/v1/userinfo", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert info.status_code == 200


def test_lifetimes_come_from_the_dossier(op: TestClient) -> None:
    lifetimes = {"access_token_ttl_seconds": 120, "id_token_ttl_seconds": 300}
    assert admin(op, "PATCH", "/clients/ididdit", lifetimes).status_code == 200
    body = tokens_for(op)
    assert body["expires_in"] == 120
    claims = jose_jwt.get_unverified_claims(body["id_token"])
    assert claims["exp"] - claims["iat"] == 300
    bearer = {"Authorization": f"Bearer {body['access_token']}"}
    op.app.state.store.clock.advance(121)  # type: ignore[attr-defined]
    assert op.get("/op/v1/userinfo", headers=bearer).status_code == 401


def test_no_refresh_token_without_offline_access(op: TestClient) -> None:
    body = tokens_for(op, scope="openid account")
    assert "refresh_token" not in body
    assert body["access_token"]


def test_no_refresh_token_when_the_dossier_has_no_refresh_grant(op: TestClient) -> None:
    changed = admin(op, "PATCH", "/clients/ididdit", {"grant_types": ["authorization_code"]})
    assert changed.status_code == 200, changed.text
    body = tokens_for(op, scope=OFFLINE)
    assert "refresh_token" not in body


def test_sub_is_pairwise_and_stable(op: TestClient) -> None:
    first = tokens_for(op, "ididdit")
    again = tokens_for(op, "ididdit")
    other = tokens_for(op, "i-learn")
    sub = jose_jwt.get_unverified_claims(first["id_token"])["sub"]
    assert sub == jose_jwt.get_unverified_claims(again["id_token"])["sub"]
    assert sub != jose_jwt.get_unverified_claims(other["id_token"])["sub"]


def test_es256_client_gets_es256_id_tokens(op: TestClient) -> None:
    changed = admin(op, "PATCH", "/clients/klasapp", {"id_token_signed_response_alg": "ES256"})
    assert changed.status_code == 200, changed.text
    body = tokens_for(op, "klasapp")
    assert jose_jwt.get_unverified_header(body["id_token"])["alg"] == "ES256"
    verify_id_token(op, body["id_token"], "klasapp", access_token=body["access_token"])


def test_code_reuse_is_invalid_grant_and_revokes_its_tokens(op: TestClient) -> None:
    _, answer = login(op, scope=OFFLINE)
    first = redeem(op, answer["code"]).json()
    second = redeem(op, answer["code"])
    assert second.status_code == 400
    assert second.json()["error"] == "invalid_grant"
    assert _refresh(op, first["refresh_token"]).json()["error"] == "invalid_grant"
    store = op.app.state.store  # type: ignore[attr-defined]
    failures = store.logs.events(type_="token", outcome="failure").items
    assert {e.reason for e in failures} == {"code reused", "refresh revoked"}
    userinfo = op.get(
        "/op/v1/userinfo", headers={"Authorization": f"Bearer {first['access_token']}"}
    )
    assert userinfo.status_code == 401


def test_code_expires_after_30_seconds(op: TestClient) -> None:
    _, answer = login(op)
    op.app.state.store.clock.advance(31)  # type: ignore[attr-defined]
    response = redeem(op, answer["code"])
    assert response.json()["error"] == "invalid_grant"


def test_code_of_another_client_is_invalid_grant(op: TestClient) -> None:
    _, answer = login(op, client_id="ididdit")
    assert redeem(op, answer["code"], "i-learn").json()["error"] == "invalid_grant"


def test_redirect_uri_must_match_the_authorization_request(op: TestClient) -> None:
    _, answer = login(op)
    response = redeem(op, answer["code"], redirect_uri="http://127.0.0.1:8001/callback")
    assert response.json()["error"] == "invalid_grant"


@pytest.mark.parametrize("verifier", ["wrong", None])
def test_pkce_verifier_must_match(op: TestClient, verifier: str | None) -> None:
    _good, challenge = pkce_pair()
    _, answer = login(op, code_challenge=challenge, code_challenge_method="S256")
    sent = "x" * 43 if verifier == "wrong" else None
    assert redeem(op, answer["code"], code_verifier=sent).json()["error"] == "invalid_grant"


def test_public_client_with_pkce(op: TestClient) -> None:
    verifier, challenge = pkce_pair()
    _, answer = login(
        op, client_id="spa-demo", code_challenge=challenge, code_challenge_method="S256"
    )
    response = redeem(op, answer["code"], "spa-demo", code_verifier=verifier)
    assert response.status_code == 200, response.text
    assert "refresh_token" not in response.json()


def test_wrong_secret_is_invalid_client_with_challenge(op: TestClient) -> None:
    _, answer = login(op)
    response = op.post(
        "/op/v1/token",
        data={
            "grant_type": "authorization_code",
            "code": answer["code"],
            "redirect_uri": REDIRECT_URI,
        },
        auth=("ididdit", "fout"),
    )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert response.headers["www-authenticate"].startswith("Basic")


def test_client_secret_post(op: TestClient) -> None:
    _, answer = login(op)
    response = op.post(
        "/op/v1/token",
        data={
            "grant_type": "authorization_code",
            "code": answer["code"],
            "redirect_uri": REDIRECT_URI,
            "client_id": "ididdit",
            "client_secret": SECRETS["ididdit"],
        },
    )
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    "data",
    [
        {"client_id": "ididdit"},
        {"client_id": "onbekend", "client_secret": "x"},
        {"client_id": "spa-demo", "client_secret": "x"},
    ],
)
def test_client_authentication_failures(op: TestClient, data: dict[str, str]) -> None:
    response = op.post("/op/v1/token", data={"grant_type": "authorization_code", **data})
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_grant_type_errors(op: TestClient) -> None:
    missing = op.post("/op/v1/token", data={}, auth=basic("ididdit"))
    assert missing.json()["error"] == "invalid_request"
    password = op.post("/op/v1/token", data={"grant_type": "password"}, auth=basic("ididdit"))
    assert password.json()["error"] == "unsupported_grant_type"


def test_refresh_rotates_and_reuse_revokes_the_family(op: TestClient) -> None:
    body = tokens_for(op, scope=OFFLINE)
    rotated = _refresh(op, body["refresh_token"])
    assert rotated.status_code == 200, rotated.text
    new = rotated.json()
    # As ACM answers a refresh: the new tokens and the access token's lifetime, nothing else.
    assert new.keys() == ACM_REFRESH_ANSWER
    assert (new["token_type"], new["expires_in"]) == ("Bearer", 3600)
    assert new["refresh_token"] != body["refresh_token"]
    bearer = {"Authorization": f"Bearer {new['access_token']}"}
    assert op.get("/op/v1/userinfo", headers=bearer).json()["acr"] == DEFAULT_ACR
    reused = _refresh(op, body["refresh_token"])
    assert reused.json()["error"] == "invalid_grant"
    assert _refresh(op, new["refresh_token"]).json()["error"] == "invalid_grant"


def test_a_refresh_releases_nothing_to_the_privacy_log(op: TestClient) -> None:
    # Only the ID token of the login carried attributes; the refresh answer carries none.
    body = tokens_for(op, scope=OFFLINE)
    store = op.app.state.store  # type: ignore[attr-defined]
    before = store.logs.privacy_entries(client_id="ididdit").items
    assert _refresh(op, body["refresh_token"]).status_code == 200
    assert store.logs.privacy_entries(client_id="ididdit").items == before


def test_the_refresh_id_token_setting_adds_an_id_token(op_refresh_id_token: TestClient) -> None:
    op = op_refresh_id_token
    body = tokens_for(op, scope=OFFLINE)
    new = _refresh(op, body["refresh_token"]).json()
    assert new.keys() == {*ACM_REFRESH_ANSWER, "id_token", "scope"}
    assert new["scope"] == OFFLINE
    claims = verify_id_token(op, new["id_token"], "ididdit", access_token=new["access_token"])
    first = jose_jwt.get_unverified_claims(body["id_token"])
    # OIDC Core §12.2: the same iss, sub, aud and auth_time, no nonce.
    for name in ("iss", "sub", "aud", "auth_time", "sid"):
        assert claims[name] == first[name], name
    assert "nonce" not in claims
    assert (claims["azp"], claims["acr"]) == ("ididdit", DEFAULT_ACR)
    store = op.app.state.store  # type: ignore[attr-defined]
    channels = [e.channel for e in store.logs.privacy_entries(client_id="ididdit").items]
    assert channels == ["id_token", "id_token"]


def test_refresh_by_another_client_is_invalid_grant(op: TestClient) -> None:
    body = tokens_for(op, scope=OFFLINE)
    stolen = _refresh(op, body["refresh_token"], "i-learn")
    assert stolen.status_code == 400
    assert stolen.json()["error"] == "invalid_grant"
    assert _refresh(op, body["refresh_token"]).status_code == 200


def test_a_replay_that_asks_for_a_scope_still_revokes_the_family(op: TestClient) -> None:
    # OAuth 2.0 Security BCP §4.14.2: a rotated token used again revokes its family, with or
    # without a scope parameter; the scope is not judged on a token that cannot be rotated.
    body = tokens_for(op, "i-learn", scope=OFFLINE)
    rotated = _refresh(op, body["refresh_token"], "i-learn")
    assert rotated.status_code == 200, rotated.text
    for scope in ("openid", f"{OFFLINE} profile"):
        replay = _refresh(op, body["refresh_token"], "i-learn", scope=scope)
        assert replay.json()["error"] == "invalid_grant", scope
    successor = _refresh(op, rotated.json()["refresh_token"], "i-learn")
    assert successor.json()["error"] == "invalid_grant"


def test_another_clients_refresh_token_tells_nothing_of_its_scope(op: TestClient) -> None:
    body = tokens_for(op, scope=OFFLINE)
    for scope in (f"{OFFLINE} profile", "account"):
        stolen = _refresh(op, body["refresh_token"], "i-learn", scope=scope)
        assert stolen.json()["error"] == "invalid_grant", scope
    assert _refresh(op, body["refresh_token"]).status_code == 200


def test_refresh_scope_cannot_grow(op: TestClient) -> None:
    body = tokens_for(op, "i-learn", scope=OFFLINE)
    wider = _refresh(op, body["refresh_token"], "i-learn", scope=f"{OFFLINE} profile")
    assert wider.json()["error"] == "invalid_scope"
    narrower = _refresh(op, body["refresh_token"], "i-learn", scope="openid")
    assert narrower.status_code == 200
    assert granted_scope(op, narrower.json()["access_token"], "i-learn") == "openid"


def test_a_narrower_refresh_narrows_the_access_token_only(op: TestClient) -> None:
    body = tokens_for(op, "i-learn", scope=OFFLINE)
    narrower = _refresh(op, body["refresh_token"], "i-learn", scope="openid").json()
    bearer = {"Authorization": f"Bearer {narrower['access_token']}"}
    info = op.get("/op/v1/userinfo", headers=bearer)
    assert "account_uuid" not in info.json()
    # RFC 6749 §6: the new refresh token keeps the grant's scope, so the next refresh may
    # ask for all of it again.
    again = _refresh(op, narrower["refresh_token"], "i-learn")
    assert again.status_code == 200, again.text
    assert granted_scope(op, again.json()["access_token"], "i-learn") == OFFLINE
    assert again.json()["refresh_token"]


def test_the_refresh_period_runs_from_the_login(op: TestClient) -> None:
    clock = op.app.state.store.clock  # type: ignore[attr-defined]
    period = {"refresh_token_ttl_seconds": 7200}
    assert admin(op, "PATCH", "/clients/ididdit", period).status_code == 200
    first = tokens_for(op, scope=OFFLINE)
    clock.advance(7000)
    second = _refresh(op, first["refresh_token"])
    assert second.status_code == 200, second.text
    clock.advance(300)  # 7300 s after the login: rotating did not extend the period
    over = _refresh(op, second.json()["refresh_token"])
    assert over.status_code == 400
    assert over.json() == {
        "error": "invalid_request",
        "error_description": "the refresh period of this grant is over: the user must log in again",
    }
    # A token already rotated is still a replay: invalid_grant, as before the period ended.
    assert _refresh(op, first["refresh_token"]).json()["error"] == "invalid_grant"


def test_the_refresh_period_defaults_to_the_provider_setting(op: TestClient) -> None:
    clock = op.app.state.store.clock  # type: ignore[attr-defined]
    body = tokens_for(op, scope=OFFLINE)
    clock.advance(30 * 24 * 3600 - 60)
    assert _refresh(op, body["refresh_token"]).status_code == 200
    body = tokens_for(op, scope=OFFLINE)
    clock.advance(30 * 24 * 3600 + 1)
    assert _refresh(op, body["refresh_token"]).json()["error"] == "invalid_request"


def test_acr_values_are_honoured_as_acm_does(op: TestClient) -> None:
    own, other = "urn:be:vlaanderen:authmech:leerid", "urn:be:vlaanderen:authmech:eid"
    changed = admin(op, "PATCH", "/clients/ididdit", {"acr_values": [own, other]})
    assert changed.status_code == 200, changed.text
    chosen = tokens_for(op, scope=OFFLINE, acr_values=f"urn:unknown {other}")
    assert jose_jwt.get_unverified_claims(chosen["id_token"])["acr"] == other
    bearer = {"Authorization": f"Bearer {chosen['access_token']}"}
    assert op.get("/op/v1/userinfo", headers=bearer).json()["acr"] == other
    # The acr travels with the grant: a refresh reports the login's, not the dossier's own.
    refreshed = _refresh(op, chosen["refresh_token"]).json()
    bearer = {"Authorization": f"Bearer {refreshed['access_token']}"}
    assert op.get("/op/v1/userinfo", headers=bearer).json()["acr"] == other
    unknown = tokens_for(op, acr_values="urn:unknown")
    assert jose_jwt.get_unverified_claims(unknown["id_token"])["acr"] == own


def test_the_privacy_log_names_acr(op: TestClient) -> None:
    body = tokens_for(op)
    op.get("/op/v1/userinfo", headers={"Authorization": f"Bearer {body['access_token']}"})
    store = op.app.state.store  # type: ignore[attr-defined]
    entries = store.logs.privacy_entries(client_id="ididdit").items
    assert {e.channel for e in entries} == {"id_token", "userinfo"}
    for entry in entries:
        assert "acr" in entry.attributes
        assert DEFAULT_ACR not in entry.attributes  # names, never values


def test_ended_protocol_stops_refresh(op: TestClient) -> None:
    body = tokens_for(op, scope=OFFLINE)
    assert admin(op, "PATCH", "/protocols/ididdit", {"status": "suspended"}).status_code == 200
    assert _refresh(op, body["refresh_token"]).json()["error"] == "invalid_grant"


def test_private_key_jwt_with_replay_protection(op: TestClient) -> None:
    key = RSAKey.generate_key(2048, auto_kid=True)
    created = admin(
        op,
        "POST",
        "/clients",
        {
            "client_id": "jwt-client",
            "application": "ididdit",
            "redirect_uris": [REDIRECT_URI],
            "token_endpoint_auth_method": "private_key_jwt",
            "grant_types": ["authorization_code", "refresh_token"],
            "jwks": {"keys": [key.as_dict(private=False)]},
        },
    )
    assert created.status_code == 201, created.text
    _, answer = login(op, client_id="jwt-client", scope=OFFLINE)
    now = int(time.time())
    assertion = joserfc_jwt.encode(
        {"alg": "RS256", "kid": key.kid},
        {
            "iss": "jwt-client",
            "sub": "jwt-client",
            "aud": f"{ISSUER}/v1/token",
            "iat": now,
            "exp": now + 60,
            "jti": str(uuid.uuid4()),
        },
        key,
    )
    data = {
        "grant_type": "authorization_code",
        "code": answer["code"],
        "redirect_uri": REDIRECT_URI,
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        "client_assertion": assertion,
    }
    first = op.post("/op/v1/token", data=data)
    assert first.status_code == 200, first.text
    replay = op.post(
        "/op/v1/token",
        data={
            **data,
            "grant_type": "refresh_token",
            "refresh_token": first.json()["refresh_token"],
        },
    )
    assert replay.status_code == 401
    assert replay.json()["error"] == "invalid_client"


def _jwt_client(op: TestClient) -> RSAKey:
    """Register ``jwt-client`` (private_key_jwt) and freeze the simulated clock at ``_FROZEN``."""
    key = RSAKey.generate_key(2048, auto_kid=True)
    created = admin(
        op,
        "POST",
        "/clients",
        {
            "client_id": "jwt-client",
            "application": "ididdit",
            "redirect_uris": [REDIRECT_URI],
            "token_endpoint_auth_method": "private_key_jwt",
            "grant_types": ["authorization_code", "refresh_token"],
            "jwks": {"keys": [key.as_dict(private=False)]},
        },
    )
    assert created.status_code == 201, created.text
    clock = admin(op, "PUT", "/clock", {"now": "2030-01-01T09:00:00Z", "frozen": True})
    assert clock.status_code == 200, clock.text
    return key


_FROZEN = 1893488400  # 2030-01-01T09:00:00Z, far from the real time the test runs at


def _assertion_call(op: TestClient, key: RSAKey, **claims: object) -> httpx.Response:
    """Present an assertion with a made-up code: 401 means it was refused, 400 accepted."""
    payload: dict[str, object] = {
        "iss": "jwt-client",
        "sub": "jwt-client",
        "aud": f"{ISSUER}/v1/token",
        "iat": _FROZEN,
        "exp": _FROZEN + 180,
        "jti": str(uuid.uuid4()),
    }
    payload.update(claims)
    payload = {name: value for name, value in payload.items() if value is not None}
    assertion = joserfc_jwt.encode({"alg": "RS256", "kid": key.kid}, payload, key)
    return op.post(
        "/op/v1/token",
        data={
            "grant_type": "authorization_code",
            "code": "not-a-code",
            "redirect_uri": REDIRECT_URI,
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": assertion,
        },
    )


@pytest.mark.parametrize(
    "claims",
    [
        {},
        {"aud": ISSUER},
        {"aud": [ISSUER, "https://elsewhere.example"]},
        {"aud": ["https://elsewhere.example", f"{ISSUER}/v1/token"]},
        {"iat": _FROZEN + 30, "nbf": _FROZEN + 30},  # a client clock a little ahead
        {"iat": None, "exp": _FROZEN + 600},
        {"iat": _FROZEN - 60, "exp": _FROZEN + 540},
    ],
)
def test_private_key_jwt_accepts_what_real_clients_send(
    op: TestClient, claims: dict[str, object]
) -> None:
    key = _jwt_client(op)
    response = _assertion_call(op, key, **claims)
    assert response.status_code == 400, response.text
    assert response.json()["error"] == "invalid_grant"


@pytest.mark.parametrize(
    ("claims", "words"),
    [
        ({"nbf": _FROZEN + 3600}, "nbf"),
        ({"iat": _FROZEN + 3600, "exp": _FROZEN + 3700}, "iat"),
        ({"exp": None}, "exp"),
        ({"exp": _FROZEN - 120}, "expired"),
        ({"exp": _FROZEN + 10 * 365 * 86400}, "lifetime"),
        ({"iat": None, "exp": _FROZEN + 3600}, "lifetime"),
        ({"iat": _FROZEN - 3000, "exp": _FROZEN + 120}, "lifetime"),
        ({"aud": "https://elsewhere.example/<script>"}, "aud"),
        ({"exp": "tomorrow"}, "exp"),
        ({"nbf": "now"}, "nbf"),
    ],
)
def test_private_key_jwt_time_and_audience_checks(
    op: TestClient, claims: dict[str, object], words: str
) -> None:
    key = _jwt_client(op)
    response = _assertion_call(op, key, **claims)
    assert response.status_code == 401, response.text
    body = response.json()
    assert body["error"] == "invalid_client"
    assert words in body["error_description"]
    assert "<script>" not in response.text
    assert "elsewhere" not in response.text


def test_private_key_jwt_aud_of_odd_json_is_invalid_client(op: TestClient) -> None:
    key = _jwt_client(op)
    response = _assertion_call(op, key, aud=[{"a": 1}, [2]])
    assert response.status_code == 401, response.text
    assert response.json()["error"] == "invalid_client"
