"""Token revocation (RFC 7009): a client revokes its own access or refresh tokens.

Revoking a refresh token revokes every token of its grant (RFC 7009 §2.1). An unknown token,
or one of another client, is answered 200 as well (§2.2), so nothing leaks.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from datastore import sha256_hex
from idp.adapter import OAuthRequest, form_request
from idp.client_auth import authenticate_client
from idp.errors import InvalidRequest
from idp.provider import Provider, ProviderDep
from idp.rendering import NO_STORE, mark_event

__all__ = ["build_revocation_router", "revoke"]


def revoke(provider: Provider, request: Request, oauth: OAuthRequest) -> Response:
    """RFC 7009 §2.1: authenticate the client (public clients by client_id), then revoke."""
    oauth.no_repeats()
    endpoints = provider.endpoints
    client = authenticate_client(
        provider,
        oauth,
        audiences=(endpoints.url("/v1/revoke"), endpoints.url("/v1/token"), endpoints.issuer),
    )
    request.state.client_id = client.client_id
    token = oauth.get("token")
    if token is None:
        raise InvalidRequest("token is required")
    provider.store.oidc.revoke(sha256_hex(token), client.client_id, provider.store.clock.now())
    return Response(status_code=200, headers=NO_STORE)


def build_revocation_router() -> APIRouter:
    router = APIRouter(tags=["OpenID Connect"], dependencies=[Depends(mark_event("revocation"))])

    @router.post("/v1/revoke", summary="Token revocation (RFC 7009)")
    def revocation_endpoint(
        provider: ProviderDep,
        request: Request,
        oauth: Annotated[OAuthRequest, Depends(form_request)],
    ) -> Response:
        return revoke(provider, request, oauth)

    return router
