"""Token revocation (RFC 7009): a client revokes its own access or refresh tokens.

Revoking a refresh token revokes every token of its grant (RFC 7009 §2.1). An unknown token,
or one of another client, is answered 200 as well (§2.2), so nothing leaks.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from datastore import sha256_hex
from idp import paths
from idp.adapter import OAuthRequest
from idp.client_auth import authenticate_client
from idp.errors import InvalidRequest
from idp.provider import Provider
from idp.rendering import NO_STORE

__all__ = ["revoke"]


def revoke(provider: Provider, request: Request, oauth: OAuthRequest) -> Response:
    """RFC 7009 §2.1: authenticate the client (public clients by client_id), then revoke."""
    oauth.no_repeats()
    endpoints = provider.endpoints
    client = authenticate_client(
        provider,
        oauth,
        audiences=(endpoints.url(paths.REVOCATION), endpoints.url(paths.TOKEN), endpoints.issuer),
    )
    request.state.client_id = client.client_id
    token = oauth.get("token")
    if token is None:
        raise InvalidRequest("token is required")
    provider.store.oidc.revoke(sha256_hex(token), client.client_id, provider.store.clock.now())
    return Response(status_code=200, headers=NO_STORE)
