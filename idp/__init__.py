"""The identity provider: ACM with LeerID, as an OpenID Connect provider.

``create_app`` is imported on first use (PEP 562 module ``__getattr__``): ``leerid-sim serve``
reads ``ProviderSettings`` in uvicorn's supervisor process, which never builds an app and so
need not import the whole provider (cold start).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from idp.settings import ProviderSettings
from idp.version import __version__

if TYPE_CHECKING:
    from idp.app import create_app

__all__ = ["ProviderSettings", "__version__", "create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from idp.app import create_app

        return create_app
    raise AttributeError(f"module 'idp' has no attribute {name!r}")
