"""The failed-login counters: a fixed window on the given clock, a lock at the limit."""

from __future__ import annotations

import datetime as dt

from datastore import Datastore, ThrottleRule

NOW = dt.datetime(2026, 9, 1, 8, 0, tzinfo=dt.UTC)
MINUTES_15 = dt.timedelta(minutes=15)


def rule(key: str = "jan.peeters", limit: int = 3) -> ThrottleRule:
    return ThrottleRule("username", key, limit, MINUTES_15, MINUTES_15)


def test_the_attempt_at_the_limit_locks_and_a_locked_key_is_not_counted(store: Datastore) -> None:
    counts = [store.throttle.count([rule()], NOW)[0] for _ in range(3)]
    assert [c.record.failures for c in counts] == [1, 2, 3]
    assert [c.locks_now for c in counts] == [False, False, True]
    assert counts[2].record.locked_until == NOW + MINUTES_15
    again = store.throttle.count([rule()], NOW)[0]
    assert (again.record, again.counted, again.locks_now) == (counts[2].record, False, False)


def test_a_new_window_starts_after_the_window_or_the_lock(store: Datastore) -> None:
    store.throttle.count([rule(), rule("other")], NOW)
    later = NOW + MINUTES_15
    fresh, other = (c.record for c in store.throttle.count([rule(), rule("other")], later))
    assert (fresh.failures, fresh.window_start) == (1, later)
    assert other.failures == 1
    for _ in range(2):
        store.throttle.count([rule()], later)
    after_lock = later + MINUTES_15
    renewed = store.throttle.count([rule()], after_lock)[0].record
    assert (renewed.failures, renewed.locked_until) == (1, None)


def test_counters_can_be_read_reset_and_cleared(store: Datastore) -> None:
    address = ThrottleRule("address", "192.0.2.1", 20, MINUTES_15, MINUTES_15)
    store.throttle.count([rule(), address], NOW)
    assert {r.kind for r in store.throttle.counters([("username", "jan.peeters")])} == {"username"}
    assert len(store.throttle.entries()) == 2
    assert [r.kind for r in store.throttle.entries([("address", "192.0.2.1")])] == ["address"]
    assert store.throttle.clear([("username", "jan.peeters"), ("username", "niemand")]) == 1
    assert store.throttle.counters([("username", "jan.peeters")]) == []
    assert store.throttle.clear() == 1
    assert store.throttle.entries() == []


def test_purge_deletes_counters_whose_window_and_lock_have_ended(store: Datastore) -> None:
    store.throttle.count([rule("a")], NOW)
    for _ in range(3):
        store.throttle.count([rule("locked")], NOW + dt.timedelta(minutes=10))
    assert store.throttle.purge(NOW + MINUTES_15 - dt.timedelta(seconds=1)) == 0
    assert store.throttle.purge(NOW + MINUTES_15) == 1
    assert [r.key for r in store.throttle.entries(counting_at=NOW + MINUTES_15)] == ["locked"]
    assert store.throttle.purge(NOW + dt.timedelta(minutes=25)) == 1
    assert store.throttle.entries() == []
