"""The privacy log (who received which personal data, when, on which basis) and protocol events.

A privacy-log entry names attributes, never their values: the log shows who received what
without becoming a second copy of the personal data.

This module is the one writer of both tables. ``log_rows`` builds their rows (``privacy_row``,
``event_row``) as parts for ``datastore.protocol.oidc_sql.insert_rows``: a token grant and a new
code send them in the same statement as their own rows; ``insert_log`` sends them alone, in the
transaction of a Core connection or of an ORM session (``session.connection()``).
tests/test_architecture.py keeps every other module from building or inserting these rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from sqlalchemy import ColumnElement, Connection, and_, delete, func, or_, select

from datastore.db.models import Event, PrivacyLogEntry
from datastore.protocol.oidc_sql import insert_rows
from datastore.vocabulary import EventOutcome, EventType

if TYPE_CHECKING:
    from datastore.db.database import Database

__all__ = [
    "CHANNELS",
    "EventRecord",
    "LogRepository",
    "Page",
    "PrivacyLogRecord",
    "PrivacyRelease",
    "ProtocolEvent",
    "event_row",
    "insert_log",
    "log_rows",
    "privacy_row",
]

CHANNELS = ("id_token", "userinfo", "introspection")


@dataclass(frozen=True, slots=True)
class PrivacyRelease:
    """One release to be logged: attribute names only, never values.

    ``channel`` is one of ``CHANNELS``, checked here, when the release is made: before a
    grant's write transaction, where a refused release leaves the claim standing.
    """

    client_id: str
    organisation: str
    protocol_reference: str
    account_uuid: str
    attributes: tuple[str, ...]
    legal_basis: str
    purpose: str
    channel: str
    retention_days: int

    def __post_init__(self) -> None:
        if self.channel not in CHANNELS:
            raise ValueError(f"unknown privacy-log channel {self.channel!r}")


@dataclass(frozen=True, slots=True)
class ProtocolEvent:
    """An event to record in the same transaction as the change it describes."""

    type: EventType
    outcome: EventOutcome
    client_id: str | None = None
    account_uuid: str | None = None
    error: str | None = None
    reason: str | None = None
    detail: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class PrivacyLogRecord:
    """A privacy-log entry as stored."""

    id: int
    at: dt.datetime
    client_id: str
    organisation: str
    protocol_reference: str
    account_uuid: str
    attributes: tuple[str, ...]
    legal_basis: str
    purpose: str
    channel: str
    retention_days: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "at": self.at.isoformat(),
            "client_id": self.client_id,
            "organisation": self.organisation,
            "protocol": self.protocol_reference,
            "account_uuid": self.account_uuid,
            "attributes": list(self.attributes),
            "legal_basis": self.legal_basis,
            "purpose": self.purpose,
            "channel": self.channel,
            "retention_days": self.retention_days,
        }


@dataclass(frozen=True, slots=True)
class EventRecord:
    """A protocol event: what happened, to whom, and for a failure the exact reason."""

    id: int
    at: dt.datetime
    type: str
    outcome: str
    client_id: str | None
    account_uuid: str | None
    error: str | None
    reason: str | None
    detail: dict[str, Any] | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "at": self.at.isoformat(),
            "type": self.type,
            "outcome": self.outcome,
            "client_id": self.client_id,
            "account_uuid": self.account_uuid,
            "error": self.error,
            "reason": self.reason,
            "detail": self.detail,
        }


T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a listing, newest first, with the total that matched."""

    items: tuple[T, ...]
    total: int
    offset: int
    limit: int


def privacy_row(release: PrivacyRelease, at: dt.datetime) -> dict[str, Any]:
    """The ``privacy_log`` row of a release."""
    return {
        "at": at,
        "client_id": release.client_id,
        "organisation": release.organisation,
        "protocol_reference": release.protocol_reference,
        "account_uuid": release.account_uuid,
        "attributes": list(release.attributes),
        "legal_basis": release.legal_basis,
        "purpose": release.purpose,
        "channel": release.channel,
        "retention_days": release.retention_days,
    }


def event_row(event: ProtocolEvent, at: dt.datetime) -> dict[str, Any]:
    """The ``events`` row of an event."""
    return {
        "at": at,
        "type": event.type,
        "outcome": event.outcome,
        "client_id": event.client_id,
        "account_uuid": event.account_uuid,
        "error": event.error,
        "reason": event.reason,
        "detail": event.detail,
    }


def log_rows(
    at: dt.datetime,
    releases: Iterable[PrivacyRelease] = (),
    events: Iterable[ProtocolEvent | None] = (),
) -> list[tuple[str, list[dict[str, Any]]]]:
    """The ``insert_rows`` parts of privacy-log entries and events (a ``None`` event is none)."""
    return [
        ("privacy_log", [privacy_row(release, at) for release in releases]),
        ("events", [event_row(event, at) for event in events if event is not None]),
    ]


def insert_log(
    connection: Connection,
    at: dt.datetime,
    releases: Iterable[PrivacyRelease] = (),
    events: Iterable[ProtocolEvent | None] = (),
) -> None:
    """Write privacy-log entries and events in the connection's transaction."""
    insert_rows(connection, log_rows(at, releases, events))


def _privacy_record(row: PrivacyLogEntry) -> PrivacyLogRecord:
    return PrivacyLogRecord(
        id=row.id,
        at=row.at,
        client_id=row.client_id,
        organisation=row.organisation,
        protocol_reference=row.protocol_reference,
        account_uuid=row.account_uuid,
        attributes=tuple(row.attributes),
        legal_basis=row.legal_basis,
        purpose=row.purpose,
        channel=row.channel,
        retention_days=row.retention_days,
    )


