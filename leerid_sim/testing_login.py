"""Log a user in like a browser and a relying party would, and return the tokens.

Drives the real endpoints over HTTP, at the provider's own paths (``idp.paths``; no discovery
request, so a discovery fault rule a test arms is left for the client under test): the
authorization request with PKCE (RFC 7636 S256), the login form (its documented field names,
docs/contract.md), the redirect back with ``code``,
``state`` and ``iss`` (RFC 9207), and the token request (RFC 6749 §4.1.3).
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import ssl
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx

from idp import paths

__all__ = ["LeerIDLoginError", "LeerIDTokens", "login"]

PUPIL_PASSWORD = "Leerling123!"  # noqa: S105 - the documented password of demo pupils


class LeerIDLoginError(Exception):
    """The login did not end in a code: ``error`` is the OAuth error, ``login_failed`` or
    ``too_many_attempts`` (a locked username or client address)."""

    def __init__(self, error: str, description: str) -> None:
        self.error = error
        self.description = description
        super().__init__(f"{error}: {description}")


@dataclass(frozen=True)
class LeerIDTokens:
    """The token response, with the ID token's claims (decoded, not verified: for reading)."""

    access_token: str
    id_token: str
    token_type: str
    expires_in: int | None
    scope: str | None
    refresh_token: str | None
    claims: dict[str, Any] = field(default_factory=dict)
    response: dict[str, Any] = field(default_factory=dict)


class _FormParser(HTMLParser):
    """The one ``<form method="post">`` of the login page, and a shown login error."""

    def __init__(self) -> None:
        super().__init__()
        self.action: str | None = None
        self.fields: dict[str, str] = {}
        self.in_form = False
        self.in_error = False
        self.error = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {k: v or "" for k, v in attrs}
        if tag == "form" and attributes.get("method", "").lower() == "post" and not self.action:
            self.action, self.in_form = attributes.get("action", ""), True
        elif tag == "input" and self.in_form and attributes.get("type") == "hidden":
            self.fields[attributes.get("name", "")] = attributes.get("value", "")
        if attributes.get("data-testid") == "login-error":
            self.in_error = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.in_form = False
        self.in_error = False

    def handle_data(self, data: str) -> None:
        if self.in_error:
            self.error += data.strip()


def _pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _claims(id_token: str) -> dict[str, Any]:
    payload = id_token.split(".")[1]
    decoded: dict[str, Any] = json.loads(
        base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    )
    return decoded


def login(
    issuer: str,
    client_id: str,
    username: str,
    *,
    password: str = PUPIL_PASSWORD,
    scope: str = "openid",
    redirect_uri: str,
    client_secret: str | None = None,
    extra: dict[str, str] | None = None,
    timeout: float = 30.0,
    verify: ssl.SSLContext | str | bool = True,
) -> LeerIDTokens:
    """Log ``username`` in at ``client_id`` through the provider's own pages; the tokens.

    A fresh cookie jar each time, so every call shows the login page (no SSO). ``verify`` is
    a CA bundle path (a TLS provider's ``ca_bundle``) or an ``ssl.SSLContext``.
    """
    if isinstance(verify, str):
        verify = ssl.create_default_context(cafile=verify)
    verifier, challenge = _pkce()
    state, nonce = secrets.token_urlsafe(12), secrets.token_urlsafe(12)
    params = {
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "response_type": "code",
        "scope": scope,
        "state": state,
        "nonce": nonce,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        **(extra or {}),
    }
    with httpx.Client(timeout=timeout, follow_redirects=False, verify=verify) as browser:
        response = browser.get(f"{issuer}{paths.AUTHORIZATION}", params=params)
        for _ in range(10):  # redirects inside the provider, up to the login page
            if response.status_code not in (302, 303):
                break
            location = urljoin(str(response.url), response.headers["location"])
            if location.startswith(redirect_uri):
                break
            response = browser.get(location)
        if response.status_code == 200:
            form = _FormParser()
            form.feed(response.text)
            if form.action is None:
                raise LeerIDLoginError("login_failed", "the provider showed no login form")
            response = browser.post(
                urljoin(str(response.url), form.action),
                data={**form.fields, "username": username, "password": password},
            )
            if response.status_code in (200, 429):  # the form again, with why
                shown = _FormParser()
                shown.feed(response.text)
                error = "login_failed" if response.status_code == 200 else "too_many_attempts"
                raise LeerIDLoginError(error, shown.error or "the login was refused")
        if response.status_code not in (302, 303):
            raise LeerIDLoginError(
                "login_failed", f"HTTP {response.status_code} from the provider: {response.text}"
            )
        query = {k: v[0] for k, v in parse_qs(urlsplit(response.headers["location"]).query).items()}
        if "error" in query:
            raise LeerIDLoginError(query["error"], query.get("error_description", ""))
        if query.get("state") != state:
            raise LeerIDLoginError("login_failed", "the redirect did not carry our state")
        data = {
            "grant_type": "authorization_code",
            "code": query["code"],
            "redirect_uri": redirect_uri,
            "code_verifier": verifier,
        }
        if client_secret:  # client_secret_basic (RFC 6749 §2.3.1)
            token = browser.post(
                f"{issuer}{paths.TOKEN}", data=data, auth=(client_id, client_secret)
            )
        else:  # a public client: PKCE only
            token = browser.post(f"{issuer}{paths.TOKEN}", data={**data, "client_id": client_id})
    body: dict[str, Any] = token.json()
    if token.status_code != 200:
        raise LeerIDLoginError(body.get("error", "login_failed"), body.get("error_description", ""))
    return LeerIDTokens(
        access_token=body["access_token"],
        id_token=body["id_token"],
        token_type=body.get("token_type", "Bearer"),
        expires_in=body.get("expires_in"),
        scope=body.get("scope"),
        refresh_token=body.get("refresh_token"),
        claims=_claims(body["id_token"]),
        response=body,
    )
