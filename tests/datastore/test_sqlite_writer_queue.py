"""SQLite writers queue on a lock that wakes the next one, across processes too (engine.py).

``WriterQueue`` holds an RLock (threads) and an exclusive ``flock`` on ``<db>-writer.lock``
(processes) from before BEGIN IMMEDIATE until after COMMIT; readers take neither (WAL,
sqlite.org/wal.html §2.2). To show that writers wait on the queue and not in SQLite's busy
handler, the writers here run with ``PRAGMA busy_timeout=0``: any wait in SQLite itself would
fail at once with "database is locked" (sqlite.org/rescode.html#busy).
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from datastore import Datastore
from datastore.db import engine
from datastore.db.engine import WriterQueue, writer_lock

ROOT = Path(__file__).resolve().parents[2]
ROWS_PER_WRITER = 300
HANG_GUARD_S = 60.0  # only against a hang: no assertion below depends on how long anything took

needs_flock = pytest.mark.skipif(engine.fcntl is None, reason="needs flock (POSIX)")
linux_locks = pytest.mark.skipif(
    not Path("/proc/locks").exists() or engine.fcntl is None,
    reason="needs flock and /proc/locks (Linux) to see a writer waiting",
)


def _url(path: Path) -> str:
    return f"sqlite:///{path}"


def _open(url: str) -> Datastore:
    store = Datastore.from_url(url)
    with store.connect_write() as connection:
        connection.exec_driver_sql(
            "CREATE TABLE IF NOT EXISTS probe ("
            " id INTEGER PRIMARY KEY AUTOINCREMENT, who TEXT NOT NULL, n INTEGER NOT NULL)"
        )
    return store


def _no_busy_wait(store: Datastore) -> None:
    """Make SQLite fail at once instead of waiting, on the store's one pooled connection."""
    with store.connect_read() as connection:
        connection.exec_driver_sql("PRAGMA busy_timeout=0")


def _insert(store: Datastore, who: str, n: int, *, orm: bool = False) -> None:
    sql = "INSERT INTO probe (who, n) VALUES (?, ?)"
    if orm:
        with store.write() as session:
            session.connection().exec_driver_sql(sql, (who, n))
    else:
        with store.connect_write() as connection:
            connection.exec_driver_sql(sql, (who, n))


def _rows(store: Datastore) -> list[tuple[str, int]]:
    with store.connect_read() as connection:
        rows = connection.exec_driver_sql("SELECT who, n FROM probe ORDER BY id").all()
    return [(who, n) for who, n in rows]


def writer_process(url: str, who: str, rows: int) -> None:
    """A writer process (run with ``python -c``): ready, wait for "go", write ``rows`` rows."""
    store = Datastore.from_url(url)  # the probe table is there: the test made it
    _no_busy_wait(store)
    print("ready", flush=True)
    assert sys.stdin.readline().strip() == "go"
    for n in range(rows):
        _insert(store, who, n, orm=n % 3 == 0)  # both write paths: Core and ORM session
    # One pooled connection all along, so every write ran with busy_timeout=0.
    assert store.engine.pool.checkedin() == 1, store.engine.pool.status()
    print("done", flush=True)
    store.dispose()


