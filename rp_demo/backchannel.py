"""The back-channel logout endpoint: the provider ends our sessions directly.

OIDC Back-Channel Logout 1.0 §2.5 (the request), §2.6 (validating the logout token),
§2.7 (ending the session by ``sid``) and §2.8 (the response).
"""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from rp_demo.provider import ProviderError
from rp_demo.sessions import SessionRegistry
from rp_demo.settings import RPSettings
from rp_demo.verify import TokenVerificationError, verify_logout_token

__all__ = ["router"]

router = APIRouter()
log = logging.getLogger(__name__)

_HEADERS = {"Cache-Control": "no-store"}


def _bad_request(description: str) -> JSONResponse:
    """§2.8: an invalid logout token is answered 400 with an OAuth error body."""
    return JSONResponse(
        {"error": "invalid_request", "error_description": description},
        status_code=400,
        headers=_HEADERS,
    )


@router.post("/backchannel-logout")
async def backchannel_logout(request: Request) -> Response:
    """§2.5-§2.8: validate the ``logout_token`` and end the matching local logins."""
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith("application/x-www-form-urlencoded"):
        return _bad_request("verwacht application/x-www-form-urlencoded met logout_token")
    form = await request.form()
    logout_token = form.get("logout_token")
    if not isinstance(logout_token, str) or not logout_token:
        return _bad_request("logout_token ontbreekt")
    settings: RPSettings = request.app.state.settings
    registry: SessionRegistry = request.app.state.sessions
    try:
        client_id, verified = await verify_logout_token(
            request.app.state.provider,
            logout_token,
            client_ids=[c.client_id for c in settings.clients],
            leeway=settings.leeway_seconds,
        )
    except TokenVerificationError as exc:
        log.warning("back-channel logout refused: %s", exc)
        return _bad_request(str(exc))
    except ProviderError as exc:
        log.warning("back-channel logout: provider unreachable: %s", exc)
        return _bad_request(f"het logout-token kon niet gecontroleerd worden: {exc}")
    claims = verified.claims
    # §2.6 step 7: a logout token used twice is refused (replay).
    if not registry.remember_jti(str(claims["jti"])):
        return _bad_request("dit logout-token werd al gebruikt (jti)")
    sid = claims.get("sid") if isinstance(claims.get("sid"), str) else None
    sub = claims.get("sub") if isinstance(claims.get("sub"), str) else None
    ended = registry.end_logins(client_id, sid=sid, sub=sub)
    log.info("back-channel logout for %s (sid=%s): %d login(s) ended", client_id, sid, ended)
    return Response(status_code=200, headers=_HEADERS)
