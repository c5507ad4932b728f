"""The LeerID Schoolloket: the school portal where staff manage LeerID.

An OIDC client of the provider for staff login; its data through the datastore's public API.
``create_schoolloket`` is imported on first use (PEP 562 module ``__getattr__``), so that
reading ``schoolloket.settings`` does not load the whole portal (cold start).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from schoolloket.app import create_schoolloket

__all__ = ["create_schoolloket"]


def __getattr__(name: str) -> Any:
    if name == "create_schoolloket":
        from schoolloket.app import create_schoolloket

        return create_schoolloket
    raise AttributeError(f"module 'schoolloket' has no attribute {name!r}")
