"""RP-Initiated Logout 1.0 §2-3: which hints end the session, and ACM's logout without a hint."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from jose import jwt as jose_jwt

from datastore import Datastore
from tests.idp.flows import admin, authorize, login, query, redeem, tokens_for

POST_LOGOUT = "http://localhost:8001/"
NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)


def in_other_browser(op: TestClient, username: str) -> dict[str, Any]:
    """Tokens of a login in another browser; this browser's cookies are left as they were."""
    saved = dict(op.cookies)
    op.cookies.clear()
    body = tokens_for(op, username=username)
    op.cookies.clear()
    for name, value in saved.items():
        op.cookies.set(name, value)
    return body


def still_logged_in(op: TestClient) -> bool:
    return "code" in query(authorize(op, prompt="none").headers["location"])


def assert_confirmation_only(op: TestClient, response: Any, access_token: str) -> None:
    """The confirmation page, and nothing ended: SSO and the session's tokens still work."""
    assert response.status_code == 200
    assert 'data-testid="logout-confirm"' in response.text
    assert "location" not in response.headers
    assert still_logged_in(op)
    userinfo = op.get("/op/v1/userinfo", headers={"Authorization": f"Bearer {access_token}"})
    assert userinfo.status_code == 200


def test_another_users_id_token_only_gets_the_confirmation_page(op: TestClient) -> None:
    mine = tokens_for(op)
    theirs = in_other_browser(op, "lotte.janssens")
    response = op.get(
        "/op/v1/logout",
        params={
            "id_token_hint": theirs["id_token"],
            "post_logout_redirect_uri": POST_LOGOUT,
            "state": "s1",
        },
    )
    assert_confirmation_only(op, response, mine["access_token"])


def test_an_access_token_is_no_hint(op: TestClient) -> None:
    body = tokens_for(op)
    for hint in (body["access_token"], body.get("refresh_token", "opaque-string")):
        response = op.get("/op/v1/logout", params={"id_token_hint": hint, "client_id": "ididdit"})
        assert_confirmation_only(op, response, body["access_token"])


def test_an_id_token_of_another_session_of_the_same_user_is_no_hint(op: TestClient) -> None:
    old = tokens_for(op)
    new = tokens_for(op, prompt="login")  # a new login ends the old session
    assert (
        jose_jwt.get_unverified_claims(old["id_token"])["sid"]
        != (jose_jwt.get_unverified_claims(new["id_token"])["sid"])
    )
    response = op.get("/op/v1/logout", params={"id_token_hint": old["id_token"]})
    assert_confirmation_only(op, response, new["access_token"])


def test_confirming_after_a_wrong_hint_logs_out_and_redirects(op: TestClient) -> None:
    tokens_for(op)
    theirs = in_other_browser(op, "lotte.janssens")
    page = op.get(
        "/op/v1/logout",
        params={
            "id_token_hint": theirs["id_token"],
            "post_logout_redirect_uri": POST_LOGOUT,
            "state": "s2",
        },
    )
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page.text))
    done = op.post("/op/v1/logout", data=fields)
    assert done.status_code == 303
    assert done.headers["location"] == f"{POST_LOGOUT}?state=s2"
    assert not still_logged_in(op)


def test_an_expired_id_token_of_the_current_session_is_a_good_hint(
    op: TestClient, demo_store: Datastore
) -> None:
    demo_store.clock.set(NOW)
    body = tokens_for(op)
    exp = jose_jwt.get_unverified_claims(body["id_token"])["exp"]
    demo_store.clock.set(dt.datetime.fromtimestamp(exp + 60, dt.UTC))
    assert still_logged_in(op)  # the session outlives the ID token
    response = op.get(
        "/op/v1/logout",
        params={
            "id_token_hint": body["id_token"],
            "post_logout_redirect_uri": POST_LOGOUT,
            "state": "s3",
        },
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"{POST_LOGOUT}?state=s3"
    assert not still_logged_in(op)


def test_acm_logout_with_client_id_redirects_with_state(op: TestClient) -> None:
    body = tokens_for(op)
    response = op.get(
        "/op/v1/logout",
        params={"client_id": "ididdit", "post_logout_redirect_uri": POST_LOGOUT, "state": "a b"},
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"{POST_LOGOUT}?state=a+b"
    assert not still_logged_in(op)
    userinfo = op.get(
        "/op/v1/userinfo", headers={"Authorization": f"Bearer {body['access_token']}"}
    )
    assert userinfo.status_code == 401


@pytest.mark.parametrize(
    "params",
    [
        {"client_id": "ididdit", "post_logout_redirect_uri": "http://localhost:8001/other"},
        {"client_id": "ididdit", "post_logout_redirect_uri": POST_LOGOUT + "?x=1"},
        {"client_id": "i-learn", "post_logout_redirect_uri": "http://evil.example/"},
        {"post_logout_redirect_uri": POST_LOGOUT},
        {"client_id": "no-such-client", "post_logout_redirect_uri": POST_LOGOUT},
    ],
)
def test_an_unregistered_post_logout_uri_is_an_html_error(
    op: TestClient, params: dict[str, str]
) -> None:
    tokens_for(op)
    response = op.get("/op/v1/logout", params=params)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/html")
    assert "location" not in response.headers
    assert still_logged_in(op)


def test_logout_without_parameters_ends_sso_and_says_afgemeld(op: TestClient) -> None:
    tokens_for(op)
    page = op.get("/op/v1/logout")
    assert page.status_code == 200
    assert 'data-testid="logged-out"' in page.text
    assert "Je bent afgemeld" in page.text
    assert not still_logged_in(op)


def test_logout_from_an_image_of_another_site_asks_first(op: TestClient) -> None:
    tokens_for(op)
    page = op.get(
        "/op/v1/logout", headers={"Sec-Fetch-Dest": "image", "Sec-Fetch-Site": "cross-site"}
    )
    assert page.status_code == 200
    assert 'data-testid="logout-confirm"' in page.text
    assert still_logged_in(op)


def test_a_hint_never_ends_a_session_of_another_browser(op: TestClient) -> None:
    theirs = in_other_browser(op, "lotte.janssens")
    response = op.get("/op/v1/logout", params={"id_token_hint": theirs["id_token"]})
    assert response.status_code == 200
    userinfo = op.get(
        "/op/v1/userinfo", headers={"Authorization": f"Bearer {theirs['access_token']}"}
    )
    assert userinfo.status_code == 200


def test_no_back_channel_logout_without_a_proven_request(op: TestClient) -> None:
    url = "http://127.0.0.1:9/never-called"
    assert admin(op, "PATCH", "/clients/ididdit", {"backchannel_logout_uri": url}).status_code == (
        200
    )
    tokens_for(op)
    theirs = in_other_browser(op, "lotte.janssens")
    op.get("/op/v1/logout", params={"id_token_hint": theirs["id_token"]})
    events = admin(op, "GET", "/events?type=logout").json()
    assert not [e for e in events["items"] if e["outcome"] == "success"]


def test_a_code_issued_before_logout_is_invalid_grant(
    op: TestClient, demo_store: Datastore
) -> None:
    _sent, answer = login(op)
    logout = op.get("/op/v1/logout")
    assert 'data-testid="logged-out"' in logout.text
    response = redeem(op, answer["code"])
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"
    assert "access_token" not in response.json()
    # The code is not spent by the refusal, yet it never buys tokens: it stays refused.
    assert redeem(op, answer["code"]).json()["error"] == "invalid_grant"
    refusal = demo_store.logs.events(type_="token").items[0]
    assert refusal.reason == "code session_ended"
