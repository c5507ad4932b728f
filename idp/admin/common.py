"""What every admin route shares: the Bearer check, the datastore, and errors as JSON.

The token is ``LEERID_ADMIN_TOKEN`` (``settings.effective_admin_token()``), compared in constant
time (``hmac.compare_digest``) and never logged or echoed.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Path, Query, Request, Response, Security
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from datastore import (
    AlreadyExists,
    Argon2Parameters,
    Conflict,
    Datastore,
    DatastoreError,
    NotFound,
)
from datastore.admin import InvalidField
from datastore.hashing import PasswordHashing
from idp.settings import ProviderSettings

__all__ = [
    "AdminRoute",
    "HashingDep",
    "IdPath",
    "KeyPath",
    "Limit",
    "Offset",
    "SchoolPath",
    "StoreDep",
    "get_hashing",
    "get_settings",
    "get_store",
    "invalid_field",
    "require_admin",
]

_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="AdminToken",
    description="The admin token: LEERID_ADMIN_TOKEN (`leerid-admin-demo` in demo mode).",
)


def get_store(request: Request) -> Datastore:
    """The provider's datastore (``app.state.store``)."""
    store: Datastore = request.app.state.store
    return store


def get_settings(request: Request) -> ProviderSettings:
    settings: ProviderSettings = request.app.state.settings
    return settings


def get_hashing(request: Request) -> PasswordHashing:
    """argon2id with the provider's parameters: the process's one hashing object."""
    settings = get_settings(request)
    return PasswordHashing.shared(
        Argon2Parameters(
            memory_cost=settings.argon2_memory_kib,
            time_cost=settings.argon2_time_cost,
            parallelism=settings.argon2_parallelism,
        )
    )


def require_admin(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)],
) -> None:
    """RFC 6750 §3: a missing or wrong token is 401 with ``WWW-Authenticate: Bearer``."""
    expected = get_settings(request).effective_admin_token()
    if expected is None:
        raise HTTPException(
            status_code=503,
            detail="the admin API is disabled: the provider was started without LEERID_ADMIN_TOKEN",
        )
    if credentials is None:
        raise HTTPException(
            status_code=401,
            detail="the admin API needs 'Authorization: Bearer <LEERID_ADMIN_TOKEN>'",
            headers={"WWW-Authenticate": 'Bearer realm="leerid-admin"'},
        )
    if not hmac.compare_digest(credentials.credentials.encode(), expected.encode()):
        raise HTTPException(
            status_code=401,
            detail="the admin token is not valid",
            headers={"WWW-Authenticate": 'Bearer realm="leerid-admin", error="invalid_token"'},
        )


def invalid_field(field: str, message: str, where: str = "body") -> JSONResponse:
    """A 422 in FastAPI's own shape, naming the field."""
    return JSONResponse(
        status_code=422,
        content={
            "detail": [{"loc": [where, *field.split(".")], "msg": message, "type": "value_error"}]
        },
    )


class AdminRoute(APIRoute):
    """A route whose datastore errors become JSON: 422 naming the field, 404, 409."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            try:
                return await handler(request)
            except InvalidField as exc:
                return invalid_field(exc.field, str(exc))
            except NotFound as exc:
                return JSONResponse(status_code=404, content={"detail": str(exc)})
            except (AlreadyExists, Conflict) as exc:
                return JSONResponse(status_code=409, content={"detail": str(exc)})
            except DatastoreError as exc:  # e.g. a fixture that does not load
                return JSONResponse(status_code=409, content={"detail": str(exc)})

        return guarded


StoreDep = Annotated[Datastore, Depends(get_store)]
HashingDep = Annotated[PasswordHashing, Depends(get_hashing)]
IdPath = Annotated[int, Path(ge=1, le=2**31 - 1)]
SchoolPath = Annotated[str, Path(pattern=r"^[0-9]{6}$", examples=["123456"])]
KeyPath = Annotated[str, Path(max_length=120, pattern=r"^[A-Za-z0-9._:@-]+$")]
Offset = Annotated[int, Query(ge=0, le=10_000_000)]
Limit = Annotated[int, Query(ge=1, le=1000)]
