"""Test control (``store.control``): fault rules, retention purge, snapshots and reset.

Fault rules live in the datastore so that every worker applies the same ones;
each process caches them behind the generation counter, which every rule change bumps.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from datastore.control import rules as fault_rules
from datastore.control.snapshots import SnapshotControl
from datastore.db.clock import to_brussels_date
from datastore.db.models import FaultRule
from datastore.errors import NotFound
from datastore.protocol.logs import LogRepository
from datastore.protocol.oidc import purge_expired
from datastore.protocol.throttle import ThrottleRepository

__all__ = ["ControlRepository", "FaultRuleRecord", "PurgeReport"]


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
        return fault_rules.rules(self._store, fault_rules.scenarios(False), _rule_record)

    def add_fault_rule(self, values: Mapping[str, Any]) -> FaultRuleRecord:
        row = fault_rules.rule_row(
            values["endpoint"],
            self._store.clock.now(),
            client_id=values.get("client_id"),
            error=values.get("error"),
            status_code=values.get("status_code"),
            delay_ms=values.get("delay_ms") or 0,
            remaining=values.get("count"),
            probability=values.get("probability", 1.0),
        )
        return _rule_record(fault_rules.add(self._store, row))

    def delete_fault_rule(self, rule_id: int) -> None:
        if not fault_rules.remove(self._store, FaultRule.id == rule_id):
            raise NotFound(f"no fault rule with id {rule_id}")

    def clear_fault_rules(self) -> int:
        """Delete every fault rule; returns how many there were."""
        return fault_rules.remove(self._store, fault_rules.scenarios(False))

    def consume_fault_rule(self, rule_id: int) -> bool:
        """Use one firing of a counted rule; False when it is used up (another worker won)."""
        return fault_rules.consume(self._store, rule_id)

    # -- retention

    def purge(self) -> PurgeReport:
        """Delete what is past its retention, on the simulated clock.

        Expired sessions (and ended ones), codes, tokens and used client assertions; privacy-log
        entries older than their protocol's retention; class placements of enrolments that
        ended more than a year ago (class information is kept until one year after the
        enrolment ends); and wrong-password counters whose window and lock have ended.
        """
        # The owner of enrolments is imported on first purge: a worker serving the protocol
        # reads its fault rules here and never loads the admin modules.
        from datastore.admin.pupils import forget_class_placements

        now = self._store.clock.now()
        today = to_brussels_date(now)
        try:
            year_ago = today.replace(year=today.year - 1)
        except ValueError:  # 29 February
            year_ago = today.replace(year=today.year - 1, day=28)
        with self._store.write() as session:
            expired = purge_expired(session, now)
            placements = forget_class_placements(session, year_ago)
        privacy = LogRepository(self._store).purge_privacy(now)
        throttle = ThrottleRepository(self._store).purge(now)
        return PurgeReport(
            now=now,
            sessions=expired.sessions,
            authorization_codes=expired.authorization_codes,
            tokens=expired.tokens,
            used_assertions=expired.used_assertions,
            privacy_log=privacy,
            class_placements=placements,
            login_throttle=throttle,
        )
