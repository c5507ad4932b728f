"""rp_demo's FastAPI application, built by ``create_app(settings)``.

A relying party of the LeerID provider that knows it only by its issuer URL and its client
credentials, as a real relying party does: it never imports ``idp`` or ``datastore``.
"""

from __future__ import annotations

import secrets
from pathlib import Path

import httpx2
from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from rp_demo.backchannel import router as backchannel_router
from rp_demo.dov import router as dov_router
from rp_demo.errors import FlowError, UnknownClient
from rp_demo.oidc import build_oauth
from rp_demo.pages import render_flow_error
from rp_demo.pages import router as pages_router
from rp_demo.provider import ProviderHTTP
from rp_demo.refresh import router as refresh_router
from rp_demo.sessions import SESSION_MAX_AGE_SECONDS, SessionRegistry
from rp_demo.settings import RPSettings
from rp_demo.spa import router as spa_router
from rp_demo.templates import build_templates, render

__all__ = ["create_app"]

_STATIC = Path(__file__).resolve().parent / "static"


def create_app(
    settings: RPSettings | None = None, *, transport: httpx2.AsyncBaseTransport | None = None
) -> FastAPI:
    """Build rp_demo. ``transport`` lets a test route its HTTP to the provider elsewhere."""
    settings = settings or RPSettings()
    app = FastAPI(title="rp_demo: LeerID demo-toepassingen", docs_url=None, redoc_url=None)
    app.state.settings = settings
    app.state.provider = ProviderHTTP(settings, transport)
    app.state.oauth = build_oauth(settings, transport)
    app.state.sessions = SessionRegistry()
    app.state.templates = build_templates(settings)
    secret = (
        settings.session_secret.get_secret_value()
        if settings.session_secret is not None
        else secrets.token_urlsafe(32)
    )
    # Its own cookie name: cookies ignore ports on localhost.
    app.add_middleware(
        SessionMiddleware,
        secret_key=secret,
        session_cookie=settings.session_cookie,
        same_site="lax",
        https_only=settings.secure_cookies,
        max_age=SESSION_MAX_AGE_SECONDS,
    )
    app.mount("/static", StaticFiles(directory=_STATIC), name="static")
    app.include_router(pages_router)
    app.include_router(dov_router)
    app.include_router(spa_router)
    app.include_router(backchannel_router)
    app.include_router(refresh_router)

    @app.exception_handler(FlowError)
    async def _flow_error(request: Request, exc: FlowError) -> HTMLResponse:
        return render_flow_error(request, exc)

    @app.exception_handler(UnknownClient)
    async def _unknown_client(request: Request, exc: UnknownClient) -> HTMLResponse:
        return render(request, "not_found.html", 404, client_id=exc.client_id)

    app.add_exception_handler(StarletteHTTPException, _http_error)

    return app


_HTTP_ERRORS = {
    404: ("Pagina niet gevonden", "Deze pagina bestaat niet in rp_demo."),
    405: ("Dat kan hier niet", "Deze pagina bestaat, maar niet voor wat je browser vroeg."),
}


async def _http_error(request: Request, exc: Exception) -> Response:
    """Unknown paths and methods: a Dutch page for a browser, FastAPI's JSON for others."""
    assert isinstance(exc, StarletteHTTPException)
    page = _HTTP_ERRORS.get(exc.status_code)
    if page is None or "text/html" not in request.headers.get("accept", ""):
        return await http_exception_handler(request, exc)
    title, message = page
    response = render(request, "not_found.html", exc.status_code, title=title, message=message)
    if exc.headers:
        response.headers.update(exc.headers)
    return response
