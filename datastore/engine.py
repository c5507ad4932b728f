"""Engines for SQLite and PostgreSQL, set up as DECISIONS.md 4 asks."""

from __future__ import annotations

import sqlite3
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

__all__ = ["make_engine", "normalise_url"]

SQLITE_BUSY_TIMEOUT_MS = 10_000


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
    return create_engine(
        url, pool_size=pool_size, max_overflow=max_overflow, pool_pre_ping=True, **kwargs
    )


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
    # readers begin deferred and run beside them (WAL). ``sqlite_no_begin`` (the datastore's
    # single-statement connections) begins nothing: each statement is its own transaction.
    # Sent on the driver's connection: BEGIN needs none of SQLAlchemy's statement machinery.
    options = connection.get_execution_options()
    if options.get("sqlite_no_begin"):
        return
    sql = "BEGIN IMMEDIATE" if options.get("sqlite_immediate") else "BEGIN"
    try:
        connection.connection.driver_connection.execute(sql)
    except sqlite3.Error as exc:  # as SQLAlchemy would raise it (e.g. OperationalError: locked)
        raise DBAPIError.instance(sql, None, exc, sqlite3.Error) from exc
