"""Engines for SQLite and PostgreSQL, set up as DECISIONS.md 4 asks."""

from __future__ import annotations

import sqlite3
import time
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, DisconnectionError

__all__ = ["make_engine", "normalise_url"]

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
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    # Writers take the write lock up front (BEGIN IMMEDIATE) so they queue on the busy timeout
    # instead of failing with "database is locked" when a read transaction tries to upgrade;
    # readers begin deferred and run beside them (WAL). Sent on the driver's connection:
    # BEGIN needs none of SQLAlchemy's statement machinery.
    options = connection.get_execution_options()
    sql = "BEGIN IMMEDIATE" if options.get("sqlite_immediate") else "BEGIN"
    try:
        connection.connection.driver_connection.execute(sql)
    except sqlite3.Error as exc:  # as SQLAlchemy would raise it (e.g. OperationalError: locked)
        raise DBAPIError.instance(sql, None, exc, sqlite3.Error) from exc
