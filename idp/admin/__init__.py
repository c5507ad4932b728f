"""The admin and test-control API under ``/admin/api`` (Bearer ``LEERID_ADMIN_TOKEN``)."""

from idp.admin.router import build_admin_router

__all__ = ["build_admin_router"]
