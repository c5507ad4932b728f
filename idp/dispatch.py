"""The protocol endpoints: one route table, dispatched without the web framework's routing.

Discovery (OIDC Discovery 1.0 §4), the JWKS (RFC 7517 §5), authorization (OIDC Core §3.1.2),
the login form, token (RFC 6749 §3.2), UserInfo (OIDC Core §5.3), introspection (RFC 7662),
revocation (RFC 7009) and RP-Initiated Logout are where every login and every test suite
spends its requests. The protocol code behind them knows nothing of
FastAPI: it takes an ``OAuthRequest`` and returns a response. ``ROUTES`` says, once per
endpoint, its path, methods, handler, event type, whether its errors are pages, how its
parameters are read and where it runs. From that one table:

- ``ProtocolDispatch``, an ASGI middleware, answers the endpoints: it builds the
  ``OAuthRequest`` with the one parser of ``idp.adapter`` and calls the protocol code
  directly, skipping a router of more than a hundred routes, dependency injection and a thread
  hop per request (docs/performance.md has the profile that showed those costs);
- ``document_protocol_routes`` adds the endpoints to the OpenAPI document.

What a client sees is what a routed endpoint answers: an ``OAuthError`` is rendered by
``render_error``, anything else by ``render_unexpected`` (the app's two exception handlers),
failures are recorded as the same events; another method is ``405`` with ``Allow`` (RFC 9110
§15.5.6) and a path with a trailing slash is redirected to the endpoint, both as the router
answers them. The middlewares outside this one (fault injection, CORS) see every request.

Where the work runs: on SQLite the endpoints are short and run on the event loop's thread (no
thread hop, no lock hand-over between threads for SQLite's single writer). On PostgreSQL they
wait for round trips to the server, so they run in threads (as many as the connection pool
holds) and the loop serves other requests meanwhile. The login form runs argon2id and goes to
a few threads of its own, where argon2 releases the GIL; so does a request with a client
assertion, which may send the provider to the client's ``jwks_uri``. Discovery and the JWKS
answer from memory and stay on the loop.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import anyio.to_thread
from anyio import CapacityLimiter
from starlette.datastructures import URL
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from datastore import EventType
from idp import paths
from idp.adapter import ClientDisconnected, OAuthRequest, oauth_request
from idp.authorization import authorize
from idp.discovery import discovery, jwks
from idp.errors import OAuthError
from idp.home import render_http_error
from idp.introspection import introspect
from idp.login import login
from idp.logout import logout
from idp.rendering import render_error, render_unexpected
from idp.revocation import revoke
from idp.token_endpoint import token
from idp.userinfo import userinfo

if TYPE_CHECKING:
    from fastapi import FastAPI

    from idp.provider import Endpoints, Provider

__all__ = [
    "LOGIN_THREADS",
    "ROUTES",
    "ProtocolDispatch",
    "ProtocolRoute",
    "document_protocol_routes",
]

# Login forms handled at once per worker (each mostly waits for argon2id's threads).
LOGIN_THREADS = 8
OPENAPI_TAG = "OpenID Connect"

Handler = Callable[["Provider", Request, OAuthRequest], Response]
# What a route that reads no parameters hands its handler.
NO_PARAMS = OAuthRequest("GET", {}, frozenset(), None)


@dataclass(frozen=True, slots=True)
class ProtocolRoute:
    """One protocol endpoint: how it is dispatched and how the OpenAPI document shows it."""

    path: str  # under the issuer (``idp.paths``)
    methods: tuple[str, ...]
    handler: Handler
    event_type: EventType  # failures are recorded as events of this type; names the operation
    summary: str | None  # in the OpenAPI document (a POST beside a GET is "(form)"), or not
    html_errors: bool  # errors are Dutch pages for the browser, not JSON
    form_only: bool  # a POST must be application/x-www-form-urlencoded (RFC 6749 §3.2)
    in_thread: bool  # on the login threads, never on the event loop
    # Answered from prepared bytes in memory: no parameters read, and on the event loop
    # whatever the database (a thread hop would cost more than the answer).
    prepared: bool = False
    operation: str | None = None  # the OpenAPI operation's name; else "<event_type>_endpoint"


def _authorize(provider: Provider, _request: Request, oauth: OAuthRequest) -> Response:
    return authorize(provider, oauth)


ROUTES: tuple[ProtocolRoute, ...] = (
    ProtocolRoute(
        paths.DISCOVERY,
        ("GET",),
        discovery,
        "discovery",
        "OpenID Provider metadata",
        html_errors=False,
        form_only=False,
        in_thread=False,
        prepared=True,
        operation="openid_configuration",
    ),
    ProtocolRoute(
        paths.JWKS,
        ("GET",),
        jwks,
        "jwks",
        "JWKS: the current key and keys still valid",
        html_errors=False,
        form_only=False,
        in_thread=False,
        prepared=True,
        operation="jwks",
    ),
    ProtocolRoute(
        paths.AUTHORIZATION,
        ("GET", "POST"),
        _authorize,
        "authorization",
        "Authorization endpoint",
        html_errors=True,
        form_only=False,
        in_thread=False,
    ),
    ProtocolRoute(
        paths.LOGIN,
        ("POST",),
        login,
        "login",
        None,
        html_errors=True,
        form_only=True,
        in_thread=True,
    ),
    ProtocolRoute(
        paths.TOKEN,
        ("POST",),
        token,
        "token",
        "Token endpoint",
        html_errors=False,
        form_only=True,
        in_thread=False,
    ),
    ProtocolRoute(
        paths.USERINFO,
        ("GET", "POST"),
        userinfo,
        "userinfo",
        "UserInfo endpoint",
        html_errors=False,
        form_only=False,
        in_thread=False,
    ),
    ProtocolRoute(
        paths.INTROSPECTION,
        ("POST",),
        introspect,
        "introspection",
        "Token introspection (RFC 7662)",
        html_errors=False,
        form_only=True,
        in_thread=False,
    ),
    ProtocolRoute(
        paths.REVOCATION,
        ("POST",),
        revoke,
        "revocation",
        "Token revocation (RFC 7009)",
        html_errors=False,
        form_only=True,
        in_thread=False,
    ),
    ProtocolRoute(
        paths.LOGOUT,
        ("GET", "POST"),
        logout,
        "logout",
        "RP-Initiated Logout",
        html_errors=True,
        form_only=False,
        in_thread=False,
    ),
)


class ProtocolDispatch:
    """ASGI middleware: the protocol endpoints of ``ROUTES`` straight to their protocol code."""

    def __init__(self, app: ASGIApp, *, endpoints: Endpoints) -> None:
        self.app = app
        self.routes = {f"{endpoints.prefix}{route.path}": route for route in ROUTES}
        # Logins wait for argon2 on its own few threads (datastore.hashing): a few threads
        # here keep them busy, and fewer threads keep fewer malloc arenas (RSS after load).
        # On PostgreSQL every request waits for round trips to the server: in threads (as many
        # as the connection pool holds) the loop serves others meanwhile.
        self._login_threads: CapacityLimiter | None = None
        self._db_threads: CapacityLimiter | None = None

    def _limiter(
        self, route: ProtocolRoute, provider: Provider, oauth: OAuthRequest | None = None
    ) -> CapacityLimiter | None:
        """The threads ``route`` runs on, or ``None``: on the event loop's thread."""
        # Made inside the event loop, on first use (anyio binds them to the running loop).
        # A client assertion may send the provider to the client's jwks_uri, a network wait
        # that must not stop every other request: such requests go to threads too.
        if route.prepared:
            return None
        if route.in_thread or (oauth is not None and oauth.get("client_assertion")):
            if self._login_threads is None:
                self._login_threads = CapacityLimiter(LOGIN_THREADS)
            return self._login_threads
        if provider.store.dialect != "postgresql":
            return None
        if self._db_threads is None:
            self._db_threads = CapacityLimiter(provider.settings.db_pool_size)
        return self._db_threads

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        route = self.routes.get(path)
        if route is None:
            if path.endswith("/") and path.rstrip("/") in self.routes:
                # As the router: the endpoint without the trailing slash, method and query kept.
                target = URL(scope={**scope, "path": path.rstrip("/")})
                await RedirectResponse(url=str(target))(scope, receive, send)
            else:
                await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        if scope["method"] not in route.methods:
            # RFC 9110 §15.5.6: 405 with the methods the endpoint takes, as the router answers.
            refused = HTTPException(405, headers={"Allow": ", ".join(route.methods)})
            await (await render_http_error(request, refused))(scope, receive, send)
            return
        state = request.state
        state.event_type = route.event_type
        if route.html_errors:
            state.html_errors = True
        provider: Provider = scope["app"].state.provider
        try:
            if route.prepared:
                oauth = NO_PARAMS
            else:
                oauth = await oauth_request(scope, receive, form_only=route.form_only)
            limiter = self._limiter(route, provider, oauth)
            if limiter is not None:
                response = await anyio.to_thread.run_sync(
                    route.handler, provider, request, oauth, limiter=limiter
                )
            else:
                response = route.handler(provider, request, oauth)
        except ClientDisconnected:
            return  # nobody to answer, and nothing was done
        except OAuthError as exc:
            response = await self._render(render_error, request, exc, route)
        except Exception as exc:  # the same last resort as the app's exception handler
            response = await self._render(render_unexpected, request, exc, route)
        await response(scope, receive, send)

    async def _render(
        self,
        renderer: Callable[[Request, Exception], Response],
        request: Request,
        exc: Exception,
        route: ProtocolRoute,
    ) -> Response:
        # Rendering an error writes its failure event: off the loop where the handler was too.
        limiter = self._limiter(route, request.app.state.provider)
        if limiter is not None:
            return await anyio.to_thread.run_sync(renderer, request, exc, limiter=limiter)
        return renderer(request, exc)


