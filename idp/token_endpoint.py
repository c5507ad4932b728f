"""The token endpoint (RFC 6749 §3.2, §5): authenticate the client, then run its grant.

The phases every grant shares are here; what a grant does is its ``GrantType`` in the registry
``idp.grants.GRANTS``, looked up by the request's ``grant_type``.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from datastore import ClientRecord
from idp import paths
from idp.adapter import OAuthRequest
from idp.checks import check_grant_type_registered
from idp.client_auth import authenticate_client
from idp.errors import InvalidRequest, UnsupportedGrantType
from idp.grants import GRANTS, GrantType
from idp.misbehave import token_answer
from idp.provider import Provider
from idp.rendering import json_response

__all__ = ["token"]


def check_grant_type(client: ClientRecord, oauth: OAuthRequest) -> GrantType:
    """RFC 6749 §5.2: a grant type of the registry that the client is registered for."""
    grant_type = oauth.get("grant_type")
    if grant_type is None:
        raise InvalidRequest("grant_type is required")
    grant = GRANTS.get(grant_type)
    if grant is None:
        raise UnsupportedGrantType(
            f"this grant_type is not supported: use {' or '.join(GRANTS)}",
            reason=f"grant_type {grant_type}",
        )
    check_grant_type_registered(client, grant_type)
    return grant


def token(provider: Provider, request: Request, oauth: OAuthRequest) -> Response:
    """RFC 6749 §3.2: one request, one grant, a no-store JSON answer."""
    oauth.no_repeats()
    endpoints = provider.endpoints
    client = authenticate_client(
        provider, oauth, audiences=(endpoints.url(paths.TOKEN), endpoints.issuer)
    )
    request.state.client_id = client.client_id
    grant = check_grant_type(client, oauth)
    answer = grant.handle(provider, client, oauth)
    # Evidence of misbehaviour scenarios, and the answer one of them changes (else as it is).
    return json_response(token_answer(provider, client, grant.name, oauth.get("code"), answer))
