"""The Schoolloket as a relying party of the provider: code flow with PKCE (no side door).

- endpoints: from the provider's discovery document (OIDC Discovery 1.0 §4), whose ``issuer``
  must be the configured one (§4.3); read once per process, again after a failed read;
- authorization request: OIDC Core §3.1.2.1 with ``state``, ``nonce`` and PKCE S256 (RFC 7636);
- authorization response: ``iss`` must be the issuer (RFC 9207 §2.4);
- token request: RFC 6749 §4.1.3 as a public client (``client_id`` in the body, RFC 7636 §4.5),
  over HTTP with ``httpx.AsyncClient`` (in the same process the call is async,
  so the event loop that serves the token endpoint is never blocked waiting for itself);
- ID token validation: OIDC Core §3.1.3.7 (signature against the JWKS, iss, aud, exp, nonce),
  and the access token bound to it by ``at_hash`` (§3.1.3.8): the access token is opaque, as
  ACM's are, so there is nothing in it to read;
- who logged in: the ``account_uuid`` claim (``ov_account_uuid`` in ACM's claim names) of the
  validated ID token, which the ``account`` scope asks for; when the ID token does not carry it,
  UserInfo with the access token (§5.3), whose ``sub`` must be the ID token's (§5.3.4).
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

__all__ = [
    "ACCOUNT_CLAIMS",
    "LOGGED_OUT_STATE",
    "Endpoints",
    "Login",
    "LoginError",
    "LoginRequest",
    "OidcClient",
    "pkce_challenge",
]

# The state of the Schoolloket's logout request: the start page then shows "Je bent afgemeld".
LOGGED_OUT_STATE = "afgemeld"

JWKS_CACHE_SECONDS = 60.0
# What the Schoolloket asks for: ``sub`` and the staff account's own identifier.
SCOPE = "openid account"
# The identifier's claim in the provider's two claim dialects (docs/claims.md), in that order.
ACCOUNT_CLAIMS = ("account_uuid", "ov_account_uuid")


class LoginError(Exception):
    """The login could not be completed; ``error`` is the OAuth error code to show."""

    def __init__(self, error: str, description: str) -> None:
        self.error = error
        self.description = description
        super().__init__(f"{error}: {description}")


@dataclass(frozen=True, slots=True)
class Login:
    """A completed login: the validated ID token, its claims and the access token it names."""

    id_token: str
    access_token: str
    claims: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Endpoints:
    """The provider's endpoints as its discovery document names them (OIDC Discovery 1.0 §3)."""

    authorization: str
    token: str
    userinfo: str
    jwks: str
    end_session: str


# Each field of ``Endpoints`` and the discovery member that holds it.
_DISCOVERY_MEMBERS = {
    "authorization": "authorization_endpoint",
    "token": "token_endpoint",
    "userinfo": "userinfo_endpoint",
    "jwks": "jwks_uri",
    "end_session": "end_session_endpoint",
}


@dataclass(frozen=True, slots=True)
class LoginRequest:
    state: str
    nonce: str
    code_verifier: str
    url: str


