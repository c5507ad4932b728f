"""OpenID Provider metadata (OIDC Discovery 1.0 §3, RFC 8414 §2) and the JWKS (RFC 7517 §5).

Both are served from prepared bytes: the metadata is built once per process, the JWKS when
the key ring's generation changes. The metadata lists exactly what works.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from idp.claims import CLAIMS_SUPPORTED
from idp.keys import SIGNING_ALGS
from idp.provider import Endpoints, ProviderDep
from idp.release import SCOPES_SUPPORTED

__all__ = ["build_discovery_router", "provider_metadata"]

CLIENT_AUTH_METHODS = ("client_secret_basic", "client_secret_post", "private_key_jwt", "none")
ASSERTION_ALGS = ("RS256", "ES256", "PS256")
CACHE = {"Cache-Control": "public, max-age=300"}


def provider_metadata(endpoints: Endpoints) -> dict[str, Any]:
    """The metadata document: only what this provider implements (OIDC Discovery 1.0 §3)."""
    url = endpoints.url
    return {
        "issuer": endpoints.issuer,
        "authorization_endpoint": url("/v1/auth"),
        "token_endpoint": url("/v1/token"),
        "userinfo_endpoint": url("/v1/userinfo"),
        "jwks_uri": url("/v1/keys"),
        "end_session_endpoint": url("/v1/logout"),
        "introspection_endpoint": url("/v1/introspect"),
        "revocation_endpoint": url("/v1/revoke"),
        "scopes_supported": list(SCOPES_SUPPORTED),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query", "form_post"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": list(SIGNING_ALGS),
        "token_endpoint_auth_methods_supported": list(CLIENT_AUTH_METHODS),
        "token_endpoint_auth_signing_alg_values_supported": list(ASSERTION_ALGS),
        "introspection_endpoint_auth_methods_supported": list(CLIENT_AUTH_METHODS[:3]),
        "introspection_endpoint_auth_signing_alg_values_supported": list(ASSERTION_ALGS),
        "revocation_endpoint_auth_methods_supported": list(CLIENT_AUTH_METHODS),
        "revocation_endpoint_auth_signing_alg_values_supported": list(ASSERTION_ALGS),
        "code_challenge_methods_supported": ["S256"],
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


def build_discovery_router(endpoints: Endpoints) -> APIRouter:
    """``/.well-known/openid-configuration`` and ``/v1/keys`` under the issuer path."""
    router = APIRouter(tags=["OpenID Connect"])
    metadata = json.dumps(provider_metadata(endpoints), separators=(",", ":")).encode()

    @router.get("/.well-known/openid-configuration", summary="OpenID Provider metadata")
    def openid_configuration() -> Response:
        return Response(metadata, media_type="application/json", headers=CACHE)

    @router.get("/v1/keys", summary="JWKS: the current key and keys still valid")
    def jwks(provider: ProviderDep) -> Response:
        return Response(
            provider.keys.jwks_bytes(),
            media_type="application/jwk-set+json",
            headers={"Cache-Control": "public, max-age=60"},
        )

    return router
