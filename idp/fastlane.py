"""The protocol endpoints a login touches, dispatched without the web framework's routing.

Authorization (OIDC Core §3.1.2), the login form, token (RFC 6749 §3.2) and UserInfo (OIDC
Core §5.3) are where every login and every test suite spends its requests. The protocol code
behind them (``idp.authorization.authorize``, ``idp.login.login``, ``idp.token_endpoint.token``,
``idp.userinfo.userinfo``) knows nothing of FastAPI: it takes an ``OAuthRequest`` and returns a
response. This ASGI middleware parses that ``OAuthRequest`` itself and calls the protocol code
directly, skipping a router of more than a hundred routes, dependency injection and a thread
hop per request (docs/performance.md has the profile that showed those costs).

Nothing a client sees differs from the routed endpoints, which stay registered (they document
the endpoints in the OpenAPI schema and serve any method this lane does not take):

- parameters are parsed as Starlette parses them (``parse_qsl`` over latin-1, blank values
  kept and then treated as omitted, RFC 6749 §3.1), and a POST must be a form (RFC 6749 §3.2);
- an ``OAuthError`` is rendered by ``render_error``, anything else by ``render_unexpected``,
  the two exception handlers of the app, and failures are recorded as the same events;
- the middlewares outside this one (fault injection, CORS) see the same requests as the routed
  endpoints would.

Where the work runs: on SQLite, token, UserInfo and authorization are short and run on the
event loop's thread (no thread hop, no lock hand-over between threads for SQLite's single
writer). On PostgreSQL they wait for round trips to the server, so they run in threads (as many
as the connection pool holds) and the loop serves other requests meanwhile. The login form runs
argon2id and goes to a few threads of its own, where argon2 releases the GIL.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl

import anyio.to_thread
from anyio import CapacityLimiter
from starlette.requests import Request, cookie_parser
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from idp.adapter import FORM, OAuthRequest, collect
from idp.errors import InvalidRequest, OAuthError
from idp.rendering import render_error, render_unexpected

if TYPE_CHECKING:
    from idp.provider import Endpoints, Provider

__all__ = ["LOGIN_THREADS", "MAX_FORM_BYTES", "FastLane"]

# A protocol form is a few hundred bytes; a client assertion a few kilobytes.
MAX_FORM_BYTES = 64 * 1024

# Login forms handled at once per worker (each mostly waits for argon2id's threads).
LOGIN_THREADS = 8

Handler = Callable[["Provider", Request, OAuthRequest], Response]


@dataclass(frozen=True, slots=True)
class _Route:
    handler: Handler
    methods: frozenset[str]
    event_type: str
    html_errors: bool
    query_on_get: bool  # GET parameters come from the query (authorization, UserInfo)
    form_only: bool  # a POST must be application/x-www-form-urlencoded (token, login)
    in_thread: bool


class _BodyTooLarge(Exception):
    pass


def _routes(endpoints: Endpoints) -> dict[str, _Route]:
    # Imported here: these modules import the provider, which imports this package's app.
    from idp.authorization import authorize
    from idp.login import login
    from idp.token_endpoint import token
    from idp.userinfo import userinfo

    prefix = endpoints.prefix
    both = frozenset({"GET", "POST"})
    post = frozenset({"POST"})
    return {
        f"{prefix}/v1/auth": _Route(
            lambda provider, _request, oauth: authorize(provider, oauth),
            both,
            "authorization",
            html_errors=True,
            query_on_get=True,
            form_only=False,
            in_thread=False,
        ),
        f"{prefix}/v1/login": _Route(
            login,
            post,
            "login",
            html_errors=True,
            query_on_get=False,
            form_only=True,
            in_thread=True,
        ),
        f"{prefix}/v1/token": _Route(
            token,
            post,
            "token",
            html_errors=False,
            query_on_get=False,
            form_only=True,
            in_thread=False,
        ),
        f"{prefix}/v1/userinfo": _Route(
            userinfo,
            both,
            "userinfo",
            html_errors=False,
            query_on_get=True,
            form_only=False,
            in_thread=False,
        ),
    }


class FastLane:
    """ASGI middleware: the hot protocol endpoints straight to their protocol code."""

    def __init__(self, app: ASGIApp, *, endpoints: Endpoints) -> None:
        self.app = app
        self.routes = _routes(endpoints)
        # Logins wait for argon2 on its own few threads (datastore.hashing): a few threads
        # here keep them busy, and fewer threads keep fewer malloc arenas (RSS after load).
        # On PostgreSQL every request waits for round trips to the server: in threads (as many
        # as the connection pool holds) the loop serves others meanwhile.
        self._login_threads: CapacityLimiter | None = None
        self._db_threads: CapacityLimiter | None = None

    def _limiter(
        self, route: _Route, provider: Provider, oauth: OAuthRequest | None = None
    ) -> CapacityLimiter | None:
        """The threads ``route`` runs on, or ``None``: on the event loop's thread."""
        # Made inside the event loop, on first use (anyio binds them to the running loop).
        # A client assertion may send the provider to the client's jwks_uri, a network wait
        # that must not stop every other request: such token requests go to threads too.
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
        route = self.routes.get(scope["path"]) if scope["type"] == "http" else None
        if route is None or scope["method"] not in route.methods:
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        state = request.state
        state.event_type = route.event_type
        if route.html_errors:
            state.html_errors = True
        provider: Provider = scope["app"].state.provider
        try:
            oauth = await _oauth_request(scope, receive, route)
            limiter = self._limiter(route, provider, oauth)
            if limiter is not None:
                response = await anyio.to_thread.run_sync(
                    route.handler, provider, request, oauth, limiter=limiter
                )
            else:
                response = route.handler(provider, request, oauth)
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
        route: _Route,
    ) -> Response:
        # Rendering an error writes its failure event: off the loop where the handler was too.
        limiter = self._limiter(route, request.app.state.provider)
        if limiter is not None:
            return await anyio.to_thread.run_sync(renderer, request, exc, limiter=limiter)
        return renderer(request, exc)


async def _oauth_request(scope: Scope, receive: Receive, route: _Route) -> OAuthRequest:
    """The ``OAuthRequest`` of this request, as ``idp.adapter`` builds it from Starlette's."""
    authorization = origin = cookie = content_type = None
    for name, value in scope["headers"]:
        if name == b"authorization":
            authorization = value.decode("latin-1")
        elif name == b"cookie":
            cookie = value.decode("latin-1")
        elif name == b"origin":
            origin = value.decode("latin-1")
        elif name == b"content-type":
            content_type = value.decode("latin-1")
    method = scope["method"]
    is_form = (content_type or "").split(";")[0].strip().lower() == FORM
    if method == "GET" and route.query_on_get:
        text = scope["query_string"].decode("latin-1")
    elif method == "POST" and not is_form:
        if route.form_only:
            raise InvalidRequest(f"the request body must be {FORM}")
        text = ""
    elif method == "POST":
        text = (await _read_body(receive)).decode("latin-1")
    else:
        text = ""
    params, repeated = collect(parse_qsl(text, keep_blank_values=True))
    return OAuthRequest(
        method=method,
        params=params,
        repeated=repeated,
        authorization=authorization,
        cookies=cookie_parser(cookie) if cookie else {},
        origin=origin,
    )


async def _read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message: Message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_FORM_BYTES:
            raise InvalidRequest(f"the form is larger than {MAX_FORM_BYTES} bytes")
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)
