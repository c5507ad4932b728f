"""OpenID Provider metadata (OIDC Discovery 1.0 §3, RFC 8414 §2) and the JWKS (RFC 7517 §5).

Both are served from prepared bytes: the metadata is built once per process, the JWKS when
the key ring's generation changes (the counter in the datastore that every worker reads). The
metadata lists exactly what works. They are entries of the protocol route table
(``idp.dispatch.ROUTES``), answered without reading the request's parameters.
"""

from __future__ import annotations

import json
from functools import cache
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response

from datastore import ASSERTION_ALGS, AUTH_METHODS, PKCE_METHODS, SIGNING_ALGS, SUBJECT_TYPES
from idp import paths
from idp.authorization import RESPONSE_MODES
from idp.claims import CLAIMS_SUPPORTED
from idp.grants import GRANTS
from idp.misbehave import jwks_bytes
from idp.provider import Endpoints
from idp.release import SCOPES_SUPPORTED

if TYPE_CHECKING:
    from idp.adapter import OAuthRequest
    from idp.provider import Provider

__all__ = ["discovery", "jwks", "provider_metadata"]

CACHE = {"Cache-Control": "public, max-age=300"}
# As ACM's JWKS: caches may keep it for nearly six hours, so after a key rotation a relying party
# must fetch it again when it meets an unknown ``kid`` (OIDC Core §10.1.1), as it must on ACM.
JWKS_CACHE = {"Cache-Control": "public, max-age=21500"}
JWKS_MEDIA_TYPE = "application/jwk-set+json"


def provider_metadata(endpoints: Endpoints) -> dict[str, Any]:
    """The metadata document: only what this provider implements (OIDC Discovery 1.0 §3)."""
    url = endpoints.url
    return {
        "issuer": endpoints.issuer,
        "authorization_endpoint": url(paths.AUTHORIZATION),
        "token_endpoint": url(paths.TOKEN),
        "userinfo_endpoint": url(paths.USERINFO),
        "jwks_uri": url(paths.JWKS),
        "end_session_endpoint": url(paths.LOGOUT),
        "introspection_endpoint": url(paths.INTROSPECTION),
        "revocation_endpoint": url(paths.REVOCATION),
        "scopes_supported": list(SCOPES_SUPPORTED),
        "response_types_supported": ["code"],
        "response_modes_supported": list(RESPONSE_MODES),
        "grant_types_supported": list(GRANTS),
        "subject_types_supported": list(SUBJECT_TYPES),
        "id_token_signing_alg_values_supported": list(SIGNING_ALGS),
        "token_endpoint_auth_methods_supported": list(AUTH_METHODS),
        "token_endpoint_auth_signing_alg_values_supported": list(ASSERTION_ALGS),
        "introspection_endpoint_auth_methods_supported": [m for m in AUTH_METHODS if m != "none"],
        "introspection_endpoint_auth_signing_alg_values_supported": list(ASSERTION_ALGS),
        "revocation_endpoint_auth_methods_supported": list(AUTH_METHODS),
        "revocation_endpoint_auth_signing_alg_values_supported": list(ASSERTION_ALGS),
        "code_challenge_methods_supported": list(PKCE_METHODS),
        "claims_supported": list(CLAIMS_SUPPORTED),
        "claim_types_supported": ["normal"],
        "claims_parameter_supported": False,
        "request_parameter_supported": False,
        "request_uri_parameter_supported": False,
        "require_request_uri_registration": False,
        "prompt_values_supported": ["none", "login", "consent", "select_account"],
        "authorization_response_iss_parameter_supported": True,
        "backchannel_logout_supported": True,
        "backchannel_logout_session_supported": True,
        "frontchannel_logout_supported": False,
        "ui_locales_supported": ["nl"],
        "claims_locales_supported": ["nl"],
    }


def discovery(provider: Provider, _request: Request, _oauth: OAuthRequest) -> Response:
    """The metadata document (OIDC Discovery 1.0 §4.2)."""
    body = _metadata_bytes(provider.endpoints, tuple(GRANTS))
    return Response(body, media_type="application/json", headers=CACHE)


def jwks(provider: Provider, _request: Request, _oauth: OAuthRequest) -> Response:
    """The JWK Set: the current keys and retired keys still valid (RFC 7517 §5)."""
    return Response(jwks_bytes(provider), media_type=JWKS_MEDIA_TYPE, headers=JWKS_CACHE)


@cache
def _metadata_bytes(endpoints: Endpoints, _grants: tuple[str, ...]) -> bytes:
    # Keyed by the grant registry too: the document lists its grant types.
    return json.dumps(provider_metadata(endpoints), separators=(",", ":")).encode()
