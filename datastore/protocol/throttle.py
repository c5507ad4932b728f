"""Failed-login counters (``store.throttle``): per username, client address and login transaction.

The policy (limits, window, lock) belongs to the provider; this module only counts, atomically,
on the simulated clock that the caller passes in. A counter is a fixed window: attempts are
counted from ``window_start``; at the limit the key is locked until ``locked_until``; after
the window or the lock has run out, the next attempt starts a new window. While a key is
locked its attempts are not counted, so a lock never grows by itself.

Counting is one write transaction that takes a row lock per counter (``SELECT ... FOR UPDATE``
on PostgreSQL; SQLite has one writer at a time), so two workers never both see the last
allowed attempt.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, Insert, and_, delete, or_, select, tuple_
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from datastore.db.models import LoginThrottle
from datastore.db.results import rowcount
from datastore.records.throttle import ThrottleCount, ThrottleRecord, ThrottleRule

if TYPE_CHECKING:
    from datastore.db.database import Database

__all__ = ["KEY_LENGTH", "ThrottleRepository"]

KEY_LENGTH = 200


def _record(row: LoginThrottle) -> ThrottleRecord:
    return ThrottleRecord(
        row.kind, row.key, row.failures, row.window_start, row.window_end, row.locked_until
    )


def _where(kind: str | None, key: str | None) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if kind is not None:
        conditions.append(LoginThrottle.kind == kind)
    if key is not None:
        conditions.append(LoginThrottle.key == key[:KEY_LENGTH])
    return conditions


class ThrottleRepository:
    """Count, read and clear failed-login counters."""

    def __init__(self, store: Database) -> None:
        self._store = store

    def _insert(self) -> Insert:
        if self._store.dialect == "postgresql":
            # Imported here: SQLAlchemy's PostgreSQL dialect costs a SQLite worker's start
            # a tenth of a second otherwise (cold start).
            from sqlalchemy.dialects.postgresql import insert as pg_insert

            return pg_insert(LoginThrottle).on_conflict_do_nothing()
        return sqlite_insert(LoginThrottle).on_conflict_do_nothing()

    def count(self, rules: Sequence[ThrottleRule], now: dt.datetime) -> list[ThrottleCount]:
        """Count one attempt against each rule; the counters afterwards, in the rules' order.

        A counter that is locked at ``now`` is returned unchanged (``counted`` False). A counter
        whose window or lock has ended starts a new window with this attempt. The attempt that
        reaches the limit locks the key for the rule's ``lock``.
        """
        if not rules:
            return []
        keyed = {(r.kind, r.key[:KEY_LENGTH]): r for r in rules}
        with self._store.write() as session:
            # Missing counters first, in a fixed order, so that concurrent writers lock the rows
            # in the same order (no deadlock) and a new key is never counted twice by two workers.
            session.execute(
                self._insert(),
                [
                    {
                        "kind": kind,
                        "key": key,
                        "window_start": now,
                        "window_end": now + keyed[(kind, key)].window,
                        "failures": 0,
                    }
                    for kind, key in sorted(keyed)
                ],
            )
            rows = session.scalars(
                select(LoginThrottle)
                .where(tuple_(LoginThrottle.kind, LoginThrottle.key).in_(sorted(keyed)))
                .order_by(LoginThrottle.kind, LoginThrottle.key)
                .with_for_update()
            ).all()
            by_key = {(row.kind, row.key): row for row in rows}
            counted = {k: _count_one(by_key[k], rule, now) for k, rule in keyed.items()}
            session.flush()
            return [
                ThrottleCount(_record(by_key[k]), counted[k])
                for k in ((r.kind, r.key[:KEY_LENGTH]) for r in rules)
            ]

    def counters(self, keys: Sequence[tuple[str, str]]) -> list[ThrottleRecord]:
        """The stored counters of these (kind, key) pairs; missing ones are left out."""
        if not keys:
            return []
        wanted = sorted({(kind, key[:KEY_LENGTH]) for kind, key in keys})
        with self._store.read() as session:
            rows = session.scalars(
                select(LoginThrottle).where(
                    tuple_(LoginThrottle.kind, LoginThrottle.key).in_(wanted)
                )
            ).all()
            return [_record(row) for row in rows]

    def entries(
        self,
        filters: Sequence[tuple[str, str]] = (),
        *,
        counting_at: dt.datetime | None = None,
        limit: int = 1000,
    ) -> list[ThrottleRecord]:
        """Counters, newest window first; with ``filters`` only those (kind, key) pairs, with
        ``counting_at`` only those whose window or lock still runs then."""
        query = select(LoginThrottle).order_by(
            LoginThrottle.window_start.desc(), LoginThrottle.kind, LoginThrottle.key
        )
        if filters:
            query = query.where(or_(*(and_(*_where(k, v)) for k, v in filters)))
        if counting_at is not None:
            query = query.where(
                or_(
                    LoginThrottle.window_end > counting_at, LoginThrottle.locked_until > counting_at
                )
            )
        with self._store.read() as session:
            return [_record(row) for row in session.scalars(query.limit(limit)).all()]

    def purge(self, now: dt.datetime) -> int:
        """Delete the counters that count for nothing any more at ``now``; returns how many."""
        with self._store.write() as session:
            return rowcount(
                session.execute(
                    delete(LoginThrottle).where(
                        LoginThrottle.window_end <= now,
                        or_(
                            LoginThrottle.locked_until.is_(None), LoginThrottle.locked_until <= now
                        ),
                    )
                )
            )

    def clear(self, filters: Sequence[tuple[str, str]] = ()) -> int:
        """Delete counters (every one, or those (kind, key) pairs); returns how many."""
        statement = delete(LoginThrottle)
        if filters:
            statement = statement.where(or_(*(and_(*_where(k, v)) for k, v in filters)))
        with self._store.write() as session:
            return rowcount(session.execute(statement))


def _count_one(row: LoginThrottle, rule: ThrottleRule, now: dt.datetime) -> bool:
    if row.locked_until is not None and now < row.locked_until:
        return False
    if row.locked_until is not None or now >= row.window_end:
        row.window_start, row.window_end = now, now + rule.window
        row.failures, row.locked_until = 0, None
    row.failures += 1
    if row.failures >= rule.limit:
        row.locked_until = now + rule.lock
    return True
