"""The landing page at ``/`` and the provider's answers to unknown paths and methods.

A browser (``Accept: text/html``) gets Dutch pages; any other client keeps FastAPI's JSON
(``{"detail": ...}``), which API clients and the admin API's tests rely on.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from fastapi import APIRouter, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from idp import paths
from idp.provider import Provider, ProviderDep
from idp.rendering import html_page

__all__ = ["DemoLogin", "Landing", "build_home_router", "render_http_error", "wants_html"]


@dataclass(frozen=True, slots=True)
class DemoLogin:
    """A persona of the demo world, shown on the landing page in demo mode only."""

    username: str
    password: str
    description: str  # Dutch: who this is and what logging in as them shows
    staff: bool = False  # staff log in to the Schoolloket, pupils to applications


@dataclass(frozen=True, slots=True)
class Landing:
    """What the landing page links to beyond the provider itself (set by the composition)."""

    schoolloket_path: str | None = None
    demo_logins: tuple[DemoLogin, ...] = field(default=())


def wants_html(request: Request) -> bool:
    """A browser asks for HTML; API clients (``*/*``, ``application/json``) do not."""
    return "text/html" in request.headers.get("accept", "")


def build_home_router() -> APIRouter:
    """``GET /``: what this is and where to go (HTML for browsers, JSON 404 for others)."""
    router = APIRouter(include_in_schema=False)

    @router.get("/")
    def home(request: Request, provider: ProviderDep) -> Response:
        if not wants_html(request):
            return JSONResponse({"detail": "Not Found"}, 404)
        landing: Landing = getattr(request.app.state, "landing", Landing())
        demo = provider.settings.demo_mode
        logins = landing.demo_logins if demo else ()
        return html_page(
            provider,
            "home.html",
            {
                "issuer": provider.endpoints.issuer,
                "discovery": f"{provider.endpoints.prefix}{paths.DISCOVERY}",
                "schoolloket": landing.schoolloket_path,
                "demo": demo,
                "pupils": [login for login in logins if not login.staff],
                "staff": [login for login in logins if login.staff],
            },
        )

    return router


_PAGES = {
    404: ("Pagina niet gevonden", "Deze pagina bestaat niet bij de LeerID-simulator."),
    405: (
        "Dat kan hier niet",
        "Deze pagina bestaat, maar niet voor wat je browser vroeg (HTTP-methode {method}). "
        "Ga terug naar de toepassing en begin opnieuw.",
    ),
}


async def render_http_error(request: Request, exc: Exception) -> Response:
    """Unknown paths (404) and methods (405) of the router: a Dutch page for a browser.

    Only the router's own errors (their detail is the status phrase) become a page; an
    ``HTTPException`` with a detail of its own, as the admin API raises, stays JSON.
    """
    assert isinstance(exc, StarletteHTTPException)
    page = _PAGES.get(exc.status_code)
    routing_error = exc.detail in ("Not Found", "Method Not Allowed")
    if page is None or not routing_error or not wants_html(request):
        return await http_exception_handler(request, exc)
    provider: Provider = request.app.state.provider
    title, message = page
    response = html_page(
        provider,
        "http_error.html",
        {"title": title, "message": message.format(method=request.method)},
        status_code=exc.status_code,
    )
    if exc.headers:
        response.headers.update(exc.headers)  # Allow: on a 405 (RFC 9110 §15.5.6)
    return response
