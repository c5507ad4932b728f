"""Token introspection (RFC 7662), for authenticated clients and their own tokens only.

A token of another client, or one that no longer works, is simply ``{"active": false}``
(RFC 7662 §2.2): introspection must not tell a client anything about others' tokens.
An active access token shows the same claims as UserInfo, logged as channel ``introspection``.
A token of a grant without an account (RFC 6749 §4.4) is active with its client, scope and
lifetime only, no ``sub``, ``auth_time`` or claims (RFC 7662 §2.2: only ``active`` is required).
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import Response

from idp import paths
from idp.adapter import OAuthRequest
from idp.bearer import live_token
from idp.claims import to_claims
from idp.client_auth import authenticate_client
from idp.errors import InvalidRequest
from idp.provider import Provider
from idp.release import privacy_release
from idp.rendering import json_response
from idp.tokens import release_for, subject

__all__ = ["introspect"]


def introspect(provider: Provider, request: Request, oauth: OAuthRequest) -> Response:
    """RFC 7662 §2.1-2.2."""
    oauth.no_repeats()
    endpoints = provider.endpoints
    client = authenticate_client(
        provider,
        oauth,
        audiences=(
            endpoints.url(paths.INTROSPECTION),
            endpoints.url(paths.TOKEN),
            endpoints.issuer,
        ),
        allow_none=False,
    )
    request.state.client_id = client.client_id
    token = oauth.get("token")
    if token is None:
        raise InvalidRequest("token is required")
    live = live_token(provider, token)
    if live is None or live.client.client_id != client.client_id:
        return json_response({"active": False})
    record, facts = live.record, live.facts
    token_type = "Bearer" if record.kind == "access" else "refresh_token"
    if facts is None:  # a token for its client itself: no end-user to tell about
        return json_response(
            {
                "active": True,
                "scope": record.scope,
                "client_id": record.client_id,
                "iss": endpoints.issuer,
                "iat": int(record.issued_at.timestamp()),
                "exp": int(record.expires_at.timestamp()),
                "token_type": token_type,
            }
        )
    account = facts.account
    body: dict[str, Any] = {
        "active": True,
        "scope": record.scope,
        "client_id": record.client_id,
        "sub": subject(provider, client, account),
        "iss": endpoints.issuer,
        "iat": int(record.issued_at.timestamp()),
        "exp": int(record.expires_at.timestamp()),
        "auth_time": int(record.auth_time.timestamp()),
        "token_type": token_type,
    }
    if record.sid is not None:
        body["sid"] = record.sid
    if record.kind == "access":
        body["aud"] = endpoints.url(paths.USERINFO)
        release = release_for(provider, client, facts, tuple(record.scope.split()))
        logged = privacy_release(client, account.account_uuid, release, "introspection")
        if logged is not None:
            provider.store.oidc.record_release([logged], None, provider.store.clock.now())
        body = {**to_claims(release, client.claim_dialect), **body}
    return json_response(body)
