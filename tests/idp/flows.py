"""Helpers that drive the provider like a browser and a relying party would."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from dataclasses import dataclass
from html import unescape
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx

ISSUER = "http://localhost:8000/op"
REDIRECT_URI = "http://localhost:8001/callback"
PUPIL_PASSWORD = "Leerling123!"
STAFF_PASSWORD = "Personeel123!"
# A login that asks for a refresh token: only ``offline_access`` gets one (as on ACM).
OFFLINE = "openid account offline_access"
SECRETS = {
    "ididdit": "ididdit-demo-secret",
    "i-learn": "i-learn-demo-secret",
    "i-learn-acm": "i-learn-acm-demo-secret",
    "klasapp": "klasapp-demo-secret",
    "stopgezet": "stopgezet-demo-secret",
}


def pkce_pair() -> tuple[str, str]:
    """A code_verifier and its S256 code_challenge (RFC 7636 §4.1-4.2)."""
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def auth_params(client_id: str = "ididdit", **extra: Any) -> dict[str, str]:
    params = {
        "client_id": client_id,
        "redirect_uri": REDIRECT_URI,
        "response_type": "code",
        "scope": "openid account",
        "state": secrets.token_urlsafe(8),
        "nonce": secrets.token_urlsafe(8),
    }
    params.update({k: str(v) for k, v in extra.items() if v is not None})
    return {k: v for k, v in params.items() if v != "<omit>"}


def query(url: str) -> dict[str, str]:
    """The query parameters of a redirect URL, one value each."""
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query, keep_blank_values=True).items()}


@dataclass
class LoginForm:
    action: str
    fields: dict[str, str]


def parse_login_form(page_url: str, html: str) -> LoginForm:
    """The one ``<form method="post">`` of the login page, as the benchmark harness reads it."""
    forms = re.findall(r'<form method="post"[^>]*>.*?</form>', html, re.S)
    assert len(forms) == 1, f"expected one post form, found {len(forms)}"
    form = forms[0]
    action = unescape(re.search(r'action="([^"]*)"', form).group(1))  # type: ignore[union-attr]
    fields = {
        unescape(name): unescape(value)
        for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form)
    }
    return LoginForm(urljoin(page_url, action), fields)


def submit_login(
    browser: httpx.Client, page: httpx.Response, username: str, password: str
) -> httpx.Response:
    form = parse_login_form(str(page.url), page.text)
    return browser.post(
        form.action, data={**form.fields, "username": username, "password": password}
    )


def authorize(browser: httpx.Client, **params: Any) -> httpx.Response:
    return browser.get("/op/v1/auth", params=auth_params(**params))


def login(
    browser: httpx.Client,
    username: str = "jan.peeters",
    password: str = PUPIL_PASSWORD,
    **params: Any,
) -> tuple[dict[str, str], dict[str, str]]:
    """Authorize and log in; returns (the sent parameters, the redirect's query)."""
    sent = auth_params(**params)
    page = browser.get("/op/v1/auth", params=sent)
    if page.status_code in (302, 303):  # SSO: a live session answers without the login page
        return sent, query(page.headers["location"])
    assert page.status_code == 200, page.text
    done = submit_login(browser, page, username, password)
    assert done.status_code in (302, 303), done.text
    return sent, query(done.headers["location"])


def basic(client_id: str, secret: str | None = None) -> tuple[str, str]:
    return (client_id, secret if secret is not None else SECRETS[client_id])


def redeem(op: httpx.Client, code: str, client_id: str = "ididdit", **extra: Any) -> httpx.Response:
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI}
    data.update({k: str(v) for k, v in extra.items() if v is not None})
    auth = basic(client_id) if client_id in SECRETS else None
    if auth is None:
        data["client_id"] = client_id
    return op.post("/op/v1/token", data=data, auth=auth)


def verify_id_token(
    op: httpx.Client,
    id_token: str,
    client_id: str,
    *,
    access_token: str | None = None,
    nonce: str | None = None,
) -> dict[str, Any]:
    """Verify an ID token independently with python-jose against the published JWKS."""
    from jose import jwt as jose_jwt

    header = jose_jwt.get_unverified_header(id_token)
    keys = op.get("/op/v1/keys").json()["keys"]
    key = next(k for k in keys if k["kid"] == header["kid"])
    claims: dict[str, Any] = jose_jwt.decode(
        id_token,
        key,
        algorithms=[header["alg"]],
        audience=client_id,
        issuer=ISSUER,
        access_token=access_token,
    )
    for name in ("iss", "sub", "aud", "exp", "iat", "auth_time", "sid"):
        assert name in claims, name
    if access_token is not None:
        assert "at_hash" in claims
    if nonce is not None:
        assert claims["nonce"] == nonce
    return claims


def tokens_for(
    op: httpx.Client, client_id: str = "ididdit", username: str = "jan.peeters", **params: Any
) -> dict[str, Any]:
    """A full login and code redemption; returns the token response."""
    _sent, answer = login(op, username=username, client_id=client_id, **params)
    response = redeem(op, answer["code"], client_id)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def granted_scope(op: httpx.Client, access_token: str, client_id: str) -> str:
    """The scope an access token carries, as introspection (RFC 7662 §2.2) tells its client:
    a refresh answer, like ACM's, does not say it."""
    answer = op.post("/op/v1/introspect", data={"token": access_token}, auth=basic(client_id))
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    assert body["active"] is True, body
    scope: str = body["scope"]
    return scope


# What ACM's refresh answer holds: the new tokens and the access token's lifetime, no ID token.
ACM_REFRESH_ANSWER = {"access_token", "token_type", "refresh_token", "expires_in"}


ADMIN_TOKEN = "test-admin-token"


def admin(op: httpx.Client, method: str, path: str, body: Any = None) -> httpx.Response:
    """Call the admin API (Bearer ``LEERID_ADMIN_TOKEN``), e.g. to end a protocol."""
    return op.request(
        method,
        f"/admin/api{path}",
        json=body,
        headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
    )
