"""The single-page client ``spa-demo``: a public client whose browser JavaScript does the flow.

The browser makes the PKCE pair (RFC 7636 §4.1-4.2), redirects to the provider, redeems the code at
the token endpoint with ``fetch`` (the provider answers CORS for the origins of public clients'
redirect URIs), checks the ID token's signature with WebCrypto and reads UserInfo. It then hands the
tokens to rp_demo, which verifies the ID token once more with python-jose (with the nonce it issued)
before showing the pupil as logged in.
"""

from __future__ import annotations

import secrets
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from rp_demo.catalogue import application
from rp_demo.errors import FlowError
from rp_demo.oidc import verified_login
from rp_demo.templates import browser_session, render

__all__ = ["SPA_CLIENT_ID", "SPA_STATE_PREFIX", "router", "spa_page"]

router = APIRouter()

SPA_CLIENT_ID = "spa-demo"
# The browser's state values start with this, so /callback hands those responses to the JS.
SPA_STATE_PREFIX = "spa."
_NONCE_KEY = "spa_nonce"


def spa_page(request: Request, *, finishing: bool) -> HTMLResponse:
    """The single-page app: starting a login, or finishing one on /callback."""
    settings = request.app.state.settings
    client = settings.client(SPA_CLIENT_ID)
    nonce = request.session.get(_NONCE_KEY)
    if not finishing or not nonce:
        nonce = secrets.token_urlsafe(24)
        request.session[_NONCE_KEY] = nonce
    config = {
        "issuer": settings.issuer,
        "clientId": SPA_CLIENT_ID,
        "redirectUri": settings.redirect_uri,
        "scope": client.scope if client is not None else "openid ov_leerling",
        "nonce": nonce,
        "statePrefix": SPA_STATE_PREFIX,
        "finishing": finishing,
    }
    return render(
        request,
        "spa.html",
        app=application(SPA_CLIENT_ID),
        config=config,
        configured=client is not None,
    )


@router.get("/spa", response_class=HTMLResponse)
async def spa(request: Request) -> Response:
    """Start page of the single-page app."""
    return spa_page(request, finishing=False)


@router.post("/spa/session")
async def spa_session(request: Request) -> Response:
    """Take the browser's tokens after its own checks and verify them again on the server."""
    try:
        body: Any = await request.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        return JSONResponse({"error": "invalid_request"}, status_code=400)
    nonce = request.session.pop(_NONCE_KEY, None)
    if not isinstance(nonce, str):
        # Only an ID token with the nonce this browser was given is accepted (token injection).
        return JSONResponse(
            {"error": "rp_state_mismatch", "error_description": "geen aanmelding in deze browser"},
            status_code=400,
        )
    token = {
        "id_token": body.get("id_token"),
        "access_token": body.get("access_token"),
        "token_type": body.get("token_type", "Bearer"),
        "expires_in": body.get("expires_in"),
        "scope": body.get("scope"),
    }
    settings = request.app.state.settings
    try:
        login = await verified_login(
            SPA_CLIENT_ID, token, nonce, request.app.state.provider, settings
        )
    except FlowError as exc:
        return JSONResponse(
            {
                "error": exc.code,
                "error_description": exc.description,
                "explanation": exc.explanation,
            },
            status_code=400,
        )
    browser_check = body.get("browser_check")
    if isinstance(browser_check, str):
        login.signature_check += f"; in de browser (WebCrypto): {browser_check}"
    browser_session(request).logins[SPA_CLIENT_ID] = login
    return JSONResponse({"redirect": f"/app/{SPA_CLIENT_ID}"})
