"""The LeerID Schoolloket: the school portal of seed 002, an OIDC client of the provider."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from datastore import Datastore, DatastoreError
from idp.settings import ProviderSettings
from schoolloket import applicaties, auth, beheer, instellingen, package_api
from schoolloket.access import Forbidden
from schoolloket.package_api import ApiError
from schoolloket.settings import SchoolloketSettings
from schoolloket.web import (
    SESSION_ENDED,
    NotLoggedIn,
    PageError,
    Schoolloket,
    get_context,
    get_schoolloket,
    get_staff,
)

__all__ = ["create_schoolloket"]


def create_schoolloket(
    settings: ProviderSettings,
    store: Datastore,
    schoolloket_settings: SchoolloketSettings | None = None,
) -> FastAPI:
    """The Schoolloket app, mounted at ``/schoolloket`` by the server composition.

    ``schoolloket_settings`` default to the environment (``LEERID_SCHOOLLOKET_*``); the server
    reads them at start, so that a bad value stops it there even though the app itself is
    built on its first request.
    """
    app = FastAPI(title="LeerID Schoolloket", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.settings = settings
    app.state.store = store
    app.state.schoolloket = Schoolloket(
        settings, schoolloket_settings or SchoolloketSettings(), store
    )
    app.mount("/static", StaticFiles(packages=[("schoolloket", "static")]), name="static")
    for module in (auth, instellingen, beheer, applicaties, package_api):
        app.include_router(module.router)
    app.add_exception_handler(PageError, _page_error)
    app.add_exception_handler(Forbidden, _forbidden)
    app.add_exception_handler(NotLoggedIn, _not_logged_in)
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_middleware(NeverFramed)
    return app


class NeverFramed:
    """Every Schoolloket response (redirects, static files, JSON too) refuses to be framed.

    Pages also say so in their CSP (``frame-ancestors 'none'``); RFC 7034 ``X-Frame-Options``
    covers browsers without CSP level 2, and ``nosniff`` keeps a download from being run as HTML.
    """

    _HEADERS = ((b"x-frame-options", b"DENY"), (b"x-content-type-options", b"nosniff"))

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [(n, v) for n, v in self._HEADERS if n not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _http_error(request: Request, exc: Exception) -> Response:
    """Unknown paths and methods: a Dutch page, or JSON under the package API."""
    assert isinstance(exc, StarletteHTTPException)
    if "/api/" in request.url.path:
        error = "not_found" if exc.status_code == 404 else "invalid_request"
        return ApiError(exc.status_code, error, str(exc.detail)).response()
    title = "Pagina niet gevonden" if exc.status_code == 404 else "Dat kan hier niet"
    message = (
        "Deze pagina bestaat niet in het LeerID Schoolloket."
        if exc.status_code == 404
        else "Deze pagina bestaat, maar niet voor wat je browser vroeg. Ga terug en probeer "
        "opnieuw."
    )
    return get_schoolloket(request).render(
        "fout.html", status=exc.status_code, title=title, message=message, **_who(request)
    )


def _who(request: Request) -> dict[str, Any]:
    """The logged-in staff member for the page header of an error page, if any."""
    try:
        staff = get_staff(get_context(request))
    except (NotLoggedIn, DatastoreError):
        return {}
    return {"staff": staff.roles, "csrf_token": staff.session.csrf_token}


def _page_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, PageError)
    return get_schoolloket(request).render(
        "fout.html",
        status=exc.status,
        title=exc.title,
        message=exc.message,
        login_again=exc.login_again,
        **_who(request),
    )


def _forbidden(request: Request, exc: Exception) -> Response:
    """A forbidden action: a 403 page that names the role it needs; nothing was changed."""
    assert isinstance(exc, Forbidden)
    return get_schoolloket(request).render(
        "geen_toegang.html", status=403, refusal=exc, **_who(request)
    )


def _not_logged_in(request: Request, exc: Exception) -> Response:
    """To the start page, which says why when a session was ended; a form: nothing changed."""
    if request.method in ("GET", "HEAD"):
        return RedirectResponse("/schoolloket/", status_code=303)
    schoolloket = get_schoolloket(request)
    page = schoolloket.render(
        "fout.html",
        status=401,
        title="Niet aangemeld",
        message=f"{SESSION_ENDED} Er werd niets gewijzigd.",
        login=True,
    )
    schoolloket.clear_cookie(page)
    return page


def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return exc.response()


def _invalid_request(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    problems = "; ".join(
        f"{'.'.join(str(p) for p in error.get('loc', ()))}: {error.get('msg', '')}"
        for error in exc.errors()
    )
    if request.url.path.startswith("/schoolloket/api/") or "/api/" in request.url.path:
        return ApiError(400, "invalid_request", problems).response()
    # pydantic's messages are English: the page names the fields, in a Dutch sentence.
    fields = sorted({str(error.get("loc", ("?",))[-1]) for error in exc.errors()})
    message = (
        f"Het formulier of de link is onvolledig of ongeldig (veld: {', '.join(fields)}). "
        "Er werd niets gewijzigd."
    )
    return get_schoolloket(request).render(
        "fout.html", status=400, title="Ongeldige invoer", message=message
    )
