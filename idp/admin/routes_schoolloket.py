"""The Schoolloket's records for DOV: the access log and the weekly staff upload.

- ``GET /access-log``: every read or change of pupil data by staff or an administration package
  newest first.
- ``POST /staff/import``: the weekly bulk upload of director assignments and LeerID-beheerder
  grants, the same file as ``leerid-sim staff import FILE``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from datastore import (
    NEW_STAFF_PASSWORD,
    STAFF_UPLOAD_FIELDS,
    ImportRejected,
    StaffFileError,
    StaffImportRow,
    parse_staff_records,
    parse_staff_upload,
)
from idp.admin.common import HashingDep, Limit, Offset, StoreDep
from idp.admin.routes_logs import Filter, Moment

__all__ = ["add_schoolloket_routes"]

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
UPLOAD_FORMATS: dict[str, Literal["csv", "yaml", "json"]] = {
    "text/csv": "csv",
    "application/csv": "csv",
    "application/yaml": "yaml",
    "application/x-yaml": "yaml",
    "text/yaml": "yaml",
    "application/json": "json",
}
CSV_EXAMPLE = (
    "username;instellingsnummer;rol;begindatum;einddatum;verstuurd;naam;voornaam;email\n"
    "ilse.interim;654321;directeur;2026-09-01;2027-08-31;ja;;;\n"
)
YAML_EXAMPLE = (
    "staff:\n"
    '  - {username: ilse.interim, instellingsnummer: "654321", rol: directeur,\n'
    "     begindatum: 2026-09-01, einddatum: 2027-08-31}\n"
)


class AccessLogEntryView(BaseModel):
    id: int
    at: dt.datetime
    actor_kind: str = Field(description="`staff` or `package`")
    actor: str = Field(description="the staff username, or `<package>@<instellingsnummer>`")
    school: str | None
    action: str
    subject: str | None = Field(description="what: uuids, a search, a file's SHA-256")
    purpose: str


class AccessLogPage(BaseModel):
    items: list[AccessLogEntryView]
    total: int
    offset: int
    limit: int


class StaffUploadJson(BaseModel):
    """The upload as JSON: one object per line, with the columns of the CSV file."""

    model_config = ConfigDict(extra="forbid")

    rows: list[dict[str, str | int | bool | None]] = Field(min_length=1, max_length=100_000)


class StaffImportView(BaseModel):
    staff_created: int
    assignments_added: int
    assignments_updated: int
    grants_added: int
    unchanged: int


_UPLOAD_SCHEMA: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": (
            f"One line per role, columns {', '.join(STAFF_UPLOAD_FIELDS)} (docs/schoolloket.md)."
        ),
        "content": {
            "text/csv": {"schema": {"type": "string"}, "example": CSV_EXAMPLE},
            "application/yaml": {"schema": {"type": "string"}, "example": YAML_EXAMPLE},
            "application/x-yaml": {"schema": {"type": "string"}},
            "application/json": {
                "schema": StaffUploadJson.model_json_schema(),
                "example": {
                    "rows": [
                        {
                            "username": "ilse.interim",
                            "instellingsnummer": "654321",
                            "rol": "directeur",
                            "begindatum": "2026-09-01",
                            "einddatum": "2027-08-31",
                        }
                    ]
                },
            },
        },
    },
    "responses": {
        "422": {"description": "a bad file: every rejected line; nothing was imported"},
        "415": {"description": "not CSV, YAML or JSON"},
    },
}


@dataclass(frozen=True, slots=True)
class RawUpload:
    format: Literal["csv", "yaml", "json"]
    body: bytes


async def raw_upload(request: Request) -> RawUpload:
    """The request body and its format, by its media type (RFC 9110 §8.3)."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    format = UPLOAD_FORMATS.get(media)
    if format is None:
        raise HTTPException(
            415, detail="send the upload as text/csv, application/yaml or application/json"
        )
    body = await request.body()
    if len(body) > MAX_UPLOAD_BYTES:
        raise HTTPException(413, detail=f"the upload is larger than {MAX_UPLOAD_BYTES} bytes")
    return RawUpload(format, body)