def openapi_paths(prefix: str) -> dict[str, dict[str, Any]]:
    """The OpenAPI path items of ``ROUTES`` (OpenAPI 3.1 §4.8.8), as FastAPI would write them."""
    items: dict[str, dict[str, Any]] = {}
    for route in ROUTES:
        if route.summary is None:
            continue
        path = f"{prefix}{route.path}"
        operation = route.operation or f"{route.event_type}_endpoint"
        item: dict[str, Any] = {}
        for method in route.methods:
            form = method == "POST" and "GET" in route.methods
            item[method.lower()] = {
                "tags": [OPENAPI_TAG],
                "summary": f"{route.summary} (form)" if form else route.summary,
                # FastAPI's operation ids: the function name, the path and the method.
                "operationId": re.sub(r"\W", "_", f"{operation}{path}") + f"_{method.lower()}",
                "responses": {
                    "200": {
                        "description": "Successful Response",
                        "content": {"application/json": {"schema": {}}},
                    }
                },
            }
        items[path] = item
    return items


def document_protocol_routes(app: FastAPI, endpoints: Endpoints) -> None:
    """Put the endpoints of ``ROUTES`` first in ``app``'s OpenAPI document."""
    openapi = app.openapi
    protocol = openapi_paths(endpoints.prefix)

    def openapi_with_protocol_routes() -> dict[str, Any]:
        document = openapi()
        documented: dict[str, Any] = document.get("paths", {})
        if not protocol.keys() <= documented.keys():
            document["paths"] = {**protocol, **documented}
        return document

    app.openapi = openapi_with_protocol_routes  # type: ignore[method-assign]
