"""Engines for SQLite (WAL mode, a busy timeout) and PostgreSQL, and SQLite's writer queue."""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time
import weakref
from contextlib import AbstractContextManager, nullcontext, suppress
from types import TracebackType
from typing import Any, ClassVar
from urllib.parse import parse_qs, unquote, urlsplit

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError, DisconnectionError

from datastore.db.checkpoint import FALLBACK_PAGES, WalCheckpointer

try:
    import fcntl
except ImportError:  # not POSIX (Windows): no sidecar lock; the busy timeout queues writers
    fcntl = None  # type: ignore[assignment]

__all__ = ["WriterQueue", "make_engine", "normalise_url", "sqlite_driver_call", "writer_lock"]

log = logging.getLogger(__name__)

SQLITE_BUSY_TIMEOUT_MS = 10_000
PING_AFTER_IDLE_S = 1.0


def normalise_url(url: str) -> str:
    """Use psycopg 3 for ``postgresql://`` URLs, the only PostgreSQL driver we install."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def make_engine(url: str, *, pool_size: int = 10, max_overflow: int = 10) -> Engine:
    """Create an engine: SQLite in WAL mode with a busy timeout, PostgreSQL with a sized pool."""
    url = normalise_url(url)
    kwargs: dict[str, Any] = {}
    if url.startswith("sqlite"):
        if ":memory:" in url or url in ("sqlite://", "sqlite:///"):
            raise ValueError("an in-memory SQLite database cannot be shared; use a file")
        kwargs["connect_args"] = {
            "check_same_thread": False,
            "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000,
        }
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    engine = create_engine(url, pool_size=pool_size, max_overflow=max_overflow, **kwargs)
    _ping_idle_connections(engine)
    return engine


def _ping_idle_connections(engine: Engine) -> None:
    """Ping a pooled PostgreSQL connection on checkout only when it sat idle for a while.

    ``pool_pre_ping`` pings on every checkout: one more round trip for every transaction of
    the token path. A connection checked in less than ``PING_AFTER_IDLE_S`` ago was working
    then; an older one may have been cut (a server restart, an idle timeout) and is pinged;
    when the ping fails the pool replaces it (``DisconnectionError``), as pre-ping does.
    """
    dialect = engine.dialect

    def checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    def checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_S:
            return  # a new connection, or one that just worked
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as exc:
            raise DisconnectionError(f"pooled connection failed its ping: {exc}") from exc

    event.listen(engine, "checkin", checkin)
    event.listen(engine, "checkout", checkout)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # The driver's own transaction handling is switched off so that ``_sqlite_begin`` decides.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # The writer queue's checkpointer copies the WAL back outside the write lock
    # (datastore/db/checkpoint.py); SQLite's own checkpoint in a commit is the fallback.
    cursor.execute(f"PRAGMA wal_autocheckpoint={FALLBACK_PAGES}")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    # Writers take the write lock up front (BEGIN IMMEDIATE) so they queue on the busy timeout
    # instead of failing with "database is locked" when a read transaction tries to upgrade;
    # readers begin deferred and run beside them (WAL). Sent on the driver's connection:
    # BEGIN needs none of SQLAlchemy's statement machinery.
    options = connection.get_execution_options()
    sql = "BEGIN IMMEDIATE" if options.get("sqlite_immediate") else "BEGIN"
    sqlite_driver_call(connection.connection.driver_connection, sql)


def sqlite_driver_call(driver: sqlite3.Connection, sql: str) -> None:
    """Send ``BEGIN [IMMEDIATE]`` or ``COMMIT`` on the sqlite3 connection itself.

    The driver is in autocommit mode (it begins nothing by itself), so these statements are
    the transaction. Its errors are raised as SQLAlchemy would raise them (e.g.
    ``OperationalError: database is locked``), so callers handle one kind of error whichever
    path sent the statement.
    """
    try:
        driver.execute(sql)
    except sqlite3.Error as exc:
        raise DBAPIError.instance(sql, None, exc, sqlite3.Error) from exc


def writer_lock(engine: Engine) -> AbstractContextManager[object]:
    """The lock a writer holds around its whole write transaction (BEGIN IMMEDIATE ... COMMIT).

    PostgreSQL: none (row locks and MVCC; ``nullcontext``). SQLite: this process's
    ``WriterQueue`` for the database file, shared by every engine on that file, or an
    in-process-only queue for an in-memory database.
    """
    if engine.dialect.name != "sqlite":
        return nullcontext()
    database = _sqlite_file(engine.url)
    if database is None:
        return WriterQueue(None)
    return WriterQueue.for_database(database)


def _sqlite_file(url: URL) -> str | None:
    """The absolute path of a SQLite URL's database file; ``None`` for an in-memory one."""
    database = url.database
    if not database or database == ":memory:":
        return None
    if str(url.query.get("uri", "")).lower() in ("true", "1") and database.startswith("file:"):
        parts = urlsplit(database)  # sqlite.org/uri.html: file:PATH?mode=memory&...
        if "memory" in parse_qs(parts.query).get("mode", []):
            return None
        database = unquote(parts.path)
        if not database or database == ":memory:":
            return None
    return os.path.realpath(database)