def parse_upload(upload: RawUpload) -> list[StaffImportRow]:
    """The upload's rows, with the parser of ``leerid-sim staff import``.

    Raises ``StaffFileError`` or ``ImportRejected`` (every bad line); a JSON body of the wrong
    shape is FastAPI's own 422 naming the field.
    """
    if upload.format == "json":
        try:
            rows = StaffUploadJson.model_validate_json(upload.body).rows
        except ValidationError as exc:
            errors = exc.errors(include_url=False, include_context=False)
            raise RequestValidationError(
                [{**e, "loc": ("body", *e["loc"])} for e in errors]
            ) from None
        return parse_staff_records(enumerate(rows, start=1))
    try:
        text = upload.body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise StaffFileError("the upload is not UTF-8 text") from None
    return parse_staff_upload(text, upload.format)


def add_schoolloket_routes(router: APIRouter) -> None:

    @router.get("/access-log", tags=["what happened"])
    def list_access_log(
        store: StoreDep,
        since: Moment = None,
        until: Moment = None,
        school: Annotated[str | None, Query(pattern=r"^[0-9]{6}$", examples=["123456"])] = None,
        actor: Filter = None,
        actor_kind: Literal["staff", "package"] | None = None,
        action: Annotated[str | None, Query(max_length=80, pattern=r"^[a-z_]+$")] = None,
        offset: Offset = 0,
        limit: Limit = 100,
    ) -> AccessLogPage:
        """Who read or changed which pupil data in the Schoolloket, when and why.

        Staff (by username) and administration packages (``informat@123456``), newest first;
        ``since`` inclusive, ``until`` exclusive.
        """
        page = store.schoolloket.access_log(
            since=since,
            until=until,
            school=school,
            actor=actor,
            actor_kind=actor_kind,
            action=action,
            offset=offset,
            limit=limit,
        )
        return AccessLogPage(
            items=[AccessLogEntryView.model_validate(e.as_dict()) for e in page.items],
            total=page.total,
            offset=page.offset,
            limit=page.limit,
        )

    @router.post(
        "/staff/import",
        tags=["staff"],
        openapi_extra=_UPLOAD_SCHEMA,
        response_model=StaffImportView,
    )
    def import_staff(
        store: StoreDep,
        hashing: HashingDep,
        upload: Annotated[RawUpload, Depends(raw_upload)],
    ) -> StaffImportView | JSONResponse:
        """The weekly bulk upload of director assignments and beheerder grants; it applies at once.

        CSV, YAML or JSON ``{"rows": [...]}``, as ``leerid-sim staff import``. All or nothing:
        a bad file is 422 with every rejected line and changes nothing. A new username gets
        the staff password ``Personeel123!``. Rights follow the assignments' dates on the
        simulated clock from the next request.
        """
        try:
            result = store.schoolloket.import_staff(
                parse_upload(upload), new_account_password_hash=hashing.hash(NEW_STAFF_PASSWORD)
            )
        except (ImportRejected, StaffFileError) as exc:
            return rejected_upload(exc)
        return StaffImportView(
            staff_created=result.staff_created,
            assignments_added=result.assignments_added,
            assignments_updated=result.assignments_updated,
            grants_added=result.grants_added,
            unchanged=result.unchanged,
        )


def rejected_upload(exc: ImportRejected | StaffFileError) -> JSONResponse:
    """422 naming every rejected line (FastAPI's ``detail`` shape, and ``rejected``)."""
    if isinstance(exc, StaffFileError):
        problem = {"loc": ["body"], "msg": str(exc), "type": "value_error"}
        return JSONResponse(status_code=422, content={"detail": [problem], "rejected": []})
    detail: list[dict[str, Any]] = [
        {"loc": ["body", "line", line], "msg": reason, "type": "value_error"}
        for line, reason in exc.errors
    ]
    rejected = [{"line": line, "reason": reason} for line, reason in exc.errors]
    return JSONResponse(status_code=422, content={"detail": detail, "rejected": rejected})
