"""Test control: fault rules, reset to the seeded world, named snapshots, retention purge."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Request, Response
from fastapi import Path as PathParam
from pydantic import BaseModel, ConfigDict, Field, model_validator

from datastore import FaultEndpoint, FaultRuleRecord, SnapshotRecord
from idp.admin.common import IdPath, StoreDep, get_hashing, get_settings

__all__ = ["FaultRuleCreate", "add_control_routes"]

SnapshotName = Annotated[str, Field(pattern=r"^[A-Za-z0-9._-]{1,120}$", examples=["baseline"])]
SnapshotPath = Annotated[str, PathParam(pattern=r"^[A-Za-z0-9._-]{1,120}$")]


class FaultRuleCreate(BaseModel):
    """A fault: an OAuth error code or an HTTP status, a delay, a count or a probability."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"endpoint": "token", "error": "temporarily_unavailable", "count": 1},
                {"endpoint": "userinfo", "client_id": "i-learn", "status_code": 502},
                {"endpoint": "jwks", "delay_ms": 1500, "probability": 0.5},
            ]
        },
    )
    endpoint: FaultEndpoint
    client_id: Annotated[str, Field(pattern=r"^[A-Za-z0-9._:-]{1,120}$")] | None = Field(
        default=None, description="only requests of this client (default: every client)"
    )
    error: Annotated[str, Field(pattern=r"^[a-z_]{1,80}$")] | None = Field(
        default=None, description="an OAuth error code, e.g. temporarily_unavailable"
    )
    status_code: Annotated[int, Field(ge=400, le=599)] | None = Field(
        default=None, description="the HTTP status (default: the error's usual one)"
    )
    delay_ms: Annotated[int, Field(ge=0, le=60_000)] = 0
    count: Annotated[int, Field(ge=1, le=1_000_000)] | None = Field(
        default=None, description="fire this many times, then disappear (default: until cleared)"
    )
    probability: Annotated[float, Field(gt=0, le=1)] = 1.0

    @model_validator(mode="after")
    def _does_something(self) -> FaultRuleCreate:
        if self.error is None and self.status_code is None and not self.delay_ms:
            raise ValueError("give error, status_code or delay_ms")
        return self


class SnapshotCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"name": "baseline"}]}
    )
    name: SnapshotName
    replace: bool = Field(default=False, description="overwrite a snapshot of the same name")


class SnapshotView(BaseModel):
    name: str
    created_at: str
    size_bytes: int
    elapsed_ms: float | None = None


class ResetView(BaseModel):
    fixture: str
    elapsed_ms: float


class PurgeView(BaseModel):
    now: str
    sessions: int
    authorization_codes: int
    tokens: int
    used_assertions: int
    privacy_log: int
    class_placements: int
    login_throttle: int


def _snapshot_view(record: SnapshotRecord, elapsed: float | None = None) -> SnapshotView:
    return SnapshotView(
        name=record.name,
        created_at=record.created_at.isoformat(),
        size_bytes=record.size_bytes,
        elapsed_ms=None if elapsed is None else round(elapsed * 1000, 1),
    )


def world_fixture(request: Request) -> Path | None:
    """The world ``reset`` reloads: ``app.state.world_fixture``, ``LEERID_WORLD_FIXTURE``, or
    the demo world (``None``)."""
    configured = getattr(request.app.state, "world_fixture", None) or os.environ.get(
        "LEERID_WORLD_FIXTURE"
    )
    return Path(configured) if configured else None


def add_control_routes(router: APIRouter) -> None:

    @router.get("/faults", tags=["faults"])
    def list_faults(store: StoreDep) -> list[FaultRuleRecord]:
        """The fault rules, in the order they are tried (``remaining``: firings left)."""
        return store.control.fault_rules()

    @router.post("/faults", status_code=201, tags=["faults"])
    def create_fault(body: FaultRuleCreate, store: StoreDep) -> FaultRuleRecord:
        """Add a fault rule; every worker applies it from its next request."""
        return store.control.add_fault_rule(body.model_dump())

    @router.delete("/faults/{rule_id}", status_code=204, tags=["faults"])
    def delete_fault(rule_id: IdPath, store: StoreDep) -> Response:
        store.control.delete_fault_rule(rule_id)
        return Response(status_code=204)

    @router.delete("/faults", tags=["faults"])
    def clear_faults(store: StoreDep) -> dict[str, int]:
        """Remove every fault rule."""
        return {"deleted": store.control.clear_fault_rules()}

    @router.post("/reset", tags=["world"])
    def reset(request: Request, store: StoreDep) -> ResetView:
        """Back to the seeded world: wipe the world, faults and clock, reload the fixture.

        Signing keys and snapshots are kept.
        """
        from datastore import DEFAULT_RP_ORIGIN, DEMO_WORLD, load_world

        started = time.perf_counter()
        fixture = world_fixture(request) or DEMO_WORLD
        # Where rp_demo runs, for URIs under {rp_origin}; None where no rp_demo runs.
        rp_origin = getattr(request.app.state, "world_rp_origin", DEFAULT_RP_ORIGIN)
        store.control.wipe_world()
        load_world(
            store,
            fixture,
            issuer=get_settings(request).issuer,
            rp_origin=rp_origin,
            hashing=get_hashing(request),
        )
        return ResetView(fixture=str(fixture), elapsed_ms=_ms(started))

    @router.get("/snapshots", tags=["world"])
    def list_snapshots(store: StoreDep) -> list[SnapshotView]:
        return [_snapshot_view(s) for s in store.control.snapshots()]

    @router.post("/snapshots", status_code=201, tags=["world"])
    def save_snapshot(body: SnapshotCreate, store: StoreDep) -> SnapshotView:
        """Save the whole world (and the clock and fault rules) under a name."""
        started = time.perf_counter()
        record = store.control.save_snapshot(body.name, replace=body.replace)
        return _snapshot_view(record, time.perf_counter() - started)

    @router.post("/snapshots/{name}/restore", tags=["world"])
    def restore_snapshot(name: SnapshotPath, store: StoreDep) -> SnapshotView:
        """Replace the world with a snapshot, in one transaction (fast: for test isolation)."""
        started = time.perf_counter()
        record = store.control.restore_snapshot(name)
        return _snapshot_view(record, time.perf_counter() - started)

    @router.delete("/snapshots/{name}", status_code=204, tags=["world"])
    def delete_snapshot(name: SnapshotPath, store: StoreDep) -> Response:
        store.control.delete_snapshot(name)
        return Response(status_code=204)

    @router.post("/purge", tags=["retention"])
    def purge(store: StoreDep) -> PurgeView:
        """Delete what is past its retention on the simulated clock; the counts per kind."""
        return PurgeView(**store.control.purge().as_dict())


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)
