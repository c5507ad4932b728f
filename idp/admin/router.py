"""Routes of the admin and test-control API, all behind the admin Bearer token."""

from __future__ import annotations

from functools import cache

from fastapi import APIRouter, Depends

__all__ = ["build_admin_router"]


@cache
def build_admin_router() -> APIRouter:
    """The admin API router, mounted by ``create_app`` at ``/admin/api``.

    Every route needs ``Authorization: Bearer <LEERID_ADMIN_TOKEN>`` (RFC 6750 §2.1). The
    routes are added to one router (no nested ``include_router``): FastAPI builds each route's
    validators again on every include, and the admin API has many routes. For the same reason
    the router is built once per process: its routes hold no state (the datastore and settings
    come from ``request.app.state``), and every app that includes it gets its own copies.

    The route modules are imported here, not at the top: ``create_app`` includes this router
    on the first request under ``/admin/api`` (``idp.lazy``), so a process that never serves
    the admin API never loads them (cold start).
    """
    from idp.admin.common import AdminRoute, refuse_unknown_query, require_admin
    from idp.admin.routes_clock import add_clock_routes
    from idp.admin.routes_control import add_control_routes
    from idp.admin.routes_logs import add_logs_routes
    from idp.admin.routes_misbehave import add_misbehave_routes
    from idp.admin.routes_providers import add_providers_routes
    from idp.admin.routes_schoolloket import add_schoolloket_routes
    from idp.admin.routes_staff import add_staff_routes
    from idp.admin.routes_throttle import add_throttle_routes
    from idp.admin.routes_world import add_world_routes

    # The token first: without it, a request learns nothing, not even which parameters exist.
    router = APIRouter(
        route_class=AdminRoute,
        dependencies=[Depends(require_admin), Depends(refuse_unknown_query)],
    )
    for add_routes in (
        add_world_routes,
        add_staff_routes,
        add_providers_routes,
        add_clock_routes,
        add_control_routes,
        add_logs_routes,
        add_schoolloket_routes,
        add_throttle_routes,
        add_misbehave_routes,
    ):
        add_routes(router)
    return router