def _event_record(row: Event) -> EventRecord:
    return EventRecord(
        id=row.id,
        at=row.at,
        type=row.type,
        outcome=row.outcome,
        client_id=row.client_id,
        account_uuid=row.account_uuid,
        error=row.error,
        reason=row.reason,
        detail=row.detail,
    )


def _privacy_conditions(
    since: dt.datetime | None,
    until: dt.datetime | None,
    client_id: str | None,
    account_uuid: str | None,
) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if since is not None:
        conditions.append(PrivacyLogEntry.at >= since)
    if until is not None:
        conditions.append(PrivacyLogEntry.at < until)
    if client_id is not None:
        conditions.append(PrivacyLogEntry.client_id == client_id)
    if account_uuid is not None:
        conditions.append(PrivacyLogEntry.account_uuid == account_uuid)
    return conditions


class LogRepository:
    """Writing and reading the privacy log and the protocol events."""

    def __init__(self, store: Database) -> None:
        self._store = store

    def record_event(
        self,
        type_: EventType,
        outcome: EventOutcome,
        *,
        client_id: str | None = None,
        account_uuid: str | None = None,
        error: str | None = None,
        reason: str | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        """Record a protocol event in a transaction of its own."""
        event = ProtocolEvent(type_, outcome, client_id, account_uuid, error, reason, detail)
        now = self._store.clock.now()
        with self._store.connect_write(single_statement=True) as connection:
            insert_log(connection, now, events=[event])

    def privacy_entries(
        self,
        *,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
        client_id: str | None = None,
        account_uuid: str | None = None,
        offset: int = 0,
        limit: int = 100,
    ) -> Page[PrivacyLogRecord]:
        """Privacy-log entries matching every filter given, newest first."""
        conditions = _privacy_conditions(since, until, client_id, account_uuid)
        with self._store.read() as session:
            total = session.scalar(
                select(func.count()).select_from(PrivacyLogEntry).where(*conditions)
            )
            rows = session.scalars(
                select(PrivacyLogEntry)
                .where(*conditions)
                .order_by(PrivacyLogEntry.at.desc(), PrivacyLogEntry.id.desc())
                .offset(offset)
                .limit(limit)
            ).all()
            # Inside the transaction: the read's rollback expires the rows.
            return Page(tuple(_privacy_record(r) for r in rows), total or 0, offset, limit)

    def iter_privacy_entries(
        self,
        *,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
        client_id: str | None = None,
        account_uuid: str | None = None,
        batch_size: int = 1000,
    ) -> Iterator[PrivacyLogRecord]:
        """Every matching entry, newest first, read in batches for an export.

        Keyset paging on (at, id) rather than offsets: each batch starts where the last one
        ended through the ``at`` index, so a long log costs linear time, and an entry written
        during the export does not shift the pages under it.
        """
        conditions = _privacy_conditions(since, until, client_id, account_uuid)
        after: tuple[dt.datetime, int] | None = None
        while True:
            page_conditions = list(conditions)
            if after is not None:
                page_conditions.append(
                    or_(
                        PrivacyLogEntry.at < after[0],
                        and_(PrivacyLogEntry.at == after[0], PrivacyLogEntry.id < after[1]),
                    )
                )
            with self._store.read() as session:
                rows = session.scalars(
                    select(PrivacyLogEntry)
                    .where(*page_conditions)
                    .order_by(PrivacyLogEntry.at.desc(), PrivacyLogEntry.id.desc())
                    .limit(batch_size)
                ).all()
                records = [_privacy_record(r) for r in rows]
            yield from records
            if len(records) < batch_size:
                return
            after = (records[-1].at, records[-1].id)

    def events(
        self,
        *,
        type_: str | None = None,
        client_id: str | None = None,
        account_uuid: str | None = None,
        outcome: str | None = None,
        offset: int = 0,
        limit: int = 100,
    ) -> Page[EventRecord]:
        """Recent protocol events matching every filter given, newest first."""
        conditions = []
        if type_ is not None:
            conditions.append(Event.type == type_)
        if client_id is not None:
            conditions.append(Event.client_id == client_id)
        if account_uuid is not None:
            conditions.append(Event.account_uuid == account_uuid)
        if outcome is not None:
            conditions.append(Event.outcome == outcome)
        with self._store.read() as session:
            total = session.scalar(select(func.count()).select_from(Event).where(*conditions))
            rows = session.scalars(
                select(Event)
                .where(*conditions)
                .order_by(Event.at.desc(), Event.id.desc())
                .offset(offset)
                .limit(limit)
            ).all()
            # Inside the transaction: the read's rollback expires the rows.
            return Page(tuple(_event_record(r) for r in rows), total or 0, offset, limit)

    def purge_privacy(self, now: dt.datetime) -> int:
        """Delete privacy-log entries older than their retention; returns how many."""
        with self._store.write() as session:
            rows = session.execute(
                select(PrivacyLogEntry.id, PrivacyLogEntry.at, PrivacyLogEntry.retention_days)
            ).all()
            expired = [r.id for r in rows if r.at + dt.timedelta(days=r.retention_days) < now]
            for start in range(0, len(expired), 500):
                session.execute(
                    delete(PrivacyLogEntry).where(
                        PrivacyLogEntry.id.in_(expired[start : start + 500])
                    )
                )
        return len(expired)
