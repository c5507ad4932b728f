"""The hot endpoints served without the router (idp.fastlane) answer as the routed ones did.

Parameters, content types, oversized and repeated input, methods the lane does not take, and
failures recorded as events: a client sees the protocol's own errors, never a traceback.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from idp.fastlane import MAX_FORM_BYTES
from tests.idp.flows import OFFLINE, admin, auth_params, basic, tokens_for


def test_token_needs_a_form_body(op: TestClient) -> None:
    response = op.post(
        "/op/v1/token",
        json={"grant_type": "refresh_token", "refresh_token": "x"},
        auth=basic("ididdit"),
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"
    assert "application/x-www-form-urlencoded" in response.json()["error_description"]


def test_an_oversized_form_is_invalid_request(op: TestClient) -> None:
    response = op.post(
        "/op/v1/token",
        content=b"grant_type=refresh_token&refresh_token=" + b"a" * (MAX_FORM_BYTES + 1),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        auth=basic("ididdit"),
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"
    assert response.headers["cache-control"] == "no-store"


def test_a_repeated_token_parameter_is_invalid_request(op: TestClient) -> None:
    response = op.post(
        "/op/v1/token",
        content=b"grant_type=refresh_token&grant_type=authorization_code&refresh_token=x",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        auth=basic("ididdit"),
    )
    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid_request",
        "error_description": "parameter grant_type is repeated",
    }


def test_percent_encoded_and_plus_encoded_values_are_decoded(op: TestClient) -> None:
    tokens = tokens_for(op, scope=OFFLINE)
    response = op.post(
        "/op/v1/token",
        # "openid ididdit" spelled with + and %20: the scope must be decoded to compare.
        content=(
            f"grant_type=refresh_token&scope=openid+account&refresh_token={tokens['refresh_token']}"
        ).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=UTF-8"},
        auth=basic("ididdit"),
    )
    assert response.status_code == 200, response.text
    assert response.json()["scope"] == "openid account"


def test_userinfo_by_post_form_and_bearer_header_both_work(op: TestClient) -> None:
    access = tokens_for(op)["access_token"]
    by_header = op.post("/op/v1/userinfo", headers={"Authorization": f"Bearer {access}"})
    by_form = op.post("/op/v1/userinfo", data={"access_token": access})
    assert by_header.status_code == by_form.status_code == 200
    assert by_header.json() == by_form.json()
    both = op.post(
        "/op/v1/userinfo",
        data={"access_token": access},
        headers={"Authorization": f"Bearer {access}"},
    )
    assert both.status_code == 400
    assert both.json()["error"] == "invalid_request"


def test_userinfo_without_token_is_a_bearer_challenge(op: TestClient) -> None:
    response = op.get("/op/v1/userinfo")
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith('Bearer error="invalid_token"')


@pytest.mark.parametrize(("method", "path"), [("PUT", "/op/v1/token"), ("DELETE", "/op/v1/auth")])
def test_other_methods_still_get_405(op: TestClient, method: str, path: str) -> None:
    assert op.request(method, path).status_code == 405


def test_authorization_errors_before_the_redirect_uri_is_known_are_html(op: TestClient) -> None:
    params = auth_params()
    params["redirect_uri"] = "https://evil.example/cb"
    response = op.get("/op/v1/auth", params=params)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/html")
    assert "evil.example" not in response.headers.get("location", "")


def test_authorization_by_post_form_reaches_the_login_page(op: TestClient) -> None:
    response = op.post("/op/v1/auth", data=auth_params())
    assert response.status_code == 200
    assert 'data-testid="login-username"' in response.text
    assert response.headers["content-security-policy"].startswith("default-src 'none'")


def test_failures_on_the_lane_are_recorded_as_events(op: TestClient) -> None:
    op.post(
        "/op/v1/token",
        data={"grant_type": "refresh_token", "refresh_token": "not-a-token"},
        auth=basic("ididdit"),
    )
    events = admin(op, "GET", "/events?type=token&outcome=failure").json()["items"]
    assert [(e["client_id"], e["error"]) for e in events] == [("ididdit", "invalid_grant")]
