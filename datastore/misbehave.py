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

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from datastore.errors import NotFound
from datastore.logs import ProtocolEvent, insert_log
from datastore.models import Client, Event, FaultRule, SigningKey

if TYPE_CHECKING:
    from datastore.store import Datastore

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
    "rotation_key",
    "rule_row",
    "rules",
    "served_events",
]

SCENARIO_ENDPOINT = "scenario"
EVENT_TYPE = "misbehave"
ROTATION_KID = "misbehave-rotation"
# The rotation key is stored as a key that expired at the epoch: the key ring never signs with
# it nor publishes it; only the scenario does, and only while it is in play.
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


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


def rules(store: Datastore) -> list[ScenarioRule]:
    """Every misbehaviour rule, oldest first (the order in which they are tried)."""
    with store.read() as session:
        rows = session.scalars(
            select(FaultRule).where(FaultRule.endpoint == SCENARIO_ENDPOINT).order_by(FaultRule.id)
        ).all()
        return [_rule(r) for r in rows]


def rule_row(scenario: str, client_id: str, count: int, now: dt.datetime) -> FaultRule:
    """The row of a rule that plays ``scenario`` to ``client_id`` for its next ``count`` logins."""
    return FaultRule(
        endpoint=SCENARIO_ENDPOINT,
        client_id=client_id,
        error=scenario,
        status_code=None,
        delay_ms=0,
        remaining=count,
        probability=1.0,
        created_at=now,
    )


def add_rule(store: Datastore, scenario: str, client_id: str, count: int) -> ScenarioRule:
    """A new rule; ``NotFound`` when no client has this client_id."""
    with store.write() as session:
        if session.scalar(select(Client.id).where(Client.client_id == client_id)) is None:
            raise NotFound(f"no client with client_id {client_id!r}")
        row = rule_row(scenario, client_id, count, store.clock.now())
        session.add(row)
        session.flush()
        store.clock.bump_generation(session)
        rule = _rule(row)
    store.clock.invalidate()
    return rule


def delete_rule(store: Datastore, rule_id: int) -> None:
    with store.write() as session:
        deleted = session.execute(
            delete(FaultRule).where(
                FaultRule.id == rule_id, FaultRule.endpoint == SCENARIO_ENDPOINT
            )
        ).rowcount  # type: ignore[attr-defined]
        if not deleted:
            raise NotFound(f"no misbehaviour rule with id {rule_id}")
        store.clock.bump_generation(session)
    store.clock.invalidate()


def clear_rules(store: Datastore) -> int:
    """Delete every misbehaviour rule (the evidence stays); returns how many there were."""
    with store.write() as session:
        deleted: int = session.execute(
            delete(FaultRule).where(FaultRule.endpoint == SCENARIO_ENDPOINT)
        ).rowcount  # type: ignore[attr-defined]
        store.clock.bump_generation(session)
    store.clock.invalidate()
    return deleted


def consume_rule(store: Datastore, rule_id: int) -> bool:
    """One play of a rule, decremented atomically; False when another worker took the last."""
    return store.control.consume_fault_rule(rule_id)


def record(
    store: Datastore,
    outcome: str,
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


def served_events(store: Datastore, client_id: str | None = None) -> list[ServedEvent]:
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


def rotation_key(store: Datastore, kid: str, alg: str, make: Callable[[], str]) -> str:
    """A private JWK of the key-rotation scenario, one for every worker (made on first use)."""
    query = select(SigningKey.private_jwk).where(SigningKey.kid == kid)
    with store.read() as session:
        found = session.scalar(query)
    if found is not None:
        return found
    try:
        with store.write() as session:
            session.add(
                SigningKey(
                    kid=kid,
                    alg=alg,
                    private_jwk=make(),
                    created_at=store.clock.now(),
                    retired_at=_EPOCH,
                    expires_at=_EPOCH,
                )
            )
    except IntegrityError:
        pass  # another worker made it first: use that one
    with store.read() as session:
        made = session.scalar(query)
    if made is None:
        raise NotFound("the rotation key could not be stored")
    return made


class MisbehaveRepository:
    """``store.misbehave``: the rules and their evidence, as the functions above on one store."""

    ROTATION_KID: ClassVar[str] = ROTATION_KID

    def __init__(self, store: Datastore) -> None:
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
        outcome: str,
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
        return rotation_key(self._store, kid, alg, make)
