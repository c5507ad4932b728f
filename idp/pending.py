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
from dataclasses import asdict, dataclass

from itsdangerous import BadSignature, URLSafeSerializer

from idp.errors import BadAuthorizationRequest, RedirectTarget
from idp.provider import Provider

__all__ = ["PendingAuthorization", "csrf_token_for", "load_pending", "sign_pending"]

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


def csrf_token_for(browser_secret: str, tx_id: str) -> str:
    """The per-transaction CSRF token, bound to the browser's CSRF cookie (HMAC of both)."""
    return hmac.new(browser_secret.encode(), tx_id.encode(), hashlib.sha256).hexdigest()