class WriterQueue:
    """SQLite's one writer at a time, queued on locks that wake the next writer at once.

    SQLite allows one writer per database file (sqlite.org/lockingv3.html; in WAL mode the
    WAL_WRITE_LOCK, sqlite.org/wal.html §2.2 "Concurrency": "there can only be one writer at a
    time"). A writer that finds the lock taken calls the busy handler, which for
    ``busy_timeout`` sleeps and retries (sqlite.org/c3ref/busy_timeout.html; the default
    handler backs off in steps of 1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50 and then 100 ms,
    ``sqliteDefaultBusyCallback`` in main.c). Nobody wakes a sleeper when the lock is freed:
    with short transactions and several writers, most of a writer's wait is sleep after the
    lock was already free, and on the provider's event-loop thread (idp/dispatch.py) that
    sleep blocks every request of the worker.

    So writers queue before they ask SQLite, on two locks held from before BEGIN IMMEDIATE
    until after COMMIT or ROLLBACK:

    - a ``threading.RLock`` for the threads of this process;
    - an exclusive ``flock(2)`` on a sidecar file ``<database>-writer.lock`` for the processes
      (``leerid-sim serve --workers N``, several ``Datastore``s of tests). The kernel wakes a
      blocked ``flock`` as soon as the holder unlocks (or exits: a crashed holder frees it),
      with no polling; its BEGIN IMMEDIATE then finds SQLite's write lock free.

    What stays as it was:

    - **Readers take neither lock.** In WAL mode readers do not block the writer nor the writer
      them (sqlite.org/wal.html §2.2); ``connect_read`` and ``read()`` never come here.
    - **The busy timeout stays the safety net** for writers that do not queue here: other
      programs (``leerid-sim seed`` or ``db upgrade`` while the server runs, the ``sqlite3``
      shell), the generator's bulk load, and a write on a connection that began deferred.
    - **It is advisory only**: nothing is refused to a program that ignores the sidecar file.

    Details:

    - The sidecar is created if missing (mode 0666 less the umask, as SQLite creates its
      ``-wal`` and ``-shm`` files) and never deleted: unlinking a lock file while another
      process holds or waits on it would let a third one lock a new file of the same name.
      An existing sidecar that is not writable is opened read-only (``flock`` needs no write
      access). When it cannot be opened at all (a read-only directory) or the file system
      refuses ``flock`` (``ENOLCK``), the process queues on the busy timeout alone, as it would
      without the queue: logged once, no error.
    - One queue per process and database file (``for_database``): engines and ``Datastore``s
      on one file share it, so a nested write on the same thread re-enters the RLock (and then waits
      in SQLite's busy timeout and fails with "database is locked", as without the queue) instead of
      waiting forever on a ``flock`` its own thread holds. Only the outermost level takes and
      releases the ``flock``: ``flock`` locks are per open file description, so an inner unlock
      would free the outer one.
    - Fork safety: the sidecar is opened lazily, on the first write of the process. ``flock``
      locks belong to the open file description, which a forked child shares with its parent,
      so a child never uses an inherited descriptor: after ``fork`` the child closes it and
      starts with a fresh RLock (``os.register_at_fork``; a changed pid is checked as well, for
      forks that bypass Python). The serve supervisor opens no engine before it forks
      (leerid_sim/commands/serve.py), so this is a second line of defence.
    - A waiter waits as long as the holder holds, as a thread waits on the RLock; a holder
      holds only for one short write transaction, and never across an ``await``.
    """

    _by_database: ClassVar[weakref.WeakValueDictionary[str, WriterQueue]] = (
        weakref.WeakValueDictionary()
    )
    _registry_lock: ClassVar[threading.Lock] = threading.Lock()
    _all: ClassVar[weakref.WeakSet[WriterQueue]] = weakref.WeakSet()

    def __init__(self, database: str | None) -> None:
        #: the sidecar lock file, or ``None`` when this queue is for this process only
        self.lock_path = None if database is None else f"{database}-writer.lock"
        self._threads = threading.RLock()
        self._depth = 0  # nesting of the owning thread; read and written under ``_threads``
        self._fd: int | None = None  # None: not opened yet in this process; -1: unavailable
        self._flocked = False
        self._pid = os.getpid()
        if self.lock_path is not None and fcntl is None:
            self.lock_path = None
        #: WAL checkpoints of the file, run outside this queue (datastore/db/checkpoint.py)
        self.checkpointer = None if database is None else WalCheckpointer(database)
        WriterQueue._all.add(self)

    @classmethod
    def for_database(cls, database: str) -> WriterQueue:
        """This process's queue for the SQLite file ``database`` (an absolute path)."""
        with cls._registry_lock:
            queue = cls._by_database.get(database)
            if queue is None:
                queue = cls._by_database[database] = cls(database)
            return queue

    @property
    def uses_sidecar(self) -> bool:
        """Whether writers of other processes are queued too (the sidecar could be locked)."""
        if self.lock_path is None:
            return False
        with self._threads:
            return self._open() >= 0

    def __enter__(self) -> WriterQueue:
        if self._pid != os.getpid():
            self._after_fork_in_child()
        self._threads.acquire()
        try:
            if self._depth == 0 and self.lock_path is not None:
                self._lock_sidecar()
        except BaseException:
            self._threads.release()
            raise
        self._depth += 1
        return self

    def __exit__(
        self,
        _type: type[BaseException] | None,
        _value: BaseException | None,
        _traceback: TracebackType | None,
    ) -> None:
        self._depth -= 1
        try:
            if self._depth == 0:
                if self.checkpointer is not None:
                    self.checkpointer.committed()
                if self._flocked:
                    self._flocked = False
                    assert fcntl is not None
                    assert self._fd is not None
                    fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            self._threads.release()

    def _lock_sidecar(self) -> None:
        fd = self._open()
        if fd < 0:
            return
        assert fcntl is not None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)  # sleeps in the kernel until the holder unlocks
        except OSError as exc:  # e.g. ENOLCK on a network file system
            log.warning(
                "cannot lock %s (%s); SQLite writers of this process queue on the busy "
                "timeout alone",
                self.lock_path,
                exc,
            )
            self._close()
            self._fd = -1
            return
        self._flocked = True

    def _open(self) -> int:
        """The sidecar's descriptor in this process, opened on first use; -1 if unavailable."""
        if self._fd is None:
            assert self.lock_path is not None
            try:
                self._fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o666)
            except OSError:
                try:  # made by another user, say: flock needs no write access
                    self._fd = os.open(self.lock_path, os.O_RDONLY)
                except OSError as exc:  # a read-only directory
                    log.info(
                        "no writer lock file %s (%s); SQLite writers of other processes "
                        "queue on the busy timeout",
                        self.lock_path,
                        exc.strerror,
                    )
                    self._fd = -1
        return self._fd

    def _close(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None and fd >= 0:
            os.close(fd)

    def _after_fork_in_child(self) -> None:
        """Forget the parent's descriptor and lock state (see the class docstring)."""
        self._threads = threading.RLock()
        self._depth = 0
        self._flocked = False
        # Closing our copy leaves the parent's lock alone: a flock is released when the last
        # descriptor of its open file description is closed, and the parent still has one.
        self._close()
        if self.checkpointer is not None:
            self.checkpointer.forget_thread()
        self._pid = os.getpid()

    def __del__(self) -> None:
        if self.checkpointer is not None:
            self.checkpointer.stop()
        if self._pid == os.getpid():
            with suppress(OSError):
                self._close()

    @classmethod
    def _after_fork(cls) -> None:
        cls._registry_lock = threading.Lock()
        for queue in list(cls._all):
            queue._after_fork_in_child()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=WriterQueue._after_fork)
