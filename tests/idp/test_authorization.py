"""The authorization endpoint: checks in order, HTML before redirect, redirects with iss."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.idp.flows import (
    ISSUER,
    REDIRECT_URI,
    auth_params,
    authorize,
    login,
    parse_login_form,
    pkce_pair,
    query,
    redeem,
    submit_login,
)

# Request validation and pages do not depend on the database; the protocol state that does
# (codes, tokens, sessions) is tested on SQLite and PostgreSQL in test_token, test_resource,
# test_logout and test_keys. This keeps the suite within its time budget on 2 cores.
pytestmark = pytest.mark.parametrize("demo_url", ["sqlite"], indirect=True)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"client_id": "onbekend"}, "niet geregistreerd"),
        ({"client_id": "<omit>"}, "De aanvraag heeft geen client_id."),
        ({"redirect_uri": "http://localhost:8001/callback/"}, "redirect_uri"),
        ({"redirect_uri": "http://evil.example/callback"}, "redirect_uri"),
        ({"redirect_uri": "<omit>"}, "De aanvraag heeft geen redirect_uri."),
    ],
)
def test_unverified_client_or_redirect_is_an_html_page(
    op: TestClient, change: dict[str, str], reason: str
) -> None:
    response = authorize(op, **change, scope="bogus")
    assert response.status_code == 400
    assert "location" not in response.headers
    assert response.headers["content-type"].startswith("text/html")
    assert reason in response.text
    assert response.headers["x-frame-options"] == "DENY"


def _error_redirect(op: TestClient, **params: str) -> dict[str, str]:
    sent = auth_params(**params)
    response = op.get("/op/v1/auth", params=sent)
    assert response.status_code in (302, 303), response.text
    location = response.headers["location"]
    assert location.startswith(REDIRECT_URI + "?")
    answer = query(location)
    assert answer["iss"] == ISSUER
    assert answer["state"] == sent["state"]
    return answer


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"scope": "account"}, "invalid_scope"),
        ({"scope": "openid email"}, "invalid_scope"),
        ({"scope": "openid rrn"}, "invalid_scope"),
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"response_type": "<omit>"}, "invalid_request"),
        ({"code_challenge": pkce_pair()[1], "code_challenge_method": "S512"}, "invalid_request"),
        ({"code_challenge": "short", "code_challenge_method": "plain"}, "invalid_request"),
        ({"prompt": "none login"}, "invalid_request"),
        ({"max_age": "-1"}, "invalid_request"),
        ({"max_age": "\u00b2"}, "invalid_request"),  # a superscript two passes str.isdigit()
        ({"max_age": "\u0663"}, "invalid_request"),  # an Arabic-Indic three, likewise
        ({"max_age": "9" * 5000}, "invalid_request"),  # past int()'s digit limit
        ({"request": "eyJ.x.y"}, "request_not_supported"),
        ({"request_uri": "https://x.example/r"}, "request_uri_not_supported"),
        ({"response_mode": "web_message"}, "invalid_request"),
        ({"prompt": "none"}, "login_required"),
    ],
)
def test_errors_after_verification_redirect_with_iss(
    op: TestClient, params: dict[str, str], error: str
) -> None:
    assert _error_redirect(op, **params)["error"] == error


def test_public_client_needs_pkce(op: TestClient) -> None:
    assert _error_redirect(op, client_id="spa-demo")["error"] == "invalid_request"


def test_ended_protocol_is_unauthorized_client_before_login(op: TestClient) -> None:
    assert _error_redirect(op, client_id="stopgezet")["error"] == "unauthorized_client"


def test_the_request_of_a_real_leerid_client_gets_the_login_page(op: TestClient) -> None:
    response = authorize(op, client_id="i-learn-acm", scope="openid profile vo ov_leerling")
    assert response.status_code == 200
    assert 'data-testid="login-username"' in response.text


@pytest.mark.parametrize(
    ("client_id", "scope"),
    [
        # spa-demo's dossier allows openid, account and ov_leerling only.
        ("spa-demo", "openid profile vo ov_leerling"),
        ("spa-demo", "openid ov_leerling offline_access"),
        ("ididdit", "openid ov_leerling rrn"),
        ("ididdit", "openid ov_leerling phone"),
    ],
)
def test_a_scope_outside_the_dossier_is_refused_before_the_login_page(
    op: TestClient, client_id: str, scope: str
) -> None:
    _, challenge = pkce_pair()
    answer = _error_redirect(
        op,
        client_id=client_id,
        scope=scope,
        code_challenge=challenge,
        code_challenge_method="S256",
    )
    assert answer["error"] == "invalid_scope"
    # A fixed sentence: the answer does not repeat the scope that was asked for.
    assert "phone" not in answer["error_description"]
    assert "offline_access" not in answer["error_description"]
    assert "vo " not in answer["error_description"]


def test_offline_access_is_accepted(op: TestClient) -> None:
    response = authorize(op, scope="openid account offline_access")
    assert response.status_code == 200
    assert 'data-testid="login-username"' in response.text


def test_post_authorization_request_is_accepted(op: TestClient) -> None:
    response = op.post("/op/v1/auth", data=auth_params())
    assert response.status_code == 200
    assert 'data-testid="login-submit"' in response.text


def test_repeated_parameter_is_invalid_request(op: TestClient) -> None:
    params = [*list(auth_params().items()), ("scope", "openid")]
    response = op.get("/op/v1/auth", params=params)
    assert query(response.headers["location"])["error"] == "invalid_request"


def test_sso_gives_a_code_without_the_login_page(op: TestClient) -> None:
    login(op)
    response = authorize(op, client_id="i-learn", scope="openid profile")
    assert response.status_code == 303
    answer = query(response.headers["location"])
    assert answer["code"]
    assert answer["iss"] == ISSUER


def test_prompt_none_with_session_gives_a_code(op: TestClient) -> None:
    login(op)
    answer = query(authorize(op, prompt="none").headers["location"])
    assert "code" in answer


@pytest.mark.parametrize("params", [{"prompt": "login"}, {"max_age": "0"}])
def test_prompt_login_and_max_age_force_the_login_page(
    op: TestClient, params: dict[str, str]
) -> None:
    login(op)
    op.app.state.store.clock.advance(2)  # type: ignore[attr-defined]
    response = authorize(op, **params)
    assert response.status_code == 200
    assert 'data-testid="login-password"' in response.text


def test_max_age_with_prompt_none_after_expiry_is_login_required(op: TestClient) -> None:
    login(op)
    op.app.state.store.clock.advance(5)  # type: ignore[attr-defined]
    answer = query(authorize(op, prompt="none", max_age="1").headers["location"])
    assert answer["error"] == "login_required"


def test_form_post_response_mode(op: TestClient) -> None:
    login(op)
    response = authorize(op, response_mode="form_post")
    assert response.status_code == 200
    assert f'action="{REDIRECT_URI}"' in response.text
    assert 'name="code"' in response.text
    assert 'name="iss" value="http://localhost:8000/op"' in response.text
    assert "form-action http://localhost:8001" in response.headers["content-security-policy"]


def test_sso_ends_with_the_session_ttl(op: TestClient) -> None:
    login(op)
    op.app.state.store.clock.advance(7201)  # type: ignore[attr-defined]
    answer = query(authorize(op, prompt="none").headers["location"])
    assert answer["error"] == "login_required"


def test_session_cookie_attributes(op: TestClient) -> None:
    page = authorize(op)
    form_fields = {"username": "jan.peeters", "password": "Leerling123!"}
    form = parse_login_form(str(page.url), page.text)
    done = op.post(form.action, data={**form.fields, **form_fields})
    set_cookie = [v for k, v in done.headers.multi_items() if k == "set-cookie"]
    session = next(c for c in set_cookie if c.startswith("leerid_op_session="))
    lowered = session.lower()
    assert "httponly" in lowered
    assert "samesite=lax" in lowered
    assert "path=/op" in lowered
    assert "secure" not in lowered  # http issuer; https is tested in test_login


def test_access_denied_in_form_post_mode(op: TestClient) -> None:
    page = authorize(op, response_mode="form_post")
    response = submit_login(op, page, "dirk.directeur", "Personeel123!")
    assert response.status_code == 200
    assert 'name="error" value="access_denied"' in response.text
    assert f'action="{REDIRECT_URI}"' in response.text


def test_cors_on_userinfo_for_the_spa(op: TestClient) -> None:
    verifier, challenge = pkce_pair()
    _, answer = login(
        op, client_id="spa-demo", code_challenge=challenge, code_challenge_method="S256"
    )
    tokens = redeem(op, answer["code"], "spa-demo", code_verifier=verifier).json()
    response = op.get(
        "/op/v1/userinfo",
        headers={
            "Authorization": f"Bearer {tokens['access_token']}",
            "Origin": "http://127.0.0.1:8001",
        },
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "http://127.0.0.1:8001"
