"""The simulated clock: set, advance, freeze and reset, shared by every worker.

It drives code, token and session expiry, enrolment and director-assignment dates and
retention (``store.clock.now()``). The clock row lives in the datastore; other processes see a
change within a second (they cache it that long), this one at once.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from datastore import Datastore
from idp.admin.common import StoreDep

__all__ = ["ClockChange", "ClockView", "add_clock_routes"]

# A century either way is plenty for any test, and keeps date arithmetic far from year 9999.
_CENTURY_SECONDS = 100 * 366 * 24 * 3600
_EARLIEST = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_LATEST = dt.datetime(2200, 1, 1, tzinfo=dt.UTC)


class ClockView(BaseModel):
    """The clock as the provider sees it now."""

    now: dt.datetime
    today: dt.date = Field(description="today in Belgium (Europe/Brussels): school dates")
    simulated: bool
    frozen: bool


class ClockChange(BaseModel):
    """Set the clock (``now``, timezone-aware ISO 8601) or move it (``advance_seconds``)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"now": "2026-07-01T09:00:00+02:00"},
                {"advance_seconds": 31},
                {"now": "2026-09-01T08:00:00Z", "frozen": True},
            ]
        },
    )
    now: AwareDatetime | None = Field(default=None, description="timezone-aware ISO 8601")
    advance_seconds: Annotated[float, Field(ge=-_CENTURY_SECONDS, le=_CENTURY_SECONDS)] | None = (
        None
    )
    frozen: bool | None = Field(default=None, description="a frozen clock does not run on")

    @model_validator(mode="after")
    def _one_change(self) -> ClockChange:
        if self.now is not None and self.advance_seconds is not None:
            raise ValueError("give now or advance_seconds, not both")
        if self.now is None and self.advance_seconds is None and self.frozen is None:
            raise ValueError("give now, advance_seconds or frozen")
        if self.now is not None and not _EARLIEST <= self.now < _LATEST:
            raise ValueError("now must lie between 1970 and 2200")
        return self


def clock_view(store: Datastore) -> ClockView:
    state = store.clock.state()
    now = store.clock.now_from(state)
    return ClockView(
        now=now, today=store.clock.today(), simulated=state.simulated, frozen=state.clock_frozen
    )


def add_clock_routes(router: APIRouter) -> None:

    @router.get("/clock", tags=["clock"])
    def read_clock(store: StoreDep) -> ClockView:
        """The provider's current time, and whether it is simulated or frozen."""
        return clock_view(store)

    @router.put("/clock", tags=["clock"])
    def set_clock(body: ClockChange, store: StoreDep) -> ClockView:
        """Set (``now``), move (``advance_seconds``, may be negative) or freeze the clock."""
        frozen = body.frozen if body.frozen is not None else store.clock.state().clock_frozen
        if body.now is not None:
            store.clock.set(body.now, frozen=frozen)
        elif body.advance_seconds is not None:
            target = store.clock.now() + dt.timedelta(seconds=body.advance_seconds)
            store.clock.set(target, frozen=frozen)
        else:
            store.clock.set(store.clock.now(), frozen=frozen)
        return clock_view(store)

    router.add_api_route(
        "/clock",
        set_clock,
        methods=["POST"],
        name="set_clock_post",
        summary="Set clock (POST = PUT)",
    )

    @router.delete("/clock", tags=["clock"])
    def reset_clock(store: StoreDep) -> ClockView:
        """Back to real time."""
        store.clock.reset()
        return clock_view(store)

    @router.post("/clock/reset", tags=["clock"])
    def reset_clock_post(store: StoreDep) -> ClockView:
        """Back to real time (same as DELETE /clock)."""
        store.clock.reset()
        return clock_view(store)
