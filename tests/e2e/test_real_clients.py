"""Relying parties configured exactly as open-source LeerID clients are, against a running
provider over real HTTP, unchanged.

Each client below is written from the public code of a real LeerID integration, and sends what
that code sends:

- ``BlocklyLikeClient``: Dwengo's Blockly backend (``oauth.leerid.controller.ts`` of
  dwengovzw/Blockly-for-Dwenguino). A JSON ``state`` carrying a 256-character nonce; the client
  secret posted in the form body (``client_secret_post``); the claims read from UserInfo only;
  ``ov_leerid_uuid`` an array whose first element is used (refused when empty);
  ``given_name``/``family_name``; logout with ``client_id`` + ``post_logout_redirect_uri``.

The "browser" is an httpx client with a cookie jar that fills in the login form, so the tests run
without Chromium. What each client asserts is what the real code relies on; nothing in them is
adapted to the simulator.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Iterator
from html import unescape
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest

from tests.e2e.conftest import PUPIL_PASSWORD, DemoServers, running_demo
from tests.idp.flows import parse_login_form


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoServers]:
    with running_demo(tmp_path_factory.mktemp("real-clients")) as running:
        yield running


def _form_post_fields(html: str) -> tuple[str, dict[str, str]]:
    """The action and fields of a ``form_post`` answer (OAuth 2.0 Form Post Response Mode §2)."""
    action = unescape(re.search(r'<form method="post" action="([^"]*)"', html).group(1))  # type: ignore[union-attr]
    fields = {
        unescape(name): unescape(value)
        for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html)
    }
    return action, fields


def _log_in(browser: httpx.Client, authorize_url: str, username: str) -> httpx.Response:
    """Follow the authorization request to the login page and submit it, as a person would."""
    page = browser.get(authorize_url)
    assert page.status_code == 200, page.text
    form = parse_login_form(str(page.url), page.text)
    return browser.post(
        form.action, data={**form.fields, "username": username, "password": PUPIL_PASSWORD}
    )


class BlocklyLikeClient:
    """Dwengo's Blockly backend: JSON state with a long nonce, secret in the body, UserInfo."""

    client_id = "i-learn-acm"
    secret = "i-learn-acm-demo-secret"  # the demo world's published test secret

    def __init__(self, servers: DemoServers) -> None:
        self.issuer = servers.issuer
        self.redirect_uri = f"{servers.rp_url}/callback"
        self.post_logout_redirect_uri = f"{servers.rp_url}/"

    def authorize_url(self, state: str) -> str:
        params = {
            "client_id": self.client_id,
            "redirect_uri": self.redirect_uri,
            "response_type": "code",
            "scope": "openid profile ov_leerling",
            "state": state,
        }
        return f"{self.issuer}/v1/auth?{urlencode(params)}"

    def token(self, code: str) -> dict[str, Any]:
        response = httpx.post(
            f"{self.issuer}/v1/token",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            content=urlencode(
                {
                    "grant_type": "authorization_code",
                    "code": code,
                    "redirect_uri": self.redirect_uri,
                    "client_id": self.client_id,
                    "client_secret": self.secret,
                }
            ),
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def user(self, access_token: str) -> dict[str, Any]:
        response = httpx.get(
            f"{self.issuer}/v1/userinfo", headers={"Authorization": f"Bearer {access_token}"}
        )
        assert response.status_code == 200, response.text
        claims: dict[str, Any] = response.json()
        leerid = claims["ov_leerid_uuid"]
        if not isinstance(leerid, list) or len(leerid) < 1:
            raise AssertionError("Blockly refuses a LeerID user without ov_leerid_uuid")
        return {"id": leerid[0], "first": claims["given_name"], "last": claims["family_name"]}

    def logout_url(self) -> str:
        params = {
            "client_id": self.client_id,
            "post_logout_redirect_uri": self.post_logout_redirect_uri,
        }
        return f"{self.issuer}/v1/logout?{urlencode(params)}"


def test_blockly_like_client_logs_in_reads_userinfo_and_logs_out(servers: DemoServers) -> None:
    client = BlocklyLikeClient(servers)
    nonce = secrets.token_bytes(128).hex()
    state = json.dumps({"platform": "leerId", "nonce": nonce})
    with httpx.Client(base_url=servers.provider_url) as browser:
        done = _log_in(browser, client.authorize_url(state), "emma.maes")
        assert done.status_code in (302, 303), done.text
        location = done.headers["location"]
        assert location.startswith(client.redirect_uri + "?")
        answer = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
        assert json.loads(answer["state"])["nonce"] == nonce

        user = client.user(client.token(answer["code"])["access_token"])
        assert user == {
            "id": "5bf03c41-2cd0-467f-92c4-d50226aee17c",
            "first": "Emma",
            "last": "Maes",
        }

        logged_out = browser.get(client.logout_url())
        # ACM ends the SSO session and sends the browser back to the registered URI.
        while logged_out.status_code == 200 and "<form" in logged_out.text:
            form = parse_login_form(str(logged_out.url), logged_out.text)
            logged_out = browser.post(form.action, data=form.fields)
        assert logged_out.status_code in (302, 303), logged_out.text
        assert logged_out.headers["location"].startswith(client.post_logout_redirect_uri)

        # The SSO session is gone: the next authorization shows the login page again.
        again = browser.get(client.authorize_url(json.dumps({"nonce": "x"})))
        assert again.status_code == 200
        assert 'data-testid="login-username"' in again.text
