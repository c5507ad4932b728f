"""The ``Database``: one engine, its short transactions, and the shared clock.

The repositories of ``datastore.store.Datastore`` are built on it and import only this, so no
repository imports the ``Datastore`` that builds them.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, suppress
from dataclasses import dataclass, field
from typing import Any, Self

from sqlalchemy import Connection, Engine, event
from sqlalchemy.orm import Session, sessionmaker

from datastore.db.clock import Clock
from datastore.db.engine import make_engine, sqlite_driver_call, writer_lock
from datastore.db.prepared import OBSERVERS

__all__ = ["Database", "StatementLog"]


@dataclass
class StatementLog:
    """The SQL statements and commits an engine sent while ``Database.statement_log`` ran."""

    statements: list[str] = field(default_factory=list)
    commits: int = 0


class Database:
    """One engine and the transactions every repository runs its statements in.

    ``read``/``write`` give ORM sessions, ``connect_read``/``connect_write`` Core connections for
    the protocol hot path; ``clock`` is the simulated clock every worker shares.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        # Core connections for the protocol hot path (``connect_read``, ``connect_write``), on
        # the same pool. SQLite: an engine of its own, without the ``begin`` listener of
        # engine.py (every event dispatched costs, on each statement and transaction); its
        # connections begin nothing themselves (the driver is in autocommit), so a lone
        # statement is its own transaction and ``connect_write`` sends BEGIN IMMEDIATE and
        # COMMIT on the driver. PostgreSQL: autocommit for single statements, else as usual.
        self._sqlite = engine.dialect.name == "sqlite"
        self._hot_engine: Engine = self._make_hot(engine)
        self._logs: list[StatementLog] = []
        # SQLite has one writer at a time. Writers queue on locks that wake the next one at
        # once: threads of this process on an RLock, processes on a sidecar file's flock
        # (engine.WriterQueue); without them they sleep in SQLite's busy handler, which backs
        # off in steps of up to 100 ms, so a waiting writer would often sleep past its turn.
        # Readers take neither (WAL). PostgreSQL needs none (``nullcontext``).
        self._write_lock: AbstractContextManager[object] = writer_lock(engine)
        self.clock = Clock(self)

    @staticmethod
    def _make_hot(engine: Engine) -> Engine:
        if engine.dialect.name == "sqlite":
            return Engine(engine.pool, engine.dialect, engine.url)
        return engine.execution_options(isolation_level="AUTOCOMMIT")

    @property
    def _hot(self) -> Engine:
        hot = self._hot_engine
        if hot.pool is not self.engine.pool:  # ``engine.dispose()`` made a new pool
            hot = self._hot_engine = self._make_hot(self.engine)
        return hot

    @classmethod
    def from_url(cls, url: str, *, pool_size: int = 10, max_overflow: int = 10) -> Self:
        """Open the datastore at a SQLAlchemy URL (SQLite file or PostgreSQL)."""
        return cls(make_engine(url, pool_size=pool_size, max_overflow=max_overflow))

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only transaction (rolled back at the end)."""
        with self._sessions() as session:
            try:
                yield session
            finally:
                session.rollback()

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A write transaction: committed when the block ends, rolled back on any error.

        On SQLite it begins IMMEDIATE, so concurrent writers queue instead of failing.
        """
        with self._write_lock, self._sessions() as session:
            session.connection(execution_options={"sqlite_immediate": True})
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    @contextmanager
    def connect_read(self) -> Iterator[Connection]:
        """A Core connection for ONE read statement, which is its own transaction.

        No BEGIN and no ROLLBACK: on PostgreSQL the connection is in autocommit; on SQLite
        the statement runs outside an explicit transaction (one statement is one consistent
        snapshot either way). For several reads that must agree, use ``read()``.
        """
        with self._hot.connect() as connection:
            yield connection

    @contextmanager
    def connect_write(self, *, single_statement: bool = False) -> Iterator[Connection]:
        """A Core write transaction: committed when the block ends, rolled back on any error.

        Cheaper than ``write()`` (no ORM session) for the protocol hot path. On SQLite it
        begins IMMEDIATE behind the writer queue (``engine.WriterQueue``), as ``write()`` does. With
        ``single_statement`` the block sends exactly one statement, which is atomic by itself:
        on PostgreSQL it then runs in autocommit, without the BEGIN and COMMIT round trips.
        """
        if not self._sqlite:
            if single_statement:  # autocommit: the statement commits itself
                with self._hot.connect() as connection:
                    yield connection
            else:
                with self.engine.begin() as connection:
                    yield connection
            return
        with self._write_lock, self._hot.connect() as connection:
            driver = connection.connection.driver_connection
            assert isinstance(driver, sqlite3.Connection)
            sqlite_driver_call(driver, "BEGIN IMMEDIATE")
            try:
                yield connection
            except BaseException:
                with suppress(sqlite3.Error):  # the error that got here is the one to raise
                    driver.rollback()
                raise
            sqlite_driver_call(driver, "COMMIT")
            for log in self._logs:
                log.commits += 1

    @contextmanager
    def statement_log(self) -> Iterator[StatementLog]:
        """Record every statement sent (and every commit) within the block: for tests and
        measurements of how many round trips a call costs. SQLite's BEGIN is not a statement
        here (``engine.py`` sends it on the driver's connection)."""
        log = StatementLog()

        def on_execute(*args: Any) -> None:
            log.statements.append(args[2])

        def on_commit(_connection: Any) -> None:
            log.commits += 1

        engines = (self.engine, self._hot) if self._sqlite else (self.engine,)
        for engine in engines:
            event.listen(engine, "before_cursor_execute", on_execute)
            event.listen(engine, "commit", on_commit)
        self._logs.append(log)
        OBSERVERS.append(log.statements.append)
        try:
            yield log
        finally:
            self._logs.remove(log)
            OBSERVERS.remove(log.statements.append)
            for engine in engines:
                event.remove(engine, "before_cursor_execute", on_execute)
                event.remove(engine, "commit", on_commit)

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()
