"""``/health``: liveness and readiness (the database answers) as JSON."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from datastore import ping
from idp.provider import ProviderDep

__all__ = ["build_health_router"]


def build_health_router() -> APIRouter:
    router = APIRouter(tags=["health"])

    @router.get("/health", summary="Liveness and readiness")
    def health(provider: ProviderDep) -> JSONResponse:
        try:
            ping(provider.store)
        except Exception as exc:
            return JSONResponse(
                {
                    "status": "unavailable",
                    "database": "unreachable",
                    "detail": type(exc).__name__,
                },
                503,
                headers={"Cache-Control": "no-store"},
            )
        return JSONResponse(
            {"status": "ok", "database": "ok", "issuer": provider.endpoints.issuer},
            headers={"Cache-Control": "no-store"},
        )

    return router
