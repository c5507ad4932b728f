"""The token endpoint (RFC 6749 §3.2, §5): authenticate the client, then run its grant."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from datastore import ClientRecord
from idp import paths
from idp.adapter import OAuthRequest
from idp.checks import check_grant_type_registered
from idp.client_auth import authenticate_client
from idp.errors import InvalidRequest, UnsupportedGrantType
from idp.grants import redeem_code, refresh
from idp.misbehave import token_answer
from idp.provider import Provider
from idp.rendering import json_response

__all__ = ["token"]

GRANTS: dict[str, Callable[[Provider, ClientRecord, OAuthRequest], dict[str, Any]]] = {
    "authorization_code": redeem_code,
    "refresh_token": refresh,
}


def check_grant_type(client: ClientRecord, oauth: OAuthRequest) -> str:
    """RFC 6749 §5.2: a known grant type the client is registered for."""
    grant_type = oauth.get("grant_type")
    if grant_type is None:
        raise InvalidRequest("grant_type is required")
    if grant_type not in GRANTS:
        raise UnsupportedGrantType(
            "this grant_type is not supported: use authorization_code or refresh_token",
            reason=f"grant_type {grant_type}",
        )
    check_grant_type_registered(client, grant_type)
    return grant_type


def token(provider: Provider, request: Request, oauth: OAuthRequest) -> Response:
    """RFC 6749 §3.2: one request, one grant, a no-store JSON answer."""
    oauth.no_repeats()
    endpoints = provider.endpoints
    client = authenticate_client(
        provider, oauth, audiences=(endpoints.url(paths.TOKEN), endpoints.issuer)
    )
    request.state.client_id = client.client_id
    grant_type = check_grant_type(client, oauth)
    answer = GRANTS[grant_type](provider, client, oauth)
    # Evidence of misbehaviour scenarios, and the answer one of them changes (else as it is).
    return json_response(token_answer(provider, client, grant_type, oauth.get("code"), answer))
