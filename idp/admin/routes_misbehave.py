"""A misbehaving ACM on demand: rules that play a scenario of ``idp.misbehave`` to one client
for its next N logins, and the evidence of what each client did with what it was served."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from datastore import ScenarioRule, ServedEvent
from idp.admin.common import IdPath, StoreDep
from idp.misbehave import SCENARIOS, Stage

__all__ = ["MisbehaviourCreate", "add_misbehave_routes"]

if TYPE_CHECKING:
    ScenarioName = str
else:
    ScenarioName = Literal[tuple(SCENARIOS)]
ClientId = Annotated[str, Field(pattern=r"^[A-Za-z0-9._:-]{1,120}$", examples=["ididdit"])]


class MisbehaviourCreate(BaseModel):
    """Play ``scenario`` to ``client_id`` for its next ``count`` logins, then stop."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"scenario": "id_token-bad-sig", "client_id": "ididdit", "count": 1},
                {"scenario": "authorization-iss-mismatch", "client_id": "i-learn"},
            ]
        },
    )
    scenario: ScenarioName = Field(description="a scenario of GET /misbehave/scenarios")
    client_id: ClientId
    count: Annotated[int, Field(ge=1, le=1000)] = Field(
        default=1, description="how many logins (UserInfo answers for userinfo-*) it applies to"
    )


class ScenarioView(BaseModel):
    name: str
    stage: Stage = Field(
        description="what it changes: the authorization response, the token response and "
        "its ID token, or the UserInfo answer"
    )
    expect: Literal["refuse", "accept", "either", "ignore"] = Field(
        description="what a careful application does: refuse; accept (the answer is valid); "
        "either (both are correct); ignore (go on, leaving the odd claims aside)"
    )
    what: str
    spec: str


class PlayView(BaseModel):
    """One play of a scenario and whether the client went on with that grant afterwards."""

    scenario: str
    expect: str
    served_at: str
    served_event_id: int
    account_uuid: str | None
    went_on: bool
    went_on_how: str | None = Field(description="what the client did next with the grant")
    careless: bool = Field(description="it went on although a careful application refuses")


class EvidenceView(BaseModel):
    client_id: str
    plays: list[PlayView]


def evidence(events: list[ServedEvent]) -> list[EvidenceView]:
    """Per client, oldest play first: each ``served`` event with its ``went_on``, if any."""
    went_on: dict[int, str] = {}
    for event in events:
        if event.outcome == "went_on":
            went_on.setdefault(
                int(event.detail.get("served_event_id", 0)), str(event.detail["how"])
            )
    by_client: dict[str, list[PlayView]] = {}
    for event in events:
        if event.outcome != "served":
            continue
        how = went_on.get(event.id)
        expect = str(event.detail.get("expect", ""))
        by_client.setdefault(event.client_id, []).append(
            PlayView(
                scenario=str(event.detail.get("scenario")),
                expect=expect,
                served_at=event.at.isoformat(),
                served_event_id=event.id,
                account_uuid=event.account_uuid,
                went_on=how is not None,
                went_on_how=how,
                careless=how is not None and expect == "refuse",
            )
        )
    return [EvidenceView(client_id=c, plays=p) for c, p in sorted(by_client.items())]


def add_misbehave_routes(router: APIRouter) -> None:

    @router.get("/misbehave/scenarios", tags=["misbehave"])
    def list_scenarios() -> list[ScenarioView]:
        """Every scenario: when it acts, what is wrong, what a careful application does."""
        return [ScenarioView.model_validate(s) for s in _descriptions()]

    @router.get("/misbehave", tags=["misbehave"])
    def list_rules(store: StoreDep) -> list[ScenarioRule]:
        """The rules still to play, oldest first (``remaining``: plays left)."""
        return store.misbehave.rules()

    @router.post(
        "/misbehave",
        status_code=201,
        tags=["misbehave"],
        responses={404: {"description": "no client with this client_id"}},
    )
    def create_rule(body: MisbehaviourCreate, store: StoreDep) -> ScenarioRule:
        """Play a scenario to one client from its next login; every worker applies it."""
        return store.misbehave.add_rule(body.scenario, body.client_id, body.count)

    @router.delete(
        "/misbehave/{rule_id}",
        status_code=204,
        tags=["misbehave"],
        responses={404: {"description": "no such rule (perhaps played to the end)"}},
    )
    def delete_rule(rule_id: IdPath, store: StoreDep) -> Response:
        store.misbehave.delete_rule(rule_id)
        return Response(status_code=204)

    @router.delete("/misbehave", tags=["misbehave"])
    def clear_rules(store: StoreDep) -> dict[str, int]:
        """Remove every rule; the evidence stays until ``reset``."""
        return {"deleted": store.misbehave.clear_rules()}

    @router.get("/misbehave/evidence", tags=["misbehave"])
    def list_evidence(
        store: StoreDep,
        client_id: Annotated[
            str | None,
            Query(pattern=r"^[A-Za-z0-9._:-]{1,120}$", description="only this client"),
        ] = None,
    ) -> list[EvidenceView]:
        """Per client, each scenario served and whether the application went on afterwards."""
        return evidence(store.misbehave.served_events(client_id))


def _descriptions() -> list[dict[str, Any]]:
    return [
        {"name": s.name, "stage": s.stage, "expect": s.expect, "what": s.what, "spec": s.spec}
        for s in SCENARIOS.values()
    ]
