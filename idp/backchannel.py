"""OIDC Back-Channel Logout 1.0: tell each client of an ended session, in the background.

Delivery is best effort, so a slow or absent client cannot hold up a logout: a worker thread
posts the logout token with a short timeout, logs a failure as an event, and never delays or
fails the logout itself.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterable
from typing import Any

from joserfc import jwt

from datastore import ClientRecord, EndedSession, NotFound
from idp.provider import Provider
from idp.tokens import subject

__all__ = ["BACKCHANNEL_EVENT", "logout_token", "notify_clients", "notify_ended"]

BACKCHANNEL_EVENT = "http://schemas.openid.net/event/backchannel-logout"
log = logging.getLogger("idp.backchannel")


def logout_token(provider: Provider, client: ClientRecord, sub: str | None, sid: str) -> str:
    """A Logout Token (Back-Channel Logout §2.4): signed like ID tokens, ``typ: logout+jwt``."""
    now = int(provider.store.clock.now().timestamp())
    claims: dict[str, Any] = {
        "iss": provider.endpoints.issuer,
        "aud": client.client_id,
        "iat": now,
        "exp": now + 120,
        "jti": secrets.token_urlsafe(16),
        "sid": sid,
        "events": {BACKCHANNEL_EVENT: {}},
    }
    if sub is not None:
        claims["sub"] = sub
    alg = client.id_token_signed_response_alg
    key = provider.keys.signing_key(alg)
    return jwt.encode({"alg": alg, "kid": key.kid, "typ": "logout+jwt"}, claims, key)


def notify_clients(provider: Provider, ended: EndedSession) -> int:
    """Queue a logout token for every client of the session with a back-channel URI."""
    try:
        account = provider.store.world.account_by_id(ended.session.account_id)
    except NotFound:
        account = None
    queued = 0
    for client_id in ended.client_ids:
        client = provider.clients.get(client_id)
        if client is None or not client.backchannel_logout_uri:
            continue
        sub = subject(provider, client, account) if account is not None else None
        token = logout_token(provider, client, sub, ended.session.sid)
        provider.background.submit(_deliver, provider, client, client.backchannel_logout_uri, token)
        queued += 1
    return queued


def notify_ended(provider: Provider, ended: Iterable[EndedSession]) -> int:
    """``notify_clients`` for each session a change ended (an account disabled or deleted)."""
    return sum(notify_clients(provider, session) for session in ended)


def _deliver(provider: Provider, client: ClientRecord, uri: str, token: str) -> None:
    """Back-Channel Logout §2.5: POST ``logout_token``; the RP answers 200 (or 204)."""
    import httpx  # here, not at import: only logouts need it (cold start, docs/performance.md)

    reason: str | None = None
    try:
        response = httpx.post(
            uri,
            data={"logout_token": token},
            timeout=provider.settings.backchannel_logout_timeout_seconds,
            verify=provider.settings.outbound_ssl_context(),
            headers={"Cache-Control": "no-store"},
        )
        if response.status_code not in (200, 204):
            reason = f"{uri} answered HTTP {response.status_code}"
    except httpx.HTTPError as exc:
        reason = f"{uri}: {type(exc).__name__}: {exc}"
    if reason is None:
        return
    log.warning("back-channel logout to %s failed: %s", client.client_id, reason)
    try:
        provider.store.logs.record_event(
            "backchannel_logout", "failure", client_id=client.client_id, reason=reason
        )
    except Exception:  # the event log is best effort too
        log.exception("could not record a back-channel logout failure")
