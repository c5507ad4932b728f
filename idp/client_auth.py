"""Client authentication at the token, introspection and revocation endpoints.

RFC 6749 §2.3.1 (``client_secret_basic``, ``client_secret_post``), OIDC Core §9 and RFC 7523
§2.2/§3 (``private_key_jwt``), and ``none`` for public clients. A client may use only the
methods it registered; one method per request. Secrets are compared as SHA-256 in constant
time: they are random and long, so a slow hash such as argon2 would only cap the token endpoint.
"""

from __future__ import annotations

import base64
import binascii
import json
import threading
from collections.abc import Collection
from datetime import UTC, datetime
from urllib.parse import unquote_plus

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from datastore import ASSERTION_ALGS, ClientRecord, verify_sha256
from idp.adapter import OAuthRequest
from idp.client_keys import JwksUnavailable, header_kid
from idp.errors import InvalidClient, InvalidRequest
from idp.provider import Provider

__all__ = ["ASSERTION_TYPE", "authenticate_client"]

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
# Tolerance for a client clock that runs ahead of ours (RFC 7519 §4.1.4-4.1.6 allow "some
# small leeway"), and the longest assertion we accept: it is meant for a single request.
ASSERTION_LEEWAY_SECONDS = 60
ASSERTION_MAX_LIFETIME_SECONDS = 600

_keysets: dict[tuple[str, str], KeySet] = {}
_keysets_lock = threading.Lock()


def _basic_credentials(header: str | None) -> tuple[str, str] | None:
    """RFC 6749 §2.3.1: Basic with form-urlencoded client_id and secret."""
    if header is None or header[:6].lower() != "basic ":
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise InvalidClient("malformed Basic credentials", basic_challenge=True) from exc
    client_id, sep, secret = decoded.partition(":")
    if not sep:
        raise InvalidClient("malformed Basic credentials", basic_challenge=True)
    return unquote_plus(client_id), unquote_plus(secret)


def _method(oauth: OAuthRequest, basic: tuple[str, str] | None) -> tuple[str, str | None]:
    """Which method the request uses, and the client_id it claims (RFC 6749 §2.3)."""
    used = []
    if basic is not None:
        used.append("client_secret_basic")
    if oauth.get("client_assertion") or oauth.get("client_assertion_type"):
        used.append("private_key_jwt")
    if oauth.get("client_secret") is not None:
        used.append("client_secret_post")
    if len(used) > 1:
        raise InvalidRequest("use exactly one client authentication method")
    method = used[0] if used else "none"
    if basic is not None:
        claimed = basic[0]
        if oauth.get("client_id") not in (None, claimed):
            raise InvalidClient("client_id does not match the authenticated client")
        return method, claimed
    if method == "private_key_jwt":
        return method, oauth.get("client_id") or _assertion_issuer(oauth.get("client_assertion"))
    return method, oauth.get("client_id")


def _assertion_issuer(assertion: str | None) -> str | None:
    # The unverified ``sub`` only names the client whose keys then verify the assertion.
    if not assertion:
        return None
    try:
        payload = assertion.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError, binascii.Error):
        raise InvalidClient("client_assertion is not a JWT") from None
    sub = claims.get("sub") if isinstance(claims, dict) else None
    return sub if isinstance(sub, str) else None


def _client_keys(client: ClientRecord) -> KeySet:
    raw = json.dumps(client.jwks, sort_keys=True)
    cache_key = (client.client_id, raw)
    keyset = _keysets.get(cache_key)
    if keyset is None:
        try:
            keyset = KeySet.import_key_set(client.jwks or {"keys": []})  # type: ignore[arg-type]
        except (JoseError, ValueError, KeyError, TypeError) as exc:
            raise InvalidClient("the client's registered JWKS cannot be used") from exc
        with _keysets_lock:
            _keysets[cache_key] = keyset
    return keyset


def _assertion_keys(provider: Provider, client: ClientRecord, assertion: str) -> KeySet:
    """The dossier's inline JWKS, else the set at its ``jwks_uri`` (fetched again on a new kid)."""
    if client.jwks or client.jwks_uri is None:
        return _client_keys(client)
    try:
        return provider.remote_keys.key_set(client.jwks_uri, header_kid(assertion))
    except JwksUnavailable as exc:
        raise InvalidClient(
            "the client's jwks_uri gave no usable keys", reason=f"jwks_uri: {exc}"
        ) from exc


def _numeric_date(claims: dict[str, object], name: str) -> float | None:
    """RFC 7519 §2 NumericDate: a JSON number (``bool`` is not one); ``None`` when absent."""
    value = claims.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        raise InvalidClient(f"client_assertion {name} must be a number of seconds")
    return float(value)


