"""A pending authorization request, carried through the login page in a signed token.

The login form never trusts what it posts back: the validated request travels as an
HMAC-signed, expiring token (itsdangerous, key from the datastore so every worker accepts it),
and the provider re-checks the client and redirect_uri when the form comes back.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from collections.abc import Mapping
from dataclasses import asdict, dataclass

from itsdangerous import BadSignature, URLSafeSerializer

from idp.errors import BadAuthorizationRequest, RedirectTarget
from idp.provider import Provider
from idp.sso import CSRF_COOKIE

__all__ = [
    "PendingAuthorization",
    "csrf_browser_secret",
    "csrf_token_for",
    "csrf_token_ok",
    "load_pending",
    "sign_pending",
]

_SALT = "leerid-login-transaction"


@dataclass(frozen=True, slots=True)
class PendingAuthorization:
    """A validated authorization request (OIDC Core §3.1.2.1) waiting for a login."""

    client_id: str
    redirect_uri: str
    scope: str
    state: str | None
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    response_mode: str
    max_age: int | None
    prompt: tuple[str, ...]
    # The ``acr`` this login will report (OIDC Core §3.1.2.1 ``acr_values``, as ACM chooses it).
    acr: str | None = None
    # The login transaction: its id binds the CSRF token, ``expires`` its lifetime (epoch s).
    tx_id: str = ""
    expires: float = 0.0

    @property
    def target(self) -> RedirectTarget:
        return RedirectTarget(self.redirect_uri, self.state, self.response_mode)

    def with_transaction(self, expires_at: dt.datetime) -> PendingAuthorization:
        """This request as a new login transaction that ends at ``expires_at``."""
        data = asdict(self)
        data.update(tx_id=secrets.token_urlsafe(16), expires=expires_at.timestamp())
        return PendingAuthorization(**data)


def _serializer(provider: Provider) -> URLSafeSerializer:
    return URLSafeSerializer(provider.secret("login_form"), salt=_SALT)


def sign_pending(provider: Provider, pending: PendingAuthorization) -> str:
    """The signed token of a pending request, for the login form's hidden ``tx`` input."""
    data = asdict(pending)
    data["prompt"] = list(pending.prompt)
    return str(_serializer(provider).dumps(data))


def load_pending(provider: Provider, token: str | None) -> PendingAuthorization:
    """The pending request of a login form; an HTML 400 page when forged or expired."""
    if not token:
        raise BadAuthorizationRequest("Het aanmeldformulier is onvolledig.", reason="no tx")
    try:
        data = _serializer(provider).loads(token)
        data["prompt"] = tuple(data["prompt"])
        pending = PendingAuthorization(**data)
    except (BadSignature, KeyError, TypeError, ValueError) as exc:
        raise BadAuthorizationRequest(
            "Het aanmeldformulier is ongeldig.", reason=f"bad tx: {type(exc).__name__}"
        ) from exc
    if provider.store.clock.now().timestamp() > pending.expires:
        raise BadAuthorizationRequest(
            "De aanmeldpagina is verlopen. Ga terug naar de toepassing en meld je opnieuw aan.",
            reason="login transaction expired",
        )
    return pending


def _csrf_mac(provider: Provider, purpose: str, text: str) -> str:
    message = f"{purpose}:{text}".encode("utf-8", "surrogateescape")
    return hmac.new(provider.secret("csrf"), message, hashlib.sha256).hexdigest()


def _same(a: str, b: str) -> bool:
    # Bytes, not str: compare_digest refuses non-ASCII text, and the form is the client's.
    return hmac.compare_digest(
        a.encode("utf-8", "surrogateescape"), b.encode("utf-8", "surrogateescape")
    )


def _minted_here(provider: Provider, cookie: str) -> bool:
    nonce, _, mac = cookie.partition(".")
    return bool(nonce) and _same(_csrf_mac(provider, "cookie", nonce), mac)


def csrf_browser_secret(provider: Provider, cookies: Mapping[str, str]) -> str:
    """This browser's CSRF cookie when this provider made it, otherwise a new one to set.

    The value is a random nonce and the server's HMAC over it: a cookie the client (or another
    site that can write cookies for this host) chose itself is never adopted.
    """
    cookie = cookies.get(CSRF_COOKIE)
    if cookie and _minted_here(provider, cookie):
        return cookie
    nonce = secrets.token_urlsafe(32)
    return f"{nonce}.{_csrf_mac(provider, 'cookie', nonce)}"


def csrf_token_for(provider: Provider, browser_secret: str, tx_id: str) -> str:
    """A form's CSRF token: the server's HMAC over the browser's cookie and the transaction."""
    return _csrf_mac(provider, "form", f"{browser_secret}|{tx_id}")


def csrf_token_ok(
    provider: Provider, cookies: Mapping[str, str], tx_id: str, token: str | None
) -> bool:
    """The form came from a page this provider rendered for this browser and transaction.

    Both halves are the server's: the cookie must carry its MAC and the token must be its MAC
    over that cookie and ``tx_id``, so no pair a client makes up passes (the plain
    double-submit pattern would accept any cookie that matches its own form field).
    """
    cookie = cookies.get(CSRF_COOKIE)
    if not cookie or not token or not _minted_here(provider, cookie):
        return False
    return _same(csrf_token_for(provider, cookie, tx_id), token)
