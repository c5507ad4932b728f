"""Parts of the app that are built on their first request, not at start (cold start).

The admin API (about a hundred routes) and the Schoolloket cost more to build than the whole
OIDC provider, and a worker that only serves the protocol never needs them. Both are built once
per process on the first request under their prefix, in a worker thread so that the event loop
keeps serving meanwhile, behind a lock so that concurrent first requests (or event loops of
several test clients) build them once. What a client sees is unchanged: the same routes, the
same answers, the same OpenAPI document.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import anyio.to_thread
from fastapi import APIRouter, FastAPI
from starlette._utils import get_route_path
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = ["LazyApp", "include_router_lazily"]


class _Once:
    """Run ``build`` once per process, whichever thread asks first; the others wait for it."""

    def __init__(self, build: Callable[[], Any]) -> None:
        self._build = build
        self._lock = threading.Lock()
        self._done = False
        self.value: Any = None

    @property
    def done(self) -> bool:
        return self._done

    def get(self) -> Any:
        if not self._done:
            with self._lock:
                if not self._done:
                    self.value = self._build()
                    self._done = True
        return self.value

    async def aget(self) -> Any:
        """As ``get``, but a build runs in a worker thread: the event loop is not blocked."""
        if self._done:
            return self.value
        return await anyio.to_thread.run_sync(self.get)


class _LazyInclude(BaseRoute):
    """Stands in ``router.routes`` for ``router.include_router(build(), prefix=prefix)``.

    It claims every path that starts with ``prefix``; the first such request includes the
    real router in this entry's place (so route order, and with it matching, 404, 405 and
    slash redirects, stays as if it had been included at start) and is dispatched again.
    """

    def __init__(self, router: APIRouter, prefix: str, build: Callable[[], APIRouter]) -> None:
        self._router = router
        self._prefix = prefix
        self._include = _Once(lambda: self._include_in_place(build))

    def _include_in_place(self, build: Callable[[], APIRouter]) -> None:
        routes = self._router.routes
        self._router.include_router(build(), prefix=self._prefix)
        included = routes.pop()
        # One in-place assignment: a concurrent walk of ``routes`` sees one entry or the other.
        routes[routes.index(self)] = included

    def include(self) -> None:
        """Include the real router now (for the OpenAPI document, or a reverse URL lookup)."""
        self._include.get()

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        claimed = scope["type"] in ("http", "websocket")
        if claimed and get_route_path(scope).startswith(self._prefix):
            return Match.FULL, {}
        return Match.NONE, {}

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._include.aget()
        await self._router.app(scope, receive, send)

    def url_path_for(self, name: str, /, **path_params: Any) -> Any:
        self.include()
        return self._router.url_path_for(name, **path_params)


def include_router_lazily(app: FastAPI, build: Callable[[], APIRouter], *, prefix: str) -> None:
    """``app.include_router(build(), prefix=prefix)``, done on the first request under ``prefix``.

    The OpenAPI document (``/openapi.json``, ``/docs``) lists the routes as if they had been
    included at start: asking for it includes the router first.
    """
    lazy = _LazyInclude(app.router, prefix, build)
    app.router.routes.append(lazy)
    openapi = app.openapi

    def openapi_with_lazy_routes() -> dict[str, Any]:
        lazy.include()
        return openapi()

    app.openapi = openapi_with_lazy_routes  # type: ignore[method-assign]


class LazyApp:
    """An ASGI app built by ``build()`` on its first request (for ``app.mount``).

    A mounted app gets no lifespan events from Starlette, so building it late changes nothing
    for it.
    """

    def __init__(self, build: Callable[[], ASGIApp]) -> None:
        self._app = _Once(build)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        app: ASGIApp = await self._app.aget()
        await app(scope, receive, send)
