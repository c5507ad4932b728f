"""Misbehaviour rules and their evidence, shared by every worker.

A rule says: for the next ``count`` logins (token responses, UserInfo answers) of one client,
play one scenario of ``idp.misbehave``. Rules are rows of the fault rule table with the endpoint
name ``scenario`` (no request path has that name, so the fault middleware never fires them) and
the scenario's name in ``error``: they get the fault rules' atomic countdown, their place in
snapshots, and their removal by ``reset``, without a table of their own.

The evidence is protocol events of type ``misbehave``: ``served`` when a scenario went out,
``went_on`` when the client then used that grant as if nothing were wrong. Both bump the
generation counter, so that each process reloads what it knows of them only when they change.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from datastore.control import rules as fault_rules
from datastore.control.rules import SCENARIO_ENDPOINT
from datastore.db.models import Client, Event, FaultRule
from datastore.errors import NotFound
from datastore.protocol.logs import ProtocolEvent, insert_log
from datastore.protocol.oidc import OidcRepository
from datastore.vocabulary import EventOutcome, EventType

if TYPE_CHECKING:
    from datastore.db.database import Database

__all__ = [
    "EVENT_TYPE",
    "ROTATION_KID",
    "SCENARIO_ENDPOINT",
    "MisbehaveRepository",
    "ScenarioRule",
    "ServedEvent",
    "add_rule",
    "clear_rules",
    "consume_rule",
    "delete_rule",
    "record",
    "rules",
    "served_events",
]

EVENT_TYPE: EventType = "misbehave"
ROTATION_KID = "misbehave-rotation"
# The rotation key is stored as a key that expired at the epoch: the key ring never signs with
# it nor publishes it; only the scenario does, and only while it is in play.


@dataclass(frozen=True, slots=True)
class ScenarioRule:
    """Play ``scenario`` to ``client_id`` ``remaining`` more times."""

    id: int
    scenario: str
    client_id: str
    remaining: int
    created_at: dt.datetime


@dataclass(frozen=True, slots=True)
class ServedEvent:
    """A ``served`` or ``went_on`` event of the evidence."""

    id: int
    at: dt.datetime
    outcome: str
    client_id: str
    account_uuid: str | None
    reason: str | None
    detail: dict[str, Any]


def _rule(row: FaultRule) -> ScenarioRule:
    return ScenarioRule(
        id=row.id,
        scenario=row.error or "",
        client_id=row.client_id or "",
        remaining=row.remaining or 0,
        created_at=row.created_at,
    )


def rules(store: Database) -> list[ScenarioRule]:
    """Every misbehaviour rule, oldest first (the order in which they are tried)."""
    return fault_rules.rules(store, fault_rules.scenarios(True), _rule)


def add_rule(store: Database, scenario: str, client_id: str, count: int) -> ScenarioRule:
    """A new rule; ``NotFound`` when no client has this client_id."""

    def client_exists(session: Session) -> None:
        if session.scalar(select(Client.id).where(Client.client_id == client_id)) is None:
            raise NotFound(f"no client with client_id {client_id!r}")

    row = fault_rules.rule_row(
        SCENARIO_ENDPOINT, store.clock.now(), client_id=client_id, error=scenario, remaining=count
    )
    return _rule(fault_rules.add(store, row, client_exists))


def delete_rule(store: Database, rule_id: int) -> None:
    if not fault_rules.remove(store, FaultRule.id == rule_id, fault_rules.scenarios(True)):
        raise NotFound(f"no misbehaviour rule with id {rule_id}")


def clear_rules(store: Database) -> int:
    """Delete every misbehaviour rule (the evidence stays); returns how many there were."""
    return fault_rules.remove(store, fault_rules.scenarios(True))


def consume_rule(store: Database, rule_id: int) -> bool:
    """One play of a rule, decremented atomically; False when another worker took the last."""
    return fault_rules.consume(store, rule_id)


def record(
    store: Database,
    outcome: EventOutcome,
    *,
    client_id: str,
    account_uuid: str | None,
    reason: str,
    detail: dict[str, Any],
) -> None:
    """A ``served`` or ``went_on`` event, and a new generation so every process sees it."""
    event = ProtocolEvent(
        EVENT_TYPE,
        outcome,
        client_id=client_id,
        account_uuid=account_uuid,
        reason=reason,
        detail=detail,
    )
    with store.write() as session:
        insert_log(session.connection(), store.clock.now(), events=[event])
        store.clock.bump_generation(session)
    store.clock.invalidate()


def served_events(store: Database, client_id: str | None = None) -> list[ServedEvent]:
    """The evidence, oldest first, for one client or every client."""
    query = select(Event).where(Event.type == EVENT_TYPE)
    if client_id is not None:
        query = query.where(Event.client_id == client_id)
    with store.read() as session:
        rows = session.scalars(query.order_by(Event.id)).all()
        return [
            ServedEvent(
                id=r.id,
                at=r.at,
                outcome=r.outcome,
                client_id=r.client_id or "",
                account_uuid=r.account_uuid,
                reason=r.reason,
                detail=dict(r.detail or {}),
            )
            for r in rows
        ]


class MisbehaveRepository:
    """``store.misbehave``: the rules and their evidence, as the functions above on one store."""

    ROTATION_KID: ClassVar[str] = ROTATION_KID

    def __init__(self, store: Database) -> None:
        self._store = store

    def rules(self) -> list[ScenarioRule]:
        return rules(self._store)

    def add_rule(self, scenario: str, client_id: str, count: int) -> ScenarioRule:
        return add_rule(self._store, scenario, client_id, count)

    def delete_rule(self, rule_id: int) -> None:
        delete_rule(self._store, rule_id)

    def clear_rules(self) -> int:
        return clear_rules(self._store)

    def consume_rule(self, rule_id: int) -> bool:
        return consume_rule(self._store, rule_id)

    def record(
        self,
        outcome: EventOutcome,
        *,
        client_id: str,
        account_uuid: str | None,
        reason: str,
        detail: dict[str, Any],
    ) -> None:
        record(
            self._store,
            outcome,
            client_id=client_id,
            account_uuid=account_uuid,
            reason=reason,
            detail=detail,
        )

    def served_events(self, client_id: str | None = None) -> list[ServedEvent]:
        return served_events(self._store, client_id)

    def rotation_key(self, kid: str, alg: str, make: Callable[[], str]) -> str:
        """A private JWK of the key-rotation scenario, one for every worker (made on first
        use); never published in the JWKS."""
        return OidcRepository(self._store).unpublished_key(kid, alg, make)
