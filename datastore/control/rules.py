"""The one writer of the ``fault_rules`` table, which holds two kinds of rule.

Fault rules (``ControlRepository``: an endpoint answers with an error, a status or a delay) and
misbehaviour rules (``datastore.control.misbehave``: a scenario of a misbehaving ACM, marked by
the endpoint ``SCENARIO_ENDPOINT``). Every change bumps the generation counter in the same
transaction, so every worker's cached rules are fresh within a second (``datastore.db.clock``);
the process that made the change sees it at once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import ColumnElement, delete, select, update
from sqlalchemy.orm import Session

from datastore.db.models import FaultRule
from datastore.db.results import rowcount

if TYPE_CHECKING:
    from datastore.db.database import Database

__all__ = [
    "SCENARIO_ENDPOINT",
    "add",
    "arm_scenario",
    "consume",
    "remove",
    "rule_row",
    "rules",
    "scenarios",
]

R = TypeVar("R")

# The endpoint of a misbehaviour rule: it names a scenario, not an endpoint.
SCENARIO_ENDPOINT = "scenario"


def rule_row(
    endpoint: str,
    now: dt.datetime,
    *,
    client_id: str | None = None,
    error: str | None = None,
    status_code: int | None = None,
    delay_ms: int = 0,
    remaining: int | None = None,
    probability: float = 1.0,
) -> FaultRule:
    """A new rule's row; ``remaining`` None fires for ever, else that many times."""
    return FaultRule(
        endpoint=endpoint,
        client_id=client_id,
        error=error,
        status_code=status_code,
        delay_ms=delay_ms,
        remaining=remaining,
        probability=probability,
        created_at=now,
    )


def arm_scenario(
    session: Session, scenario: str, client_id: str, count: int, now: dt.datetime
) -> FaultRule:
    """Within ``session``: the rule that plays ``scenario`` to ``client_id`` for its next
    ``count`` logins, replacing one armed before for the same pair (the caller bumps the
    generation, or its transaction does)."""
    session.execute(
        delete(FaultRule).where(
            FaultRule.endpoint == SCENARIO_ENDPOINT,
            FaultRule.client_id == client_id,
            FaultRule.error == scenario,
        )
    )
    row = rule_row(SCENARIO_ENDPOINT, now, client_id=client_id, error=scenario, remaining=count)
    session.add(row)
    session.flush()
    return row


def scenarios(misbehaviour: bool) -> ColumnElement[bool]:
    """The rules of one kind: misbehaviour rules, or fault rules."""
    if misbehaviour:
        return FaultRule.endpoint == SCENARIO_ENDPOINT
    return FaultRule.endpoint != SCENARIO_ENDPOINT


def rules(
    store: Database, kind: ColumnElement[bool], to_record: Callable[[FaultRule], R]
) -> list[R]:
    """The rules of ``kind`` as records, oldest first (the order in which they are tried)."""
    with store.read() as session:
        rows = session.scalars(select(FaultRule).where(kind).order_by(FaultRule.id)).all()
        return [to_record(row) for row in rows]


def add(store: Database, row: FaultRule, check: Any = None) -> FaultRule:
    """Store ``row``; ``check(session)`` first, inside the same transaction, may raise."""
    with store.write() as session:
        if check is not None:
            check(session)
        session.add(row)
        session.flush()
        store.clock.bump_generation(session)
    store.clock.invalidate()
    return row


def remove(store: Database, *where: ColumnElement[bool]) -> int:
    """Delete the rules matching ``where``; how many there were."""
    with store.write() as session:
        deleted = rowcount(session.execute(delete(FaultRule).where(*where)))
        if deleted:
            store.clock.bump_generation(session)
    if deleted:
        store.clock.invalidate()
    return deleted


def consume(store: Database, rule_id: int) -> bool:
    """Use one firing of a counted rule; False when it is used up (another worker won).

    The decrement is one conditional UPDATE, so N firings happen exactly N times across every
    worker; the rule disappears with its last firing.
    """
    with store.write() as session:
        taken = rowcount(
            session.execute(
                update(FaultRule)
                .where(FaultRule.id == rule_id, FaultRule.remaining > 0)
                .values(remaining=FaultRule.remaining - 1)
            )
        )
        if not taken:
            return False
        left = session.scalar(select(FaultRule.remaining).where(FaultRule.id == rule_id))
        if left is not None and left <= 0:
            session.execute(delete(FaultRule).where(FaultRule.id == rule_id))
            store.clock.bump_generation(session)
    store.clock.invalidate()
    return True
