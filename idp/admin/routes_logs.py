"""What happened: protocol events, the privacy log (and its export), the register (GDPR art. 30)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import PlainTextResponse, Response
from pydantic import AwareDatetime, BaseModel

from datastore.admin_register import ProcessingActivity, build_register, render_register
from idp.admin.common import Limit, Offset, StoreDep

__all__ = ["add_logs_routes"]

Filter = Annotated[str | None, Query(max_length=120, pattern=r"^[A-Za-z0-9._:@-]+$")]
Moment = Annotated[AwareDatetime | None, Query(description="timezone-aware ISO 8601")]
EXPORT_FIELDS = (
    "id",
    "at",
    "client_id",
    "organisation",
    "protocol",
    "account_uuid",
    "attributes",
    "legal_basis",
    "purpose",
    "channel",
    "retention_days",
)


class EventView(BaseModel):
    id: int
    at: dt.datetime
    type: str
    outcome: str
    client_id: str | None
    account_uuid: str | None
    error: str | None
    reason: str | None
    detail: dict[str, Any] | None


class EventPage(BaseModel):
    items: list[EventView]
    total: int
    offset: int
    limit: int


class PrivacyEntryView(BaseModel):
    id: int
    at: dt.datetime
    client_id: str
    organisation: str
    protocol: str
    account_uuid: str
    attributes: list[str]
    legal_basis: str
    purpose: str
    channel: str
    retention_days: int


class PrivacyPage(BaseModel):
    items: list[PrivacyEntryView]
    total: int
    offset: int
    limit: int


def add_logs_routes(router: APIRouter) -> None:

    @router.get("/events", tags=["what happened"])
    def list_events(
        store: StoreDep,
        type: Filter = None,
        client_id: Filter = None,
        account_uuid: Filter = None,
        outcome: Filter = None,
        offset: Offset = 0,
        limit: Limit = 100,
    ) -> EventPage:
        """Recent protocol events, newest first: each failure with its exact error and reason."""
        page = store.logs.events(
            type_=type,
            client_id=client_id,
            account_uuid=account_uuid,
            outcome=outcome,
            offset=offset,
            limit=limit,
        )
        return EventPage(
            items=[EventView.model_validate(e.as_dict()) for e in page.items],
            total=page.total,
            offset=page.offset,
            limit=page.limit,
        )

    @router.get("/privacy-log", tags=["what happened"])
    def list_privacy_log(
        store: StoreDep,
        since: Moment = None,
        until: Moment = None,
        client_id: Filter = None,
        account_uuid: Filter = None,
        offset: Offset = 0,
        limit: Limit = 100,
    ) -> PrivacyPage:
        """Who received which personal data (names, never values), when, on which basis."""
        page = store.logs.privacy_entries(
            since=since,
            until=until,
            client_id=client_id,
            account_uuid=account_uuid,
            offset=offset,
            limit=limit,
        )
        return PrivacyPage(
            items=[PrivacyEntryView.model_validate(e.as_dict()) for e in page.items],
            total=page.total,
            offset=page.offset,
            limit=page.limit,
        )

    @router.get("/privacy-log/export", tags=["what happened"], response_class=Response)
    def export_privacy_log(
        store: StoreDep,
        format: Literal["csv", "json"] = "csv",
        since: Moment = None,
        until: Moment = None,
        client_id: Filter = None,
        account_uuid: Filter = None,
    ) -> Response:
        """The matching privacy log as a CSV or JSON file (as ``leerid-sim privacy-log export``)."""
        entries: list[dict[str, Any]] = []
        offset = 0
        while True:
            page = store.logs.privacy_entries(
                since=since,
                until=until,
                client_id=client_id,
                account_uuid=account_uuid,
                offset=offset,
                limit=1000,
            )
            entries += [e.as_dict() for e in page.items]
            offset += len(page.items)
            if not page.items or offset >= page.total:
                break
        if format == "json":
            body, media = json.dumps(entries, ensure_ascii=False, indent=2), "application/json"
        else:
            body, media = _csv(entries), "text/csv; charset=utf-8"
        return Response(
            body,
            media_type=media,
            headers={"Content-Disposition": f'attachment; filename="privacy-log.{format}"'},
        )

    @router.get("/register", tags=["what happened"])
    def register(store: StoreDep) -> list[ProcessingActivity]:
        """The register of processing activities (GDPR art. 30), built from the protocols."""
        return build_register(store)

    @router.get("/register/export", tags=["what happened"], response_class=PlainTextResponse)
    def export_register(
        store: StoreDep,
        format: Literal["json", "csv", "md"] = "md",
    ) -> PlainTextResponse:
        """The register as Markdown, CSV or JSON (as ``leerid-sim register export``)."""
        media = {"json": "application/json", "csv": "text/csv", "md": "text/markdown"}[format]
        return PlainTextResponse(render_register(build_register(store), format), media_type=media)


def _csv(entries: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=EXPORT_FIELDS, lineterminator="\n")
    writer.writeheader()
    for entry in entries:
        writer.writerow({**entry, "attributes": " ".join(entry["attributes"])})
    return out.getvalue()