def _at_hash(access_token: str) -> str:
    """OIDC Core §3.1.3.6 ``at_hash`` for RS256 and ES256 (the algorithms accepted here, both
    SHA-256): the left half of the digest, base64url without padding."""
    digest = hashlib.sha256(access_token.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest[: len(digest) // 2]).rstrip(b"=").decode()


def pkce_challenge(verifier: str) -> str:
    """``BASE64URL(SHA256(verifier))`` (RFC 7636 §4.2, method S256)."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


class OidcClient:
    """Talks to the provider the way any public client would."""

    def __init__(
        self,
        issuer: str,
        client_id: str,
        *,
        internal_url: str = "",
        timeout: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
        verify: ssl.SSLContext | bool = True,
        now: Callable[[], float] = time.time,
    ) -> None:
        self.issuer = issuer.rstrip("/")
        self.client_id = client_id
        self.redirect_uri = f"{origin(self.issuer)}/schoolloket/callback"
        self.post_logout_redirect_uri = f"{origin(self.issuer)}/schoolloket/"
        self._back_channel = (internal_url or self.issuer).rstrip("/")
        self._timeout = timeout
        # Tests may hand in an ASGI transport of the same app; production uses the network.
        self.transport = transport
        self._verify = verify
        # The simulator's tokens carry times of the simulated clock; so does this check.
        self._now = now
        self._jwks: KeySet | None = None
        self._jwks_at = 0.0
        self._endpoints: Endpoints | None = None

    async def endpoints(self) -> Endpoints:
        """The provider's endpoints, from its discovery document (OIDC Discovery 1.0 §4).

        The document is read over the back channel; its ``issuer`` must be the configured one
        (§4.3) and every endpoint an http(s) URL. Kept for the process once read.
        """
        if self._endpoints is not None:
            return self._endpoints
        async with self._client() as client:
            try:
                response = await client.get(
                    f"{self._back_channel}/.well-known/openid-configuration"
                )
            except httpx.HTTPError as exc:
                raise LoginError("temporarily_unavailable", f"provider unreachable: {exc}") from exc
        document = _json(response)
        if response.status_code != 200 or document.get("issuer") != self.issuer:
            raise LoginError(
                "temporarily_unavailable",
                f"discovery: HTTP {response.status_code}, issuer {document.get('issuer')!r}",
            )
        found: dict[str, str] = {}
        for field, member in _DISCOVERY_MEMBERS.items():
            value = document.get(member)
            if not isinstance(value, str) or urlsplit(value).scheme not in ("http", "https"):
                raise LoginError("temporarily_unavailable", f"discovery: no {member}")
            found[field] = value
        self._endpoints = Endpoints(**found)
        return self._endpoints

    def _internal(self, url: str) -> str:
        """An endpoint the Schoolloket calls itself, by the back channel when one is set."""
        if url.startswith(self.issuer + "/"):
            return self._back_channel + url[len(self.issuer) :]
        return url

    async def login_request(self, *, fresh: bool = False) -> LoginRequest:
        """A fresh authorization request (OIDC Core §3.1.2.1) with state, nonce and PKCE.

        ``fresh`` adds ``prompt=login``: the provider asks for credentials even when its SSO
        session belongs to someone else (a pupil logged in earlier in the same browser).
        """
        state, nonce = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
        verifier = secrets.token_urlsafe(48)
        extra = {"prompt": "login"} if fresh else {}
        query = urlencode(
            {
                **extra,
                "response_type": "code",
                "client_id": self.client_id,
                "redirect_uri": self.redirect_uri,
                "scope": SCOPE,
                "state": state,
                "nonce": nonce,
                "code_challenge": pkce_challenge(verifier),
                "code_challenge_method": "S256",
            }
        )
        endpoints = await self.endpoints()
        return LoginRequest(state, nonce, verifier, f"{endpoints.authorization}?{query}")

    async def logout_url(self, id_token: str | None) -> str:
        """RP-Initiated Logout 1.0 §2: back to the Schoolloket's start page afterwards.

        The ``state`` comes back on that redirect (§3), so the start page can say that the
        staff member is logged out.
        """
        params = {
            "post_logout_redirect_uri": self.post_logout_redirect_uri,
            "state": LOGGED_OUT_STATE,
        }
        if id_token:
            params["id_token_hint"] = id_token
        else:
            params["client_id"] = self.client_id
        endpoints = await self.endpoints()
        return f"{endpoints.end_session}?{urlencode(params)}"

    async def exchange(self, code: str, code_verifier: str, nonce: str) -> Login:
        """Redeem the code (RFC 6749 §4.1.3); returns the validated login.

        The access token must be the one the ID token names in ``at_hash`` (OIDC Core
        §3.1.3.8), whatever its format.
        """
        endpoints = await self.endpoints()
        async with self._client() as client:
            try:
                response = await client.post(
                    self._internal(endpoints.token),
                    data={
                        "grant_type": "authorization_code",
                        "code": code,
                        "redirect_uri": self.redirect_uri,
                        "client_id": self.client_id,
                        "code_verifier": code_verifier,
                    },
                )
            except httpx.HTTPError as exc:
                raise LoginError("temporarily_unavailable", f"provider unreachable: {exc}") from exc
            body = _json(response)
            if response.status_code != 200 or "id_token" not in body or "access_token" not in body:
                raise LoginError(
                    str(body.get("error", "server_error")),
                    str(body.get("error_description", f"token endpoint: {response.status_code}")),
                )
            id_token, access_token = str(body["id_token"]), str(body["access_token"])
            claims = await self._validate(client, id_token, nonce)
        if not secrets.compare_digest(str(claims.get("at_hash", "")), _at_hash(access_token)):
            raise LoginError("invalid_token", "the access token is not the ID token's (at_hash)")
        return Login(id_token, access_token, claims)

    async def account_uuid(self, login: Login) -> str:
        """The ``account_uuid`` of who logged in: from the ID token, else from UserInfo.

        UserInfo (OIDC Core §5.3.1) is asked with the login's access token; its ``sub`` must be
        the ID token's, or the response may not be used (§5.3.4).
        """
        found = _account_claim(login.claims)
        if found is not None:
            return found
        endpoints = await self.endpoints()
        async with self._client() as client:
            try:
                response = await client.get(
                    self._internal(endpoints.userinfo),
                    headers={"Authorization": f"Bearer {login.access_token}"},
                )
            except httpx.HTTPError as exc:
                raise LoginError("temporarily_unavailable", f"provider unreachable: {exc}") from exc
        body = _json(response)
        if response.status_code != 200:
            raise LoginError(
                str(body.get("error", "server_error")), f"userinfo: {response.status_code}"
            )
        if body.get("sub") != login.claims["sub"]:
            raise LoginError("invalid_token", "UserInfo: sub is not the ID token's")
        found = _account_claim(body)
        if found is None:
            raise LoginError("invalid_token", "neither the ID token nor UserInfo names the account")
        return found

    async def _verified(self, client: httpx.AsyncClient, token: str) -> dict[str, Any]:
        """The claims of a JWT whose signature checks against the provider's JWKS.

        An unknown ``kid`` refetches the JWKS once (after a key rotation, OIDC Core §10.1.1).
        """
        for refresh in (False, True):
            keys = await self._keys(client, refresh=refresh)
            try:
                return dict(jwt.decode(token, keys, algorithms=["RS256", "ES256"]).claims)
            except (ValueError, JoseError) as exc:
                if refresh:
                    raise LoginError("invalid_token", f"token signature: {exc}") from exc
        raise LoginError("invalid_token", "token signature")

    async def _validate(
        self, client: httpx.AsyncClient, id_token: str, nonce: str
    ) -> dict[str, Any]:
        """OIDC Core §3.1.3.7: signature against the JWKS, iss, aud, exp and nonce."""
        claims = await self._verified(client, id_token)
        audience = claims.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        now = self._now()
        problems = [
            (claims.get("iss") != self.issuer, "iss is not the issuer"),
            (self.client_id not in audiences, "aud does not hold the Schoolloket"),
            (not isinstance(claims.get("exp"), int | float) or claims["exp"] < now - 30, "expired"),
            (claims.get("nonce") != nonce, "nonce does not match"),
            (not claims.get("sub"), "no sub"),
        ]
        for failed, reason in problems:
            if failed:
                raise LoginError("invalid_token", f"ID token: {reason}")
        return dict(claims)

    async def _keys(self, client: httpx.AsyncClient, *, refresh: bool) -> KeySet:
        if (
            self._jwks is not None
            and not refresh
            and time.monotonic() - self._jwks_at < JWKS_CACHE_SECONDS
        ):
            return self._jwks
        endpoints = await self.endpoints()
        try:
            response = await client.get(self._internal(endpoints.jwks))
            response.raise_for_status()
            self._jwks = KeySet.import_key_set(response.json())
        except (httpx.HTTPError, ValueError, JoseError) as exc:
            raise LoginError("temporarily_unavailable", f"JWKS: {exc}") from exc
        self._jwks_at = time.monotonic()
        return self._jwks

    def _client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            transport=self.transport, timeout=self._timeout, verify=self._verify
        )


def origin(url: str) -> str:
    """``scheme://host[:port]`` of a URL."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _account_claim(claims: dict[str, Any]) -> str | None:
    """The first of ``ACCOUNT_CLAIMS`` that is a non-empty string, or ``None``."""
    for name in ACCOUNT_CLAIMS:
        value = claims.get(name)
        if isinstance(value, str) and value:
            return value
    return None


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