def _check_times(claims: dict[str, object], now: float) -> float:
    """RFC 7523 §3 items 4-6 on the simulated clock; returns ``exp``.

    ``exp`` is required and in the future; ``nbf`` and ``iat`` may not lie in the future beyond
    a small leeway for a client clock that runs ahead. A client assertion is meant for one
    request, so its lifetime (``exp - iat``, or ``exp - now`` without ``iat``) is bounded: real
    LeerID clients send three-minute assertions.
    """
    exp = _numeric_date(claims, "exp")
    nbf = _numeric_date(claims, "nbf")
    iat = _numeric_date(claims, "iat")
    if exp is None:
        raise InvalidClient("client_assertion has no exp")
    # No leeway after exp: the jti is remembered until exp, so a later replay must fail here.
    if exp <= now:
        raise InvalidClient("client_assertion is expired")
    if nbf is not None and nbf > now + ASSERTION_LEEWAY_SECONDS:
        raise InvalidClient("client_assertion is not valid yet (nbf in the future)")
    if iat is not None and iat > now + ASSERTION_LEEWAY_SECONDS:
        raise InvalidClient("client_assertion iat lies in the future")
    if exp - (iat if iat is not None else now) > ASSERTION_MAX_LIFETIME_SECONDS:
        raise InvalidClient(
            "client_assertion lifetime is too long"
            f" (at most {ASSERTION_MAX_LIFETIME_SECONDS} seconds from iat to exp)"
        )
    return exp


def _verify_assertion(
    provider: Provider, client: ClientRecord, oauth: OAuthRequest, audiences: Collection[str]
) -> None:
    """RFC 7523 §3, OIDC Core §9: iss = sub = client_id; ``aud`` the endpoint, the token
    endpoint or the issuer (a string or a list holding one of them); times as in
    ``_check_times``; and a ``jti`` never seen before."""
    if oauth.get("client_assertion_type") != ASSERTION_TYPE:
        raise InvalidClient(f"client_assertion_type must be {ASSERTION_TYPE}")
    assertion = oauth.get("client_assertion")
    if assertion is None or not (client.jwks or client.jwks_uri):
        raise InvalidClient("client_assertion missing or no keys registered")
    try:
        claims = jwt.decode(
            assertion, _assertion_keys(provider, client, assertion), algorithms=ASSERTION_ALGS
        ).claims
    except (JoseError, ValueError) as exc:
        raise InvalidClient(
            "client_assertion signature invalid", reason=f"assertion: {exc}"
        ) from exc
    if claims.get("iss") != client.client_id or claims.get("sub") != client.client_id:
        raise InvalidClient("client_assertion iss and sub must be the client_id")
    aud = claims.get("aud")
    aud_values = aud if isinstance(aud, list) else [aud]
    if not any(isinstance(value, str) and value in audiences for value in aud_values):
        raise InvalidClient("client_assertion aud must be the token endpoint or the issuer")
    exp = _check_times(claims, provider.store.clock.now().timestamp())
    jti = claims.get("jti")
    if not isinstance(jti, str) or not jti:
        raise InvalidClient("client_assertion has no jti")
    if not provider.store.oidc.remember_assertion(
        client.client_id, jti, datetime.fromtimestamp(exp, UTC)
    ):
        raise InvalidClient("client_assertion was used before (jti replay)", reason="jti replay")


def authenticate_client(
    provider: Provider, oauth: OAuthRequest, *, audiences: Collection[str], allow_none: bool = True
) -> ClientRecord:
    """Authenticate the client of a back-channel request; ``invalid_client`` (401) otherwise."""
    basic = _basic_credentials(oauth.authorization)
    method, client_id = _method(oauth, basic)
    challenge = basic is not None
    client = provider.clients.get(client_id)
    if client is None:
        raise InvalidClient(
            "client authentication failed",
            reason=f"unknown client {client_id}",
            basic_challenge=challenge,
        )
    if method not in client.auth_methods or (method == "none" and not allow_none):
        raise InvalidClient(
            f"client authentication method {method} is not allowed for this client",
            basic_challenge=challenge,
        )
    if method == "client_secret_basic" and basic is not None:
        if not verify_sha256(basic[1], client.secret_hash):
            raise InvalidClient(
                "client authentication failed", reason="wrong secret", basic_challenge=True
            )
    elif method == "client_secret_post":
        if not verify_sha256(oauth.get("client_secret") or "", client.secret_hash):
            raise InvalidClient("client authentication failed", reason="wrong secret")
    elif method == "private_key_jwt":
        _verify_assertion(provider, client, oauth, audiences)
    return client
