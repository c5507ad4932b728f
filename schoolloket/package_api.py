"""The administration-package link: an API for Broekx and Informat, and the drop server.

Paths under ``/schoolloket/api/v1/scholen/{instellingsnummer}/`` (docs/schoolloket.md):

- ``GET  leerlingen``: the enrolled pupils, each with leer_id_uuid or else account_uuid
- ``POST leerlingen/opzoeken``: identified pupils by INSZ, ``{"insz": ["..."]}``;
- ``POST klasinformatie``: the drop server; a class-information CSV in the body.

Each school's package authenticates with its own API key, ``Authorization: Bearer <key>``
(RFC 6750 §2.1); a wrong or missing key is 401 ``invalid_token`` (RFC 6750 §3.1). Everything is
possible only while the school shares class information (the protocol is in force).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from datastore import CLASS_SHARING_PACKAGES, Actor, Conflict, SchoolRecord
from schoolloket.dropfile import MAX_BYTES, FileRejected, parse_drop_file
from schoolloket.web import Schoolloket, get_schoolloket

__all__ = ["ApiError", "router"]

router = APIRouter(prefix="/api/v1/scholen/{nummer}", tags=["administratief pakket"])


class ApiError(Exception):
    """An API error as JSON ``{"error", "error_description"}`` with this status."""

    def __init__(self, status: int, error: str, description: str) -> None:
        self.status = status
        self.error = error
        self.description = description
        super().__init__(description)

    def response(self) -> JSONResponse:
        headers = {"Cache-Control": "no-store"}
        if self.status == 401:
            headers["WWW-Authenticate"] = (
                f'Bearer realm="schoolloket", error="{self.error}", '
                f'error_description="{self.description}"'
            )
        return JSONResponse(
            {"error": self.error, "error_description": self.description},
            status_code=self.status,
            headers=headers,
        )


class Package:
    """An authenticated administration package, acting for one school."""

    def __init__(self, app: Schoolloket, school: SchoolRecord) -> None:
        self.app = app
        self.school = school
        self.actor = Actor("package", f"{school.admin_package}@{school.instellingsnummer}")


def authenticate(request: Request, nummer: str) -> Package:
    """RFC 6750 §2.1: the school's package API key as a Bearer token."""
    app = get_schoolloket(request)
    scheme, _, key = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise ApiError(401, "invalid_token", "send the school's API key as a Bearer token")
    school = app.store.schoolloket.authenticate_package(nummer, key.strip())
    if school is None:
        raise ApiError(401, "invalid_token", "unknown school or wrong API key")
    if school.admin_package.lower() not in CLASS_SHARING_PACKAGES:
        raise ApiError(403, "unsupported_package", "only Broekx and Informat have this API")
    return Package(app, school)


PackageDep = Annotated[Package, Depends(authenticate)]


class InszLookup(BaseModel):
    insz: list[Annotated[str, Field(pattern=r"^[0-9]{11}$")]] = Field(min_length=1, max_length=1000)


@router.get("/leerlingen")
def leerlingen(package: PackageDep) -> dict[str, Any]:
    """The school's enrolled pupils: leer_id_uuid, or account_uuid lacking one."""
    with _refused():
        pupils = package.app.store.schoolloket.package_pupils(package.school, package.actor)
    return {
        "instellingsnummer": package.school.instellingsnummer,
        "leerlingen": [p.as_dict() for p in pupils],
    }


@router.post("/leerlingen/opzoeken")
def opzoeken(package: PackageDep, body: InszLookup) -> dict[str, Any]:
    """Identified pupils of the school by INSZ; an INSZ not found answers ``gevonden: false``."""
    with _refused():
        found = package.app.store.schoolloket.package_lookup_insz(
            package.school, package.actor, body.insz
        )
    return {
        "resultaten": [
            {"insz": insz, "gevonden": True, **pupil.as_dict()}
            if pupil is not None
            else {"insz": insz, "gevonden": False}
            for insz, pupil in found.items()
        ]
    }


@router.post("/klasinformatie")
async def klasinformatie(request: Request, package: PackageDep) -> JSONResponse:
    """The drop server: check every line, apply the good ones atomically, report the others.

    The same file twice changes nothing and answers the first report (``already_received``).
    """
    content = await _body(request)
    try:
        lines, rejected = parse_drop_file(content)
    except FileRejected as exc:
        raise ApiError(400, "invalid_file", str(exc)) from exc
    sha256 = hashlib.sha256(content).hexdigest()
    with _refused():
        report = await run_in_threadpool(
            package.app.store.schoolloket.receive_drop_file,
            package.school,
            package.actor,
            sha256,
            lines,
            rejected,
        )
    return JSONResponse(report.as_dict(), headers={"Cache-Control": "no-store"})


async def _body(request: Request) -> bytes:
    """The CSV: the raw body, or the ``file`` field of a multipart form."""
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        async with request.form(max_files=1) as form:
            upload = form.get("file")
            if upload is None or isinstance(upload, str):
                raise ApiError(400, "invalid_file", "send the CSV as the form field 'file'")
            content = await upload.read(MAX_BYTES + 1)
    else:
        content = b""
        async for chunk in request.stream():
            content += chunk
            if len(content) > MAX_BYTES:
                break
    if len(content) > MAX_BYTES:
        raise ApiError(413, "invalid_file", f"file larger than {MAX_BYTES} bytes")
    return content


@contextmanager
def _refused() -> Iterator[None]:
    """A refusal of the datastore (class sharing off) as 409 ``class_sharing_inactive``."""
    try:
        yield
    except Conflict as exc:
        raise ApiError(409, "class_sharing_inactive", str(exc)) from exc
