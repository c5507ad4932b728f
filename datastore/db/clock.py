"""The simulated clock and the generation counter, shared by every worker through the datastore:
the one writer of the ``simulator_state`` table.

Each process caches the one ``simulator_state`` row for at most ``CACHE_SECONDS``,
so a clock change or a change to cached configuration reaches every worker
within a second; the process that made the change sees it at once.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from datastore.db.models import SimulatorState


class _Transactions(Protocol):
    """What the clock needs of the ``Database`` that owns it (which imports this module)."""

    def read(self) -> AbstractContextManager[Session]: ...

    def write(self) -> AbstractContextManager[Session]: ...


__all__ = ["Clock", "ClockState", "write_clock"]

CACHE_SECONDS = 1.0


@dataclass(frozen=True, slots=True)
class ClockState:
    """The shared state as last read: the simulated clock (if set) and the generation."""

    generation: int
    clock_base: dt.datetime | None
    clock_set_at: dt.datetime | None
    clock_frozen: bool

    @property
    def simulated(self) -> bool:
        return self.clock_base is not None


def _real_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Clock:
    """``now()`` on the simulated clock, and the generation counter, cached per process."""

    def __init__(self, store: _Transactions) -> None:
        self._store = store
        self._lock = threading.Lock()
        self._state: ClockState | None = None
        self._read_at = 0.0

    def state(self) -> ClockState:
        """The shared state, read from the datastore at most once per ``CACHE_SECONDS``."""
        monotonic = time.monotonic()
        state = self._state
        if state is not None and monotonic - self._read_at < CACHE_SECONDS:
            return state
        with self._lock:
            if self._state is not None and time.monotonic() - self._read_at < CACHE_SECONDS:
                return self._state
            with self._store.read() as session:
                self._state = _load(session)
            self._read_at = time.monotonic()
            return self._state

    def invalidate(self) -> None:
        """Forget the cached state; the next call reads it again."""
        with self._lock:
            self._state = None

    def now(self) -> dt.datetime:
        """The current time (aware UTC) on the simulated clock, or real time when none is set."""
        return self.now_from(self.state())

    @staticmethod
    def now_from(state: ClockState) -> dt.datetime:
        if state.clock_base is None or state.clock_set_at is None:
            return _real_now()
        if state.clock_frozen:
            return state.clock_base
        return state.clock_base + (_real_now() - state.clock_set_at)

    def today(self) -> dt.date:
        """Today's date on the simulated clock, in Belgian civil time (Europe/Brussels)."""
        return to_brussels_date(self.now())

    def generation(self) -> int:
        """The generation counter: grows with every change that processes cache."""
        return self.state().generation

    # -- changes (the admin API's clock control)

    def set(self, now: dt.datetime, *, frozen: bool = False) -> dt.datetime:
        """Set the simulated clock to ``now``; it runs on from there unless ``frozen``."""
        if now.tzinfo is None:
            raise ValueError("the clock needs a timezone-aware time")
        with self._store.write() as session:
            write_clock(session, base=now, set_at=_real_now(), frozen=frozen)
        self.invalidate()
        return self.now()

    def advance(self, seconds: float) -> dt.datetime:
        """Move the clock ``seconds`` forward (or back, when negative)."""
        current = self.now()
        frozen = self.state().clock_frozen
        return self.set(current + dt.timedelta(seconds=seconds), frozen=frozen)

    def reset(self) -> dt.datetime:
        """Return to real time."""
        with self._store.write() as session:
            write_clock(session, base=None, set_at=None, frozen=False)
        self.invalidate()
        return self.now()

    def bump_generation(self, session: Session) -> None:
        """Within ``session``'s transaction, tell every process that cached state changed."""
        _ensure_row(session)
        session.execute(
            update(SimulatorState)
            .where(SimulatorState.id == 1)
            .values(generation=SimulatorState.generation + 1)
        )
        self.invalidate()


def write_clock(
    session: Session, *, base: dt.datetime | None, set_at: dt.datetime | None, frozen: bool
) -> None:
    """Within ``session``'s transaction: the simulated clock's state (``base`` at the real time
    ``set_at``; both ``None`` for real time), and a new generation for every process."""
    _ensure_row(session)
    session.execute(
        update(SimulatorState)
        .where(SimulatorState.id == 1)
        .values(
            clock_base=base,
            clock_set_at=set_at,
            clock_frozen=frozen,
            generation=SimulatorState.generation + 1,
        )
    )


def _ensure_row(session: Session) -> None:
    if session.get(SimulatorState, 1) is None:
        session.add(SimulatorState(id=1, generation=0, clock_frozen=False))
        session.flush()


def _load(session: Session) -> ClockState:
    row = session.execute(
        select(
            SimulatorState.generation,
            SimulatorState.clock_base,
            SimulatorState.clock_set_at,
            SimulatorState.clock_frozen,
        ).where(SimulatorState.id == 1)
    ).one_or_none()
    if row is None:
        return ClockState(0, None, None, False)
    return ClockState(row.generation, row.clock_base, row.clock_set_at, row.clock_frozen)


def to_brussels_date(moment: dt.datetime) -> dt.date:
    """The civil date in Brussels of a UTC moment (school dates are Belgian dates)."""
    from zoneinfo import ZoneInfo

    return moment.astimezone(ZoneInfo("Europe/Brussels")).date()
