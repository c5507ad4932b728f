"""Fault injection: rules from the datastore applied to provider endpoints (admin API)."""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = ["FaultInjectionMiddleware"]


class FaultInjectionMiddleware:
    """ASGI middleware that applies the fault rules of the datastore to matching requests."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)
