"""RP-Initiated Logout 1.0 and Back-Channel Logout 1.0."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest
from fastapi.testclient import TestClient
from jose import jwt as jose_jwt

from datastore import Datastore
from idp import create_app
from tests.idp.conftest import provider_settings
from tests.idp.flows import ISSUER, admin, authorize, query, tokens_for

POST_LOGOUT = "http://localhost:8001/"


class Receiver:
    """A relying party's back-channel logout endpoint on a free local port."""

    def __init__(self, delay: float = 0.0) -> None:
        self.tokens: list[str] = []
        self.delay = delay
        self.received = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers["Content-Length"])
                body = parse_qs(self.rfile.read(length).decode())
                time.sleep(receiver.delay)
                receiver.tokens.append(body["logout_token"][0])
                receiver.received.set()
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/backchannel-logout"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.close()


def test_logout_with_hint_redirects_with_state_and_ends_sso(op: TestClient) -> None:
    body = tokens_for(op)
    response = op.get(
        "/op/v1/logout",
        params={
            "id_token_hint": body["id_token"],
            "post_logout_redirect_uri": POST_LOGOUT,
            "state": "s1",
        },
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"{POST_LOGOUT}?state=s1"
    page = authorize(op)
    assert page.status_code == 200
    assert 'data-testid="login-username"' in page.text
    userinfo = op.get(
        "/op/v1/userinfo", headers={"Authorization": f"Bearer {body['access_token']}"}
    )
    assert userinfo.status_code == 401


def test_unregistered_post_logout_redirect_uri_is_an_html_error(op: TestClient) -> None:
    body = tokens_for(op)
    response = op.get(
        "/op/v1/logout",
        params={
            "id_token_hint": body["id_token"],
            "post_logout_redirect_uri": "http://evil.example/",
        },
    )
    assert response.status_code == 400
    assert "location" not in response.headers
    prompt_none = authorize(op, prompt="none")
    assert "code" in query(prompt_none.headers["location"])


def test_forged_hint_only_gets_the_confirmation_page(op: TestClient) -> None:
    tokens_for(op)
    forged = "eyJhbGciOiJub25lIn0.eyJhdWQiOiJpZGlkZGl0In0."
    response = op.get(
        "/op/v1/logout",
        params={"id_token_hint": forged, "post_logout_redirect_uri": POST_LOGOUT},
    )
    assert response.status_code == 400  # no client to check the redirect URI against
    page = op.get("/op/v1/logout", params={"id_token_hint": forged})
    assert page.status_code == 200
    assert 'data-testid="logout-confirm"' in page.text
    assert authorize(op, prompt="none").status_code == 303  # still logged in


def test_logout_not_navigated_to_asks_and_then_logs_out(op: TestClient) -> None:
    tokens_for(op)
    page = op.get("/op/v1/logout", headers={"Sec-Fetch-Dest": "iframe"})
    assert page.status_code == 200
    assert 'data-testid="logout-confirm"' in page.text
    assert authorize(op, prompt="none").status_code == 303
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page.text))
    done = op.post("/op/v1/logout", data=fields)
    assert done.status_code == 200
    assert 'data-testid="logged-out"' in done.text
    again = query(authorize(op, prompt="none").headers["location"])
    assert again["error"] == "login_required"
    assert again["iss"] == ISSUER


def test_logout_without_session_says_logged_out(op: TestClient) -> None:
    page = op.get("/op/v1/logout")
    assert page.status_code == 200
    assert "Je bent afgemeld" in page.text


def test_backchannel_logout_token_is_sent(op: TestClient, receiver: Receiver) -> None:
    assert (
        admin(op, "PATCH", "/clients/ididdit", {"backchannel_logout_uri": receiver.url}).status_code
        == 200
    )
    body = tokens_for(op)
    id_claims = jose_jwt.get_unverified_claims(body["id_token"])
    op.get("/op/v1/logout", params={"id_token_hint": body["id_token"]})
    assert receiver.received.wait(5)
    token = receiver.tokens[0]
    header = jose_jwt.get_unverified_header(token)
    assert header["typ"] == "logout+jwt"
    keys = op.get("/op/v1/keys").json()["keys"]
    key = next(k for k in keys if k["kid"] == header["kid"])
    claims = jose_jwt.decode(token, key, algorithms=["RS256"], audience="ididdit", issuer=ISSUER)
    assert claims["sid"] == id_claims["sid"]
    assert claims["sub"] == id_claims["sub"]
    assert "http://schemas.openid.net/event/backchannel-logout" in claims["events"]
    assert "nonce" not in claims


def test_slow_backchannel_never_delays_logout(op: TestClient, demo_store: Datastore) -> None:
    slow = Receiver(delay=3.0)
    try:
        admin(op, "PATCH", "/clients/ididdit", {"backchannel_logout_uri": slow.url})
        body = tokens_for(op)
        started = time.monotonic()
        response = op.get("/op/v1/logout", params={"id_token_hint": body["id_token"]})
        assert response.status_code == 200
        assert time.monotonic() - started < 1.5
        deadline = time.monotonic() + 6
        while time.monotonic() < deadline:
            failures = demo_store.logs.events(type_="backchannel_logout").items
            if failures:
                break
            time.sleep(0.2)
        assert failures
        assert failures[0].outcome == "failure"
    finally:
        slow.close()


def test_shutdown_waits_for_a_delivery_under_way(demo_store: Datastore, demo_url: str) -> None:
    """A failed delivery still records its event before the provider lets go of the datastore."""
    slow = Receiver(delay=3.0)
    try:
        app = create_app(
            provider_settings(demo_url, backchannel_logout_timeout_seconds=0.5), store=demo_store
        )
        with TestClient(app, base_url="http://localhost:8000", follow_redirects=False) as op:
            admin(op, "PATCH", "/clients/ididdit", {"backchannel_logout_uri": slow.url})
            body = tokens_for(op)
            response = op.get("/op/v1/logout", params={"id_token_hint": body["id_token"]})
            assert response.status_code == 200
        # The app has shut down: the delivery timed out and its failure is recorded already.
        failures = demo_store.logs.events(type_="backchannel_logout").items
        assert [f.outcome for f in failures] == ["failure"]
    finally:
        slow.close()
