"""What every admin route shares: the Bearer check, the datastore, and errors as JSON.

The token is ``LEERID_ADMIN_TOKEN`` (``settings.effective_admin_token()``), compared in constant
time (``hmac.compare_digest``) and never logged or echoed.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Collection, Coroutine, Sequence
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Path, Query, Request, Response, Security
from fastapi.exceptions import RequestValidationError
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
    EndedSession,
    InvalidField,
    NotFound,
    PasswordHashing,
)
from idp.backchannel import notify_ended
from idp.settings import ProviderSettings

__all__ = [
    "UNKNOWN_FILTER",
    "VALIDATION_ERROR_RESPONSE",
    "AdminRoute",
    "EndedDep",
    "HashingDep",
    "IdPath",
    "KeyPath",
    "Limit",
    "Offset",
    "Problem",
    "SchoolPath",
    "StoreDep",
    "declared_errors",
    "get_hashing",
    "get_settings",
    "get_store",
    "invalid_field",
    "refuse_unknown_query",
    "require_admin",
]

# FastAPI's own 422 document. FastAPI declares it on routes with parameters; ``AdminRoute``
# adds it to the others, which refuse query parameters too (``refuse_unknown_query``).
VALIDATION_ERROR_RESPONSE: dict[str, Any] = {
    "description": "Validation Error",
    "content": {
        "application/json": {"schema": {"$ref": "#/components/schemas/HTTPValidationError"}}
    },
}

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


def get_ended_handler(request: Request) -> Callable[[Sequence[EndedSession]], None] | None:
    """What a change that ended SSO sessions calls after its commit: back-channel logout to
    their clients (OIDC Back-Channel Logout 1.0), as a logout does. ``None`` for the admin API
    served without the provider (no keys to sign logout tokens with): the sessions still end.
    """
    provider = getattr(request.app.state, "provider", None)
    if provider is None:
        return None

    def handler(ended: Sequence[EndedSession]) -> None:
        notify_ended(provider, ended)

    return handler


EndedDep = Annotated[Callable[[Sequence[EndedSession]], None] | None, Depends(get_ended_handler)]


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


def _dependants(dependant: Any) -> list[Any]:
    """``dependant`` and every dependency under it."""
    found, pending = [], [dependant]
    while pending:
        current = pending.pop()
        found.append(current)
        pending.extend(current.dependencies)
    return found


def _declared_query(route: Any) -> frozenset[str]:
    """The query parameter names ``route`` declares, its dependencies' included (cached)."""
    names: frozenset[str] | None = getattr(route, "_declared_query_names", None)
    if names is None:
        dependant = getattr(route, "dependant", None)
        if dependant is None:
            return frozenset()
        names = frozenset(
            field.alias for current in _dependants(dependant) for field in current.query_params
        )
        route._declared_query_names = names
    return names


def refuse_unknown_query(request: Request) -> None:
    """A query parameter the route does not declare is a 422, as a bad value would be.

    A misspelled filter (``/events?clientid=x``) would otherwise be ignored and the answer
    would be everything, unfiltered. The allowed names come from the route's own declared
    query parameters, so they cannot drift from the OpenAPI document.
    """
    allowed = _declared_query(request.scope.get("route"))
    unknown = [name for name in dict.fromkeys(request.query_params.keys()) if name not in allowed]
    if not unknown:
        return
    takes = ", ".join(sorted(allowed)) if allowed else "none"
    raise RequestValidationError(
        [
            {
                "type": "extra_forbidden",
                "loc": ("query", name),
                "msg": f"unknown query parameter (this route takes: {takes})",
                "input": request.query_params.get(name),
            }
            for name in unknown
        ]
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
        errors["422"] = {**VALIDATION_ERROR_RESPONSE, "description": "a field is refused"}
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
        has_params = self.body_field is not None or any(
            d.path_params or d.query_params or d.header_params or d.cookie_params
            for d in _dependants(self.dependant)
        )
        if not has_params and "422" not in merged:
            # An unknown query parameter is a 422 here too: say so in the OpenAPI document.
            merged["422"] = VALIDATION_ERROR_RESPONSE
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
