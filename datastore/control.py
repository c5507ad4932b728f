"""Test control (``store.control``): fault rules, retention purge, snapshots and reset.

Fault rules live in the datastore so that every worker applies the same ones;
each process caches them behind the generation counter, which every rule change bumps.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import delete, select, update

from datastore.admin_snapshots import SnapshotControl
from datastore.clock import to_brussels_date
from datastore.errors import NotFound
from datastore.models import (
    AuthorizationCode,
    AuthSession,
    Enrolment,
    FaultRule,
    Token,
    UsedAssertion,
)

# Misbehaviour rules share the table (``datastore.misbehave``); the fault routes leave them be.
MISBEHAVIOUR = "scenario"

__all__ = ["FAULT_ENDPOINTS", "ControlRepository", "FaultRuleRecord", "PurgeReport"]

# The provider endpoints a fault rule can name (docs/contract.md "Endpoints").
FAULT_ENDPOINTS = (
    "authorization",
    "token",
    "userinfo",
    "jwks",
    "discovery",
    "introspection",
    "revocation",
    "logout",
)


@dataclass(frozen=True, slots=True)
class FaultRuleRecord:
    """A fault injected at an endpoint, optionally only for one client."""

    id: int
    endpoint: str
    client_id: str | None
    error: str | None
    status_code: int | None
    delay_ms: int
    remaining: int | None
    probability: float
    created_at: dt.datetime


@dataclass(frozen=True, slots=True)
class PurgeReport:
    """How many of each were deleted (class placements: cleared) by a retention purge."""

    now: dt.datetime
    sessions: int
    authorization_codes: int
    tokens: int
    used_assertions: int
    privacy_log: int
    class_placements: int
    login_throttle: int

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["now"] = self.now.isoformat()
        return data


def _rule_record(row: FaultRule) -> FaultRuleRecord:
    return FaultRuleRecord(
        id=row.id,
        endpoint=row.endpoint,
        client_id=row.client_id,
        error=row.error,
        status_code=row.status_code,
        delay_ms=row.delay_ms,
        remaining=row.remaining,
        probability=row.probability,
        created_at=row.created_at,
    )


class ControlRepository(SnapshotControl):
    """Fault rules, retention and snapshots."""

    # -- fault rules

    def fault_rules(self) -> list[FaultRuleRecord]:
        """Every fault rule, oldest first (the order in which they are tried)."""
        with self._store.read() as session:
            rows = session.scalars(
                select(FaultRule).where(FaultRule.endpoint != MISBEHAVIOUR).order_by(FaultRule.id)
            ).all()
            return [_rule_record(r) for r in rows]

    def add_fault_rule(self, values: Mapping[str, Any]) -> FaultRuleRecord:
        with self._store.write() as session:
            row = FaultRule(
                endpoint=values["endpoint"],
                client_id=values.get("client_id"),
                error=values.get("error"),
                status_code=values.get("status_code"),
                delay_ms=values.get("delay_ms") or 0,
                remaining=values.get("count"),
                probability=values.get("probability", 1.0),
                created_at=self._store.clock.now(),
            )
            session.add(row)
            session.flush()
            self._store.clock.bump_generation(session)
            record = _rule_record(row)
        self._store.clock.invalidate()
        return record

    def delete_fault_rule(self, rule_id: int) -> None:
        with self._store.write() as session:
            deleted = session.execute(delete(FaultRule).where(FaultRule.id == rule_id)).rowcount  # type: ignore[attr-defined]
            if not deleted:
                raise NotFound(f"no fault rule with id {rule_id}")
            self._store.clock.bump_generation(session)
        self._store.clock.invalidate()

    def clear_fault_rules(self) -> int:
        """Delete every fault rule; returns how many there were."""
        with self._store.write() as session:
            deleted: int = session.execute(
                delete(FaultRule).where(FaultRule.endpoint != MISBEHAVIOUR)
            ).rowcount  # type: ignore[attr-defined]
            self._store.clock.bump_generation(session)
        self._store.clock.invalidate()
        return deleted

    def consume_fault_rule(self, rule_id: int) -> bool:
        """Use one firing of a counted rule; False when it is used up (another worker won).

        The decrement is one conditional UPDATE, so N firings happen exactly N times across
        every worker; the rule disappears with its last firing.
        """
        with self._store.write() as session:
            taken = session.execute(
                update(FaultRule)
                .where(FaultRule.id == rule_id, FaultRule.remaining > 0)
                .values(remaining=FaultRule.remaining - 1)
            ).rowcount  # type: ignore[attr-defined]
            if not taken:
                return False
            left = session.scalar(select(FaultRule.remaining).where(FaultRule.id == rule_id))
            if left is not None and left <= 0:
                session.execute(delete(FaultRule).where(FaultRule.id == rule_id))
                self._store.clock.bump_generation(session)
        self._store.clock.invalidate()
        return True

    # -- retention

    def purge(self) -> PurgeReport:
        """Delete what is past its retention, on the simulated clock.

        Expired sessions (and ended ones), codes, tokens and used client assertions; privacy-log
        entries older than their protocol's retention; class placements of enrolments that
        ended more than a year ago (class information is kept until one year after the
        enrolment ends); and wrong-password counters whose window and lock have ended.
        """
        now = self._store.clock.now()
        today = to_brussels_date(now)
        try:
            year_ago = today.replace(year=today.year - 1)
        except ValueError:  # 29 February
            year_ago = today.replace(year=today.year - 1, day=28)
        with self._store.write() as session:
            counts = [
                session.execute(statement).rowcount  # type: ignore[attr-defined]
                for statement in (
                    delete(AuthSession).where(
                        (AuthSession.expires_at < now) | AuthSession.ended_at.is_not(None)
                    ),
                    delete(AuthorizationCode).where(AuthorizationCode.expires_at < now),
                    delete(Token).where(Token.expires_at < now),
                    delete(UsedAssertion).where(UsedAssertion.expires_at < now),
                    update(Enrolment)
                    .where(Enrolment.end_date < year_ago, Enrolment.class_id.is_not(None))
                    .values(class_id=None, class_set_at=None),
                )
            ]
        privacy = self._store.logs.purge_privacy(now)
        throttle = self._store.throttle.purge(now)
        return PurgeReport(
            now=now,
            sessions=counts[0],
            authorization_codes=counts[1],
            tokens=counts[2],
            used_assertions=counts[3],
            privacy_log=privacy,
            class_placements=counts[4],
            login_throttle=throttle,
        )
