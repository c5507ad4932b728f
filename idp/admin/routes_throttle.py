"""Too many wrong passwords: read and clear the counters, so a test suite can reach its
"account locked" path and leave it again without waiting (the policy: ``idp.throttle``)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from datastore import ThrottleRecord
from idp.admin.common import StoreDep, get_settings
from idp.settings import ProviderSettings
from idp.throttle import username_key

__all__ = ["ThrottleCleared", "ThrottleView", "add_throttle_routes"]

# No control characters: a username or an address never holds one (PostgreSQL text cannot).
_PRINTABLE = r"^[^\x00-\x1f\x7f]+$"
UsernameFilter = Annotated[
    str | None,
    Query(
        min_length=1,
        max_length=200,
        pattern=_PRINTABLE,
        description="only this username's counter (as typed on the login page)",
        examples=["jan.peeters"],
    ),
]
AddressFilter = Annotated[
    str | None,
    Query(
        min_length=1,
        max_length=100,
        pattern=_PRINTABLE,
        description="only this client address's counter (the IP address the provider sees)",
        examples=["127.0.0.1"],
    ),
]


class ThrottlePolicy(BaseModel):
    """The provider's settings (``LEERID_LOGIN_*``); a limit of 0 is off."""

    username_limit: int = Field(description="wrong passwords per username per window")
    address_limit: int = Field(description="wrong passwords per client address per window")
    window_seconds: int
    lock_seconds: int
    transaction_attempts: int = Field(description="password attempts per login page")


class ThrottleEntry(BaseModel):
    """One counter that still counts: its window or its lock has not ended."""

    kind: Literal["username", "address", "transaction"]
    key: str = Field(description="the username (lower case), address or transaction id")
    failures: int = Field(description="attempts counted in this window")
    window_start: dt.datetime
    window_end: dt.datetime
    locked_until: dt.datetime | None
    locked: bool = Field(description="refused now, even with the right password")


class ThrottleView(BaseModel):
    now: dt.datetime = Field(description="the simulated clock")
    policy: ThrottlePolicy
    entries: list[ThrottleEntry]


class ThrottleCleared(BaseModel):
    deleted: int = Field(description="how many counters were removed")


def _policy(settings: ProviderSettings) -> ThrottlePolicy:
    return ThrottlePolicy(
        username_limit=settings.login_username_limit,
        address_limit=settings.login_address_limit,
        window_seconds=settings.login_window_seconds,
        lock_seconds=settings.login_lock_seconds,
        transaction_attempts=settings.login_transaction_attempts,
    )


def _entry(record: ThrottleRecord, now: dt.datetime) -> ThrottleEntry:
    return ThrottleEntry(
        kind=record.kind,
        key=record.key,
        failures=record.failures,
        window_start=record.window_start,
        window_end=record.window_end,
        locked_until=record.locked_until,
        locked=record.locked_at(now),
    )


def _filters(username: str | None, address: str | None) -> list[tuple[str, str]]:
    filters = []
    if username is not None:
        filters.append(("username", username_key(username)))
    if address is not None:
        filters.append(("address", address))
    return filters


def add_throttle_routes(router: APIRouter) -> None:

    @router.get("/throttle", tags=["throttle"])
    def read_throttle(
        request: Request,
        store: StoreDep,
        username: UsernameFilter = None,
        address: AddressFilter = None,
    ) -> ThrottleView:
        """The counters of wrong passwords that still count, newest first, and the policy."""
        now = store.clock.now()
        records = store.throttle.entries(_filters(username, address), counting_at=now)
        return ThrottleView(
            now=now,
            policy=_policy(get_settings(request)),
            entries=[_entry(record, now) for record in records],
        )

    @router.delete("/throttle", tags=["throttle"])
    def clear_throttle(
        store: StoreDep, username: UsernameFilter = None, address: AddressFilter = None
    ) -> ThrottleCleared:
        """Forget wrong passwords: every counter, or only a username's and/or an address's."""
        return ThrottleCleared(deleted=store.throttle.clear(_filters(username, address)))
