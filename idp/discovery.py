"""OpenID Provider metadata (OIDC Discovery 1.0 §3, RFC 8414 §2) and the JWKS (RFC 7517 §5).

Both are served from prepared bytes: the metadata is built once per process, the JWKS when
the key ring's generation changes (the counter in the datastore that every worker reads). The
metadata lists exactly what works.

``WellKnownMiddleware`` answers their GETs before routing (no route matching, no dependency
solving); it sits inside the fault injection and CORS middleware, so faults and CORS headers
apply to them too. The routes stay for every other method and for the OpenAPI document.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from datastore import PKCE_METHODS, SUBJECT_TYPES
from idp import paths
from idp.authorization import RESPONSE_MODES
from idp.claims import CLAIMS_SUPPORTED
from idp.grants import GRANTS
from idp.keys import SIGNING_ALGS
from idp.misbehave import jwks_bytes
from idp.provider import Endpoints, ProviderDep
from idp.release import SCOPES_SUPPORTED

__all__ = ["WellKnownMiddleware", "build_discovery_router", "provider_metadata"]

CLIENT_AUTH_METHODS = ("client_secret_basic", "client_secret_post", "private_key_jwt", "none")
ASSERTION_ALGS = ("RS256", "ES256", "PS256")
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
        "token_endpoint_auth_methods_supported": list(CLIENT_AUTH_METHODS),
        "token_endpoint_auth_signing_alg_values_supported": list(ASSERTION_ALGS),
        "introspection_endpoint_auth_methods_supported": list(CLIENT_AUTH_METHODS[:3]),
        "introspection_endpoint_auth_signing_alg_values_supported": list(ASSERTION_ALGS),
        "revocation_endpoint_auth_methods_supported": list(CLIENT_AUTH_METHODS),
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


def build_discovery_router(endpoints: Endpoints) -> APIRouter:
    """``/.well-known/openid-configuration`` and ``/v1/keys`` under the issuer path."""
    router = APIRouter(tags=["OpenID Connect"])
    metadata = _metadata_bytes(endpoints)

    @router.get(paths.DISCOVERY, summary="OpenID Provider metadata")
    def openid_configuration() -> Response:
        return Response(metadata, media_type="application/json", headers=CACHE)

    @router.get(paths.JWKS, summary="JWKS: the current key and keys still valid")
    def jwks(provider: ProviderDep) -> Response:
        return Response(
            jwks_bytes(provider),
            media_type=JWKS_MEDIA_TYPE,
            headers=JWKS_CACHE,
        )

    return router


def _metadata_bytes(endpoints: Endpoints) -> bytes:
    return json.dumps(provider_metadata(endpoints), separators=(",", ":")).encode()


def _start(body: bytes, media_type: str, cache: dict[str, str]) -> dict[str, Any]:
    """The ``http.response.start`` message the route's ``Response`` would send."""
    headers = [
        (b"content-length", str(len(body)).encode()),
        (b"content-type", media_type.encode()),
        *((k.lower().encode(), v.encode()) for k, v in cache.items()),
    ]
    return {"type": "http.response.start", "status": 200, "headers": headers}


class WellKnownMiddleware:
    """GET discovery and JWKS from prepared bytes, before routing (same bytes, same headers).

    The JWKS is taken from the key ring on each request, which rebuilds it when the generation
    counter changes (a rotation in any process); its start message is rebuilt with it. The
    clock state it checks is cached per process and was just refreshed by the fault injection
    middleware outside, so this rarely reads the database.
    """

    def __init__(self, app: ASGIApp, *, endpoints: Endpoints) -> None:
        self.app = app
        self._metadata_path = f"{endpoints.prefix}{paths.DISCOVERY}"
        self._jwks_path = f"{endpoints.prefix}{paths.JWKS}"
        self._metadata = _metadata_bytes(endpoints)
        self._metadata_start = _start(self._metadata, "application/json", CACHE)
        self._jwks = b""
        self._jwks_start = _start(b"", JWKS_MEDIA_TYPE, JWKS_CACHE)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        if path == self._metadata_path:
            body, start = self._metadata, self._metadata_start
        elif path == self._jwks_path:
            body = jwks_bytes(scope["app"].state.provider)
            if body is not self._jwks:
                self._jwks_start = _start(body, JWKS_MEDIA_TYPE, JWKS_CACHE)
                self._jwks = body
            start = self._jwks_start
        else:
            await self.app(scope, receive, send)
            return
        # A fresh copy: middleware outside (CORS) appends to the start message's headers.
        await send({**start, "headers": list(start["headers"])})
        await send({"type": "http.response.body", "body": body})
