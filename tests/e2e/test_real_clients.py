"""Relying parties configured exactly as open-source LeerID clients are, against a running
provider over real HTTP, unchanged.

Each client below is written from the public code of a real LeerID integration, and sends what
that code sends:

- ``BlocklyLikeClient``: Dwengo's Blockly backend (``oauth.leerid.controller.ts`` of
  dwengovzw/Blockly-for-Dwenguino). A JSON ``state`` carrying a 256-character nonce; the client
  secret posted in the form body (``client_secret_post``); the claims read from UserInfo only;
  ``ov_leerid_uuid`` an array whose first element is used (refused when empty);
  ``given_name``/``family_name``; logout with ``client_id`` + ``post_logout_redirect_uri``.
- ``DodonaLikeClient``: Dodona's LeerID support (``lib/FlemishGovernment`` of dodona-edu/dodona,
  branch feat/leer-id-support). Scope ``openid profile vo ov_leerling``,
  ``response_mode=form_post``, ``private_key_jwt`` whose assertion has ``aud`` = the issuer (not
  the token endpoint) and lives 3 minutes; it reads ``ov_account_uuid``, ``ov_leerid_uuid`` (a
  list), ``ov_historiek_account_uuid``, ``ov_orgcode`` and ``ov_orgnaam``. It signs with the
  demo world's test key of ``pkjwt-demo``.

The "browser" is an httpx client with a cookie jar that fills in the login form, so the tests run
without Chromium. What each client asserts is what the real code relies on; nothing in them is
adapted to the simulator.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from collections.abc import Iterator
from html import unescape
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

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


TEST_KEY = Path(__file__).parents[2] / "datastore" / "worlds" / "pkjwt-demo.test-key.json"


class DodonaLikeClient:
    """Dodona: form_post, a 3-minute private_key_jwt with aud = the issuer, ACM claim names."""

    client_id = "pkjwt-demo"
    scope = "openid profile vo ov_leerling"

    def __init__(self, servers: DemoServers) -> None:
        self.issuer = servers.issuer
        self.redirect_uri = f"{servers.rp_url}/callback"
        private_jwk = json.loads(TEST_KEY.read_text(encoding="utf-8"))["private_jwk"]
        # Dodona's key has no kid in the assertion header: the provider must pick the only key.
        self.key = RSAKey.import_key({k: v for k, v in private_jwk.items() if k != "kid"})

    def authorize_url(self, state: str, nonce: str) -> str:
        params = {
            "client_id": self.client_id,
            "redirect_uri": self.redirect_uri,
            "response_type": "code",
            "response_mode": "form_post",
            "scope": self.scope,
            "state": state,
            "nonce": nonce,
        }
        return f"{self.issuer}/v1/auth?{urlencode(params)}"

    def client_assertion(self) -> str:
        now = int(time.time())
        claims = {
            "iss": self.client_id,
            "sub": self.client_id,
            "aud": self.issuer,
            "jti": secrets.token_hex(16),
            "iat": now,
            "exp": now + 180,
        }
        return jwt.encode({"alg": "RS256"}, claims, self.key)

    def token(self, code: str) -> dict[str, Any]:
        response = httpx.post(
            f"{self.issuer}/v1/token",
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": self.redirect_uri,
                "client_id": self.client_id,
                "client_assertion_type": ("urn:ietf:params:oauth:client-assertion-type:jwt-bearer"),
                "client_assertion": self.client_assertion(),
            },
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def id_token_claims(self, id_token: str, nonce: str) -> dict[str, Any]:
        keys = KeySet.import_key_set(httpx.get(f"{self.issuer}/v1/keys").json())
        claims: dict[str, Any] = jwt.decode(id_token, keys, algorithms=["RS256"]).claims
        assert claims["iss"] == self.issuer
        assert claims["aud"] in (self.client_id, [self.client_id])
        assert claims["nonce"] == nonce
        return claims

    def userinfo(self, access_token: str) -> dict[str, Any]:
        response = httpx.get(
            f"{self.issuer}/v1/userinfo", headers={"Authorization": f"Bearer {access_token}"}
        )
        assert response.status_code == 200, response.text
        claims: dict[str, Any] = response.json()
        return claims

    @staticmethod
    def user(claims: dict[str, Any]) -> dict[str, Any]:
        """What Dodona keeps of a LeerID login: the account, the pupil, the school."""
        return {
            "account": claims["ov_account_uuid"],
            "leerid": claims["ov_leerid_uuid"],
            "history": claims["ov_historiek_account_uuid"],
            "school_code": claims["ov_orgcode"],
            "school_name": claims["ov_orgnaam"],
            "name": (claims["given_name"], claims["family_name"]),
        }


def test_dodona_like_client_logs_in_with_form_post_and_a_private_key_jwt(
    servers: DemoServers,
) -> None:
    client = DodonaLikeClient(servers)
    state, nonce = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
    with httpx.Client(base_url=servers.provider_url) as browser:
        done = _log_in(browser, client.authorize_url(state, nonce), "jan.peeters")
    # form_post: an HTML page whose form posts code, state and iss to the redirect URI.
    assert done.status_code == 200, done.text
    action, fields = _form_post_fields(done.text)
    assert action == client.redirect_uri
    assert fields["state"] == state
    assert fields["iss"] == client.issuer

    tokens = client.token(fields["code"])
    expected = {
        "account": "a6f98ebd-1280-4294-a90f-a5858c1f6f47",
        "leerid": ["814f2e42-3f55-43e0-bc62-bba3ef1d008a"],
        "history": [
            "59a78937-fb37-4754-bd0a-f96d4e42927e",
            "ce23570e-79dc-48e2-b1ab-a28973e4ae57",
        ],
        "school_code": "123456",
        "school_name": "Sint-Jozefscollege Demo",
        "name": ("Jan", "Peeters"),
    }
    id_claims = client.id_token_claims(tokens["id_token"], nonce)
    assert client.user(id_claims) == expected
    userinfo = client.userinfo(tokens["access_token"])
    assert client.user(userinfo) == expected
    assert userinfo["sub"] == id_claims["sub"]
    # The vo scope: ACM's identity claims, never the INSZ or the leer_id_uuid as vo_id.
    assert userinfo["vo_orgcode"] == "123456"
    assert userinfo["vo_orgnaam"] == "Sint-Jozefscollege Demo"
    assert userinfo["vo_id"] not in (expected["account"], *expected["leerid"])


def test_dodona_like_client_assertion_for_the_token_endpoint_is_accepted_too(
    servers: DemoServers,
) -> None:
    """RFC 7523 §3 names the token endpoint as an audience; ACM's clients send the issuer."""
    client = DodonaLikeClient(servers)
    state, nonce = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
    with httpx.Client(base_url=servers.provider_url) as browser:
        done = _log_in(browser, client.authorize_url(state, nonce), "lotte.janssens")
    _, fields = _form_post_fields(done.text)
    now = int(time.time())
    assertion = jwt.encode(
        {"alg": "RS256"},
        {
            "iss": client.client_id,
            "sub": client.client_id,
            "aud": f"{client.issuer}/v1/token",
            "jti": secrets.token_hex(16),
            "iat": now,
            "exp": now + 180,
        },
        client.key,
    )
    response = httpx.post(
        f"{client.issuer}/v1/token",
        data={
            "grant_type": "authorization_code",
            "code": fields["code"],
            "redirect_uri": client.redirect_uri,
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": assertion,
        },
    )
    assert response.status_code == 200, response.text
