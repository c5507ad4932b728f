"""SQLite's WAL checkpoints on a thread of their own, outside the writer queue.

In WAL mode every commit appends its pages to the ``-wal`` file, and a checkpoint copies them
back into the database file (sqlite.org/wal.html §3). By default the commit that takes the WAL
past 1,000 pages runs that checkpoint itself (``wal_autocheckpoint``), inside its write
transaction's lock: a few milliseconds of copying and ``fsync`` during which every other
writer of every worker process waits (``engine.WriterQueue``). With two workers that stall was
the tail of the refresh latency and a fifth of the throughput (docs/performance.md).

A checkpoint does not need the write lock: a ``PASSIVE`` checkpoint runs beside readers and
writers and copies what no reader still needs (sqlite.org/c3ref/wal_checkpoint_v2.html). So
each process's writer queue counts the write transactions it lets through, and every
``EVERY_COMMITS`` of them wakes this thread, which runs ``PRAGMA wal_checkpoint(PASSIVE)`` on a
connection of its own and closes it again.

A writer starts the WAL again from the beginning only when it finds every frame copied.
When writes pause, the thread's checkpoint gets there and the WAL stays short. Under
continuous writes there are always newer frames, so the WAL grows until a commit passes
``wal_autocheckpoint``, which the connections of ``make_engine`` set to ``FALLBACK_PAGES``
(instead of 1,000). That commit's own checkpoint then copies only what the thread has not
copied yet, and the WAL starts again. The same fallback bounds the WAL should the thread
fall behind, or a program write without the queue. Several processes may each run a
checkpointer on one file: SQLite runs one checkpoint at a time, and another that comes
meanwhile finds it busy and returns.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from pathlib import Path
from urllib.parse import quote

__all__ = ["EVERY_COMMITS", "FALLBACK_PAGES", "WalCheckpointer"]

log = logging.getLogger(__name__)

# About 1,000 pages of a grant's commits (8 to 12 pages each), SQLite's own default step.
EVERY_COMMITS = 100
# ``wal_autocheckpoint`` of the provider's connections: ~40 MiB of 4 KiB pages.
FALLBACK_PAGES = 10_000


class WalCheckpointer:
    """A daemon thread that checkpoints one SQLite file when told that commits piled up.

    ``committed()`` is called by the writer queue after each write transaction of this
    process; the thread starts on the first call that needs it and ends with ``stop()``.
    After a ``fork`` the child has no thread: ``forget_thread()`` lets it start its own.
    """

    def __init__(self, database: str) -> None:
        self.database = database
        self.checkpoints = 0  # checkpoints run (for tests and measurements)
        self._pending = 0
        self._wake = threading.Event()
        self._stopped = False
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def committed(self) -> None:
        """One more write transaction: wake the thread every ``EVERY_COMMITS`` of them."""
        self._pending += 1  # counted under the writer queue's lock: one writer at a time
        if self._pending < EVERY_COMMITS:
            return
        self._pending = 0
        if self._thread is None:
            self._start()
        self._wake.set()

    def stop(self) -> None:
        """End the thread (it finishes a checkpoint under way first)."""
        self._stopped = True
        self._wake.set()

    def forget_thread(self) -> None:
        """In a forked child: the parent's thread is not here; start afresh when needed."""
        self._thread = None
        self._pending = 0
        self._wake = threading.Event()
        self._lock = threading.Lock()

    def _start(self) -> None:
        with self._lock:
            if self._thread is None and not self._stopped:
                name = f"wal-checkpoint {Path(self.database).name}"
                self._thread = threading.Thread(target=self._run, name=name, daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            self._wake.wait()
            self._wake.clear()
            if self._stopped:
                return
            self.checkpoint()

    def checkpoint(self) -> None:
        """One ``PASSIVE`` checkpoint on a connection of its own (the GIL is released while
        SQLite copies). ``mode=rw``: a database deleted meanwhile is not made anew."""
        try:
            connection = sqlite3.connect(
                f"file:{quote(self.database)}?mode=rw", uri=True, isolation_level=None, timeout=0
            )
        except sqlite3.Error as exc:
            log.debug("no WAL checkpoint of %s: %s", self.database, exc)
            return
        try:
            connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
            self.checkpoints += 1
        except sqlite3.Error as exc:  # e.g. the file went away, or is no WAL database
            log.debug("no WAL checkpoint of %s: %s", self.database, exc)
        finally:
            connection.close()
