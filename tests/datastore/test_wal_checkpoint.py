"""SQLite's WAL is copied back by a thread of its own, not inside a writer's commit.

Each commit appends its pages to ``<db>-wal``; once a checkpoint has copied them all back, the
next writer starts the file again from the beginning (sqlite.org/wal.html §3). The provider's
connections leave SQLite's own checkpoint to ``FALLBACK_PAGES``, so without the checkpointer
thread the WAL of the commits below would keep growing: these tests see the thread keep it
short, end with its store, and leave no database behind where one was deleted.
"""

from __future__ import annotations

import gc
import threading
import time
from pathlib import Path

from datastore import Datastore
from datastore.db.checkpoint import EVERY_COMMITS, FALLBACK_PAGES, WalCheckpointer
from datastore.db.engine import WriterQueue

HANG_GUARD_S = 30.0
COMMITS = 10 * EVERY_COMMITS


def _database(url: str) -> str:
    return url.removeprefix("sqlite:///")


def _commit_rows(store: Datastore, n: int) -> None:
    with store.connect_write() as connection:
        connection.exec_driver_sql(
            "CREATE TABLE IF NOT EXISTS probe (id INTEGER PRIMARY KEY, body TEXT NOT NULL)"
        )
    for i in range(n):
        with store.connect_write() as connection:
            # A page of its own per row: each commit appends at least two pages to the WAL.
            connection.exec_driver_sql("INSERT INTO probe (body) VALUES (?)", (f"{i}" * 3000,))


def test_committed_pages_reach_the_database_file_without_a_commit_copying_them(
    sqlite_url: str,
) -> None:
    database = _database(sqlite_url)
    store = Datastore.from_url(sqlite_url)
    try:
        with store.connect_read() as connection:
            fallback = connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar()
        assert fallback == FALLBACK_PAGES
        before = Path(database).stat().st_size
        _commit_rows(store, COMMITS)
        # Over 2,000 pages committed, far below the commits' own checkpoint at 10,000: until a
        # checkpoint copies them, the new rows live in the WAL alone and the database file
        # keeps its size. The thread copies them while the writers go on.
        assert 2 * COMMITS < FALLBACK_PAGES
        grown = before + COMMITS * 4096 * 9 // 10
        deadline = time.monotonic() + HANG_GUARD_S
        while Path(database).stat().st_size < grown:
            assert time.monotonic() < deadline, Path(database).stat().st_size
            time.sleep(0.01)
        assert WriterQueue.for_database(database).checkpointer is not None
    finally:
        store.dispose()


def test_the_thread_ends_with_its_store(sqlite_url: str) -> None:
    store = Datastore.from_url(sqlite_url)
    _commit_rows(store, EVERY_COMMITS)
    name = f"wal-checkpoint {Path(_database(sqlite_url)).name}"
    assert any(t.name == name for t in threading.enumerate())
    store.dispose()
    del store
    gc.collect()
    deadline = time.monotonic() + HANG_GUARD_S
    while any(t.name == name for t in threading.enumerate()):
        assert time.monotonic() < deadline
        time.sleep(0.01)


def test_a_deleted_database_is_not_made_anew(tmp_path: Path) -> None:
    gone = tmp_path / "gone.db"
    checkpointer = WalCheckpointer(str(gone))
    checkpointer.checkpoint()
    assert not gone.exists()
    assert checkpointer.checkpoints == 0
