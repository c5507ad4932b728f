"""What every admin route shares: the Bearer check, the datastore, and errors as JSON.

The token is ``LEERID_ADMIN_TOKEN`` (``settings.effective_admin_token()``), compared in constant
time (``hmac.compare_digest``) and never logged or echoed.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Collection, Coroutine
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Path, Query, Request, Response, Security
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel

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
    "UNKNOWN_FILTER",
    "AdminRoute",
    "HashingDep",
    "IdPath",
    "KeyPath",
    "Limit",
    "Offset",
    "Problem",
    "SchoolPath",
    "StoreDep",
    "ValidationProblem",
    "declared_errors",
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


class Problem(BaseModel):
    """An admin API error: what went wrong, in one sentence."""

    detail: str


class ValidationItem(BaseModel):
    """One refused field, in FastAPI's validation shape."""

    loc: list[str | int]
    msg: str
    type: str


class ValidationProblem(BaseModel):
    """A 422: each refused field with where it is (``body``, ``query``, ``path``) and why."""

    detail: list[ValidationItem]


def _declared(description: str, model: type[BaseModel]) -> dict[str, Any]:
    return {"description": description, "model": model}


# For a list whose filter names a record (a school, an application) that may not exist.
UNKNOWN_FILTER: dict[int | str, dict[str, Any]] = {
    "404": _declared("the school or application of the filter does not exist", Problem)
}


def declared_errors(path: str, methods: Collection[str]) -> dict[str, dict[str, Any]]:
    """The error answers a route can give, for its OpenAPI document (OpenAPI 3.1 §4.8.16).

    Every route checks the Bearer token (401, or 503 when the provider has no admin token). A
    path with a parameter names a record that may not exist (404). A write may be refused as a
    conflict with the world (409) or for a field (422). Routes declare any other answer
    themselves; FastAPI adds 422 to routes with parameters.
    """
    errors = {
        "401": _declared("no or a wrong admin token", Problem),
        "503": _declared("the provider was started without LEERID_ADMIN_TOKEN", Problem),
    }
    if "{" in path:
        errors["404"] = _declared("no such record", Problem)
    if set(methods) - {"GET", "HEAD"}:
        errors["409"] = _declared("the change conflicts with the world", Problem)
        errors["422"] = _declared("a field is refused", ValidationProblem)
    return errors


class AdminRoute(APIRoute):
    """A route whose datastore errors become JSON: 422 naming the field, 404, 409.

    Its OpenAPI operation declares those answers (``declared_errors``) next to its own.
    """

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().__init__(path, endpoint, **kwargs)
        merged: dict[int | str, dict[str, Any]] = {}
        merged.update(declared_errors(path, self.methods or ()))
        merged.update({str(code): value for code, value in self.responses.items()})
        self.responses = merged

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
