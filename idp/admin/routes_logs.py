"""What happened: protocol events, the privacy log (and its export), the register (GDPR art. 30)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import PlainTextResponse, Response
from pydantic import AwareDatetime, BaseModel, Field

from datastore import ProcessingActivity, build_register, render_register
from idp.admin.common import Limit, Offset, StoreDep
from idp.preview import PreviewError, UnknownClient, UnknownUser, preview
from idp.privacy_export import iter_privacy_entries, render_privacy_log

__all__ = ["add_logs_routes"]

Filter = Annotated[str | None, Query(max_length=120, pattern=r"^[A-Za-z0-9._:@-]+$")]
Moment = Annotated[AwareDatetime | None, Query(description="timezone-aware ISO 8601")]


class PreviewRefusal(BaseModel):
    error: str = Field(examples=["unknown_client"])
    reason: str


class PreviewNotFound(BaseModel):
    """``GET /preview`` for a client or username that does not exist."""

    detail: PreviewRefusal


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
        entries = iter_privacy_entries(
            store, since=since, until=until, client_id=client_id, account_uuid=account_uuid
        )
        media = "application/json" if format == "json" else "text/csv; charset=utf-8"
        return Response(
            render_privacy_log(entries, format),
            media_type=media,
            headers={"Content-Disposition": f'attachment; filename="privacy-log.{format}"'},
        )

    @router.get(
        "/preview",
        tags=["what happened"],
        responses={"404": {"description": "no such client or user", "model": PreviewNotFound}},
    )
    def preview_release(
        store: StoreDep,
        client_id: Annotated[str, Query(min_length=1, max_length=120, examples=["i-learn"])],
        username: Annotated[str, Query(min_length=1, max_length=120, examples=["jan.peeters"])],
        scope: Annotated[
            str, Query(min_length=1, max_length=500, examples=["openid account inschrijving"])
        ] = "openid",
    ) -> dict[str, Any]:
        """What a login would release now: each attribute with why, each withheld one with why.

        The same answer as ``leerid-sim preview``. An unknown client or user is 404; a scope
        the authorization endpoint would refuse is 422 with the reason.
        """
        try:
            return preview(store, client_id, username, scope).as_dict()
        except (UnknownClient, UnknownUser) as exc:
            raise HTTPException(404, detail={"error": exc.error, "reason": str(exc)}) from None
        except PreviewError as exc:
            # The one 422 shape of the admin API: the field, the reason, the error as its type.
            item = {"loc": ["query", "scope"], "msg": str(exc), "type": exc.error}
            raise HTTPException(422, detail=[item]) from None

    @router.get("/register", tags=["what happened"])
    def register(store: StoreDep) -> list[ProcessingActivity]:
        """The register of processing activities (GDPR art. 30), built from the protocols."""
        return build_register(store)

    @router.get(
        "/register/export",
        tags=["what happened"],
        response_class=PlainTextResponse,
        responses={
            "200": {
                "description": "the register in the asked format",
                "content": {
                    "text/markdown": {"schema": {"type": "string"}},
                    "text/csv": {"schema": {"type": "string"}},
                    "application/json": {"schema": {"type": "array", "items": {}}},
                },
            }
        },
    )
    def export_register(
        store: StoreDep,
        format: Literal["json", "csv", "md"] = "md",
    ) -> PlainTextResponse:
        """The register as Markdown, CSV or JSON (as ``leerid-sim register export``)."""
        media = {"json": "application/json", "csv": "text/csv", "md": "text/markdown"}[format]
        return PlainTextResponse(render_register(build_register(store), format), media_type=media)
