"""A misbehaving ACM: each scenario reaches the client it names, for N logins, then stops;
the evidence tells a client that went on from one that stopped."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import pytest
from authlib.oidc.core.util import create_half_hash
from fastapi.testclient import TestClient
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from datastore import Datastore
from tests.idp.conftest import provider_client
from tests.idp.flows import ACM_REFRESH_ANSWER, ISSUER, OFFLINE, admin, basic, login, redeem

CLIENT = "ididdit"


def header_and_claims(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    def part(text: str) -> dict[str, Any]:
        decoded: dict[str, Any] = json.loads(
            base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        )
        return decoded

    head, payload, _ = token.split(".")
    return part(head), part(payload)


def careful_refusal(
    op: TestClient, answer: dict[str, Any], client_id: str, nonce: str | None
) -> str | None:
    """Every check of OIDC Core §3.1.3.7 and RFC 6749 §5.1; the first one failed, or None."""
    if answer.get("token_type", "").lower() != "bearer":
        return "token_type"
    id_token = answer["id_token"]
    header, claims = header_and_claims(id_token)
    if header.get("alg") != "RS256":
        return "alg"
    keys = op.get("/op/v1/keys").json()["keys"]
    if "kid" not in header:
        return "kid absent"
    if not any(k["kid"] == header["kid"] for k in keys):
        return "kid unknown"
    try:
        jwt.decode(id_token, KeySet.import_key_set({"keys": keys}), algorithms=["RS256"])
    except JoseError:
        return "signature"
    now = time.time()
    aud = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    checks = {
        "iss": claims["iss"] == ISSUER,
        "aud": client_id in aud,
        "azp": len(aud) == 1 or claims.get("azp") == client_id,
        "exp": claims["exp"] > now,
        "iat": claims["iat"] < now + 300,
        "nonce": nonce is None or claims.get("nonce") == nonce,
        "at_hash": claims["at_hash"] == create_half_hash(answer["access_token"], "RS256").decode(),
    }
    return next((name for name, ok in checks.items() if not ok), None)


def misbehave(op: TestClient, scenario: str, client_id: str = CLIENT, count: int = 1) -> Any:
    response = admin(
        op, "POST", "/misbehave", {"scenario": scenario, "client_id": client_id, "count": count}
    )
    assert response.status_code == 201, response.text
    return response.json()


def login_tokens(op: TestClient, client_id: str = CLIENT) -> tuple[dict[str, Any], str]:
    sent, answer = login(op, client_id=client_id)
    response = redeem(op, answer["code"], client_id)
    assert response.status_code == 200, response.text
    return response.json(), sent["nonce"]


REFUSED = {
    "id_token-kid-unknown": "kid unknown",
    "id_token-kid-absent-multiple-jwks": "kid absent",
    "id_token-bad-sig": "signature",
    "id_token-sig-none": "alg",
    "id_token-iss-mismatch": "iss",
    "id_token-aud-mismatch": "aud",
    "id_token-aud-extra-without-azp": "azp",
    "id_token-exp-expired": "exp",
    "id_token-iat-future": "iat",
    "nonce-invalid": "nonce",
    "nonce-missing": "nonce",
    "id_token-at_hash-wrong": "at_hash",
    "token-type-missing": "token_type",
}


@pytest.mark.parametrize("scenario", sorted(REFUSED))
def test_each_token_scenario_fails_exactly_its_check_once(op: TestClient, scenario: str) -> None:
    misbehave(op, scenario)
    answer, nonce = login_tokens(op)
    assert careful_refusal(op, answer, CLIENT, nonce) == REFUSED[scenario]
    # The rule is played out: the next login is as always, and no rule is left.
    answer, nonce = login_tokens(op)
    assert careful_refusal(op, answer, CLIENT, nonce) is None
    assert admin(op, "GET", "/misbehave").json() == []


def test_a_rule_applies_to_its_client_only_for_count_logins(op: TestClient) -> None:
    misbehave(op, "id_token-bad-sig", count=2)
    other, nonce = login_tokens(op, "i-learn")
    assert careful_refusal(op, other, "i-learn", nonce) is None
    results = []
    for _ in range(3):
        answer, nonce = login_tokens(op)
        results.append(careful_refusal(op, answer, CLIENT, nonce))
    assert results == ["signature", "signature", None]


def test_key_rotation_publishes_the_new_key_and_other_clients_keep_theirs(op: TestClient) -> None:
    before = {k["kid"] for k in op.get("/op/v1/keys").json()["keys"]}
    misbehave(op, "key-rotation")
    answer, nonce = login_tokens(op)
    kid = header_and_claims(answer["id_token"])[0]["kid"]
    assert kid not in before
    assert kid in {k["kid"] for k in op.get("/op/v1/keys").json()["keys"]}
    assert careful_refusal(op, answer, CLIENT, nonce) is None  # valid: the app must accept it
    other, other_nonce = login_tokens(op, "i-learn")
    assert header_and_claims(other["id_token"])[0]["kid"] in before
    assert careful_refusal(op, other, "i-learn", other_nonce) is None


def test_authorization_scenarios_change_the_redirect(op: TestClient) -> None:
    misbehave(op, "authorization-iss-mismatch")
    misbehave(op, "authorization-state-missing")
    sent, answer = login(op, client_id=CLIENT)
    assert answer["iss"] == "https://mixup.leerid.invalid/op"
    assert answer["state"] == sent["state"]
    _sent, answer = login(op, client_id=CLIENT)
    assert "state" not in answer
    assert answer["iss"] == ISSUER
    _sent, answer = login(op, client_id=CLIENT)
    assert set(answer) >= {"state", "iss", "code"}


def test_userinfo_bad_sub_and_leerid_claim_scenarios(op: TestClient) -> None:
    misbehave(op, "userinfo-bad-sub")
    answer, _nonce = login_tokens(op, "i-learn-acm")
    sub = header_and_claims(answer["id_token"])[1]["sub"]
    bearer = {"Authorization": f"Bearer {answer['access_token']}"}
    misbehave(op, "userinfo-bad-sub", "i-learn-acm")
    assert op.get("/op/v1/userinfo", headers=bearer).json()["sub"] != sub
    assert op.get("/op/v1/userinfo", headers=bearer).json()["sub"] == sub
    misbehave(op, "ov_leerid_uuid-string", "i-learn-acm")
    claims = header_and_claims(login_tokens(op, "i-learn-acm")[0]["id_token"])[1]
    assert isinstance(claims["ov_leerid_uuid"], str)
    misbehave(op, "historiek-contains-current", "i-learn-acm")
    claims = header_and_claims(login_tokens(op, "i-learn-acm")[0]["id_token"])[1]
    assert claims["ov_account_uuid"] in claims["ov_historiek_account_uuid"]
    misbehave(op, "claims-outside-protocol", "i-learn-acm")
    claims = header_and_claims(login_tokens(op, "i-learn-acm")[0]["id_token"])[1]
    assert "rijksregisternummer" in claims


def plays(op: TestClient, client_id: str) -> list[dict[str, Any]]:
    evidence = admin(op, "GET", f"/misbehave/evidence?client_id={client_id}").json()
    return evidence[0]["plays"] if evidence else []


def test_evidence_tells_a_careless_client_from_a_careful_one(op: TestClient) -> None:
    misbehave(op, "id_token-bad-sig", "ididdit")
    misbehave(op, "id_token-bad-sig", "i-learn")
    careless, _ = login_tokens(op, "ididdit")  # skips verification and asks UserInfo
    bearer = {"Authorization": f"Bearer {careless['access_token']}"}
    assert op.get("/op/v1/userinfo", headers=bearer).status_code == 200
    careful, nonce = login_tokens(op, "i-learn")
    assert careful_refusal(op, careful, "i-learn", nonce) == "signature"  # and stops there
    [bad] = plays(op, "ididdit")
    assert bad["scenario"] == "id_token-bad-sig"
    assert bad["went_on"]
    assert bad["careless"]
    assert "UserInfo" in bad["went_on_how"]
    [good] = plays(op, "i-learn")
    assert not good["went_on"]
    assert not good["careless"]
    served = admin(op, "GET", "/events?type=misbehave&outcome=served").json()["items"]
    assert {e["reason"].split(":")[0] for e in served} == {
        "served id_token-bad-sig to client ididdit",
        "served id_token-bad-sig to client i-learn",
    }


def test_redeeming_a_mixed_up_code_is_going_on(op: TestClient) -> None:
    misbehave(op, "authorization-iss-mismatch")
    _sent, answer = login(op, client_id=CLIENT)
    assert redeem(op, answer["code"], CLIENT).status_code == 200
    [play] = plays(op, CLIENT)
    assert play["careless"]
    assert "redeemed" in play["went_on_how"]


def test_admin_api_refuses_unknown_scenarios_and_clients(op: TestClient) -> None:
    unknown = admin(op, "POST", "/misbehave", {"scenario": "nope", "client_id": CLIENT})
    assert unknown.status_code == 422
    nobody = admin(op, "POST", "/misbehave", {"scenario": "nonce-missing", "client_id": "nobody"})
    assert nobody.status_code == 404
    assert "nobody" in nobody.json()["detail"]
    assert admin(op, "DELETE", "/misbehave/4242").status_code == 404
    names = {s["name"] for s in admin(op, "GET", "/misbehave/scenarios").json()}
    assert names >= set(REFUSED) | {"key-rotation", "userinfo-bad-sub"}


def test_rules_are_not_fault_rules_and_reset_clears_them(op: TestClient) -> None:
    rule = misbehave(op, "nonce-missing", count=3)
    assert admin(op, "GET", "/faults").json() == []
    assert admin(op, "DELETE", "/faults").json() == {"deleted": 0}
    assert [r["id"] for r in admin(op, "GET", "/misbehave").json()] == [rule["id"]]
    assert admin(op, "DELETE", f"/misbehave/{rule['id']}").status_code == 204
    misbehave(op, "nonce-missing")
    login_tokens(op)
    misbehave(op, "nonce-missing")
    assert admin(op, "POST", "/reset").status_code == 200
    assert admin(op, "GET", "/misbehave").json() == []
    assert admin(op, "GET", "/misbehave/evidence").json() == []
    _answer, nonce = login_tokens(op)
    assert careful_refusal(op, _answer, CLIENT, nonce) is None


def test_openapi_declares_the_misbehave_schemas(op: TestClient) -> None:
    schemas = op.get("/openapi.json").json()["components"]["schemas"]
    assert "id_token-bad-sig" in schemas["MisbehaviourCreate"]["properties"]["scenario"]["enum"]
    assert "EvidenceView" in schemas


@pytest.mark.parametrize("refresh_id_token", [False, True])
def test_refreshing_after_a_bad_id_token_is_going_on(
    demo_store: Datastore, demo_url: str, refresh_id_token: bool
) -> None:
    with provider_client(demo_store, demo_url, refresh_id_token=refresh_id_token) as op:
        _refresh_after_a_bad_id_token(op, refresh_id_token)


def _refresh_after_a_bad_id_token(op: TestClient, refresh_id_token: bool) -> None:
    misbehave(op, "id_token-exp-expired")
    sent, answer = login(op, client_id=CLIENT, scope=OFFLINE)
    body = redeem(op, answer["code"], CLIENT).json()
    assert careful_refusal(op, body, CLIENT, sent["nonce"]) == "exp"
    assert plays(op, CLIENT)[0]["went_on"] is False
    refreshed = op.post(
        "/op/v1/token",
        data={"grant_type": "refresh_token", "refresh_token": body["refresh_token"]},
        auth=basic(CLIENT),
    )
    assert refreshed.status_code == 200, refreshed.text
    [play] = plays(op, CLIENT)
    assert play["careless"]
    assert play["went_on_how"] == "refreshed the grant's tokens"
    if refresh_id_token:
        # A refreshed ID token is never changed: the scenario counts logins.
        assert careful_refusal(op, refreshed.json(), CLIENT, None) is None
    else:  # as on ACM, a refresh answers no ID token, so there is nothing to change
        assert refreshed.json().keys() == ACM_REFRESH_ANSWER


def test_ov_leerid_uuid_string_reaches_a_leerid_dialect_client_too(op: TestClient) -> None:
    misbehave(op, "ov_leerid_uuid-string")
    _sent, answer = login(op, client_id=CLIENT, scope="openid ov_leerling")
    claims = header_and_claims(redeem(op, answer["code"], CLIENT).json()["id_token"])[1]
    assert claims["ov_leerid_uuid"] == claims["leer_id_uuid"]
    assert isinstance(claims["ov_leerid_uuid"], str)


def test_an_es256_client_gets_the_rotation_in_its_own_algorithm(op: TestClient) -> None:
    changed = admin(op, "PATCH", "/clients/klasapp", {"id_token_signed_response_alg": "ES256"})
    assert changed.status_code == 200, changed.text
    misbehave(op, "key-rotation", "klasapp")
    misbehave(op, "id_token-kid-unknown", "klasapp")
    rotated = login_tokens(op, "klasapp")[0]["id_token"]
    assert header_and_claims(rotated)[0] == {
        "alg": "ES256",
        "kid": "misbehave-rotation-es256",
        "typ": "JWT",
    }
    keys = KeySet.import_key_set(op.get("/op/v1/keys").json())
    assert jwt.decode(rotated, keys, algorithms=["ES256"]).claims["aud"] == "klasapp"
    unknown = login_tokens(op, "klasapp")[0]["id_token"]
    head = header_and_claims(unknown)[0]
    assert head["alg"] == "ES256"
    assert head["kid"] not in {k.kid for k in keys.keys}


def test_token_stage_evidence_names_the_pupil(op: TestClient) -> None:
    misbehave(op, "id_token-bad-sig")
    careless, _ = login_tokens(op)
    bearer = {"Authorization": f"Bearer {careless['access_token']}"}
    account = op.get("/op/v1/userinfo", headers=bearer).json()["account_uuid"]
    [play] = plays(op, CLIENT)
    assert play["scenario"] == "id_token-bad-sig"
    assert play["account_uuid"] == account
    events = admin(op, "GET", "/events?type=misbehave").json()["items"]
    assert {e["outcome"] for e in events} == {"served", "went_on"}
    assert {e["account_uuid"] for e in events} == {account}


def test_world_files_and_the_provider_know_the_same_scenarios() -> None:
    from datastore.vocabulary import MISBEHAVE_SCENARIOS
    from idp.misbehave import SCENARIOS

    assert list(SCENARIOS) == list(MISBEHAVE_SCENARIOS)
