"""The records of the failed-login counters (``store.throttle``), free of SQLAlchemy."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

__all__ = ["ThrottleCount", "ThrottleRecord", "ThrottleRule"]


@dataclass(frozen=True, slots=True)
class ThrottleRule:
    """One counter and its rule: ``limit`` attempts per ``window``, then locked for ``lock``."""

    kind: str
    key: str
    limit: int
    window: dt.timedelta
    lock: dt.timedelta


@dataclass(frozen=True, slots=True)
class ThrottleRecord:
    """A counter as stored: ``failures`` in its window, locked until ``locked_until``."""

    kind: str
    key: str
    failures: int
    window_start: dt.datetime
    window_end: dt.datetime
    locked_until: dt.datetime | None

    def locked_at(self, now: dt.datetime) -> bool:
        """Whether the key is refused at ``now``."""
        return self.locked_until is not None and now < self.locked_until


@dataclass(frozen=True, slots=True)
class ThrottleCount:
    """A counter after an attempt: ``counted`` is False when it was locked (attempt refused)."""

    record: ThrottleRecord
    counted: bool

    @property
    def locks_now(self) -> bool:
        """This attempt reached the limit: the key is locked from now on."""
        return self.counted and self.record.locked_until is not None
