"""The integratiedossier's protocol options over HTTP: their ACM defaults and their alternatives.

PKCE ``plain`` (allowed by default, as ACM advertises it; a dossier may allow S256 only), the
``fragment`` response mode, a public ``sub``, the JWKS caching and what discovery lists.
"""

from __future__ import annotations

import secrets
from urllib.parse import parse_qs, urlsplit

from fastapi.testclient import TestClient

from tests.idp.flows import (
    ISSUER,
    REDIRECT_URI,
    admin,
    auth_params,
    login,
    pkce_pair,
    redeem,
    submit_login,
    verify_id_token,
)


def _plain_verifier() -> str:
    return secrets.token_urlsafe(48)


def test_plain_pkce_is_allowed_by_default_and_checked(op: TestClient) -> None:
    verifier = _plain_verifier()
    _sent, answer = login(op, code_challenge=verifier, code_challenge_method="plain")
    assert redeem(op, answer["code"], code_verifier=_plain_verifier()).json() == {
        "error": "invalid_grant",
        "error_description": "code_verifier does not match the code_challenge",
    }
    _sent, answer = login(op, code_challenge=verifier, code_challenge_method="plain")
    assert redeem(op, answer["code"], code_verifier=verifier).status_code == 200


def test_a_challenge_without_method_is_plain(op: TestClient) -> None:
    """RFC 7636 §4.3: no ``code_challenge_method`` means ``plain``."""
    verifier = _plain_verifier()
    _sent, answer = login(op, code_challenge=verifier)
    _challenge_verifier, challenge = pkce_pair()
    assert redeem(op, answer["code"], code_verifier=verifier).status_code == 200
    # An S256 value sent as plain must be matched as plain, not hashed.
    _sent, answer = login(op, code_challenge=challenge)
    assert redeem(op, answer["code"], code_verifier=_challenge_verifier).status_code == 400


def test_a_dossier_may_allow_s256_only(op: TestClient) -> None:
    assert admin(op, "PATCH", "/clients/ididdit", {"pkce_methods": ["S256"]}).status_code == 200
    sent = auth_params(code_challenge=_plain_verifier(), code_challenge_method="plain")
    response = op.get("/op/v1/auth", params=sent)
    assert response.status_code == 303
    answer = parse_qs(urlsplit(response.headers["location"]).query)
    assert answer["error"] == ["invalid_request"]
    assert answer["state"] == [sent["state"]]
    verifier, challenge = pkce_pair()
    _sent, answer2 = login(op, code_challenge=challenge, code_challenge_method="S256")
    assert redeem(op, answer2["code"], code_verifier=verifier).status_code == 200


def test_fragment_response_mode_puts_the_answer_in_the_fragment(op: TestClient) -> None:
    sent = auth_params(response_mode="fragment")
    page = op.get("/op/v1/auth", params=sent)
    assert page.status_code == 200
    done = submit_login(op, page, "jan.peeters", "Leerling123!")
    assert done.status_code == 303
    location = urlsplit(done.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT_URI
    assert location.query == ""
    answer = {k: v[0] for k, v in parse_qs(location.fragment).items()}
    assert answer["state"] == sent["state"]
    assert answer["iss"] == ISSUER
    assert redeem(op, answer["code"]).status_code == 200


def test_fragment_errors_go_in_the_fragment_too(op: TestClient) -> None:
    sent = auth_params(response_mode="fragment", scope="openid bogus")
    response = op.get("/op/v1/auth", params=sent)
    assert response.status_code == 303
    location = urlsplit(response.headers["location"])
    assert location.query == ""
    assert parse_qs(location.fragment)["error"] == ["invalid_scope"]


def test_an_unknown_response_mode_is_invalid_request(op: TestClient) -> None:
    response = op.get("/op/v1/auth", params=auth_params(response_mode="web_message"))
    assert parse_qs(urlsplit(response.headers["location"]).query)["error"] == ["invalid_request"]


def _sub(op: TestClient, client_id: str) -> str:
    _sent, answer = login(op, client_id=client_id)
    tokens = redeem(op, answer["code"], client_id).json()
    claims = verify_id_token(op, tokens["id_token"], client_id, access_token=tokens["access_token"])
    return str(claims["sub"])


def test_sub_is_pairwise_by_default_and_public_where_the_dossier_says(op: TestClient) -> None:
    assert _sub(op, "ididdit") != _sub(op, "klasapp")
    for client_id in ("ididdit", "klasapp"):
        assert (
            admin(op, "PATCH", f"/clients/{client_id}", {"subject_type": "public"}).status_code
            == 200
        )
    public = _sub(op, "ididdit")
    assert public == _sub(op, "klasapp")
    # Still not an attribute: not the account_uuid, nor the leer_id_uuid.
    account = admin(op, "GET", "/accounts/jan.peeters").json()
    assert public not in {str(v) for v in account.values()}


def test_jwks_may_be_cached_as_long_as_acms(op: TestClient) -> None:
    response = op.get("/op/v1/keys")
    assert response.headers["cache-control"] == "public, max-age=21500"


def test_discovery_lists_the_dossier_options(op: TestClient) -> None:
    metadata = op.get("/op/.well-known/openid-configuration").json()
    assert metadata["response_modes_supported"] == ["query", "fragment", "form_post"]
    assert metadata["code_challenge_methods_supported"] == ["S256", "plain"]
    assert metadata["subject_types_supported"] == ["pairwise", "public"]
