"""CORS for browser clients: only public clients' redirect origins.

Discovery, JWKS, token and UserInfo answer cross-origin requests from the origins of public
clients' redirect URIs (the SPA), and from no other origin. A pure ASGI middleware, so it costs
nothing on other paths.
"""

from __future__ import annotations

from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["CorsMiddleware"]


class CorsMiddleware:
    """Adds CORS headers on ``paths`` for allowed origins; answers preflight requests."""

    def __init__(self, app: ASGIApp, *, paths: frozenset[str]) -> None:
        self.app = app
        self.paths = paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] not in self.paths:
            await self.app(scope, receive, send)
            return
        origin = Headers(scope=scope).get("origin")
        if origin is None:
            await self.app(scope, receive, send)
            return
        provider = scope["app"].state.provider
        allowed = origin in provider.clients.public_origins()
        if scope["method"] == "OPTIONS":
            headers = {"Vary": "Origin"}
            if allowed:
                headers.update(
                    {
                        "Access-Control-Allow-Origin": origin,
                        "Access-Control-Allow-Methods": "GET, POST",
                        "Access-Control-Allow-Headers": "Authorization, Content-Type",
                        "Access-Control-Max-Age": "600",
                    }
                )
            await Response(status_code=204 if allowed else 403, headers=headers)(
                scope, receive, send
            )
            return

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.append("Vary", "Origin")
                if allowed:
                    headers["Access-Control-Allow-Origin"] = origin
                    headers["Access-Control-Expose-Headers"] = "WWW-Authenticate"
            await send(message)

        await self.app(scope, receive, send_with_cors)
