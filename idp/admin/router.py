"""Routes of the admin and test-control API."""

from __future__ import annotations

from fastapi import APIRouter

__all__ = ["build_admin_router"]


def build_admin_router() -> APIRouter:
    """The admin API router, mounted by ``create_app`` at ``/admin/api``."""
    return APIRouter(tags=["admin"])
