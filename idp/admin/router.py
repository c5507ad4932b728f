"""Routes of the admin and test-control API, all behind the admin Bearer token."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from idp.admin.common import require_admin
from idp.admin.routes_clock import build_clock_router
from idp.admin.routes_providers import build_providers_router
from idp.admin.routes_staff import build_staff_router
from idp.admin.routes_world import build_world_router

__all__ = ["build_admin_router"]


def build_admin_router() -> APIRouter:
    """The admin API router, mounted by ``create_app`` at ``/admin/api``.

    Every route needs ``Authorization: Bearer <LEERID_ADMIN_TOKEN>`` (RFC 6750 §2.1).
    """
    router = APIRouter(dependencies=[Depends(require_admin)])
    for part in (
        build_world_router(),
        build_staff_router(),
        build_providers_router(),
        build_clock_router(),
    ):
        router.include_router(part)
    return router