def _spawn_writer(url: str, who: str, rows: int) -> subprocess.Popen[str]:
    code = (
        "from tests.datastore.test_sqlite_writer_queue import writer_process; "
        f"writer_process({url!r}, {who!r}, {rows})"
    )
    return subprocess.Popen(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _finish(process: subprocess.Popen[str]) -> tuple[str, str]:
    out, err = process.communicate(timeout=HANG_GUARD_S)
    assert process.returncode == 0, err
    return out, err


def _flock_waiters(lock_file: Path) -> set[int]:
    """Pids blocked in ``flock`` on ``lock_file`` (``->`` lines of /proc/locks)."""
    inode = f":{os.stat(lock_file).st_ino}"
    waiters = set()
    for line in Path("/proc/locks").read_text().splitlines():
        fields = line.split()
        if "->" in fields and "FLOCK" in fields and fields[-3].endswith(inode):
            waiters.add(int(fields[fields.index("WRITE") + 1]))
    return waiters


def _wait_until_blocked(lock_file: Path, pid: int) -> None:
    deadline = time.monotonic() + HANG_GUARD_S
    while pid not in _flock_waiters(lock_file):
        assert time.monotonic() < deadline, f"{pid} never waited on {lock_file}"
        time.sleep(0.01)


@pytest.fixture
def db(tmp_path: Path) -> Iterator[tuple[str, Datastore]]:
    """A fresh SQLite file with a probe table; the store stays open so the WAL does too."""
    url = _url(tmp_path / "queue.db")
    store = _open(url)
    yield url, store
    store.dispose()


@needs_flock
def test_two_processes_write_concurrently_without_locked_errors_and_lose_no_row(
    db: tuple[str, Datastore],
) -> None:
    url, store = db
    writers = [_spawn_writer(url, who, ROWS_PER_WRITER) for who in ("a", "b")]
    try:
        for process in writers:
            assert process.stdout is not None
            assert process.stdout.readline().strip() == "ready", process.stderr
        for process in writers:  # both start together
            assert process.stdin is not None
            process.stdin.write("go\n")
            process.stdin.flush()
        for process in writers:
            out, err = _finish(process)
            assert "done" in out
            assert "database is locked" not in err
    finally:
        for process in writers:
            if process.poll() is None:
                process.kill()
                process.communicate()

    rows = _rows(store)
    for who in ("a", "b"):
        assert sorted(n for w, n in rows if w == who) == list(range(ROWS_PER_WRITER))
    assert len(rows) == 2 * ROWS_PER_WRITER
    assert Path(f"{url.removeprefix('sqlite:///')}-writer.lock").exists()  # never deleted


@linux_locks
def test_a_writer_holding_the_queue_blocks_another_process_until_it_commits(
    db: tuple[str, Datastore],
) -> None:
    url, store = db
    lock_file = Path(f"{url.removeprefix('sqlite:///')}-writer.lock")
    with store.connect_write() as connection:
        connection.exec_driver_sql("INSERT INTO probe (who, n) VALUES ('holder', 1)")
        waiter = _spawn_writer(url, "waiter", 1)
        try:
            assert waiter.stdout is not None
            assert waiter.stdin is not None
            assert waiter.stdout.readline().strip() == "ready"
            waiter.stdin.write("go\n")
            waiter.stdin.flush()
            # It waits on the sidecar lock (not in SQLite: its busy timeout is 0) ...
            _wait_until_blocked(lock_file, waiter.pid)
            assert waiter.poll() is None
            connection.exec_driver_sql("INSERT INTO probe (who, n) VALUES ('holder', 2)")
        except BaseException:
            waiter.kill()
            waiter.communicate()
            raise
    # ... and goes on once the holder committed.
    out, err = _finish(waiter)
    assert "done" in out
    assert "database is locked" not in err
    assert _rows(store) == [("holder", 1), ("holder", 2), ("waiter", 0)]


@linux_locks
def test_a_forked_child_queues_behind_its_parent(db: tuple[str, Datastore], tmp_path: Path) -> None:
    """The parent's descriptor (and the lock held on it) is not the child's: it opens its own.

    The child only queues; it sends no SQL: SQLite connections must not be carried across a
    fork (sqlite.org/howtocorrupt.html §2.6), and the parent has one open here.
    """
    url, store = db
    lock_file = Path(f"{url.removeprefix('sqlite:///')}-writer.lock")
    events = tmp_path / "events"
    with store.connect_write() as connection:
        connection.exec_driver_sql("INSERT INTO probe (who, n) VALUES ('parent', 1)")
        pid = os.fork()
        if pid == 0:  # the child: never returns into pytest
            status = 1
            try:
                with writer_lock(Datastore.from_url(url).engine), events.open("a") as log:
                    log.write("child holds the queue\n")
                status = 0
            except BaseException:
                traceback.print_exc()
            finally:
                os._exit(status)
        try:
            _wait_until_blocked(lock_file, pid)
            with events.open("a") as log:
                log.write("parent releases the queue\n")
        except BaseException:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
            raise
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert events.read_text().splitlines() == [
        "parent releases the queue",
        "child holds the queue",
    ]


@needs_flock
def test_reads_take_neither_the_queue_nor_wait_for_the_writer(
    db: tuple[str, Datastore],
) -> None:
    """Another process's writer holds the sidecar lock and SQLite's write lock; reads go on."""
    url, store = db
    _insert(store, "committed", 0)
    _no_busy_wait(store)
    lock_file = f"{url.removeprefix('sqlite:///')}-writer.lock"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import fcntl, os, sqlite3, sys\n"
            f"fd = os.open({lock_file!r}, os.O_RDWR)\n"
            "fcntl.flock(fd, fcntl.LOCK_EX)\n"
            f"db = sqlite3.connect({url.removeprefix('sqlite:///')!r}, isolation_level=None)\n"
            "db.execute('BEGIN IMMEDIATE')\n"
            "db.execute(\"INSERT INTO probe (who, n) VALUES ('uncommitted', 0)\")\n"
            "print('holding', flush=True)\n"
            "sys.stdin.readline()\n"
            "db.execute('ROLLBACK')\n",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    results: list[Any] = []

    def read() -> None:
        rows = _rows(store)  # the hot path's connect_read
        with store.read() as session:  # the ORM read transaction
            count = session.connection().exec_driver_sql("SELECT count(*) FROM probe").scalar()
        results.extend([rows, count])

    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "holding", holder.stderr
        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        reader.join(HANG_GUARD_S)
        assert not reader.is_alive(), "a read waited for the writer"
    finally:
        holder.communicate("release\n", timeout=HANG_GUARD_S)
    assert results == [[("committed", 0)], 1]  # the snapshot before the open write


def test_stores_of_one_process_on_one_file_share_one_queue(
    db: tuple[str, Datastore],
) -> None:
    url, store = db
    other = Datastore.from_url(url)
    try:
        assert writer_lock(other.engine) is writer_lock(store.engine)
        # A nested write re-enters the queue of its own thread (and then meets SQLite).
        with store.connect_write() as connection:
            connection.exec_driver_sql("INSERT INTO probe (who, n) VALUES ('outer', 0)")
            queue = writer_lock(other.engine)
            with queue, queue:
                pass
        assert _rows(other) == [("outer", 0)]
    finally:
        other.dispose()


def _sqlite_engine(database: str, **query: str) -> Any:
    return SimpleNamespace(
        dialect=SimpleNamespace(name="sqlite"),
        url=SimpleNamespace(database=database, query=query),
    )


@pytest.mark.parametrize(
    ("database", "query"),
    [(None, {}), ("", {}), (":memory:", {}), ("file:x?mode=memory&cache=shared", {"uri": "true"})],
)
def test_an_in_memory_database_queues_threads_only(
    database: str, query: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    queue = writer_lock(_sqlite_engine(database, **query))
    assert isinstance(queue, WriterQueue)
    assert queue.lock_path is None
    assert not queue.uses_sidecar
    with queue:
        pass
    assert list(tmp_path.iterdir()) == []


def test_postgresql_has_no_queue() -> None:
    postgres = SimpleNamespace(dialect=SimpleNamespace(name="postgresql"))
    assert not isinstance(writer_lock(postgres), WriterQueue)


def test_without_a_usable_lock_file_writers_fall_back_to_the_busy_timeout(
    tmp_path: Path,
) -> None:
    """A lock file that cannot be created (as in a read-only directory): no error, no file."""
    path = tmp_path / "ro.db"
    lock_file = Path(f"{path}-writer.lock")
    lock_file.symlink_to(tmp_path / "no such directory" / "x")  # O_CREAT fails: ENOENT
    store = _open(_url(path))
    try:
        _insert(store, "fallback", 0)
        assert _rows(store) == [("fallback", 0)]
        queue = writer_lock(store.engine)
        assert isinstance(queue, WriterQueue)
        assert not queue.uses_sidecar
    finally:
        store.dispose()
    assert not lock_file.exists()  # the dangling link is still all there is


def test_without_fcntl_there_is_no_sidecar(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine, "fcntl", None)
    queue = WriterQueue(str(tmp_path / "x.db"))
    assert queue.lock_path is None
    with queue:
        pass
    assert list(tmp_path.iterdir()) == []
