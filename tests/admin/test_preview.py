"""The claims preview, and the simulated clock moving an enrolment past its end."""

from __future__ import annotations

import base64
import json

from starlette.testclient import TestClient

from tests.idp.flows import tokens_for

API = "/admin/api"


def preview(admin: TestClient, username: str, scope: str = "openid inschrijving") -> dict:  # type: ignore[type-arg]
    response = admin.get(
        f"{API}/preview", params={"client_id": "i-learn", "username": username, "scope": scope}
    )
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def released(result: dict) -> set[str]:  # type: ignore[type-arg]
    return {r["attribute"] for r in result["released"]}


def test_the_clock_moving_past_the_enrolment_end_removes_instellingsnummer(
    admin: TestClient,
) -> None:
    admin.put(f"{API}/clock", json={"now": "2026-06-30T12:00:00+02:00", "frozen": True})
    assert "instellingsnummer" in released(preview(admin, "ex.leerling"))
    admin.put(f"{API}/clock", json={"advance_seconds": 86400})
    after = preview(admin, "ex.leerling")
    assert "instellingsnummer" not in released(after)
    assert "instellingsnummer" in {w["attribute"] for w in after["withheld"]}


def test_ending_an_enrolment_through_the_api_applies_at_once(admin: TestClient) -> None:
    admin.put(f"{API}/clock", json={"now": "2026-10-01T12:00:00+02:00", "frozen": True})
    assert "instellingsnummer" in released(preview(admin, "lotte.janssens"))
    lotte = admin.get(f"{API}/accounts/lotte.janssens").json()
    enrolment = admin.get(f"{API}/enrolments", params={"pupil_id": lotte["pupil_id"]}).json()[0]
    admin.patch(f"{API}/enrolments/{enrolment['id']}", json={"end_date": "2026-09-30"})
    assert "instellingsnummer" not in released(preview(admin, "lotte.janssens"))


def test_an_ended_protocol_shows_as_a_login_error(admin: TestClient) -> None:
    admin.patch(f"{API}/protocols/i-learn", json={"status": "ended"})
    result = preview(admin, "jan.peeters", "openid")
    assert result["login_error"]["error"] == "unauthorized_client"


def test_preview_errors(admin: TestClient) -> None:
    unknown_client = admin.get(
        f"{API}/preview", params={"client_id": "nergens", "username": "jan.peeters"}
    )
    assert unknown_client.status_code == 404
    unknown_user = admin.get(
        f"{API}/preview", params={"client_id": "i-learn", "username": "niemand"}
    )
    assert unknown_user.status_code == 404
    bad_scope = admin.get(
        f"{API}/preview",
        params={"client_id": "ididdit", "username": "jan.peeters", "scope": "openid email"},
    )
    assert bad_scope.status_code == 422
    assert bad_scope.json()["detail"][0]["loc"] == ["query", "scope"]
    assert bad_scope.json()["detail"][0]["type"] == "invalid_scope"
    missing = admin.get(f"{API}/preview", params={"client_id": "i-learn"})
    assert missing.status_code == 422
    assert missing.json()["detail"][0]["loc"] == ["query", "username"]


def id_token_claims(token_response: dict) -> dict:  # type: ignore[type-arg]
    payload = token_response["id_token"].split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))  # type: ignore[no-any-return]


def test_the_clock_also_removes_instellingsnummer_from_a_real_login(admin: TestClient) -> None:
    admin.put(f"{API}/clock", json={"now": "2026-06-30T12:00:00+02:00", "frozen": True})
    before = tokens_for(admin, "i-learn", "ex.leerling", scope="openid inschrijving")
    assert id_token_claims(before)["instellingsnummer"] == "123456"
    admin.put(f"{API}/clock", json={"advance_seconds": 86400})
    admin.cookies.clear()
    after = tokens_for(admin, "i-learn", "ex.leerling", scope="openid inschrijving")
    assert "instellingsnummer" not in id_token_claims(after)


def test_the_preview_shows_the_dossier_and_explains_the_vo_claims(admin: TestClient) -> None:
    response = admin.get(
        f"{API}/preview",
        params={
            "client_id": "pkjwt-demo",
            "username": "jan.peeters",
            "scope": "openid profile vo ov_leerling",
        },
    )
    assert response.status_code == 200, response.text
    result = response.json()
    dossier = result["dossier"]
    assert dossier["allowed_scopes"][:5] == [
        "openid", "profile", "vo", "ov_leerling", "offline_access",
    ]  # fmt: skip
    assert dossier["claim_dialect"] == "acm"
    assert dossier["token_endpoint_auth_method"] == "private_key_jwt"
    assert dossier["subject_type"] == "pairwise"
    assert dossier["access_token_format"] == "opaque"
    assert dossier["pkce_methods"] == ["S256", "plain"]
    assert dossier["acr_values"] == ["urn:be:vlaanderen:authmech:leerid"]
    assert dossier["access_token_ttl_seconds"] is None  # the provider's setting
    assert [key["kty"] for key in dossier["jwks"]] == ["RSA"]
    why = {r["attribute"]: (r["claim"], r["why"]) for r in result["released"]}
    assert why["instellingsnaam"][0] == "ov_orgnaam"
    assert "comes with instellingsnummer" in why["instellingsnaam"][1]
    assert why["vo_id"] == ("vo_id", "scope vo; ACM identity claim of the account (value assumed)")
    assert why["vo_orgcode"][1].startswith("scope vo; ACM identity claim, with instellingsnummer")
    assert result["claims"]["acm"]["ov_orgnaam"] == "Sint-Jozefscollege Demo"


def test_the_preview_explains_why_the_vo_school_claims_are_withheld(admin: TestClient) -> None:
    response = admin.get(
        f"{API}/preview",
        params={"client_id": "ididdit", "username": "jan.peeters", "scope": "openid vo"},
    )
    assert response.status_code == 200, response.text
    withheld = {w["attribute"]: w["reason"] for w in response.json()["withheld"]}
    assert withheld["vo_orgcode"] == withheld["vo_orgnaam"] == "needs_instellingsnummer"
    assert "vo_id" in {r["attribute"] for r in response.json()["released"]}
