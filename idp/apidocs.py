"""``/docs``: Swagger UI for the OpenAPI document, from local files only (no CDN).

Swagger UI's files come from the ``fastapi-offline`` package, pinned in pyproject.toml; the
page starts it with a script file of our own (``static/swagger-init.js``) instead of an inline
script, so it runs under the same nonce-based Content-Security-Policy as the provider's other
pages. The one addition is ``connect-src 'self'``: Swagger UI fetches ``/openapi.json`` and sends
"Try it out" requests from the page, to this origin only.

Swagger UI as packaged fails WCAG 2.1 AA: ``static/swagger-fixes.css`` replaces its colours below
4.5:1 (SC 1.4.3), and ``static/swagger-init.js`` passes a plugin and names its unnamed controls
(SC 4.1.2, SC 2.1.1), so axe-core finds nothing serious or critical on the page.
"""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse

from idp.provider import ProviderDep
from idp.rendering import html_page

__all__ = ["DOCS_ASSETS", "build_docs_router"]

_SWAGGER = Path(fastapi_offline.__file__).parent / "static"
_OURS = Path(__file__).parent / "static"

# The only files under /docs/assets, each with its type (nothing else of the package is served).
DOCS_ASSETS: dict[str, tuple[Path, str]] = {
    "swagger-ui-bundle.js": (_SWAGGER / "swagger-ui-bundle.js", "text/javascript"),
    "swagger-ui.css": (_SWAGGER / "swagger-ui.css", "text/css"),
    "favicon.png": (_SWAGGER / "favicon.png", "image/png"),
    "swagger-fixes.css": (_OURS / "swagger-fixes.css", "text/css"),
    "swagger-init.js": (_OURS / "swagger-init.js", "text/javascript"),
}


def build_docs_router(openapi_url: str) -> APIRouter:
    """The Swagger UI page at ``/docs`` and its files at ``/docs/assets/{name}``."""
    router = APIRouter(include_in_schema=False)

    @router.get("/docs")
    def docs(request: Request, provider: ProviderDep) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return html_page(
            provider,
            "docs.html",
            {"assets": f"{root}/docs/assets", "openapi_url": f"{root}{openapi_url}"},
            connect_src="'self'",
        )

    @router.get("/docs/assets/{name}")
    def asset(name: str) -> FileResponse:
        if name not in DOCS_ASSETS:
            raise HTTPException(404)
        path, media_type = DOCS_ASSETS[name]
        return FileResponse(
            path,
            media_type=media_type,
            headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "public, max-age=3600"},
        )

    return router
