"""The persona × client matrix through HTTP: what each response really carries (CONTRACT claims).

Every demo pupil logs in at every pupil client with ``openid ov_leerling``; the ID token
(verified with python-jose against the JWKS), the UserInfo response and introspection must
carry exactly the attributes of the matrix in ``test_release_demo`` under the client's claim
names, nothing more. Each release is in the privacy log, once per channel, with names only.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from fastapi.testclient import TestClient
from jose import jwt as jose_jwt

from datastore import Datastore
from idp.claims import ACM_CLAIM_NAMES
from idp.preview import preview
from tests.idp.flows import SECRETS, basic, login, pkce_pair, query, redeem
from tests.idp.test_release_demo import EXPECTED, PUPILS

# Claims of the protocol itself (OIDC Core §2, §3.1.3.6): anything else must be an attribute.
PROTOCOL_CLAIMS = {
    "iss", "sub", "aud", "azp", "exp", "iat", "auth_time", "nonce", "sid", "at_hash", "acr",
}  # fmt: skip
# RFC 7662 §2.2 members of an introspection response.
INTROSPECTION_FIELDS = {
    "active", "scope", "client_id", "username", "token_type", "exp", "iat", "nbf", "sub", "aud",
    "iss", "jti", "auth_time", "sid",
}  # fmt: skip
# DECISIONS.md 10: the date is set; the clock runs on so that tokens stay valid while tested.
NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)


def expected_claims(username: str, client_id: str) -> dict[str, Any]:
    released, withheld = EXPECTED[(username, client_id)]
    if client_id != "i-learn-acm":
        return released
    claims = {
        ACM_CLAIM_NAMES[name]: [value] if name == "leer_id_uuid" else value
        for name, value in released.items()
    }
    if withheld.get("leer_id_uuid") == "temporary_account":
        claims["ov_leerid_uuid"] = []
    return claims


def id_token_claims(op: TestClient, id_token: str, client_id: str) -> dict[str, Any]:
    """Verify the signature and audience with python-jose; expiry follows the simulated clock."""
    header = jose_jwt.get_unverified_header(id_token)
    key = next(k for k in op.get("/op/v1/keys").json()["keys"] if k["kid"] == header["kid"])
    claims: dict[str, Any] = jose_jwt.decode(
        id_token,
        key,
        algorithms=[header["alg"]],
        audience=client_id,
        options={"verify_at_hash": False, "verify_exp": False, "verify_iat": False},
    )
    return claims


@pytest.mark.parametrize("client_id", ["ididdit", "i-learn", "i-learn-acm", "klasapp", "spa-demo"])
def test_each_pupil_gets_exactly_the_matrix_in_the_id_token(
    op: TestClient, demo_store: Datastore, client_id: str
) -> None:
    demo_store.clock.set(NOW)
    for username in PUPILS:
        op.cookies.clear()  # a new browser: no SSO session of the previous pupil
        extra: dict[str, Any] = {}
        verifier = None
        if client_id == "spa-demo":
            verifier, challenge = pkce_pair()
            extra = {"code_challenge": challenge, "code_challenge_method": "S256"}
        _, answer = login(
            op, username=username, client_id=client_id, scope="openid ov_leerling", **extra
        )
        response = redeem(op, answer["code"], client_id, code_verifier=verifier)
        assert response.status_code == 200, response.text
        claims = id_token_claims(op, response.json()["id_token"], client_id)
        attributes = {k: v for k, v in claims.items() if k not in PROTOCOL_CLAIMS}
        expected = expected_claims(username, client_id)
        assert attributes == expected, username
        assert claims["sub"] not in str(attributes)
        access_token = response.json()["access_token"]
        info = op.get("/op/v1/userinfo", headers={"Authorization": f"Bearer {access_token}"})
        assert info.status_code == 200, info.text
        assert info.json() == {**expected, "sub": claims["sub"], "acr": claims["acr"]}, username
        if client_id in SECRETS:
            introspection = op.post(
                "/op/v1/introspect", data={"token": access_token}, auth=basic(client_id)
            )
            shown = introspection.json()
            assert shown["active"] is True
            assert {k: v for k, v in shown.items() if k not in INTROSPECTION_FIELDS} == expected
    entries = demo_store.logs.privacy_entries(client_id=client_id, limit=100).items
    assert {e.account_uuid for e in entries} == {
        EXPECTED[(u, client_id)][0]["account_uuid"] for u in PUPILS
    }
    channels = (
        {"id_token", "userinfo", "introspection"}
        if client_id in SECRETS
        else {"id_token", "userinfo"}
    )
    assert {e.channel for e in entries} == channels
    assert len(entries) == len(PUPILS) * len(channels)
    for entry in entries:
        assert set(entry.attributes) <= {*ACM_CLAIM_NAMES, "acr"}
        assert entry.protocol_reference
        assert entry.legal_basis.startswith("AVG art. 6.1.c")


def test_the_ended_protocol_never_reaches_the_login_page(op: TestClient) -> None:
    page = op.get(
        "/op/v1/auth",
        params={
            "client_id": "stopgezet",
            "redirect_uri": "http://localhost:8001/callback",
            "response_type": "code",
            "scope": "openid ov_leerling",
            "state": "s",
        },
    )
    assert page.status_code in (302, 303)
    assert query(page.headers["location"])["error"] == "unauthorized_client"


SCOPE_CASES = [
    ("klasapp", "jan.peeters", "openid account"),
    ("klasapp", "jan.peeters", "openid klas"),
    ("klasapp", "noah.tijdelijk", "openid inschrijving klas"),
    ("i-learn-acm", "noah.tijdelijk", "openid account"),
    ("i-learn-acm", "jan.peeters", "openid profile inschrijving"),
    ("i-learn", "ex.leerling", "openid profile inschrijving offline_access"),
    # What real LeerID clients ask on ACM.
    ("i-learn-acm", "jan.peeters", "openid profile vo ov_leerling"),
    ("i-learn", "ex.leerling", "openid profile vo ov_leerling"),
    ("ididdit", "lotte.janssens", "openid vo"),
]


@pytest.mark.parametrize(("client_id", "username", "scope"), SCOPE_CASES)
def test_a_login_releases_what_the_preview_promised(
    op: TestClient, demo_store: Datastore, client_id: str, username: str, scope: str
) -> None:
    demo_store.clock.set(NOW)
    promised = preview(demo_store, client_id, username, scope).as_dict()
    _, answer = login(op, username=username, client_id=client_id, scope=scope)
    response = redeem(op, answer["code"], client_id)
    assert response.status_code == 200, response.text
    claims = id_token_claims(op, response.json()["id_token"], client_id)
    attributes = {k: v for k, v in claims.items() if k not in PROTOCOL_CLAIMS}
    assert attributes == promised["claims"][promised["claims"]["dialect"]]
    requested = set(scope.split())
    for released in promised["released"]:
        assert released["scope"] in requested


def test_the_privacy_log_names_every_released_claim_of_a_real_clients_login(
    op: TestClient, demo_store: Datastore
) -> None:
    demo_store.clock.set(NOW)
    tokens_scope = "openid profile vo ov_leerling"
    _, answer = login(op, username="jan.peeters", client_id="i-learn-acm", scope=tokens_scope)
    response = redeem(op, answer["code"], "i-learn-acm")
    assert response.status_code == 200, response.text
    claims = id_token_claims(op, response.json()["id_token"], "i-learn-acm")
    assert claims["ov_orgnaam"] == "Sint-Jozefscollege Demo"
    assert claims["vo_orgcode"] == "123456"
    (entry,) = demo_store.logs.privacy_entries(client_id="i-learn-acm", limit=10).items
    assert entry.channel == "id_token"
    assert set(entry.attributes) == {
        "leer_id_uuid", "account_uuid", "historiek_account_uuid", "naam", "voornaam",
        "instellingsnummer", "instellingsnaam",
        "vo_id", "vo_doelgroepcode", "vo_orgcode", "vo_orgnaam", "acr",
    }  # fmt: skip
    assert claims["vo_id"] not in repr(entry)
