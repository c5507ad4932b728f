"""The simulated clock is shared through the datastore and drives 'now' everywhere."""

from __future__ import annotations

import datetime as dt

import pytest

from datastore import Datastore

MOMENT = dt.datetime(2026, 8, 31, 21, 59, 0, tzinfo=dt.UTC)


def test_real_time_when_no_clock_is_set(store: Datastore) -> None:
    before = dt.datetime.now(dt.UTC)
    now = store.clock.now()
    assert before <= now <= dt.datetime.now(dt.UTC)
    assert not store.clock.state().simulated


def test_set_frozen_clock_is_seen_by_another_process(store: Datastore, db_url: str) -> None:
    store.clock.set(MOMENT, frozen=True)
    other = Datastore.from_url(db_url)
    try:
        assert other.clock.now() == MOMENT
    finally:
        other.dispose()


def test_running_clock_moves_on_from_the_set_time(store: Datastore) -> None:
    store.clock.set(MOMENT)
    assert MOMENT <= store.clock.now() < MOMENT + dt.timedelta(seconds=5)


def test_advance_and_reset(store: Datastore) -> None:
    store.clock.set(MOMENT, frozen=True)
    assert store.clock.advance(3600) == MOMENT + dt.timedelta(hours=1)
    # 31 August 23:59 in Brussels is 21:59 UTC; an hour later it is 1 September there.
    assert store.clock.today() == dt.date(2026, 9, 1)
    store.clock.reset()
    assert not store.clock.state().simulated


def test_generation_grows_with_every_change(store: Datastore) -> None:
    first = store.clock.generation()
    store.clock.set(MOMENT)
    assert store.clock.generation() == first + 1
    with store.write() as session:
        store.clock.bump_generation(session)
    assert store.clock.generation() == first + 2


def test_naive_time_is_refused(store: Datastore) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        store.clock.set(dt.datetime(2026, 1, 1))
